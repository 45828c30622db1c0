//! The smallest change that would allow the request, as a statement, the document it ends up
//! in, and the AWS CLI commands its owner would run. iamscope itself never changes anything.
//!
//! Missing allows get one statement naming exactly the action and resource of the request
//! (never `*` unless the action has no resource type or the message named no resource).
//! Explicit denies cannot be outweighed by any allow: the fix is the denying statement, who must
//! change it, and the document without it.

use serde::Serialize;
use serde_json::{Value, json};

use super::cause::{source, statement_json};
use super::{ExplainCause, Owner, PolicySource, Setup, SubjectKind};
use crate::eval::{CauseKind, Decision, Evaluation, LayerKind, ResourcePolicyKind};
use crate::model::{Account, Arn};
use crate::policy::Policy;

/// One change to make.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fix {
    pub layer: LayerKind,
    /// The policy or principal to change (policy ARN, inline policy name, principal ARN,
    /// `scp level N`, ...).
    pub target: String,
    /// For a missing allow, the statement to add; for an explicit deny, the statement that
    /// blocks the request.
    pub statement: Value,
    pub change: FixChange,
    /// Who can make the change.
    pub owner: String,
    /// The change as a sentence.
    pub summary: String,
    /// The whole document after the change, when iamscope has the document.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document: Option<Value>,
    /// AWS CLI commands that make the change (run by its owner; iamscope never does).
    pub cli: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FixChange {
    /// Add `statement` to `target`.
    AddAllow,
    /// Remove (or narrow) the denying `statement` from `target`.
    RemoveDeny,
    /// `target` is an AWS managed policy, which cannot be edited: detach it.
    DetachPolicy,
}

pub(crate) fn fixes(
    account: &Account,
    setup: &Setup,
    causes: &[ExplainCause],
    evaluation: &Evaluation,
) -> Vec<Fix> {
    if evaluation.decision == Decision::Allow {
        return Vec::new();
    }
    let mut out = Vec::new();
    for c in causes.iter().filter(|c| c.kind == CauseKind::ExplicitDeny) {
        if let Some(f) = remove_deny(account, setup, c) {
            out.push(f);
        }
    }
    for c in causes.iter().filter(|c| c.kind == CauseKind::MissingAllow) {
        if let Some(mut f) = add_allow(account, setup, c) {
            let conditional = conditional_allows(evaluation, c.layer);
            if !conditional.is_empty() {
                f.summary = format!(
                    "{}: a request that meets that needs no change; otherwise {}",
                    conditional.join("; "),
                    f.summary
                );
            }
            out.push(f);
        }
    }
    out
}

/// `iamscope-allow-s3-GetObject`.
fn fix_name(action: &str) -> String {
    let cleaned: String = action
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("iamscope-allow-{cleaned}")
}

/// `AllowS3GetObject`.
fn fix_sid(action: &str) -> String {
    let mut sid = String::from("Allow");
    let mut upper = true;
    for c in action.chars() {
        if c.is_ascii_alphanumeric() {
            sid.push(if upper { c.to_ascii_uppercase() } else { c });
            upper = false;
        } else {
            upper = true;
        }
    }
    sid
}

/// The statement that allows exactly this request.
fn allow_statement(setup: &Setup, principal: Option<&str>) -> Value {
    let mut st = serde_json::Map::new();
    st.insert("Sid".into(), Value::String(fix_sid(&setup.action)));
    st.insert("Effect".into(), Value::String("Allow".into()));
    let provider = setup.subject.kind == SubjectKind::IdentityProvider;
    if let Some(p) = principal {
        let kind = if provider { "Federated" } else { "AWS" };
        st.insert("Principal".into(), json!({ kind: p }));
    }
    st.insert("Action".into(), Value::String(setup.action.clone()));
    if provider {
        // A trust policy has no Resource; it pins the token's claims instead, as given.
        let claims: serde_json::Map<String, Value> = setup
            .context_sources
            .iter()
            .filter(|e| e.source == "--context" && !e.key.starts_with("aws:"))
            .filter_map(|e| {
                let v = e.value.as_ref()?;
                Some((e.key.clone(), json!(v.as_slice())))
            })
            .collect();
        if !claims.is_empty() {
            st.insert("Condition".into(), json!({ "StringEquals": claims }));
        }
    } else {
        st.insert("Resource".into(), Value::String(setup.resource.clone()));
    }
    Value::Object(st)
}

fn document_with(existing: Option<&Policy>, statement: &Value) -> Value {
    let mut statements: Vec<Value> = existing
        .and_then(|p| serde_json::to_value(p.to_wire()).ok())
        .and_then(|v| v.get("Statement").cloned())
        .map(|s| match s {
            Value::Array(v) => v,
            other => vec![other],
        })
        .unwrap_or_default();
    statements.push(statement.clone());
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn document_without(policy: &Policy, index: usize) -> Value {
    let mut v = serde_json::to_value(policy.to_wire()).unwrap_or(Value::Null);
    if let Some(Value::Array(list)) = v.get_mut("Statement") {
        if index < list.len() {
            list.remove(index);
        }
    } else if index == 0
        && let Value::Object(map) = &mut v
    {
        map.insert("Statement".into(), Value::Array(Vec::new()));
    }
    v
}

fn is_empty_document(doc: &Value) -> bool {
    doc.get("Statement")
        .and_then(Value::as_array)
        .is_none_or(Vec::is_empty)
}

fn compact(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// Single-quotes a shell argument.
fn sq(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn account_id(setup: &Setup, account: &Account) -> String {
    Arn::parse(&setup.subject.principal_arn)
        .ok()
        .map(|a| a.account.to_owned())
        .filter(|a| !a.is_empty())
        .unwrap_or_else(|| account.info.account_id.clone())
}

fn iam_admin(setup: &Setup, account: &Account) -> String {
    format!(
        "an IAM administrator of account {}",
        account_id(setup, account)
    )
}

const ORG_OWNER: &str =
    "the organization's management account (or its delegated policy administrator)";

fn org_type(kind: &str) -> &'static str {
    if kind == "rcp" {
        "RESOURCE_CONTROL_POLICY"
    } else {
        "SERVICE_CONTROL_POLICY"
    }
}

fn remove_deny(account: &Account, setup: &Setup, c: &ExplainCause) -> Option<Fix> {
    let label = c.policy.as_deref()?;
    let index = c.statement_index?;
    let src = source(setup, c.layer, label)?;
    let statement = statement_json(src, index).unwrap_or(Value::Null);
    let without = document_without(&src.document, index);
    let stmt_label = c.statement.clone().unwrap_or_else(|| index.to_string());
    let request = format!("{} on {}", setup.action, setup.resource);
    let mut narrow = format!(
        "remove statement {stmt_label} of `{label}`, or narrow its Action, Resource or Condition so it no longer covers {request}"
    );
    if let Some(when) = deny_conditions(src, index) {
        // A conditional deny is usually meant to be satisfied, not removed (MFA, network,
        // region): say so first.
        narrow = format!(
            "the deny applies only when {when}: a request that does not meet that is not denied by it; otherwise {narrow}"
        );
    }
    let fix =
        |change, owner: String, summary: String, document: Option<Value>, cli: Vec<String>| Fix {
            layer: c.layer,
            target: label.to_owned(),
            statement: statement.clone(),
            change,
            owner,
            summary,
            document,
            cli,
        };
    Some(match &src.owner {
        Owner::Inline(kind, name) => {
            let cli = if is_empty_document(&without) {
                vec![format!(
                    "aws iam delete-{kind}-policy --{kind}-name {} --policy-name {}",
                    sq(name),
                    sq(label)
                )]
            } else {
                vec![format!(
                    "aws iam put-{kind}-policy --{kind}-name {} --policy-name {} --policy-document {}",
                    sq(name),
                    sq(label),
                    sq(&compact(&without))
                )]
            };
            fix(
                FixChange::RemoveDeny,
                iam_admin(setup, account),
                format!("{narrow} (inline policy of {kind} {name})"),
                Some(without),
                cli,
            )
        }
        Owner::Managed {
            arn,
            aws_managed: true,
            via,
            ..
        } => fix(
            FixChange::DetachPolicy,
            iam_admin(setup, account),
            format!(
                "`{arn}` is an AWS managed policy and cannot be edited: detach it from {} {} (and attach a narrower policy if its other statements are needed)",
                via.0, via.1
            ),
            None,
            vec![format!(
                "aws iam detach-{}-policy --{}-name {} --policy-arn {}",
                via.0,
                via.0,
                sq(&via.1),
                arn
            )],
        ),
        Owner::Managed { arn, via, .. } if is_empty_document(&without) => fix(
            FixChange::DetachPolicy,
            iam_admin(setup, account),
            format!(
                "{narrow}; it is the policy's only statement: detach `{arn}` from {} {}",
                via.0, via.1
            ),
            None,
            vec![format!(
                "aws iam detach-{}-policy --{}-name {} --policy-arn {}",
                via.0,
                via.0,
                sq(&via.1),
                arn
            )],
        ),
        Owner::Managed { arn, via, .. } => fix(
            FixChange::RemoveDeny,
            iam_admin(setup, account),
            format!(
                "{narrow}; the policy is attached to {} {} (and maybe others: the change applies to all of them)",
                via.0, via.1
            ),
            Some(without.clone()),
            vec![format!(
                "aws iam create-policy-version --policy-arn {arn} --set-as-default --policy-document {}",
                sq(&compact(&without))
            )],
        ),
        Owner::Boundary {
            arn,
            aws_managed,
            holder,
        } => {
            let cli = if *aws_managed {
                vec![format!(
                    "aws iam delete-{}-permissions-boundary --{}-name {}",
                    holder.0,
                    holder.0,
                    sq(&holder.1)
                )]
            } else {
                vec![format!(
                    "aws iam create-policy-version --policy-arn {arn} --set-as-default --policy-document {}",
                    sq(&compact(&without))
                )]
            };
            fix(
                FixChange::RemoveDeny,
                iam_admin(setup, account),
                format!(
                    "{narrow}: it is the permissions boundary of {} {}, and boundaries are set by administrators to cap what the principal can ever do",
                    holder.0, holder.1
                ),
                (!*aws_managed).then_some(without),
                cli,
            )
        }
        Owner::Org { kind, level, id } => fix(
            FixChange::RemoveDeny,
            ORG_OWNER.into(),
            format!(
                "{narrow}: it is an {} at level {level} (root = 1), changeable only from the organization's management account",
                kind.to_ascii_uppercase()
            ),
            Some(without.clone()),
            vec![format!(
                "aws organizations update-policy --policy-id {} --content {}",
                id.as_deref().unwrap_or("POLICY_ID"),
                sq(&compact(&without))
            )],
        ),
        Owner::Resource { trust_role } => fix(
            FixChange::RemoveDeny,
            resource_owner(setup),
            format!("{narrow} (the resource's policy)"),
            Some(without.clone()),
            resource_policy_cli(setup, trust_role.as_deref(), &without),
        ),
        Owner::Session => fix(
            FixChange::RemoveDeny,
            "whoever creates the session (the caller of sts:AssumeRole or sts:GetFederationToken)"
                .into(),
            format!("{narrow}: create a new session without it"),
            Some(without.clone()),
            session_cli(setup, &without),
        ),
    })
}

/// The conditions of a statement as a phrase (`aws:MultiFactorAuthPresent is false`).
fn deny_conditions(src: &PolicySource, index: usize) -> Option<String> {
    let st = src.document.statements.get(index)?;
    if st.conditions.is_empty() {
        return None;
    }
    Some(
        st.conditions
            .iter()
            .map(|c| {
                let values: Vec<String> =
                    c.values.iter().map(|v| v.as_text().into_owned()).collect();
                format!(
                    "{} {}",
                    c.key,
                    super::cause::operator_text(&c.operator, &values)
                )
            })
            .collect::<Vec<_>>()
            .join(" and "),
    )
}

/// Allows of `layer` that apply to the request but for their conditions: the request would
/// be allowed if it met them.
fn conditional_allows(evaluation: &Evaluation, layer: LayerKind) -> Vec<String> {
    let mut out = Vec::new();
    for l in evaluation.trace.layers.iter().filter(|l| l.layer == layer) {
        for n in &l.near_misses {
            if n.effect != crate::policy::Effect::Allow
                || n.reasons.is_empty()
                || !n
                    .reasons
                    .iter()
                    .all(|r| matches!(r, crate::eval::MissReason::Condition { .. }))
            {
                continue;
            }
            let when: Vec<String> = n
                .reasons
                .iter()
                .filter_map(|r| match r {
                    crate::eval::MissReason::Condition {
                        operator,
                        key,
                        policy_values,
                        ..
                    } => Some(format!(
                        "{key} {}",
                        super::cause::operator_text(operator, policy_values)
                    )),
                    _ => None,
                })
                .collect();
            out.push(format!(
                "statement {} of `{}` already allows it when {}",
                n.sid.clone().unwrap_or_else(|| n.statement.to_string()),
                n.policy,
                when.join(" and ")
            ));
        }
    }
    out
}

fn resource_owner(setup: &Setup) -> String {
    format!(
        "the owner of {} (account {})",
        setup.resource, setup.resource_account
    )
}

fn add_allow(account: &Account, setup: &Setup, c: &ExplainCause) -> Option<Fix> {
    let request = format!("{} on {}", setup.action, setup.resource);
    let star_note = if setup.resource == "*"
        && super::operation::has_resource_types(&setup.action) != Some(false)
    {
        " (the message named no resource: replace `*` with the resource's ARN)"
    } else {
        ""
    };
    match c.layer {
        LayerKind::Identity => {
            let statement = allow_statement(setup, None);
            let document = document_with(None, &statement);
            let (kind, name) = match setup.subject.kind {
                SubjectKind::User | SubjectKind::FederatedUser => {
                    ("user", name_of(&setup.subject.principal_arn))
                }
                SubjectKind::RoleSession => ("role", name_of(&setup.subject.principal_arn)),
                SubjectKind::Root | SubjectKind::Anonymous | SubjectKind::IdentityProvider => {
                    return None;
                }
            };
            let policy_name = fix_name(&setup.action);
            Some(Fix {
                layer: LayerKind::Identity,
                target: setup.subject.principal_arn.clone(),
                statement,
                change: FixChange::AddAllow,
                owner: iam_admin(setup, account),
                summary: format!(
                    "allow {request} in an identity-based policy of {kind} {name}: an inline policy `{policy_name}` with this one statement{star_note}"
                ),
                cli: vec![format!(
                    "aws iam put-{kind}-policy --{kind}-name {} --policy-name {policy_name} --policy-document {}",
                    sq(name),
                    sq(&compact(&document))
                )],
                document: Some(document),
            })
        }
        LayerKind::PermissionsBoundary => {
            let src = setup
                .sources
                .iter()
                .find(|s| s.layer == LayerKind::PermissionsBoundary)?;
            let statement = allow_statement(setup, None);
            let document = document_with(Some(&src.document), &statement);
            let (arn, aws_managed, holder) = match &src.owner {
                Owner::Boundary {
                    arn,
                    aws_managed,
                    holder,
                } => (arn.clone(), *aws_managed, holder.clone()),
                _ => (src.label.clone(), false, ("user", String::new())),
            };
            let cli = if aws_managed {
                let name = format!("{}-boundary", fix_name(&setup.action));
                vec![
                    format!(
                        "aws iam create-policy --policy-name {name} --policy-document {}",
                        sq(&compact(&document))
                    ),
                    format!(
                        "aws iam put-{}-permissions-boundary --{}-name {} --permissions-boundary arn:aws:iam::{}:policy/{name}",
                        holder.0,
                        holder.0,
                        sq(&holder.1),
                        account_id(setup, account)
                    ),
                ]
            } else {
                vec![format!(
                    "aws iam create-policy-version --policy-arn {arn} --set-as-default --policy-document {}",
                    sq(&compact(&document))
                )]
            };
            Some(Fix {
                layer: LayerKind::PermissionsBoundary,
                target: arn.clone(),
                statement,
                change: FixChange::AddAllow,
                owner: iam_admin(setup, account),
                summary: format!(
                    "allow {request} in the permissions boundary `{arn}` of {} {}; the boundary applies to every principal that has it{star_note}",
                    holder.0, holder.1
                ),
                document: Some(document),
                cli,
            })
        }
        LayerKind::Scp | LayerKind::Rcp => {
            let kind = if c.layer == LayerKind::Scp {
                "scp"
            } else {
                "rcp"
            };
            let level = c.level.unwrap_or(1);
            let at_level: Vec<&PolicySource> = setup
                .sources
                .iter()
                .filter(|s| {
                    s.layer == c.layer
                        && matches!(s.owner, Owner::Org { level: l, .. } if l == level)
                })
                .collect();
            // RCPs are written with a principal; SCPs never have one.
            let statement = if kind == "rcp" {
                let mut st = allow_statement(setup, None);
                if let Value::Object(m) = &mut st {
                    m.insert("Principal".into(), Value::String("*".into()));
                }
                st
            } else {
                allow_statement(setup, None)
            };
            let target = at_level.first();
            let document = document_with(target.map(|s| &s.document), &statement);
            let cli = match target {
                Some(t) => {
                    let id = match &t.owner {
                        Owner::Org { id: Some(id), .. } => id.clone(),
                        _ => "POLICY_ID".into(),
                    };
                    vec![format!(
                        "aws organizations update-policy --policy-id {id} --content {}",
                        sq(&compact(&document))
                    )]
                }
                None => vec![
                    format!(
                        "aws organizations create-policy --type {} --name {} --description 'allow {}' --content {}",
                        org_type(kind),
                        fix_name(&setup.action),
                        setup.action,
                        sq(&compact(&document))
                    ),
                    "aws organizations attach-policy --policy-id NEW_POLICY_ID --target-id TARGET_ID".into(),
                ],
            };
            Some(Fix {
                layer: c.layer,
                target: target
                    .map(|t| t.label.clone())
                    .unwrap_or_else(|| format!("{kind} level {level}")),
                statement,
                change: FixChange::AddAllow,
                owner: ORG_OWNER.into(),
                summary: format!(
                    "allow {request} in an {} at level {level} (root = 1): SCPs and RCPs only filter, every level must allow, and only the organization's management account can change them{star_note}",
                    kind.to_ascii_uppercase()
                ),
                document: Some(document),
                cli,
            })
        }
        LayerKind::Resource => {
            let src = setup
                .sources
                .iter()
                .find(|s| s.layer == LayerKind::Resource);
            let trust_role = match src.map(|s| &s.owner) {
                Some(Owner::Resource { trust_role }) => trust_role.clone(),
                _ => None,
            };
            // A resource policy names the caller: the role ARN of a session (so that any
            // session of the role qualifies), the user ARN of a user.
            let statement = allow_statement(setup, Some(&setup.subject.principal_arn));
            let document = document_with(src.map(|s| &s.document), &statement);
            let trust = setup.set.resource_policy_kind == ResourcePolicyKind::RoleTrust
                && setup.action.to_ascii_lowercase().starts_with("sts:");
            let what = if trust {
                "the role's trust policy"
            } else {
                "the resource's policy"
            };
            let mut summary = format!("allow {} {request} in {what}", setup.subject.principal_arn);
            if src.is_none() {
                summary.push_str(
                    " (iamscope was not given it: merge this statement into the existing policy)",
                );
            }
            if setup.resource_account != account_id(setup, account) {
                summary.push_str("; cross-account access also needs the identity-based allow on the caller's side");
            }
            summary.push_str(star_note);
            Some(Fix {
                layer: LayerKind::Resource,
                target: src
                    .map(|s| s.label.clone())
                    .unwrap_or_else(|| setup.resource.clone()),
                statement,
                change: FixChange::AddAllow,
                owner: resource_owner(setup),
                summary,
                cli: resource_policy_cli(setup, trust_role.as_deref(), &document),
                document: Some(document),
            })
        }
        LayerKind::Session => {
            let src = setup.sources.iter().find(|s| s.layer == LayerKind::Session);
            let statement = allow_statement(setup, None);
            let document = document_with(src.map(|s| &s.document), &statement);
            Some(Fix {
                layer: LayerKind::Session,
                target: setup
                    .subject
                    .session_arn
                    .clone()
                    .unwrap_or_else(|| "session policy".into()),
                statement,
                change: FixChange::AddAllow,
                owner: "whoever creates the session (the caller of sts:AssumeRole or sts:GetFederationToken)".into(),
                summary: format!(
                    "create the session with a session policy that also allows {request}; the session policy only filters what the role or user already allows{star_note}"
                ),
                cli: session_cli(setup, &document),
                document: Some(document),
            })
        }
    }
}

fn name_of(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// The command that sets a resource's policy, by service.
fn resource_policy_cli(setup: &Setup, trust_role: Option<&str>, document: &Value) -> Vec<String> {
    let doc = sq(&compact(document));
    if let Some(role) = trust_role {
        return vec![format!(
            "aws iam update-assume-role-policy --role-name {} --policy-document {doc}",
            sq(role)
        )];
    }
    let arn = Arn::parse(&setup.resource).ok();
    let service = arn.map(|a| a.service).unwrap_or_default();
    let name = arn.map(|a| a.resource_name()).unwrap_or_default();
    match service {
        "s3" => {
            let bucket = arn
                .map(|a| a.resource.split('/').next().unwrap_or_default())
                .unwrap_or_default();
            vec![format!(
                "aws s3api put-bucket-policy --bucket {} --policy {doc}",
                sq(bucket)
            )]
        }
        "kms" => vec![format!(
            "aws kms put-key-policy --key-id {} --policy-name default --policy {doc}",
            setup.resource
        )],
        "sqs" => {
            let attributes = json!({ "Policy": compact(document) });
            vec![format!(
                "aws sqs set-queue-attributes --queue-url QUEUE_URL --attributes {}",
                sq(&compact(&attributes))
            )]
        }
        "sns" => vec![format!(
            "aws sns set-topic-attributes --topic-arn {} --attribute-name Policy --attribute-value {doc}",
            setup.resource
        )],
        "secretsmanager" => vec![format!(
            "aws secretsmanager put-resource-policy --secret-id {} --resource-policy {doc}",
            setup.resource
        )],
        "ecr" => vec![format!(
            "aws ecr set-repository-policy --repository-name {} --policy-text {doc}",
            sq(name)
        )],
        "lambda" => vec![format!(
            "aws lambda add-permission --function-name {} --statement-id {} --action {} --principal {}",
            setup.resource,
            fix_sid(&setup.action),
            setup.action,
            setup.subject.principal_arn
        )],
        "iam" if setup.action.to_ascii_lowercase().starts_with("sts:") => vec![format!(
            "aws iam update-assume-role-policy --role-name {} --policy-document {doc}",
            sq(name)
        )],
        _ => vec![format!(
            "# set the resource-based policy of {} to: {}",
            setup.resource,
            compact(document)
        )],
    }
}

fn session_cli(setup: &Setup, document: &Value) -> Vec<String> {
    let doc = sq(&compact(document));
    match setup.subject.kind {
        SubjectKind::FederatedUser => {
            let name = setup
                .subject
                .session_arn
                .as_deref()
                .map(name_of)
                .unwrap_or("NAME");
            vec![format!(
                "aws sts get-federation-token --name {} --policy {doc}",
                sq(name)
            )]
        }
        _ => {
            let session = setup
                .subject
                .session_arn
                .as_deref()
                .map(name_of)
                .unwrap_or("SESSION");
            vec![format!(
                "aws sts assume-role --role-arn {} --role-session-name {} --policy {doc}",
                setup.subject.principal_arn,
                sq(session)
            )]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_quoting() {
        assert_eq!(fix_sid("s3:GetObject"), "AllowS3GetObject");
        assert_eq!(fix_name("s3:GetObject"), "iamscope-allow-s3-GetObject");
        assert_eq!(sq("it's"), r"'it'\''s'");
    }
}
