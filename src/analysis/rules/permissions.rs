//! What policies grant: administrators, wildcards, unconstrained PassRole and the sensitive
//! classes of actions (data exfiltration, resource exposure, credentials exposure,
//! infrastructure modification) granted without resource constraints.
//!
//! Administrator access is a question about a principal, answered by the evaluator (all of its
//! policies, denies and boundary together). The other rules are about how a policy the
//! account wrote is worded, so they read its statements, with the catalog to classify actions;
//! AWS managed policies are AWS's to word, and policies attached to nothing grant nothing.

use std::collections::BTreeSet;
use std::rc::Rc;

use super::{Rule, Scan, rule};
use crate::analysis::effective::Effective;
use crate::analysis::findings::{Evidence, Finding, Severity};
use crate::analysis::memo::{Memo, remembered};
use crate::analysis::principal::Principal;
use crate::catalog::{AccessLevel, catalog, glob_match};
use crate::eval::Outcome;
use crate::model::{Account, EntityRef, PolicyId};
use crate::policy::{Effect, Policy, Statement};

/// A policy the account wrote and uses: a customer managed policy attached to something, or
/// an inline policy. Its names are made only for the policies a rule reports.
struct Authored<'a> {
    account: &'a Account,
    source: Source<'a>,
    document: &'a Policy,
}

#[derive(Clone, Copy)]
enum Source<'a> {
    Managed(PolicyId),
    Inline {
        owner: EntityRef,
        policy: &'a crate::model::InlinePolicy,
    },
}

fn authored<'a>(account: &'a Account) -> Vec<Authored<'a>> {
    let mut out = Vec::new();
    for (i, p) in account.policies.iter().enumerate() {
        let id = PolicyId(i as u32);
        if p.is_aws_managed() || account.attached_to(id).is_empty() {
            continue;
        }
        let Some(document) = p.default_document() else {
            continue;
        };
        out.push(Authored {
            account,
            source: Source::Managed(id),
            document,
        });
    }
    let mut inline = |owner: EntityRef, list: &'a [crate::model::InlinePolicy]| {
        for policy in list {
            out.push(Authored {
                account,
                source: Source::Inline { owner, policy },
                document: &policy.document,
            });
        }
    };
    for (i, u) in account.users.iter().enumerate() {
        inline(
            EntityRef::User(crate::model::UserId(i as u32)),
            &u.inline_policies,
        );
    }
    for (i, g) in account.groups.iter().enumerate() {
        inline(
            EntityRef::Group(crate::model::GroupId(i as u32)),
            &g.inline_policies,
        );
    }
    for (i, r) in account.roles.iter().enumerate() {
        if r.is_service_linked() {
            continue;
        }
        inline(
            EntityRef::Role(crate::model::RoleId(i as u32)),
            &r.inline_policies,
        );
    }
    out
}

impl<'a> Authored<'a> {
    /// Stable id subject: the policy ARN, or `OWNER_ARN#INLINE_NAME`.
    fn subject(&self) -> String {
        match self.source {
            Source::Managed(id) => self.account.policy(id).arn.clone(),
            Source::Inline { owner, policy } => {
                format!("{}#{}", self.account.arn_of(owner), policy.name)
            }
        }
    }

    /// How evidence names it: ARN or inline name.
    fn label(&self) -> &'a str {
        match self.source {
            Source::Managed(id) => &self.account.policy(id).arn,
            Source::Inline { policy, .. } => &policy.name,
        }
    }

    /// "customer managed policy X (attached to role Y)" / "inline policy P of user U".
    fn describe(&self) -> String {
        let a = self.account;
        match self.source {
            Source::Managed(id) => {
                let holders: Vec<String> = a
                    .attached_to(id)
                    .iter()
                    .map(|e| format!("{} {}", e.kind().as_str(), a.name_of(*e)))
                    .collect();
                format!(
                    "customer managed policy {} (attached to {})",
                    a.policy(id).name,
                    holders.join(", ")
                )
            }
            Source::Inline { owner, policy } => format!(
                "inline policy {} of {} {}",
                policy.name,
                owner.kind().as_str(),
                a.name_of(owner)
            ),
        }
    }
}

impl Authored<'_> {
    fn finding(&self, rule: &dyn super::Rule, title: String) -> Finding {
        let f = rule.finding(&self.subject(), title);
        match self.source {
            Source::Managed(id) => f.policy(&self.account.policy(id).arn),
            Source::Inline { owner, .. } => match owner {
                EntityRef::User(_) | EntityRef::Role(_) => f.principal(self.account.arn_of(owner)),
                _ => f,
            },
        }
    }

    fn evidence(&self, index: usize, s: &Statement) -> Evidence {
        Evidence::new(self.label(), index, s.sid.as_deref())
    }

    fn allows(&self) -> impl Iterator<Item = (usize, &Statement)> {
        self.document
            .statements
            .iter()
            .enumerate()
            .filter(|(_, s)| s.effect == Effect::Allow)
    }
}

fn is_star_action(v: &str) -> bool {
    v == "*" || v == "*:*"
}

fn any_action_star(s: &Statement) -> bool {
    !s.action.negated && s.action.values.iter().any(|v| is_star_action(v))
}

/// `Resource: "*"` (or `NotResource`, which is everything else).
fn unconstrained(s: &Statement) -> bool {
    match &s.resource {
        Some(r) => r.negated || r.values.iter().any(|v| v == "*"),
        None => true,
    }
}

rule!(
    /// A principal allowed everything.
    AdminAccess,
    "admin.full-access",
    Admin,
    Critical,
    "principal with administrator-equivalent access",
    reads_administrators
);

impl AdminAccess {
    fn run(&self, scan: &Scan<'_>, out: &mut Vec<Finding>) {
        let eff = scan.effective();
        for p in eff.principals() {
            if matches!(p, Principal::Role(id) if scan.account.role(id).is_service_linked()) {
                continue;
            }
            let access = eff.is_admin(p);
            if !access.possible() {
                continue;
            }
            let arn = p.arn(scan.account);
            let name = p.name(scan.account);
            let kind = match p {
                Principal::User(_) => "User",
                Principal::Role(_) => "Role",
            };
            let conditional = access.outcome == Outcome::Conditional;
            let sources: BTreeSet<&str> = access.evidence.iter().map(|e| &*e.policy).collect();
            out.push(
                self.finding(arn, format!("{name} is administrator-equivalent"))
                    .principal(arn)
                    .severity(if conditional { Severity::High } else { Severity::Critical })
                    .detail(format!(
                        "{kind} {name} is allowed every action on every resource (through {}){}. Anyone who obtains its credentials controls the account.",
                        sources.into_iter().collect::<Vec<_>>().join(", "),
                        if conditional { ", under the conditions listed" } else { "" }
                    ))
                    .evidence(access.evidence.iter().cloned())
                    .conditions(access.conditions.clone())
                    .fix(format!(
                        "Replace {name}'s administrator grant with the permissions its job needs; keep full administrator for a break-glass role with MFA."
                    )),
            );
        }
    }
}

rule!(
    /// `"Action": "*"` with `"Resource": "*"`.
    ActionResourceStar,
    "wildcard.action-resource-star",
    Wildcard,
    High,
    "policy allows Action \"*\" on Resource \"*\""
);

impl ActionResourceStar {
    fn run(&self, scan: &Scan<'_>, out: &mut Vec<Finding>) {
        for a in authored(scan.account) {
            let hits: Vec<Evidence> = a
                .allows()
                .filter(|(_, s)| any_action_star(s) && unconstrained(s))
                .map(|(i, s)| a.evidence(i, s))
                .collect();
            if hits.is_empty() {
                continue;
            }
            out.push(
                a.finding(self, format!("{} allows every action on every resource", a.label_name()))
                    .detail(format!(
                        "The {} allows `\"Action\": \"*\"` on `\"Resource\": \"*\"`: full administrator access, including IAM, billing and deleting everything.",
                        a.describe()
                    ))
                    .evidence(hits)
                    .fix("List the actions and resources the holders need (IAM Access Analyzer can generate a policy from CloudTrail activity)."),
            );
        }
    }
}

impl Authored<'_> {
    fn label_name(&self) -> &str {
        let label = self.label();
        label.rsplit('/').next().unwrap_or(label)
    }
}

rule!(
    /// `service:*` on every resource.
    ServiceWildcard,
    "wildcard.service-wildcard",
    Wildcard,
    Medium,
    "policy allows every action of a service (service:*) on every resource"
);

impl ServiceWildcard {
    fn run(&self, scan: &Scan<'_>, out: &mut Vec<Finding>) {
        for a in authored(scan.account) {
            let mut services = BTreeSet::new();
            let mut hits = Vec::new();
            for (i, s) in a.allows() {
                if s.action.negated || any_action_star(s) || !unconstrained(s) {
                    continue;
                }
                let wild: Vec<&str> = s
                    .action
                    .values
                    .iter()
                    .filter_map(|v| v.strip_suffix(":*"))
                    .filter(|svc| !svc.contains(['*', '?']))
                    .collect();
                if wild.is_empty() {
                    continue;
                }
                services.extend(wild.into_iter().map(|s| format!("{s}:*")));
                hits.push(a.evidence(i, s));
            }
            if hits.is_empty() {
                continue;
            }
            let services: Vec<String> = services.into_iter().collect();
            let severity = if services
                .iter()
                .any(|s| matches!(s.as_str(), "iam:*" | "sts:*" | "organizations:*" | "kms:*"))
            {
                Severity::High
            } else {
                Severity::Medium
            };
            out.push(
                a.finding(self, format!("{} allows {} on every resource", a.label_name(), services.join(", ")))
                    .severity(severity)
                    .detail(format!(
                        "The {} allows every action of {} on every resource, including actions added to those services later.",
                        a.describe(),
                        services.join(", ")
                    ))
                    .evidence(hits)
                    .fix("Replace each `service:*` with the actions used, on the resources used."),
            );
        }
    }
}

rule!(
    /// `Allow` with `NotAction`.
    NotActionAllow,
    "wildcard.not-action-allow",
    Wildcard,
    Medium,
    "Allow with NotAction"
);

impl NotActionAllow {
    fn run(&self, scan: &Scan<'_>, out: &mut Vec<Finding>) {
        for a in authored(scan.account) {
            let hits: Vec<(Evidence, String)> = a
                .allows()
                .filter(|(_, s)| s.action.negated)
                .map(|(i, s)| (a.evidence(i, s), s.action.values.join(", ")))
                .collect();
            if hits.is_empty() {
                continue;
            }
            let excluded: Vec<String> = hits.iter().map(|(_, v)| v.clone()).collect();
            out.push(
                a.finding(self, format!("{} allows everything except a list (NotAction)", a.label_name()))
                    .detail(format!(
                        "The {} allows every action except {}: every other action of every service, including ones AWS adds later and ones that escalate privileges.",
                        a.describe(),
                        excluded.join("; ")
                    ))
                    .evidence(hits.into_iter().map(|(e, _)| e))
                    .fix("Use `Action` with the actions needed; keep `NotAction` for `Deny` statements."),
            );
        }
    }
}

rule!(
    /// `Allow` with `NotResource`.
    NotResourceAllow,
    "wildcard.not-resource-allow",
    Wildcard,
    Medium,
    "Allow with NotResource"
);

impl NotResourceAllow {
    fn run(&self, scan: &Scan<'_>, out: &mut Vec<Finding>) {
        for a in authored(scan.account) {
            let hits: Vec<Evidence> = a
                .allows()
                .filter(|(_, s)| s.resource.as_ref().is_some_and(|r| r.negated))
                .map(|(i, s)| a.evidence(i, s))
                .collect();
            if hits.is_empty() {
                continue;
            }
            out.push(
                a.finding(self, format!("{} allows every resource except a list (NotResource)", a.label_name()))
                    .detail(format!(
                        "The {} allows its actions on every resource except those listed, in every account and every service's resources, including ones created later.",
                        a.describe()
                    ))
                    .evidence(hits)
                    .fix("Use `Resource` with the resources needed; keep `NotResource` for `Deny` statements."),
            );
        }
    }
}

/// Statements that grant iam:PassRole by naming it (or an `iam:` pattern matching it); an
/// `Action: "*"` is the wildcard rule's.
fn passrole_statements<'p>(a: &'p Authored<'_>) -> Vec<(usize, &'p Statement)> {
    a.allows()
        .filter(|(_, s)| {
            !s.action.negated
                && !any_action_star(s)
                && s.action
                    .values
                    .iter()
                    .any(|v| glob_match(&v.to_ascii_lowercase(), "iam:passrole"))
        })
        .collect()
}

fn has_condition_key(s: &Statement, key: &str) -> bool {
    s.conditions.iter().any(|c| c.key.eq_ignore_ascii_case(key))
}

/// Whether a statement's resources cover every role (`*`, `role/*`, `NotResource`).
fn any_role(s: &Statement) -> bool {
    match &s.resource {
        None => true,
        Some(r) if r.negated => true,
        Some(r) => r.values.iter().any(|v| {
            let v = v.to_ascii_lowercase();
            glob_match(&v, "arn:aws:iam::123456789012:role/iamscope-any-role")
                && glob_match(&v, "arn:aws:iam::123456789012:role/service-role/zz-any")
        }),
    }
}

rule!(
    /// iam:PassRole on every role.
    PassRoleAnyRole,
    "permissions.passrole-any-role",
    Permissions,
    High,
    "iam:PassRole on any role"
);

impl PassRoleAnyRole {
    fn run(&self, scan: &Scan<'_>, out: &mut Vec<Finding>) {
        for a in authored(scan.account) {
            let hits: Vec<(usize, &Statement)> = passrole_statements(&a)
                .into_iter()
                .filter(|(_, s)| any_role(s))
                .collect();
            if hits.is_empty() {
                continue;
            }
            let guarded = hits
                .iter()
                .all(|(_, s)| has_condition_key(s, "iam:PassedToService"));
            out.push(
                a.finding(self, format!("{} allows passing any role", a.label_name()))
                    .severity(if guarded { Severity::Medium } else { Severity::High })
                    .detail(format!(
                        "The {} allows iam:PassRole on any role{}. Whoever holds it can hand any role, administrator roles included, to a service that runs their code (EC2, Lambda, ECS, Glue, CloudFormation, ...) and act with that role's permissions.",
                        a.describe(),
                        if guarded { " (to the services its iam:PassedToService condition names)" } else { ", to any service" }
                    ))
                    .evidence(hits.iter().map(|(i, s)| a.evidence(*i, s)))
                    .fix("Name the roles that may be passed in `Resource` and add `\"StringEquals\": {\"iam:PassedToService\": \"<service>.amazonaws.com\"}`."),
            );
        }
    }
}

rule!(
    /// iam:PassRole on named roles, to any service.
    PassRoleAnyService,
    "permissions.passrole-any-service",
    Permissions,
    Low,
    "iam:PassRole without an iam:PassedToService condition"
);

impl PassRoleAnyService {
    fn run(&self, scan: &Scan<'_>, out: &mut Vec<Finding>) {
        for a in authored(scan.account) {
            let hits: Vec<(usize, &Statement)> = passrole_statements(&a)
                .into_iter()
                .filter(|(_, s)| !any_role(s) && !has_condition_key(s, "iam:PassedToService"))
                .collect();
            if hits.is_empty() {
                continue;
            }
            out.push(
                a.finding(self, format!("{} passes roles to any service", a.label_name()))
                    .detail(format!(
                        "The {} allows iam:PassRole without an `iam:PassedToService` condition, so its roles can be given to any service, not only the one they were made for.",
                        a.describe()
                    ))
                    .evidence(hits.iter().map(|(i, s)| a.evidence(*i, s)))
                    .fix("Add `\"StringEquals\": {\"iam:PassedToService\": \"<service>.amazonaws.com\"}` to the statement."),
            );
        }
    }
}

/// Actions that read stored data out (the sense of Cloudsplaining's "data exfiltration").
const DATA_EXFILTRATION: &[&str] = &[
    "s3:GetObject",
    "s3:GetObjectVersion",
    "ssm:GetParameter",
    "ssm:GetParameters",
    "ssm:GetParametersByPath",
    "secretsmanager:GetSecretValue",
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "kms:Decrypt",
    "rds-data:ExecuteStatement",
    "athena:GetQueryResults",
    "kinesis:GetRecords",
    "sqs:ReceiveMessage",
];

/// Actions that return or create credentials.
const CREDENTIALS_EXPOSURE: &[&str] = &[
    "iam:CreateAccessKey",
    "iam:UpdateAccessKey",
    "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile",
    "iam:CreateServiceSpecificCredential",
    "iam:ResetServiceSpecificCredential",
    "sts:AssumeRole",
    "sts:AssumeRoleWithSAML",
    "sts:AssumeRoleWithWebIdentity",
    "ec2:GetPasswordData",
    "redshift:GetClusterCredentials",
    "redshift:GetClusterCredentialsWithIAM",
    "rds:CopyDBSnapshot",
    "rds:CreateDBSnapshot",
    "rds:ModifyDBSnapshotAttribute",
    "lightsail:GetInstanceAccessDetails",
    "lightsail:GetRelationalDatabaseMasterUserPassword",
    "cognito-identity:GetCredentialsForIdentity",
    "sso:GetRoleCredentials",
    "gamelift:GetInstanceAccess",
    "iot:CreateKeysAndCertificate",
];

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Class {
    Data,
    Exposure,
    Credentials,
    Infrastructure,
}

fn classify(full: &str, access: AccessLevel) -> Option<Class> {
    let is = |list: &[&str]| list.iter().any(|a| a.eq_ignore_ascii_case(full));
    if is(DATA_EXFILTRATION) {
        Some(Class::Data)
    } else if is(CREDENTIALS_EXPOSURE) {
        Some(Class::Credentials)
    } else if access == AccessLevel::PermissionsManagement {
        Some(Class::Exposure)
    } else if access == AccessLevel::Write && !full.eq_ignore_ascii_case("iam:PassRole") {
        Some(Class::Infrastructure)
    } else {
        None
    }
}

/// The catalog actions each `Action` pattern matches that support resource constraints, with
/// their class: remembered, since the account's policies repeat their patterns.
#[derive(Default)]
pub(super) struct ActionClasses(Memo<String, Classified>);

/// The actions a pattern matches that have a class, with it.
type Classified = Rc<ClassifiedActions>;

pub(super) struct ClassifiedActions {
    actions: Vec<(String, Class)>,
    /// Bit `1 << class` for each class among `actions`: most patterns match none of the
    /// class a rule looks for, and a pattern like `s3:*` matches hundreds of actions.
    classes: u8,
}

impl ClassifiedActions {
    fn has(&self, class: Class) -> bool {
        self.classes & (1 << class as u8) != 0
    }
}

impl ActionClasses {
    fn of(&self, pattern: &str) -> Classified {
        remembered(&self.0, pattern, || {
            let mut actions = Vec::new();
            let mut classes = 0;
            catalog().for_each_match(pattern, |ar| {
                // An action without resource types can only be granted on `*`.
                if ar.action.resources.is_empty() {
                    return;
                }
                let full = ar.full_name();
                if let Some(class) = classify(&full, ar.access()) {
                    classes |= 1 << class as u8;
                    actions.push((full, class));
                }
            });
            Rc::new(ClassifiedActions { actions, classes })
        })
    }
}

/// Statements granting actions of `class` that support resource constraints, on every
/// resource; the classified actions of the patterns that grant some (see [`sample`]).
fn unconstrained_class(
    scan: &Scan<'_>,
    a: &Authored<'_>,
    class: Class,
) -> (Vec<Evidence>, Vec<Classified>) {
    let mut hits = Vec::new();
    let mut granted = Vec::new();
    for (i, s) in a.allows() {
        // `*` and NotAction statements have rules of their own.
        if s.action.negated || any_action_star(s) || !unconstrained(s) {
            continue;
        }
        let mut any = false;
        for pattern in &s.action.values {
            let actions = scan.action_classes.of(pattern);
            if actions.has(class) {
                granted.push(actions);
                any = true;
            }
        }
        if any {
            hits.push(a.evidence(i, s));
        }
    }
    (hits, granted)
}

/// The actions of `class` in `granted`, in order and once each: the first six, and how many
/// more. Only the findings' details need them, so they are not collected before.
fn sample(granted: &[Classified], class: Class) -> String {
    let actions: BTreeSet<&str> = granted
        .iter()
        .flat_map(|classified| classified.actions.iter())
        .filter(|(_, c)| *c == class)
        .map(|(full, _)| full.as_str())
        .collect();
    let shown: Vec<&str> = actions.iter().take(6).copied().collect();
    if actions.len() > shown.len() {
        format!(
            "{} and {} more",
            shown.join(", "),
            actions.len() - shown.len()
        )
    } else {
        shown.join(", ")
    }
}

macro_rules! class_rule {
    ($name:ident, $id:literal, $sev:ident, $summary:literal, $class:expr, $what:literal, $fix:literal) => {
        rule!($name, $id, Permissions, $sev, $summary);

        impl $name {
            fn run(&self, scan: &Scan<'_>, out: &mut Vec<Finding>) {
                for a in authored(scan.account) {
                    let (hits, granted) = unconstrained_class(scan, &a, $class);
                    if hits.is_empty() {
                        continue;
                    }
                    out.push(
                        a.finding(self, format!("{}: {} without resource constraints", a.label_name(), $what))
                            .detail(format!(
                                "The {} allows {} on every resource ({}), though each of these actions can be limited to named resources.",
                                a.describe(),
                                $what,
                                sample(&granted, $class)
                            ))
                            .evidence(hits)
                            .fix($fix),
                    );
                }
            }
        }
    };
}

class_rule!(
    DataExfiltration,
    "permissions.data-exfiltration",
    Medium,
    "actions that read stored data, without resource constraints",
    Class::Data,
    "reading stored data (objects, secrets, parameters, items)",
    "Name the buckets, secrets, parameters and tables in `Resource`."
);

class_rule!(
    ResourceExposure,
    "permissions.resource-exposure",
    High,
    "permissions-management actions without resource constraints",
    Class::Exposure,
    "changing who can access resources (permissions management)",
    "Name the resources whose policies may be changed in `Resource`, or remove the permissions-management actions."
);

class_rule!(
    CredentialsExposure,
    "permissions.credentials-exposure",
    High,
    "actions that return credentials, without resource constraints",
    Class::Credentials,
    "obtaining credentials",
    "Limit credential actions to named resources (e.g. the caller's own user with `${aws:username}`)."
);

class_rule!(
    InfrastructureModification,
    "permissions.infrastructure-modification",
    Low,
    "write actions without resource constraints",
    Class::Infrastructure,
    "modifying infrastructure (write actions)",
    "Name the resources each write action may change in `Resource`."
);

rule!(
    /// ECS task roles with execution-role permissions, or execution roles with application
    /// permissions.
    EcsRoleMixup,
    "hygiene.ecs-role-mixup",
    Hygiene,
    Medium,
    "ECS task role with execution-role permissions (or the reverse)",
    reads_administrators
);

/// What an ECS task execution role needs: pulling images, writing logs, reading the secrets
/// and parameters injected into the container.
const EXECUTION_ACTIONS: &[&str] = &[
    "ecr:GetAuthorizationToken",
    "ecr:BatchCheckLayerAvailability",
    "ecr:GetDownloadUrlForLayer",
    "ecr:BatchGetImage",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "logs:CreateLogGroup",
    "secretsmanager:GetSecretValue",
    "ssm:GetParameters",
    "ssm:GetParameter",
    "kms:Decrypt",
];

/// The execution-role actions that a task role should not hold.
const EXECUTION_MARKERS: &[&str] = &[
    "ecr:GetDownloadUrlForLayer",
    "ecr:BatchGetImage",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
];

fn trusts_ecs_tasks(role: &crate::model::Role) -> bool {
    role.trust_policy
        .iter()
        .flat_map(|t| &t.statements)
        .any(|s| {
            s.effect == Effect::Allow
                && match &s.principal {
                    Some(p) if !p.negated => match &p.set {
                        crate::policy::PrincipalSet::Entries(es) => es.iter().any(|e| {
                            e.kind == crate::policy::PrincipalKind::Service
                                && e.values
                                    .iter()
                                    .any(|v| v.eq_ignore_ascii_case("ecs-tasks.amazonaws.com"))
                        }),
                        crate::policy::PrincipalSet::Anyone => false,
                    },
                    _ => false,
                }
        })
}

fn is_execution_role(role: &crate::model::Role) -> bool {
    role.name.to_ascii_lowercase().contains("execution")
        || role
            .attached_policies
            .iter()
            .any(|p| p.arn.ends_with("/AmazonECSTaskExecutionRolePolicy"))
}

/// Up to three actions a pattern covers that an execution role does not need, by pattern:
/// many roles share their policies.
type Samples = std::collections::HashMap<String, Vec<String>>;

fn sample_of<'s>(samples: &'s mut Samples, pattern: &str) -> &'s [String] {
    samples.entry(pattern.to_owned()).or_insert_with(|| {
        let mut sample = Vec::new();
        catalog().for_each_match(pattern, |a| {
            if sample.len() >= 3 {
                return;
            }
            let full = a.full_name();
            if !EXECUTION_ACTIONS
                .iter()
                .any(|x| x.eq_ignore_ascii_case(&full))
            {
                sample.push(full);
            }
        });
        sample
    })
}

/// Actions the role's own statements grant beyond what an execution role needs.
fn application_actions(
    eff: &Effective<'_>,
    p: Principal,
    role: &crate::model::Role,
    samples: &mut Samples,
) -> Vec<String> {
    let account = eff.account;
    let docs = role.inline_policies.iter().map(|i| &i.document).chain(
        role.attached_policies.iter().filter_map(|r| {
            r.policy
                .and_then(|id| account.policy(id).default_document())
        }),
    );
    let mut found = BTreeSet::new();
    for doc in docs {
        for s in doc.statements.iter().filter(|s| s.effect == Effect::Allow) {
            if s.action.negated {
                found.insert(format!("everything but {}", s.action.values.join(", ")));
                continue;
            }
            for pattern in &s.action.values {
                for action in sample_of(samples, pattern) {
                    if eff.check_somewhere(p, action).possible() {
                        found.insert(action.clone());
                        break;
                    }
                }
            }
        }
    }
    found.into_iter().collect()
}

impl EcsRoleMixup {
    fn run(&self, scan: &Scan<'_>, out: &mut Vec<Finding>) {
        let eff = scan.effective();
        let mut samples = Samples::new();
        for (i, role) in scan.account.roles.iter().enumerate() {
            if role.is_service_linked() || !trusts_ecs_tasks(role) {
                continue;
            }
            let p = Principal::Role(crate::model::RoleId(i as u32));
            if eff.admin_outcome(p).possible() {
                continue;
            }
            if is_execution_role(role) {
                let app = application_actions(eff, p, role, &mut samples);
                if app.is_empty() {
                    continue;
                }
                out.push(
                    self.finding(&role.arn, format!("execution role {} holds application permissions", role.name))
                        .principal(&role.arn)
                        .detail(format!(
                            "Role {} is an ECS task execution role (the agent's: pull images, write logs, fetch secrets) but also grants {}. The execution role's credentials are not meant for the application; permissions the application needs belong on its task role.",
                            role.name,
                            app.join(", ")
                        ))
                        .fix("Move application permissions to the task role; keep the execution role to ECR pull, logs and the secrets the task definition injects."),
                );
                continue;
            }
            let mut held = Vec::new();
            let mut evidence = Vec::new();
            for action in EXECUTION_MARKERS {
                let access = eff.check_somewhere(p, action);
                if access.possible() {
                    held.push(*action);
                    evidence.extend(access.evidence);
                }
            }
            if held.is_empty() {
                continue;
            }
            out.push(
                self.finding(&role.arn, format!("task role {} holds execution-role permissions", role.name))
                    .principal(&role.arn)
                    .detail(format!(
                        "Role {} is an ECS task role (the application's) and is allowed {}, which the ECS agent needs through the task execution role, not the application.",
                        role.name,
                        held.join(", ")
                    ))
                    .evidence(evidence)
                    .fix("Remove image-pull and log permissions from the task role; give them to the task execution role."),
            );
        }
    }
}

/// Actions the rules of this module ask the evaluator about.
pub(super) const ASKED: &[&str] = EXECUTION_MARKERS;

#[cfg(test)]
mod tests;
