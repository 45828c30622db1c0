//! Judging the conditions of edges from outside the account: is this OIDC `sub` narrow enough,
//! does this service trust guard against the confused deputy, does this cross-account trust use
//! an external ID. The engine decides *whether* an edge holds; these notes say whether the
//! conditions it holds under are the ones a careful engineer would write.

use super::words::{RequiredCondition, issuer_name};
use super::{Note, Severity};
use crate::model::Account;

fn note(severity: Severity, message: impl Into<String>) -> Note {
    Note {
        severity,
        message: message.into(),
    }
}

/// The values of the conditions on `key` (any case) that must hold, with their operators.
fn on_key<'a>(conds: &'a [RequiredCondition], key: &str) -> Vec<&'a RequiredCondition> {
    conds
        .iter()
        .filter(|c| !c.negated && c.key.eq_ignore_ascii_case(key))
        .collect()
}

/// Whether the operator treats `*` and `?` as wildcards.
fn is_like(op: &str) -> bool {
    op.contains("Like")
}

/// Whether some condition restricts `key` positively (an equality or match, not a negation).
fn restricts(conds: &[RequiredCondition], key: &str) -> bool {
    on_key(conds, key)
        .iter()
        .any(|c| !c.operator.contains("Not"))
}

/// Notes on an edge from an OIDC or SAML provider (or a web identity provider name such as
/// `accounts.google.com`). `conds` are the conditions the edge holds under (all alternatives).
pub(crate) fn federated(
    account: &Account,
    provider: &str,
    conds: &[RequiredCondition],
) -> Vec<Note> {
    let mut notes = Vec::new();
    if let Some(url) = provider.split_once(":oidc-provider/").map(|(_, u)| u) {
        if !account.oidc_providers.is_empty()
            && !account.oidc_providers.iter().any(|p| p.arn == provider)
        {
            notes.push(note(
                Severity::Medium,
                format!(
                    "the OIDC provider `{url}` is not in this account: the trust is unusable until someone creates it, and then whoever controls that issuer decides"
                ),
            ));
        }
        oidc(url, conds, &mut notes);
    } else if provider.contains(":saml-provider/") {
        if !account.saml_providers.is_empty()
            && !account.saml_providers.iter().any(|p| p.arn == provider)
        {
            notes.push(note(
                Severity::Medium,
                format!("the SAML provider `{provider}` is not in this account"),
            ));
        }
        if !restricts(conds, "SAML:aud") {
            notes.push(note(
                Severity::Low,
                "no `SAML:aud` condition: assertions meant for other service providers are not refused by the trust policy",
            ));
        }
    } else {
        oidc(provider, conds, &mut notes);
    }
    notes
}

/// Judges the `aud` and `sub` conditions for an OIDC issuer.
fn oidc(issuer: &str, conds: &[RequiredCondition], notes: &mut Vec<Note>) {
    let name = issuer_name(issuer);
    let sub_key = format!("{issuer}:sub");
    let aud_key = format!("{issuer}:aud");
    let subs = on_key(conds, &sub_key);
    for c in &subs {
        if !is_like(&c.operator) && c.values.iter().any(|v| v.contains('*') || v.contains('?')) {
            notes.push(note(
                Severity::Low,
                format!(
                    "`{}` on `sub` treats `*` as a literal character: use StringLike for a wildcard",
                    c.operator
                ),
            ));
        }
    }
    if issuer == "cognito-identity.amazonaws.com" {
        if !restricts(conds, &aud_key) {
            notes.push(note(
                Severity::Critical,
                "no `cognito-identity.amazonaws.com:aud` condition: an identity from any Cognito identity pool, in any account, can assume this role",
            ));
        }
        let amr = format!("{issuer}:amr");
        if !on_key(conds, &amr)
            .iter()
            .any(|c| c.values.iter().any(|v| v == "authenticated"))
        {
            notes.push(note(
                Severity::Medium,
                "no `amr` condition requiring `authenticated`: unauthenticated (guest) identities of the pool can assume this role",
            ));
        }
        return;
    }
    if !restricts(conds, &aud_key) && issuer != "accounts.google.com" {
        notes.push(note(
            Severity::Low,
            format!(
                "no `aud` condition: {name} tokens for any client ID registered on the provider are accepted"
            ),
        ));
    }
    if issuer == "accounts.google.com" && !restricts(conds, "accounts.google.com:aud") {
        notes.push(note(
            Severity::Critical,
            "no `accounts.google.com:aud` condition: any Google application's users can assume this role",
        ));
    }
    let values: Vec<(&str, bool)> = subs
        .iter()
        .filter(|c| !c.operator.contains("Not"))
        .flat_map(|c| c.values.iter().map(|v| (v.as_str(), is_like(&c.operator))))
        .collect();
    if issuer == "token.actions.githubusercontent.com" {
        github(&values, notes);
    } else if values.is_empty() {
        let who = if issuer.starts_with("oidc.eks.") {
            "any service account of the EKS cluster"
        } else {
            "any identity this issuer vouches for"
        };
        notes.push(note(
            Severity::High,
            format!("no `sub` condition: {who} can assume this role"),
        ));
    } else if values
        .iter()
        .any(|(v, like)| *like && (*v == "*" || v.ends_with(":*")))
    {
        notes.push(note(
            Severity::Medium,
            format!(
                "`sub` ends in a wildcard ({}): every identity under that prefix can assume this role",
                values
                    .iter()
                    .map(|(v, _)| format!("`{v}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
}

/// How wide one GitHub `sub` pattern is.
fn github_scope(v: &str, like: bool) -> (Severity, String) {
    let wild = |s: &str| like && (s.contains('*') || s.contains('?'));
    let Some(rest) = v.strip_prefix("repo:") else {
        if wild(v) && v.starts_with('*') {
            return (
                Severity::Critical,
                format!("`{v}` matches any repository of any GitHub owner"),
            );
        }
        return (
            Severity::Info,
            format!(
                "`{v}` is a custom subject claim: check the repository's OIDC subject template"
            ),
        );
    };
    let (repo, context) = match rest.split_once(':') {
        Some((r, c)) => (r, Some(c)),
        None => (rest, None),
    };
    let (owner, name) = repo.split_once('/').unwrap_or((repo, ""));
    if wild(owner) || owner.is_empty() {
        return (
            Severity::Critical,
            format!(
                "`{v}` matches repositories of any GitHub owner: anyone on GitHub can assume this role"
            ),
        );
    }
    if wild(name) || name.is_empty() {
        return (
            Severity::High,
            format!("`{v}` matches every repository of `{owner}`, including ones created later"),
        );
    }
    match context {
        None => (
            Severity::Medium,
            format!("`{v}` names the repository `{owner}/{name}` without a branch or environment"),
        ),
        Some(c) if wild(c) => (
            Severity::Medium,
            format!(
                "`{v}` matches any branch, tag, pull request or environment of `{owner}/{name}`: anyone who can push a branch there can assume this role"
            ),
        ),
        Some("pull_request") => (
            Severity::Medium,
            format!("`{v}` lets pull-request workflows of `{owner}/{name}` assume this role"),
        ),
        Some(c) => {
            let what = if let Some(b) = c.strip_prefix("ref:refs/heads/") {
                format!("branch `{b}`")
            } else if let Some(t) = c.strip_prefix("ref:refs/tags/") {
                format!("tag `{t}`")
            } else if let Some(e) = c.strip_prefix("environment:") {
                format!("environment `{e}`")
            } else {
                format!("`{c}`")
            };
            (
                Severity::Info,
                format!("`sub` pins the repository `{owner}/{name}`, {what}"),
            )
        }
    }
}

fn github(values: &[(&str, bool)], notes: &mut Vec<Note>) {
    if values.is_empty() {
        notes.push(note(
            Severity::Critical,
            "no `sub` condition: any GitHub Actions workflow, in any repository of any owner, can assume this role",
        ));
        return;
    }
    // One note, for the widest pattern: that is what an attacker would use.
    let widest = values
        .iter()
        .map(|(v, like)| github_scope(v, *like))
        .min_by_key(|(s, _)| *s);
    if let Some((severity, message)) = widest {
        notes.push(note(severity, message));
    }
}

/// Notes on an edge from an AWS service.
pub(crate) fn service(
    service: &str,
    service_linked: bool,
    conds: &[RequiredCondition],
) -> Vec<Note> {
    if service_linked {
        return Vec::new();
    }
    let guarded = [
        "aws:SourceArn",
        "aws:SourceAccount",
        "aws:SourceOrgID",
        "aws:SourceOrgPaths",
    ]
    .iter()
    .any(|k| restricts(conds, k));
    if guarded {
        return Vec::new();
    }
    vec![note(
        Severity::Low,
        format!(
            "no `aws:SourceArn` or `aws:SourceAccount` condition: `{service}` could be made to use this role on behalf of another account's resource (confused deputy)"
        ),
    )]
}

/// Notes on an edge from another account (its root or one of its principals).
pub(crate) fn other_account(
    account_id: &str,
    root: bool,
    conds: &[RequiredCondition],
) -> Vec<Note> {
    if !root || restricts(conds, "sts:ExternalId") {
        return Vec::new();
    }
    vec![note(
        Severity::Medium,
        format!(
            "no `sts:ExternalId` condition: if account {account_id} is a third party serving many customers, it can be tricked into using this role for someone else (confused deputy)"
        ),
    )]
}

/// Notes on an edge from anyone (`"*"`).
pub(crate) fn anyone(conds: &[RequiredCondition]) -> Vec<Note> {
    if conds.is_empty() {
        return vec![note(
            Severity::Critical,
            "the trust policy allows any AWS principal, in any account, with no condition",
        )];
    }
    let scoped = [
        "aws:PrincipalOrgID",
        "aws:PrincipalOrgPaths",
        "aws:PrincipalAccount",
        "aws:PrincipalArn",
    ]
    .iter()
    .any(|k| restricts(conds, k));
    if scoped {
        Vec::new()
    } else {
        vec![note(
            Severity::High,
            "the trust policy allows any AWS principal, in any account, that meets its conditions; none of them limits the caller's organization, account or ARN",
        )]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(op: &str, key: &str, vals: &[&str]) -> RequiredCondition {
        let values: Vec<String> = vals.iter().map(|s| s.to_string()).collect();
        RequiredCondition::new(op, key, &values, true)
    }

    const GH: &str = "token.actions.githubusercontent.com";

    fn gh(sub: Option<(&str, &str)>) -> Vec<Note> {
        let mut conds = vec![c(
            "StringEquals",
            &format!("{GH}:aud"),
            &["sts.amazonaws.com"],
        )];
        if let Some((op, v)) = sub {
            conds.push(c(op, &format!("{GH}:sub"), &[v]));
        }
        let mut notes = Vec::new();
        oidc(GH, &conds, &mut notes);
        notes
    }

    #[test]
    fn github_sub_is_judged_by_how_much_it_matches() {
        let n = gh(Some(("StringLike", "repo:org/repo:ref:refs/heads/main")));
        assert_eq!(n.len(), 1);
        assert_eq!(n[0].severity, Severity::Info);
        assert!(n[0].message.contains("branch `main`"), "{}", n[0].message);

        let n = gh(Some(("StringLike", "repo:org/repo:*")));
        assert_eq!(n[0].severity, Severity::Medium);
        let n = gh(Some(("StringLike", "repo:org/*")));
        assert_eq!(n[0].severity, Severity::High);
        let n = gh(Some(("StringLike", "repo:*")));
        assert_eq!(n[0].severity, Severity::Critical);
        let n = gh(None);
        assert_eq!(n[0].severity, Severity::Critical);
        assert!(n[0].message.contains("no `sub`"));
        // A `*` under StringEquals is literal: narrow, but probably not what was meant.
        let n = gh(Some(("StringEquals", "repo:org/*")));
        assert!(n.iter().any(|x| x.message.contains("literal")), "{n:?}");
        assert!(!n.iter().any(|x| x.severity == Severity::High), "{n:?}");
    }

    #[test]
    fn service_and_cross_account_confused_deputy() {
        assert_eq!(service("lambda.amazonaws.com", false, &[]).len(), 1);
        assert!(
            service(
                "ecs-tasks.amazonaws.com",
                false,
                &[c("StringEquals", "aws:SourceAccount", &["1"])]
            )
            .is_empty()
        );
        assert!(service("ecs.amazonaws.com", true, &[]).is_empty());
        assert_eq!(other_account("444455556666", true, &[]).len(), 1);
        assert!(
            other_account("1", true, &[c("StringEquals", "sts:ExternalId", &["x"])]).is_empty()
        );
        assert_eq!(anyone(&[])[0].severity, Severity::Critical);
        assert!(anyone(&[c("StringEquals", "aws:PrincipalOrgID", &["o-1"])]).is_empty());
    }
}
