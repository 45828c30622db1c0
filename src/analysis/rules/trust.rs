//! Trust-policy shape: who a role's trust policy admits, read from the document.
//!
//! These rules judge how a trust policy is written (a principal of `*`, a missing `ExternalId`,
//! an OIDC trust without `aud`/`sub`), which needs no request to decide; who can actually
//! assume what is the trust graph's and privilege escalation's business, through the evaluator.

use std::collections::BTreeSet;

use super::{Rule, Scan, rule};
use crate::analysis::findings::{Evidence, Finding, Severity};
use crate::catalog::glob_match;
use crate::model::{Arn, Role, is_account_id};
use crate::policy::{Effect, PrincipalKind, PrincipalSet, Statement};

/// The Allow statements of a role's trust policy that grant a way to assume it, with their
/// index.
fn assume_statements(role: &Role) -> impl Iterator<Item = (usize, &Statement)> {
    role.trust_policy
        .iter()
        .flat_map(|p| p.statements.iter().enumerate())
        .filter(|(_, s)| s.effect == Effect::Allow && grants_assume(s))
}

fn grants_assume(s: &Statement) -> bool {
    let any = |a: &str| {
        s.action
            .values
            .iter()
            .any(|p| glob_match(&p.to_ascii_lowercase(), &a.to_ascii_lowercase()))
    };
    let assume = [
        "sts:AssumeRole",
        "sts:AssumeRoleWithWebIdentity",
        "sts:AssumeRoleWithSAML",
    ];
    if s.action.negated {
        !assume.iter().all(|a| any(a))
    } else {
        assume.iter().any(|a| any(a))
    }
}

fn evidence(role: &Role, index: usize, s: &Statement) -> Evidence {
    Evidence::new(
        format!("{} trust policy", role.arn),
        index,
        s.sid.as_deref(),
    )
}

/// The principal values of one kind in a statement (`Principal` only; `NotPrincipal` in an
/// Allow admits everyone else, which [`admits_anyone`] reports).
fn principals(s: &Statement, kind: PrincipalKind) -> Vec<&str> {
    match &s.principal {
        Some(p) if !p.negated => match &p.set {
            PrincipalSet::Anyone => Vec::new(),
            PrincipalSet::Entries(entries) => entries
                .iter()
                .filter(|e| e.kind == kind)
                .flat_map(|e| e.values.iter().map(String::as_str))
                .collect(),
        },
        _ => Vec::new(),
    }
}

fn admits_anyone(s: &Statement) -> bool {
    match &s.principal {
        Some(p) if p.negated => true,
        Some(p) => match &p.set {
            PrincipalSet::Anyone => true,
            PrincipalSet::Entries(entries) => entries
                .iter()
                .any(|e| e.kind == PrincipalKind::Aws && e.values.iter().any(|v| v == "*")),
        },
        None => false,
    }
}

fn condition_keys(s: &Statement) -> BTreeSet<String> {
    s.conditions
        .iter()
        .map(|c| c.key.to_ascii_lowercase())
        .collect()
}

fn describe_conditions(s: &Statement) -> String {
    s.conditions
        .iter()
        .map(|c| {
            let values: Vec<String> = c.values.iter().map(|v| v.as_text().into_owned()).collect();
            format!("{} {} {}", c.operator, c.key, values.join("|"))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn skip(role: &Role) -> bool {
    role.is_service_linked()
}

rule!(
    /// Anyone in the world can assume the role.
    TrustAnyone,
    "trust.anyone",
    Trust,
    Critical,
    "trust policy admits any AWS principal, without conditions"
);

impl TrustAnyone {
    fn run(&self, scan: &Scan<'_>, out: &mut Vec<Finding>) {
        for r in &scan.account.roles {
            if skip(r) {
                continue;
            }
            let hits: Vec<Evidence> = assume_statements(r)
                .filter(|(_, s)| admits_anyone(s) && s.conditions.is_empty())
                .map(|(i, s)| evidence(r, i, s))
                .collect();
            if hits.is_empty() {
                continue;
            }
            out.push(
                self.finding(&r.arn, format!("anyone can assume {}", r.name))
                    .principal(&r.arn)
                    .detail(format!(
                        "The trust policy of role {} allows `\"Principal\": \"*\"` (any AWS account in the world) to assume it, with no condition. Anyone who learns the role's ARN gets its permissions.",
                        r.name
                    ))
                    .evidence(hits)
                    .path(vec!["*".into(), "sts:AssumeRole".into(), r.arn.clone()])
                    .fix("Name the accounts or roles that need the role in `Principal`, or add an `aws:PrincipalOrgID` condition."),
            );
        }
    }
}

rule!(
    /// A `*` principal narrowed only by conditions.
    TrustAnyoneWithConditions,
    "trust.anyone-with-conditions",
    Trust,
    Medium,
    "trust policy admits any AWS principal, narrowed only by conditions"
);

impl TrustAnyoneWithConditions {
    fn run(&self, scan: &Scan<'_>, out: &mut Vec<Finding>) {
        for r in &scan.account.roles {
            if skip(r) {
                continue;
            }
            let hits: Vec<(Evidence, String)> = assume_statements(r)
                .filter(|(_, s)| admits_anyone(s) && !s.conditions.is_empty())
                .map(|(i, s)| (evidence(r, i, s), describe_conditions(s)))
                .collect();
            if hits.is_empty() {
                continue;
            }
            let conditions: Vec<String> = hits.iter().map(|(_, c)| c.clone()).collect();
            // Conditions on the caller's organization or account are the documented way to
            // share a role widely; anything else rests on the condition being unforgeable.
            let org_scoped =
                assume_statements(r)
                    .filter(|(_, s)| admits_anyone(s))
                    .all(|(_, s)| {
                        condition_keys(s).iter().any(|k| {
                            matches!(
                                k.as_str(),
                                "aws:principalorgid"
                                    | "aws:principalorgpaths"
                                    | "aws:principalaccount"
                            )
                        })
                    });
            out.push(
                self.finding(
                    &r.arn,
                    format!("anyone matching a condition can assume {}", r.name),
                )
                .principal(&r.arn)
                .severity(if org_scoped {
                    Severity::Low
                } else {
                    Severity::Medium
                })
                .detail(format!(
                    "The trust policy of role {} admits `\"Principal\": \"*\"` and relies on conditions alone ({}) to keep the rest of the world out. Check that every condition is one a caller cannot choose.",
                    r.name,
                    conditions.join("; ")
                ))
                .evidence(hits.into_iter().map(|(e, _)| e))
                .conditions(conditions)
                .fix("Name the trusted accounts or roles in `Principal` and keep the conditions as a second check."),
            );
        }
    }
}

rule!(
    /// Another account may assume the role without an external id.
    TrustCrossAccountNoExternalId,
    "trust.cross-account-no-external-id",
    Trust,
    High,
    "another account trusted without sts:ExternalId"
);

/// The account of an `AWS` principal value: an ARN's account or a bare account id.
fn principal_account(value: &str) -> Option<&str> {
    if is_account_id(value) {
        return Some(value);
    }
    Arn::parse(value).ok().map(|a| a.account)
}

impl TrustCrossAccountNoExternalId {
    fn run(&self, scan: &Scan<'_>, out: &mut Vec<Finding>) {
        let own = scan.account.info.account_id.as_str();
        for r in &scan.account.roles {
            if skip(r) {
                continue;
            }
            let mut others = BTreeSet::new();
            let mut hits = Vec::new();
            for (i, s) in assume_statements(r) {
                if condition_keys(s).contains("sts:externalid") {
                    continue;
                }
                let foreign: Vec<&str> = principals(s, PrincipalKind::Aws)
                    .into_iter()
                    .filter(|v| principal_account(v).is_some_and(|a| a != own && !a.is_empty()))
                    .collect();
                if foreign.is_empty() {
                    continue;
                }
                others.extend(foreign.into_iter().map(str::to_owned));
                hits.push(evidence(r, i, s));
            }
            if hits.is_empty() {
                continue;
            }
            let others: Vec<String> = others.into_iter().collect();
            out.push(
                self.finding(
                    &r.arn,
                    format!("{} trusts another account without an external id", r.name),
                )
                .principal(&r.arn)
                .detail(format!(
                    "Role {} can be assumed from another account ({}) without an `sts:ExternalId` condition. If that account is a vendor serving many customers, anyone who can make the vendor assume a role can point it at this one (the confused-deputy problem).",
                    r.name,
                    others.join(", ")
                ))
                .evidence(hits)
                .path(
                    others
                        .first()
                        .into_iter()
                        .cloned()
                        .chain(["sts:AssumeRole".to_owned(), r.arn.clone()])
                        .collect(),
                )
                .fix("Add `\"Condition\": {\"StringEquals\": {\"sts:ExternalId\": \"<secret agreed with the other party>\"}}` to the trust statement."),
            );
        }
    }
}

/// OIDC provider host of a `Federated` principal: `token.actions.githubusercontent.com` from
/// `arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com`, or a bare host such as
/// `cognito-identity.amazonaws.com`. SAML providers are not OIDC.
fn oidc_host(value: &str) -> Option<&str> {
    if let Some((_, host)) = value.split_once(":oidc-provider/") {
        return Some(host);
    }
    if value.contains(":saml-provider/") || value.starts_with("arn:") {
        return None;
    }
    Some(value)
}

fn oidc_statements(role: &Role) -> Vec<(usize, &Statement, &str)> {
    assume_statements(role)
        .flat_map(|(i, s)| {
            principals(s, PrincipalKind::Federated)
                .into_iter()
                .filter_map(oidc_host)
                .map(move |h| (i, s, h))
        })
        .collect()
}

/// Identity providers where a token's `sub` is a name anyone can get: any GitHub repository,
/// GitLab project or Terraform Cloud workspace in the world.
fn public_issuer(host: &str) -> bool {
    let h = host.to_ascii_lowercase();
    h == "token.actions.githubusercontent.com"
        || h.starts_with("token.actions.githubusercontent.com/")
        || h == "gitlab.com"
        || h == "app.terraform.io"
        || h == "oidc.circleci.com"
        || h.starts_with("oidc.circleci.com/")
        || h == "api.bitbucket.org"
        || h.starts_with("api.bitbucket.org/")
}

rule!(
    /// An OIDC trust that does not check the token audience.
    TrustOidcNoAudience,
    "trust.oidc-no-audience",
    Trust,
    High,
    "OIDC trust without an audience (aud) condition"
);

impl TrustOidcNoAudience {
    fn run(&self, scan: &Scan<'_>, out: &mut Vec<Finding>) {
        for r in &scan.account.roles {
            if skip(r) {
                continue;
            }
            let hits: Vec<(Evidence, &str)> = oidc_statements(r)
                .into_iter()
                .filter(|(_, s, host)| {
                    let aud = format!("{}:aud", host.to_ascii_lowercase());
                    !condition_keys(s).contains(&aud)
                })
                .map(|(i, s, host)| (evidence(r, i, s), host))
                .collect();
            let Some((_, host)) = hits.first() else {
                continue;
            };
            let host = host.to_string();
            out.push(
                self.finding(&r.arn, format!("{} accepts OIDC tokens for any audience", r.name))
                    .principal(&r.arn)
                    .detail(format!(
                        "Role {} trusts OIDC provider {host} without a `{host}:aud` condition, so tokens the provider issued for other applications are accepted too.",
                        r.name
                    ))
                    .evidence(hits.into_iter().map(|(e, _)| e))
                    .fix(format!(
                        "Add `\"StringEquals\": {{\"{host}:aud\": \"sts.amazonaws.com\"}}` (or your client id) to the trust statement."
                    )),
            );
        }
    }
}

rule!(
    /// An OIDC trust whose subject is missing or matches too much.
    TrustOidcWildcardSubject,
    "trust.oidc-wildcard-subject",
    Trust,
    High,
    "OIDC trust with a missing or wildcard subject (sub)"
);

/// Whether a `sub` pattern leaves the identity open: `*`, or for the public CI issuers a
/// wildcard before the owner's name ends (`repo:*`, `repo:my-o*`, `project_path:*`).
fn subject_too_wide(host: &str, value: &str) -> bool {
    if value.trim_matches('*').is_empty() {
        return true;
    }
    if !public_issuer(host) {
        return false;
    }
    // GitHub: repo:OWNER/REPO:...; GitLab: project_path:GROUP/PROJECT:...; the owner is the
    // part before the first `/`.
    let owner = value
        .split_once(':')
        .map_or(value, |(_, rest)| rest)
        .split('/')
        .next()
        .unwrap_or_default();
    owner.contains(['*', '?']) || !value.contains('/')
}

impl TrustOidcWildcardSubject {
    fn run(&self, scan: &Scan<'_>, out: &mut Vec<Finding>) {
        for r in &scan.account.roles {
            if skip(r) {
                continue;
            }
            let mut hits = Vec::new();
            let mut why = Vec::new();
            let mut public = false;
            for (i, s, host) in oidc_statements(r) {
                // Cognito identity pools identify callers by `amr`, not `sub`.
                if host.eq_ignore_ascii_case("cognito-identity.amazonaws.com") {
                    continue;
                }
                let sub_key = format!("{}:sub", host.to_ascii_lowercase());
                let subs: Vec<(&str, String)> = s
                    .conditions
                    .iter()
                    .filter(|c| c.key.to_ascii_lowercase() == sub_key)
                    .flat_map(|c| {
                        c.values
                            .iter()
                            .map(move |v| (c.operator.as_str(), v.as_text().into_owned()))
                    })
                    .collect();
                let reason = if subs.is_empty() {
                    Some(format!("no `{host}:sub` condition"))
                } else {
                    subs.iter()
                        .find(|(op, v)| op.contains("Like") && subject_too_wide(host, v))
                        .map(|(op, v)| format!("`{op} {host}:sub = {v}`"))
                };
                if let Some(reason) = reason {
                    public |= public_issuer(host);
                    hits.push(evidence(r, i, s));
                    why.push(reason);
                }
            }
            if hits.is_empty() {
                continue;
            }
            let who = if public {
                "anyone who can run a workflow on the provider (any repository in the world)"
            } else {
                "any identity of the provider"
            };
            out.push(
                self.finding(&r.arn, format!("{} accepts any OIDC subject", r.name))
                    .principal(&r.arn)
                    .severity(if public { Severity::Critical } else { Severity::High })
                    .detail(format!(
                        "Role {} trusts an OIDC provider with {}: {who} can get a token that assumes it.",
                        r.name,
                        why.join(", ")
                    ))
                    .evidence(hits)
                    .fix("Pin the subject: `\"StringEquals\"` (or a `StringLike` without wildcards in the owner) on `:sub`, e.g. `repo:ORG/REPO:ref:refs/heads/main`."),
            );
        }
    }
}

/// Services that assume a role only after a principal of the account passed it to them
/// (`iam:PassRole` is the guard), and that do not set `aws:SourceArn`/`aws:SourceAccount`
/// for role assumption.
const NO_SOURCE_KEYS: &[&str] = &[
    "ec2.amazonaws.com",
    "lambda.amazonaws.com",
    "edgelambda.amazonaws.com",
];

rule!(
    /// A service principal trusted without the confused-deputy keys.
    TrustServiceNoSource,
    "trust.service-no-source",
    Trust,
    Low,
    "service principal trusted without aws:SourceArn or aws:SourceAccount"
);

impl TrustServiceNoSource {
    fn run(&self, scan: &Scan<'_>, out: &mut Vec<Finding>) {
        for r in &scan.account.roles {
            if skip(r) {
                continue;
            }
            let mut services = BTreeSet::new();
            let mut hits = Vec::new();
            for (i, s) in assume_statements(r) {
                let keys = condition_keys(s);
                if [
                    "aws:sourcearn",
                    "aws:sourceaccount",
                    "aws:sourceorgid",
                    "aws:sourceorgpaths",
                ]
                .iter()
                .any(|k| keys.contains(*k))
                {
                    continue;
                }
                let unguarded: Vec<&str> = principals(s, PrincipalKind::Service)
                    .into_iter()
                    .filter(|svc| !NO_SOURCE_KEYS.iter().any(|n| n.eq_ignore_ascii_case(svc)))
                    .collect();
                if unguarded.is_empty() {
                    continue;
                }
                services.extend(unguarded.into_iter().map(str::to_owned));
                hits.push(evidence(r, i, s));
            }
            if hits.is_empty() {
                continue;
            }
            let services: Vec<String> = services.into_iter().collect();
            out.push(
                self.finding(
                    &r.arn,
                    format!("{} trusts {} without a source condition", r.name, services.join(", ")),
                )
                .principal(&r.arn)
                .detail(format!(
                    "Role {} trusts {} with no `aws:SourceArn` or `aws:SourceAccount` condition, so the service may assume it on behalf of a resource in another account (the cross-service confused deputy).",
                    r.name,
                    services.join(", ")
                ))
                .evidence(hits)
                .fix(format!(
                    "Add `\"StringEquals\": {{\"aws:SourceAccount\": \"{}\"}}` (and `aws:SourceArn` where the service sets it) to the trust statement.",
                    scan.account.info.account_id
                )),
            );
        }
    }
}

rule!(
    /// One role serving several services.
    TrustManyServices,
    "trust.many-services",
    Trust,
    Low,
    "one role trusted by several services"
);

impl TrustManyServices {
    fn run(&self, scan: &Scan<'_>, out: &mut Vec<Finding>) {
        for r in &scan.account.roles {
            if skip(r) {
                continue;
            }
            let mut services = BTreeSet::new();
            let mut hits = Vec::new();
            for (i, s) in assume_statements(r) {
                let svc = principals(s, PrincipalKind::Service);
                if svc.is_empty() {
                    continue;
                }
                services.extend(svc.into_iter().map(|s| s.to_ascii_lowercase()));
                hits.push(evidence(r, i, s));
            }
            if services.len() < 2 {
                continue;
            }
            let services: Vec<String> = services.into_iter().collect();
            out.push(
                self.finding(
                    &r.arn,
                    format!("{} is shared by {} services", r.name, services.len()),
                )
                .principal(&r.arn)
                .detail(format!(
                    "Role {} is trusted by {} services ({}). A role shared by unrelated workloads holds the union of what they need, and each of them can use all of it.",
                    r.name,
                    services.len(),
                    services.join(", ")
                ))
                .evidence(hits)
                .fix("Give each service (each workload) its own role with only what it needs."),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::test_support::*;
    use super::*;

    fn trust(statement: serde_json::Value) -> serde_json::Value {
        json!({"Version": "2012-10-17", "Statement": [statement]})
    }

    fn one(rule: &dyn super::super::Rule, roles: Vec<serde_json::Value>) -> Vec<Finding> {
        run(rule, &accounts(vec![], roles))
    }

    const GH: &str = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";

    fn github(conditions: serde_json::Value) -> serde_json::Value {
        trust(json!({"Effect": "Allow", "Principal": {"Federated": GH},
                     "Action": "sts:AssumeRoleWithWebIdentity", "Condition": conditions}))
    }

    #[test]
    fn anyone_without_conditions() {
        let open = role(
            "Open",
            trust(
                json!({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}),
            ),
        );
        let star = role(
            "Star",
            trust(json!({"Effect": "Allow", "Principal": "*", "Action": "sts:*"})),
        );
        let org = role(
            "Org",
            trust(
                json!({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}}}),
            ),
        );
        let named = role(
            "Named",
            trust(
                json!({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}),
            ),
        );
        let f = one(
            &TrustAnyone,
            vec![open.clone(), star, org.clone(), named.clone()],
        );
        assert_eq!(f.len(), 2, "{f:?}");
        assert_eq!(
            &*f[0].evidence[0].policy,
            "arn:aws:iam::123456789012:role/Open trust policy"
        );

        let f = one(&TrustAnyoneWithConditions, vec![open, org, named]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Low);
        assert!(
            f[0].conditions[0].contains("aws:PrincipalOrgID"),
            "{:?}",
            f[0].conditions
        );
        let ip = role(
            "Ip",
            trust(
                json!({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
            "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}),
            ),
        );
        assert_eq!(
            one(&TrustAnyoneWithConditions, vec![ip])[0].severity,
            Severity::Medium
        );
    }

    #[test]
    fn cross_account_external_id() {
        let vendor = role(
            "Vendor",
            trust(
                json!({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "sts:AssumeRole"}),
            ),
        );
        let bare = role(
            "Bare",
            trust(
                json!({"Effect": "Allow", "Principal": {"AWS": "444455556666"}, "Action": "sts:AssumeRole"}),
            ),
        );
        let guarded = role(
            "Guarded",
            trust(
                json!({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::210987654321:root"}, "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": "x"}}}),
            ),
        );
        let own = role(
            "Own",
            trust(
                json!({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:role/Other"}, "Action": "sts:AssumeRole"}),
            ),
        );
        let f = one(
            &TrustCrossAccountNoExternalId,
            vec![vendor, bare, guarded, own],
        );
        let names: Vec<&str> = f.iter().map(|f| f.title.as_str()).collect();
        assert_eq!(names.len(), 2, "{names:?}");
        assert!(names[0].starts_with("Vendor") && names[1].starts_with("Bare"));
        assert_eq!(f[0].path[0], "arn:aws:iam::444455556666:root");
    }

    #[test]
    fn oidc_audience_and_subject() {
        let good = role(
            "Good",
            github(json!({
            "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
            "StringLike": {"token.actions.githubusercontent.com:sub": "repo:my-org/my-repo:ref:refs/heads/main"}})),
        );
        let org_wide = role(
            "OrgWide",
            github(json!({
            "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
            "StringLike": {"token.actions.githubusercontent.com:sub": "repo:my-org/*"}})),
        );
        let wide = role(
            "Wide",
            github(json!({
            "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
            "StringLike": {"token.actions.githubusercontent.com:sub": "repo:*"}})),
        );
        let no_sub = role(
            "NoSub",
            github(json!({
            "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}})),
        );
        let no_aud = role(
            "NoAud",
            github(json!({
            "StringEquals": {"token.actions.githubusercontent.com:sub": "repo:my-org/my-repo:ref:refs/heads/main"}})),
        );
        let saml = role(
            "Saml",
            trust(
                json!({"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::123456789012:saml-provider/Okta"},
            "Action": "sts:AssumeRoleWithSAML"}),
            ),
        );
        let roles = vec![good, org_wide, wide, no_sub, no_aud, saml];

        let f = one(&TrustOidcNoAudience, roles.clone());
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].title.starts_with("NoAud"));

        let f = one(&TrustOidcWildcardSubject, roles);
        let names: Vec<&str> = f
            .iter()
            .map(|f| f.title.split(' ').next().unwrap())
            .collect();
        assert_eq!(names, vec!["Wide", "NoSub"]);
        assert_eq!(f[0].severity, Severity::Critical);
    }

    #[test]
    fn service_source_conditions() {
        let dms = role("Dms", trust_service("dms.amazonaws.com"));
        let lambda = role("Lambda", trust_service("lambda.amazonaws.com"));
        let guarded = role(
            "Guarded",
            trust(
                json!({"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
            "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}}}),
            ),
        );
        let f = one(&TrustServiceNoSource, vec![dms, lambda, guarded]);
        assert_eq!(f.len(), 1);
        assert!(f[0].title.starts_with("Dms"));
    }

    #[test]
    fn many_services() {
        let shared = role(
            "Shared",
            trust(json!({"Effect": "Allow",
            "Principal": {"Service": ["ec2.amazonaws.com", "lambda.amazonaws.com"]}, "Action": "sts:AssumeRole"})),
        );
        let single = role("Single", trust_service("lambda.amazonaws.com"));
        let f = one(&TrustManyServices, vec![shared, single]);
        assert_eq!(f.len(), 1);
        assert!(
            f[0].detail
                .contains("ec2.amazonaws.com, lambda.amazonaws.com")
        );
    }
}
