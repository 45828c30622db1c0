//! The AccessDenied explainer: paste the error, get the cause and the least-privilege fix.
//!
//! [`parse_message`] reads what AWS said ([`message`]); [`explain`] finds the caller in the
//! account, evaluates the request with the engine ([`crate::eval`]) using the caller's real
//! policy layers and context keys ([`crate::analysis::principal`]), and turns the trace into
//! causes, the conditions that decided, whether the snapshot agrees with the message
//! ([`cause`]), and the smallest change that would allow the request ([`fix`]).
//!
//! The decision and its causes always come from the engine's trace. The message steers only
//! what the snapshot cannot know: when AWS says "explicit deny in a service control policy" and
//! the snapshot reproduces that only for some values of keys the message does not give (source
//! IP, region, MFA), the explanation says so and names the statement and the assumption.

pub mod cause;
pub mod fix;
pub mod message;
pub mod operation;

use std::collections::HashSet;

use jiff::Timestamp;
use serde::Serialize;

use crate::analysis::principal::{
    DEFAULT_SESSION_NAME, NotAPrincipal, Principal, compile_scps, request_context, scp_label,
};
use crate::eval::{
    CauseKind, CompiledPolicy, Context, ContextValue, Decision, Evaluation, LayerKind, PolicySet,
    Request, ResourcePolicyKind,
};
use crate::model::{Account, Arn, EntityRef, LookupError, SessionArn};
use crate::policy::Policy;

pub use cause::{Agreement, ConditionNote, MessageCheck};
pub use fix::{Fix, FixChange};
pub use message::{
    Caller, Claim, ClaimKind, ClaimLayer, MessageShape, ParseError, ParsedMessage,
    apply_decoded_message, parse_message,
};
pub use operation::action_for_operation;

/// A policy given beside the account (`--scps FILE`, `--resource-policy FILE`, ...), with the
/// label explanations show for it.
#[derive(Debug, Clone, PartialEq)]
pub struct LabeledPolicy {
    /// A policy ARN, or where it came from (`scp level 1: scps.json[0][0]`).
    pub label: String,
    /// The Organizations policy id (`p-...`), when known: the fix's CLI command needs it.
    pub id: Option<String>,
    pub document: Policy,
}

/// What the message cannot say, supplied by the user.
#[derive(Debug, Clone, Default)]
pub struct ExplainOptions {
    /// The caller, when the message names none (S3's bare `Access Denied`), or to override it:
    /// a user or role name or ARN, or an assumed-role session ARN.
    pub principal: Option<String>,
    /// The action, when the message names none (or to override it).
    pub action: Option<String>,
    /// The resource ARN, when the message names none (or to override it).
    pub resource: Option<String>,
    /// The account owning the resource, for resources whose ARN has none (S3 buckets).
    pub resource_account: Option<String>,
    /// The resource's resource-based policy (bucket policy, key policy, trust policy, ...).
    pub resource_policy: Option<LabeledPolicy>,
    /// SCP levels, root first; replaces the snapshot's SCPs when given.
    pub scps: Option<Vec<Vec<LabeledPolicy>>>,
    /// RCP levels, root first.
    pub rcps: Vec<Vec<LabeledPolicy>>,
    /// The session policy passed when the session was created.
    pub session_policy: Option<LabeledPolicy>,
    /// Context keys the message cannot tell (`aws:SourceIp`, `aws:MultiFactorAuthPresent`, ...);
    /// they override iamscope's assumptions.
    pub context: Vec<(String, ContextValue)>,
    /// The region the request was sent to, when the resource ARN has none.
    pub region: Option<String>,
    /// The time of the request; default: when the snapshot was taken.
    pub now: Option<Timestamp>,
}

/// Why a message could not be explained against this account.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExplainError {
    #[error(
        "the message does not name the caller: pass --principal NAME|ARN (the user, role or session that made the request)"
    )]
    NoCaller,
    #[error("{0}")]
    NoAction(String),
    #[error("the caller: {0}")]
    Lookup(#[from] LookupError),
    #[error(transparent)]
    NotAPrincipal(#[from] NotAPrincipal),
    #[error(
        "the caller `{caller}` is in account {caller_account}, but the snapshot is of account {account}: load a snapshot of account {caller_account}, or pass --principal"
    )]
    CallerElsewhere {
        caller: String,
        caller_account: String,
        account: String,
    },
    #[error(
        "`{caller}` is a federated user: its permissions are those of the IAM user that called sts:GetFederationToken, intersected with the session policy; no user of the snapshot is named `{name}`: pass --principal USER (and --session-policy FILE)"
    )]
    FederatedUser { caller: String, name: String },
    #[error("iamscope cannot evaluate requests made by `{0}`: pass --principal NAME|ARN")]
    UnsupportedCaller(String),
    #[error("{0}")]
    NoResource(String),
}

/// The explanation of one denied request: the §4 fields of FORMATS.md first, then detail.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// The IAM user ARN, or the role ARN for an assumed-role session.
    pub principal_arn: String,
    /// The session ARN as the message wrote it, when the caller is a session.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_arn: Option<String>,
    pub action: String,
    pub resource: String,
    pub decision: Decision,
    pub causes: Vec<ExplainCause>,
    /// The first change to make (see `fixes` for all of them).
    pub fix: Option<Fix>,
    /// One sentence: what the snapshot says.
    pub summary: String,
    /// Every change that together would allow the request, in order.
    pub fixes: Vec<Fix>,
    /// What the message said, and whether the snapshot agrees.
    pub message: MessageCheck,
    /// Conditions that decided, or that would decide with another context.
    pub conditions: Vec<ConditionNote>,
    /// What iamscope assumed that the message does not say (context keys, resource, caller).
    pub assumptions: Vec<String>,
    /// When the snapshot allows the request: the likely reasons AWS denied it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub likely_reasons: Vec<String>,
    pub resource_account: String,
    pub cross_account: bool,
    /// The request context evaluated.
    pub context: Vec<ContextEntry>,
    /// The engine's evaluation (the TUI jumps from a cause to its statement with it).
    #[serde(skip)]
    pub evaluation: Evaluation,
}

/// One cause of the decision, in FORMATS.md §4 form plus detail.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExplainCause {
    pub kind: CauseKind,
    pub layer: LayerKind,
    /// The policy ARN, inline policy name, or SCP level (`scp level 2`).
    pub policy: Option<String>,
    /// The statement's Sid, else its 0-based index.
    pub statement: Option<String>,
    /// SCP/RCP level, 1-based from the root.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement_index: Option<usize>,
    /// Who holds the policy (`user alice`, `group Developers`, `role X`, `organization`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attached_to: Option<String>,
    /// The statement as written, for an explicit deny.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document: Option<serde_json::Value>,
    /// `true` when the snapshot reproduces this cause only under an assumption about context
    /// the message does not give (see `assumptions`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub assumed: bool,
    /// The cause as a sentence.
    pub detail: String,
}

/// A context key and its value as evaluated (`null`: unknown).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContextEntry {
    pub key: String,
    pub value: Option<ContextValue>,
    /// Where the value came from: `message`, `account`, `assumed` or `--context`.
    pub source: &'static str,
}

/// Who made the request, resolved in the account.
#[derive(Debug, Clone)]
pub(crate) struct Subject {
    pub(crate) principal: Option<Principal>,
    /// §4 `principal_arn`.
    pub(crate) principal_arn: String,
    /// The ARN the request carries (a session ARN for a role).
    pub(crate) caller_arn: String,
    pub(crate) session_arn: Option<String>,
    pub(crate) kind: SubjectKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SubjectKind {
    User,
    RoleSession,
    FederatedUser,
    /// An OIDC or SAML provider (web identity or SAML federation into a role).
    IdentityProvider,
    Root,
    Anonymous,
}

/// Where each policy of the evaluation comes from, by label: for statements, owners and fixes.
#[derive(Debug, Clone)]
pub(crate) struct PolicySource {
    pub(crate) layer: LayerKind,
    pub(crate) label: String,
    pub(crate) document: Policy,
    pub(crate) owner: Owner,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Owner {
    /// An inline policy of a user, group or role: (kind, name).
    Inline(&'static str, String),
    /// A managed policy, attached through (kind, name).
    Managed {
        arn: String,
        name: String,
        aws_managed: bool,
        via: (&'static str, String),
    },
    Boundary {
        arn: String,
        aws_managed: bool,
        holder: (&'static str, String),
    },
    Org {
        kind: &'static str,
        level: usize,
        id: Option<String>,
    },
    Resource {
        trust_role: Option<String>,
    },
    Session,
}

/// Everything the evaluation needs, resolved once.
pub(crate) struct Setup {
    pub(crate) subject: Subject,
    pub(crate) action: String,
    pub(crate) resource: String,
    pub(crate) resource_account: String,
    pub(crate) set: PolicySet,
    pub(crate) sources: Vec<PolicySource>,
    /// The context with assumptions (absent keys absent).
    pub(crate) context: Context,
    pub(crate) context_sources: Vec<ContextEntry>,
    /// Keys whose value the user or the account fixed: never second-guessed.
    pub(crate) fixed_keys: HashSet<String>,
    pub(crate) assumptions: Vec<String>,
    pub(crate) has_scps: bool,
    pub(crate) has_rcps: bool,
    pub(crate) has_resource_policy: bool,
    pub(crate) has_session_policy: bool,
}

/// Explains `message` against `account`.
pub fn explain(
    account: &Account,
    message: &ParsedMessage,
    options: &ExplainOptions,
) -> Result<Explanation, ExplainError> {
    let setup = setup(account, message, options)?;
    Ok(cause::explain_setup(account, message, setup))
}

fn setup(
    account: &Account,
    message: &ParsedMessage,
    options: &ExplainOptions,
) -> Result<Setup, ExplainError> {
    let mut assumptions = Vec::new();
    let subject = resolve_subject(account, message, options, &mut assumptions)?;
    let (resource, resource_written) = resolve_resource(account, message, options);
    let action = resolve_action(message, options, &resource)?;
    let resource = match resource {
        Some(r) => r,
        None if action.to_ascii_lowercase().starts_with("sts:assumerole") => {
            return Err(ExplainError::NoResource(format!(
                "the message does not name the role being assumed: pass --resource ROLE_ARN to check its trust policy for {action}"
            )));
        }
        None => {
            if operation::has_resource_types(&action) != Some(false) {
                assumptions.push(
                    "the message names no resource: evaluated against `*`, which only statements with `\"Resource\": \"*\"` cover; pass --resource ARN for the exact answer".into(),
                );
            }
            "*".to_owned()
        }
    };
    if let Some(written) = resource_written
        && written != resource
    {
        assumptions.push(format!(
            "the message names the resource `{written}`: evaluated as `{resource}`"
        ));
    }
    let resource_account = resolve_resource_account(account, &subject, &resource, options);

    // The caller's layers, compiled alone: the same policies and labels as
    // `CompiledAccount::policy_set` (a test keeps them in step), without compiling every
    // policy of a large account for one request.
    let sources = match subject.principal {
        Some(p) => identity_sources(account, p),
        None => Vec::new(),
    };
    let compile = |layer: LayerKind| {
        sources
            .iter()
            .filter(move |s| s.layer == layer)
            .map(|s| CompiledPolicy::labeled(s.label.clone(), &s.document))
    };
    let mut set = PolicySet {
        identity: compile(LayerKind::Identity).collect(),
        permission_boundary: compile(LayerKind::PermissionsBoundary).next(),
        scps: compile_scps(account, CompiledPolicy::compile),
        ..PolicySet::default()
    };
    let mut sources = sources;
    // The snapshot's SCPs apply to the account's own principals; `--scps` replaces them.
    match &options.scps {
        Some(levels) => {
            set.scps = compile_levels(levels);
            sources.retain(|s| s.layer != LayerKind::Scp);
            sources.extend(level_sources(levels, LayerKind::Scp, "scp"));
        }
        None => sources.extend(account_scp_sources(account)),
    }
    if matches!(
        subject.kind,
        SubjectKind::Anonymous | SubjectKind::IdentityProvider
    ) {
        set.scps.clear();
    }
    set.rcps = compile_levels(&options.rcps);
    sources.extend(level_sources(&options.rcps, LayerKind::Rcp, "rcp"));

    let assume_role = action.to_ascii_lowercase().starts_with("sts:assumerole");
    let target_role = assume_role
        .then(|| role_of_resource(account, &resource))
        .flatten();
    if let Some(rp) = &options.resource_policy {
        set.resource_policy = Some(CompiledPolicy::labeled(rp.label.clone(), &rp.document));
        sources.push(PolicySource {
            layer: LayerKind::Resource,
            label: rp.label.clone(),
            document: rp.document.clone(),
            owner: Owner::Resource {
                trust_role: assume_role
                    .then(|| {
                        Arn::parse(&resource)
                            .ok()
                            .map(|a| a.resource_name().to_owned())
                    })
                    .flatten(),
            },
        });
        if assume_role || is_key_policy(&action) {
            // Trust policies and KMS key policies "must explicitly allow access for
            // principals", even within the account ("Policy evaluation logic").
            set.resource_policy_kind = ResourcePolicyKind::RoleTrust;
        }
    } else if let Some(role) = target_role {
        // sts:AssumeRole on a role of the account: its trust policy is the resource policy.
        let r = account.role(role);
        if let Some(trust) = &r.trust_policy {
            let label = format!("{} trust policy", r.arn);
            set.resource_policy = Some(CompiledPolicy::labeled(label.clone(), trust));
            set.resource_policy_kind = ResourcePolicyKind::RoleTrust;
            sources.push(PolicySource {
                layer: LayerKind::Resource,
                label,
                document: trust.clone(),
                owner: Owner::Resource {
                    trust_role: Some(r.name.clone()),
                },
            });
        }
    }
    if is_key_policy(&action) && options.resource_policy.is_none() {
        assumptions.push(
            "KMS keys are governed by their key policy, which the snapshot does not hold: iamscope assumed the default key policy (it lets IAM policies of the account grant access); pass --resource-policy FILE with the key policy".into(),
        );
    }
    if let Some(sp) = &options.session_policy {
        set.session_policy = Some(CompiledPolicy::labeled(sp.label.clone(), &sp.document));
        sources.push(PolicySource {
            layer: LayerKind::Session,
            label: sp.label.clone(),
            document: sp.document.clone(),
            owner: Owner::Session,
        });
    } else if subject.kind == SubjectKind::FederatedUser {
        // GetFederationToken: "if you do not pass a policy, then the resulting federated user
        // session has no permissions" (AWS STS API Reference).
        let empty = Policy {
            version: crate::policy::PolicyVersion::V2012_10_17,
            id: None,
            statements: Vec::new(),
            single_statement: false,
            warnings: Vec::new(),
        };
        let label = "session policy (none passed to GetFederationToken)".to_owned();
        set.session_policy = Some(CompiledPolicy::labeled(label.clone(), &empty));
        sources.push(PolicySource {
            layer: LayerKind::Session,
            label,
            document: empty,
            owner: Owner::Session,
        });
        assumptions.push(
            "a federated user has only what its GetFederationToken session policy allows: without --session-policy, none".into(),
        );
    }

    // Condition keys the policies use: assumptions about other keys are not worth a word.
    let referenced: HashSet<String> = sources
        .iter()
        .flat_map(|s| s.document.statements.iter())
        .flat_map(|st| st.conditions.iter())
        .map(|c| c.key.to_ascii_lowercase())
        .collect();
    let (context, context_sources, fixed_keys) = build_context(
        account,
        message,
        &subject,
        &resource,
        &action,
        options,
        &referenced,
        &mut assumptions,
    );

    Ok(Setup {
        has_scps: !set.scps.is_empty(),
        has_rcps: !set.rcps.is_empty(),
        has_resource_policy: set.resource_policy.is_some(),
        has_session_policy: set.session_policy.is_some(),
        subject,
        action,
        resource,
        resource_account,
        set,
        sources,
        context,
        context_sources,
        fixed_keys,
        assumptions,
    })
}

/// The request for the setup's context (or another one).
pub(crate) fn request(setup: &Setup, context: Context) -> Request {
    Request::new(&setup.subject.caller_arn, &setup.action, &setup.resource)
        .with_resource_account(&setup.resource_account)
        .with_context(context)
}

fn resolve_subject(
    account: &Account,
    message: &ParsedMessage,
    options: &ExplainOptions,
    assumptions: &mut Vec<String>,
) -> Result<Subject, ExplainError> {
    let caller = match &options.principal {
        Some(p) => {
            let from_option = option_caller(account, p)?;
            if let Some(written) = message.caller.as_ref().and_then(Caller::arn)
                && !same_caller(written, &from_option)
            {
                assumptions.push(format!(
                    "--principal `{p}` replaces the caller the message names (`{written}`)"
                ));
            }
            from_option
        }
        None => match message.caller.clone() {
            Some(c) => c,
            None => {
                let provider = sole_provider(account, message);
                let caller = provider.ok_or(ExplainError::NoCaller)?;
                assumptions.push(format!(
                    "the message names no caller: the account's only identity provider `{}` is assumed; pass --principal otherwise",
                    caller.arn().unwrap_or_default()
                ));
                caller
            }
        },
    };
    subject_of(account, &caller)
}

/// For `sts:AssumeRoleWithWebIdentity` / `WithSAML` without a caller: the account's only
/// provider of that kind.
fn sole_provider(account: &Account, message: &ParsedMessage) -> Option<Caller> {
    let action = message.action.as_deref()?.to_ascii_lowercase();
    let arns: Vec<&str> = if action == "sts:assumerolewithwebidentity" {
        account
            .oidc_providers
            .iter()
            .map(|p| p.arn.as_str())
            .collect()
    } else if action == "sts:assumerolewithsaml" {
        account
            .saml_providers
            .iter()
            .map(|p| p.arn.as_str())
            .collect()
    } else {
        return None;
    };
    match arns.as_slice() {
        [one] => Some(Caller::parse(one)),
        _ => None,
    }
}

fn same_caller(written: &str, caller: &Caller) -> bool {
    caller.arn().is_some_and(|a| a == written)
}

/// `--principal`: a name or an ARN of the account, a session ARN, `anonymous`.
fn option_caller(account: &Account, text: &str) -> Result<Caller, ExplainError> {
    let text = text.trim();
    if text.starts_with("arn:") || text.eq_ignore_ascii_case("anonymous") {
        return Ok(Caller::parse(text));
    }
    // An OIDC provider by its host (`token.actions.githubusercontent.com`).
    let host = text.trim_start_matches("https://").trim_end_matches('/');
    if let Some(p) = account.oidc_providers.iter().find(|p| p.url == host) {
        return Ok(Caller::parse(&p.arn));
    }
    let entity = account.lookup(text)?;
    let arn = account.arn_of(entity).to_owned();
    Ok(match entity {
        EntityRef::User(_) | EntityRef::Role(_) => Caller::parse(&arn),
        other => {
            return Err(NotAPrincipal {
                name: account.name_of(other).to_owned(),
                kind: other.kind().as_str(),
            }
            .into());
        }
    })
}

fn check_account(
    account: &Account,
    caller: &str,
    caller_account: &str,
) -> Result<(), ExplainError> {
    let snapshot = &account.info.account_id;
    if !snapshot.is_empty() && !caller_account.is_empty() && snapshot != caller_account {
        return Err(ExplainError::CallerElsewhere {
            caller: caller.to_owned(),
            caller_account: caller_account.to_owned(),
            account: snapshot.clone(),
        });
    }
    Ok(())
}

fn subject_of(account: &Account, caller: &Caller) -> Result<Subject, ExplainError> {
    match caller {
        Caller::User { arn, account: acct } => {
            let entity = match account.by_arn(arn) {
                Some(e) => e,
                None => {
                    check_account(account, arn, acct)?;
                    // The path may differ from the snapshot's (renamed, moved): the name decides.
                    let name = Arn::parse(arn).map(|a| a.resource_name()).unwrap_or(arn);
                    match account.lookup(name)? {
                        e @ EntityRef::User(_) => e,
                        _ => return Err(LookupError::NotFound(arn.clone(), String::new()).into()),
                    }
                }
            };
            let principal = Principal::try_from((account, entity))?;
            Ok(Subject {
                principal: Some(principal),
                principal_arn: principal.arn(account).to_owned(),
                caller_arn: principal.arn(account).to_owned(),
                session_arn: None,
                kind: SubjectKind::User,
            })
        }
        Caller::Role { arn, account: acct } => {
            let id = match account.by_arn(arn) {
                Some(EntityRef::Role(id)) => id,
                _ => {
                    check_account(account, arn, acct)?;
                    let name = Arn::parse(arn).map(|a| a.resource_name()).unwrap_or(arn);
                    role_named(account, name)
                        .ok_or_else(|| LookupError::NotFound(arn.clone(), String::new()))?
                }
            };
            let principal = Principal::Role(id);
            Ok(Subject {
                principal: Some(principal),
                principal_arn: principal.arn(account).to_owned(),
                caller_arn: principal.caller_arn(account, DEFAULT_SESSION_NAME),
                session_arn: None,
                kind: SubjectKind::RoleSession,
            })
        }
        Caller::AssumedRole {
            arn,
            account: acct,
            role_name,
            ..
        } => {
            check_account(account, arn, acct)?;
            // The session ARN has the role's name but not its path: resolve by name.
            let id = role_named(account, role_name).ok_or_else(|| {
                LookupError::NotFound(arn.clone(), role_suggestion(account, role_name))
            })?;
            let principal = Principal::Role(id);
            Ok(Subject {
                principal: Some(principal),
                principal_arn: principal.arn(account).to_owned(),
                caller_arn: arn.clone(),
                session_arn: Some(arn.clone()),
                kind: SubjectKind::RoleSession,
            })
        }
        Caller::FederatedUser {
            arn,
            account: acct,
            name,
        } => {
            check_account(account, arn, acct)?;
            let user = account
                .users
                .iter()
                .position(|u| u.name == *name)
                .ok_or_else(|| ExplainError::FederatedUser {
                    caller: arn.clone(),
                    name: name.clone(),
                })?;
            let principal = Principal::User(crate::model::UserId(user as u32));
            Ok(Subject {
                principal: Some(principal),
                principal_arn: principal.arn(account).to_owned(),
                caller_arn: arn.clone(),
                session_arn: Some(arn.clone()),
                kind: SubjectKind::FederatedUser,
            })
        }
        Caller::Root { arn, account: acct } => {
            check_account(account, arn, acct)?;
            Ok(Subject {
                principal: None,
                principal_arn: arn.clone(),
                caller_arn: arn.clone(),
                session_arn: None,
                kind: SubjectKind::Root,
            })
        }
        Caller::IdentityProvider { arn, account: acct } => {
            check_account(account, arn, acct)?;
            Ok(Subject {
                principal: None,
                principal_arn: arn.clone(),
                caller_arn: arn.clone(),
                session_arn: None,
                kind: SubjectKind::IdentityProvider,
            })
        }
        Caller::Anonymous => Ok(Subject {
            principal: None,
            principal_arn: "anonymous".into(),
            caller_arn: "anonymous".into(),
            session_arn: None,
            kind: SubjectKind::Anonymous,
        }),
        Caller::Other { text } => Err(ExplainError::UnsupportedCaller(text.clone())),
    }
}

/// A role by name; IAM names are unique without regard to case, so a differently cased name
/// still denotes the role.
fn role_named(account: &Account, name: &str) -> Option<crate::model::RoleId> {
    account.role_by_name(name).or_else(|| {
        account
            .roles
            .iter()
            .position(|r| r.name.eq_ignore_ascii_case(name))
            .map(|i| crate::model::RoleId(i as u32))
    })
}

fn role_suggestion(account: &Account, name: &str) -> String {
    let lower = name.to_lowercase();
    account
        .roles
        .iter()
        .map(|r| r.name.as_str())
        .filter(|n| {
            let n = n.to_lowercase();
            n.contains(&lower) || lower.contains(&n) || crate::model::edit_distance(&n, &lower) <= 2
        })
        .min_by_key(|n| crate::model::edit_distance(&n.to_lowercase(), &lower))
        .map(|n| format!("; no role of the snapshot is named `{name}`: did you mean `{n}`?"))
        .unwrap_or_else(|| format!("; no role of the snapshot is named `{name}`"))
}

/// The resource to evaluate, and what the message wrote when it differs.
fn resolve_resource(
    account: &Account,
    message: &ParsedMessage,
    options: &ExplainOptions,
) -> (Option<String>, Option<String>) {
    if let Some(r) = &options.resource {
        return (Some(r.trim().to_owned()), None);
    }
    let Some(r) = message.resource.clone() else {
        return (None, None);
    };
    // IAM names its resources without a path (`role voclabs`): take the account's ARN.
    if let Ok(arn) = Arn::parse(&r)
        && arn.service == "iam"
        && let Some((kind, name)) = arn.resource_type()
        && !name.contains('/')
        && matches!(kind, "role" | "user" | "group" | "policy")
        && let Ok(entity) = account.lookup(name)
        && entity.kind().as_str() == kind
    {
        let full = account.arn_of(entity).to_owned();
        let written = message.resource_as_written.clone().or(Some(r));
        return (Some(full), written);
    }
    (Some(r), message.resource_as_written.clone())
}

fn resolve_action(
    message: &ParsedMessage,
    options: &ExplainOptions,
    resource: &Option<String>,
) -> Result<String, ExplainError> {
    if let Some(a) = options.action.as_deref().or(message.action.as_deref()) {
        let a = a.trim();
        return Ok(operation::canonical_action(a).unwrap_or_else(|| a.to_owned()));
    }
    let Some(op) = &message.operation else {
        return Err(ExplainError::NoAction(
            "the message names neither the action nor the operation: pass --action SERVICE:ACTION (e.g. s3:GetObject)".into(),
        ));
    };
    // The resource's ARN names the service most surely; then what the SDK or the text says.
    let service = resource
        .as_deref()
        .and_then(|r| Arn::parse(r).ok())
        .map(|a| a.service.to_owned())
        .or_else(|| message.service.clone())
        .or_else(|| match message.error_code.as_deref() {
            // EC2 answers UnauthorizedOperation; S3 answers `AccessDenied` with the bare
            // `Access Denied` text.
            Some("UnauthorizedOperation" | "Client.UnauthorizedOperation") => Some("ec2".into()),
            _ => None,
        })
        .or_else(|| {
            let services = operation::services_with_action(op);
            match services.as_slice() {
                [one] => Some(one.clone()),
                many if many.iter().any(|s| s == "s3") && message.shape == MessageShape::Bare => {
                    Some("s3".into())
                }
                _ => None,
            }
        });
    match service.and_then(|s| action_for_operation(&s, op)) {
        Some(a) => Ok(a),
        None => Err(ExplainError::NoAction(format!(
            "the message names the operation `{op}` but not its service: pass --action SERVICE:ACTION (e.g. s3:{op}) or --resource ARN"
        ))),
    }
}

/// The account owning the resource: `--resource-account`, the ARN's, or (ARNs without one,
/// such as S3's) the caller's.
fn resolve_resource_account(
    account: &Account,
    subject: &Subject,
    resource: &str,
    options: &ExplainOptions,
) -> String {
    if let Some(a) = &options.resource_account {
        return a.clone();
    }
    if let Ok(arn) = Arn::parse(resource)
        && !arn.account.is_empty()
    {
        return arn.account.to_owned();
    }
    if let Some(s) = SessionArn::parse(&subject.caller_arn) {
        return s.account.to_owned();
    }
    Arn::parse(&subject.principal_arn)
        .ok()
        .map(|a| a.account.to_owned())
        .filter(|a| !a.is_empty())
        .unwrap_or_else(|| account.info.account_id.clone())
}

fn role_of_resource(account: &Account, resource: &str) -> Option<crate::model::RoleId> {
    match account.by_arn(resource) {
        Some(EntityRef::Role(id)) => Some(id),
        _ => {
            let arn = Arn::parse(resource).ok()?;
            if arn.service != "iam" || arn.account != account.info.account_id {
                return None;
            }
            match arn.resource_type()? {
                ("role", _) => account.role_by_name(arn.resource_name()),
                _ => None,
            }
        }
    }
}

fn is_key_policy(action: &str) -> bool {
    action.to_ascii_lowercase().starts_with("kms:")
}

fn compile_levels(levels: &[Vec<LabeledPolicy>]) -> Vec<Vec<CompiledPolicy>> {
    levels
        .iter()
        .map(|l| {
            l.iter()
                .map(|p| CompiledPolicy::labeled(p.label.clone(), &p.document))
                .collect()
        })
        .collect()
}

fn level_sources(
    levels: &[Vec<LabeledPolicy>],
    layer: LayerKind,
    kind: &'static str,
) -> Vec<PolicySource> {
    levels
        .iter()
        .enumerate()
        .flat_map(|(i, l)| {
            l.iter().map(move |p| PolicySource {
                layer,
                label: p.label.clone(),
                document: p.document.clone(),
                owner: Owner::Org {
                    kind,
                    level: i + 1,
                    id: p.id.clone(),
                },
            })
        })
        .collect()
}

fn account_scp_sources(account: &Account) -> Vec<PolicySource> {
    account
        .scps
        .iter()
        .enumerate()
        .flat_map(|(level, policies)| {
            policies.iter().map(move |p| PolicySource {
                layer: LayerKind::Scp,
                label: scp_label(level, p),
                document: p.document.clone(),
                owner: Owner::Org {
                    kind: "scp",
                    level: level + 1,
                    id: (!p.id.is_empty()).then(|| p.id.clone()),
                },
            })
        })
        .collect()
}

/// The principal's identity policies and boundary, labeled as [`CompiledAccount`] labels them.
fn identity_sources(account: &Account, principal: Principal) -> Vec<PolicySource> {
    let mut out = Vec::new();
    let managed = |r: &crate::model::PolicyRef, via: (&'static str, String)| {
        let p = account.policy(r.policy?);
        Some(PolicySource {
            layer: LayerKind::Identity,
            label: p.arn.clone(),
            document: p.default_document()?.clone(),
            owner: Owner::Managed {
                arn: p.arn.clone(),
                name: p.name.clone(),
                aws_managed: p.is_aws_managed(),
                via,
            },
        })
    };
    let (holder, inline, attached, boundary) = match principal {
        Principal::User(id) => {
            let u = account.user(id);
            (
                ("user", u.name.clone()),
                &u.inline_policies,
                &u.attached_policies,
                &u.permissions_boundary,
            )
        }
        Principal::Role(id) => {
            let r = account.role(id);
            (
                ("role", r.name.clone()),
                &r.inline_policies,
                &r.attached_policies,
                &r.permissions_boundary,
            )
        }
    };
    for p in inline {
        out.push(PolicySource {
            layer: LayerKind::Identity,
            label: p.name.clone(),
            document: p.document.clone(),
            owner: Owner::Inline(holder.0, holder.1.clone()),
        });
    }
    out.extend(attached.iter().filter_map(|r| managed(r, holder.clone())));
    if let Principal::User(id) = principal {
        for g in &account.user(id).groups {
            let group = account.group(*g);
            for p in &group.inline_policies {
                out.push(PolicySource {
                    layer: LayerKind::Identity,
                    label: p.name.clone(),
                    document: p.document.clone(),
                    owner: Owner::Inline("group", group.name.clone()),
                });
            }
            out.extend(
                group
                    .attached_policies
                    .iter()
                    .filter_map(|r| managed(r, ("group", group.name.clone()))),
            );
        }
    }
    if let Some(b) = boundary
        && let Some(id) = b.policy
    {
        let p = account.policy(id);
        if let Some(doc) = p.default_document() {
            out.push(PolicySource {
                layer: LayerKind::PermissionsBoundary,
                label: p.arn.clone(),
                document: doc.clone(),
                owner: Owner::Boundary {
                    arn: p.arn.clone(),
                    aws_managed: p.is_aws_managed(),
                    holder: holder.clone(),
                },
            });
        }
    }
    out
}

/// Services whose requests are always in `us-east-1` (global endpoints).
const GLOBAL_SERVICES: &[&str] = &[
    "iam",
    "organizations",
    "route53",
    "cloudfront",
    "support",
    "account",
    "budgets",
    "ce",
    "health",
    "trustedadvisor",
    "waf",
    "globalaccelerator",
    "shield",
];

/// The request context: the caller's keys from the account, the keys the message implies, the
/// user's `--context`, and assumptions for the keys every request has.
#[allow(clippy::too_many_arguments)]
fn build_context(
    account: &Account,
    message: &ParsedMessage,
    subject: &Subject,
    resource: &str,
    action: &str,
    options: &ExplainOptions,
    referenced: &HashSet<String>,
    assumptions: &mut Vec<String>,
) -> (Context, Vec<ContextEntry>, HashSet<String>) {
    let now = options
        .now
        .or(account.info.fetched_at)
        .unwrap_or(Timestamp::UNIX_EPOCH);
    let mut ctx = match subject.principal {
        Some(p) => request_context(account, p, now),
        None => Context::new(),
    };
    let mut fixed: HashSet<String> = ctx.iter().map(|(k, _)| k.to_owned()).collect();
    // Time and transport are assumptions (the message may be old), not facts of the account.
    for k in ["aws:currenttime", "aws:epochtime", "aws:securetransport"] {
        fixed.remove(k);
    }
    let set_fact = |ctx: &mut Context, fixed: &mut HashSet<String>, k: &str, v: ContextValue| {
        ctx.insert(k, v);
        fixed.insert(k.to_ascii_lowercase());
    };
    match subject.kind {
        SubjectKind::RoleSession => {
            if let (Some(Principal::Role(id)), Some(s)) =
                (subject.principal, SessionArn::parse(&subject.caller_arn))
            {
                let role = account.role(id);
                set_fact(
                    &mut ctx,
                    &mut fixed,
                    "aws:userid",
                    format!("{}:{}", role.id, s.session_name).into(),
                );
            }
            // Sessions carry the key; without MFA at AssumeRole it is false.
            ctx.insert("aws:MultiFactorAuthPresent", "false");
            if referenced.contains("aws:multifactorauthpresent") {
                assumptions.push(
                    "the role session was created without MFA (aws:MultiFactorAuthPresent=false); pass --context aws:MultiFactorAuthPresent=true if it was".into(),
                );
            }
        }
        SubjectKind::FederatedUser => {
            if let Some(s) = Caller::parse(&subject.caller_arn)
                .account()
                .map(str::to_owned)
            {
                let name = subject
                    .caller_arn
                    .rsplit('/')
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                set_fact(
                    &mut ctx,
                    &mut fixed,
                    "aws:userid",
                    format!("{s}:{name}").into(),
                );
            }
            set_fact(
                &mut ctx,
                &mut fixed,
                "aws:PrincipalType",
                "FederatedUser".into(),
            );
            set_fact(
                &mut ctx,
                &mut fixed,
                "aws:PrincipalArn",
                subject.caller_arn.clone().into(),
            );
            ctx.remove("aws:username");
            fixed.remove("aws:username");
            ctx.insert("aws:MultiFactorAuthPresent", "false");
        }
        SubjectKind::Root => {
            let acct = Caller::parse(&subject.caller_arn)
                .account()
                .unwrap_or_default()
                .to_owned();
            set_fact(&mut ctx, &mut fixed, "aws:PrincipalType", "Account".into());
            set_fact(
                &mut ctx,
                &mut fixed,
                "aws:PrincipalArn",
                subject.caller_arn.clone().into(),
            );
            set_fact(
                &mut ctx,
                &mut fixed,
                "aws:PrincipalAccount",
                acct.clone().into(),
            );
            set_fact(&mut ctx, &mut fixed, "aws:userid", acct.into());
            ctx.insert("aws:CurrentTime", now.to_string().as_str());
            ctx.insert("aws:EpochTime", now.as_second().to_string().as_str());
            ctx.insert("aws:SecureTransport", "true");
        }
        SubjectKind::IdentityProvider => {
            ctx.insert("aws:CurrentTime", now.to_string().as_str());
            ctx.insert("aws:EpochTime", now.as_second().to_string().as_str());
            ctx.insert("aws:SecureTransport", "true");
            // The token's claims decide trust policies for providers, and no message has them.
            let mut claims: Vec<&str> = referenced
                .iter()
                .filter(|k| k.contains(':') && !k.starts_with("aws:") && !k.starts_with("sts:"))
                .map(String::as_str)
                .collect();
            claims.sort();
            let given = options
                .context
                .iter()
                .any(|(k, _)| claims.contains(&k.to_ascii_lowercase().as_str()));
            if let Some(first) = claims.first().filter(|_| !given) {
                assumptions.push(format!(
                    "the token's claims are not in the message: pass them with --context (e.g. {first}=VALUE) to check the trust policy's conditions"
                ));
            }
        }
        SubjectKind::Anonymous => {
            set_fact(
                &mut ctx,
                &mut fixed,
                "aws:PrincipalType",
                "Anonymous".into(),
            );
            ctx.insert("aws:CurrentTime", now.to_string().as_str());
            ctx.insert("aws:EpochTime", now.as_second().to_string().as_str());
            ctx.insert("aws:SecureTransport", "true");
        }
        SubjectKind::User => {
            // Long-term access keys carry no MFA key (the CLI case); a console session would.
            if referenced.contains("aws:multifactorauthpresent") {
                assumptions.push(
                    "the request was made with access keys, without MFA (no aws:MultiFactorAuthPresent); pass --context aws:MultiFactorAuthPresent=true if it was made with MFA".into(),
                );
            }
        }
    }
    ctx.insert("aws:ViaAWSService", "false");
    // The region: the resource's, a global service's, or --region.
    let service = action
        .split(':')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let region = Arn::parse(resource)
        .ok()
        .map(|a| a.region.to_owned())
        .filter(|r| !r.is_empty());
    match (region, &options.region) {
        (Some(r), _) => set_fact(&mut ctx, &mut fixed, "aws:RequestedRegion", r.into()),
        (None, Some(r)) => set_fact(
            &mut ctx,
            &mut fixed,
            "aws:RequestedRegion",
            r.clone().into(),
        ),
        (None, None) if GLOBAL_SERVICES.contains(&service.as_str()) => set_fact(
            &mut ctx,
            &mut fixed,
            "aws:RequestedRegion",
            "us-east-1".into(),
        ),
        (None, None) => {}
    }
    let resource_account = resolve_resource_account(account, subject, resource, options);
    if !resource_account.is_empty() {
        set_fact(
            &mut ctx,
            &mut fixed,
            "aws:ResourceAccount",
            resource_account.into(),
        );
    }
    // What the message itself says about the request (a decoded authorization message).
    let mut from_message = HashSet::new();
    for (k, values) in &message.context {
        let key = if k.eq_ignore_ascii_case("aws:Region") {
            "aws:RequestedRegion"
        } else {
            k.as_str()
        };
        let value = match values.as_slice() {
            [one] => ContextValue::Single(one.clone()),
            many => ContextValue::Multi(many.to_vec()),
        };
        ctx.insert(key, value);
        fixed.insert(key.to_ascii_lowercase());
        from_message.insert(key.to_ascii_lowercase());
    }
    for (k, v) in &options.context {
        ctx.insert(k, v.clone());
        fixed.insert(k.to_ascii_lowercase());
    }
    let user: HashSet<String> = options
        .context
        .iter()
        .map(|(k, _)| k.to_ascii_lowercase())
        .collect();
    let entries = ctx
        .iter()
        .map(|(k, v)| ContextEntry {
            key: k.to_owned(),
            value: v.cloned(),
            source: if user.contains(k) {
                "--context"
            } else if from_message.contains(k) {
                "message"
            } else if fixed.contains(k) {
                "account"
            } else {
                "assumed"
            },
        })
        .collect();
    (ctx, entries, fixed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::principal::CompiledAccount;

    /// The layers explain compiles for a caller are those every other analysis uses.
    #[test]
    fn caller_layers_match_the_shared_policy_set() {
        let small = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/explain/account.json");
        for account in [
            crate::source::demo::account().unwrap(),
            crate::source::read_file(&small).unwrap(),
        ] {
            check_layers(&account);
        }
    }

    fn check_layers(account: &Account) {
        let shared = CompiledAccount::new(account);
        for p in Principal::all(account) {
            let set = shared.policy_set(account, p);
            let sources = identity_sources(account, p);
            let ours: Vec<&str> = sources
                .iter()
                .filter(|s| s.layer == LayerKind::Identity)
                .map(|s| s.label.as_str())
                .collect();
            let theirs: Vec<&str> = set.identity.iter().map(CompiledPolicy::label).collect();
            assert_eq!(ours, theirs, "{}", p.name(account));
            let boundary = sources
                .iter()
                .find(|s| s.layer == LayerKind::PermissionsBoundary)
                .map(|s| s.label.as_str());
            assert_eq!(
                boundary,
                set.permission_boundary.as_ref().map(CompiledPolicy::label),
                "{}",
                p.name(account)
            );
            let scps: Vec<Vec<String>> = compile_scps(account, CompiledPolicy::compile)
                .iter()
                .map(|l| l.iter().map(|c| c.label().to_owned()).collect())
                .collect();
            let theirs: Vec<Vec<String>> = set
                .scps
                .iter()
                .map(|l| l.iter().map(|c| c.label().to_owned()).collect())
                .collect();
            assert_eq!(scps, theirs);
        }
    }
}
