//! Indexes that keep the trust graph from evaluating every principal against every role.
//!
//! Nothing here decides access: every decision is the evaluation engine's. These functions
//! only answer "could this statement possibly take part in `sts:AssumeRole` on a role?" so that
//! the graph (1) evaluates only candidate pairs, (2) marks exactly the request-time keys that
//! matter as unknown, and (3) knows when two requests differ only in a role ARN that no
//! relevant statement looks at, so one evaluation serves both. Every test here errs on the
//! side of "could": a false "could" costs an evaluation, a false "could not" would lose an edge.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use crate::analysis::principal::Principal;
use crate::model::{Account, Arn, PolicyRef, is_account_id};
use crate::policy::{Condition, Effect, Patterns, Policy, PrincipalKind, PrincipalSet, Statement};

/// `sts:AssumeRole`, lowercased as action patterns are compared.
pub(crate) const ASSUME_ROLE: &str = "sts:assumerole";

/// Wildcard match: `*` any run, `?` one character. With `fold`, ASCII case is ignored.
pub(crate) fn glob(pattern: &str, text: &str, fold: bool) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    if pattern.contains('?') && !text.is_ascii() {
        // `?` is one character, not one byte; rather than get multi-byte text wrong, say
        // "could match" (callers only use this as a filter).
        return true;
    }
    let eq = |a: u8, b: u8| {
        if fold {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && (p[pi] == b'?' || eq(p[pi], t[ti])) {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&b| b == b'*')
}

/// Whether the statement's `Action`/`NotAction` covers `action` (lowercase).
pub(crate) fn covers_action(patterns: &Patterns, action: &str) -> bool {
    let any = patterns.values.iter().any(|p| glob(p, action, true));
    any != patterns.negated
}

/// Whether a statement can take part in a role assumption: its action covers
/// `sts:AssumeRole`. (Federated actions are decided on trust policies only.)
pub(crate) fn relevant(st: &Statement) -> bool {
    covers_action(&st.action, ASSUME_ROLE)
}

/// Whether an ARN pattern could match the ARN of a role of `account_id`. A pattern is split
/// into the six ARN components as the engine does; a literal service other than `iam`, a
/// literal other account, or a literal resource that cannot start with `role/` rules it out.
pub(crate) fn may_match_a_role(pattern: &str, account_id: &str) -> bool {
    if pattern == "*" || pattern.contains("${") {
        return true;
    }
    let parts: Vec<&str> = pattern.splitn(6, ':').collect();
    let [_, _, service, _, account, resource] = parts.as_slice() else {
        // Not an ARN pattern: the engine matches it against the whole ARN.
        return true;
    };
    let literal = |s: &str| !s.contains('*') && !s.contains('?');
    if literal(service) && *service != "iam" {
        return false;
    }
    if literal(account) && *account != account_id {
        return false;
    }
    let prefix = resource.split(['*', '?']).next().unwrap_or_default();
    "role/".starts_with(prefix) || prefix.starts_with("role/")
}

/// Keys whose value depends on the role being assumed: a statement using them (or a variable
/// of them) cannot share its answer between roles.
fn resource_dependent(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.starts_with("aws:resource") || k.starts_with("iam:resource")
}

fn condition_is_resource_dependent(c: &Condition) -> bool {
    resource_dependent(&c.key)
        || c.values.iter().any(|v| {
            let t = v.as_text().to_ascii_lowercase();
            t.contains("${aws:resource") || t.contains("${iam:resource")
        })
}

/// Whether the statement's answer is the same for every role of the account: it names no
/// resource that tells roles apart and reads no key of the role.
pub(crate) fn role_independent(st: &Statement, account_id: &str) -> bool {
    let resources_ok = match &st.resource {
        None => true,
        Some(r) => r
            .values
            .iter()
            .all(|v| v == "*" || (!v.contains("${") && !may_match_a_role(v, account_id))),
    };
    resources_ok && !st.conditions.iter().any(condition_is_resource_dependent)
}

/// The context keys a request carries because of *who* the principal is, which the account
/// determines (set by [`crate::analysis::principal::request_context`]); every other key a
/// relevant condition reads is request-time (MFA, source IP, external ID, time, ...) and is
/// left unknown.
pub(crate) fn principal_determined(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    matches!(
        k.as_str(),
        "aws:principalarn"
            | "aws:principalaccount"
            | "aws:principaltype"
            | "aws:userid"
            | "aws:username"
            | "aws:principaltagkeys"
            | "aws:principalisawsservice"
            | "aws:principalservicename"
            | "aws:principalservicenameslist"
            | "aws:securetransport"
    ) || k.starts_with("aws:principaltag/")
        || resource_dependent(&k)
}

/// Adds the request-time keys read by `st` to `keys` (lowercased, deduplicated).
pub(crate) fn request_keys(st: &Statement, keys: &mut Vec<String>) {
    for c in &st.conditions {
        let k = c.key.to_ascii_lowercase();
        if !principal_determined(&k) && !keys.contains(&k) {
            keys.push(k);
        }
    }
}

/// What the identity side of a principal can grant for `sts:AssumeRole`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Grant {
    /// No identity `Allow` covers `sts:AssumeRole`.
    None,
    /// Some `Allow` may cover any role (`Resource: "*"`, `NotResource`, or no resource).
    Any,
    /// Only roles matching these patterns.
    Patterns(Vec<String>),
}

impl Grant {
    /// Whether the grant may cover `role_arn` (a superset of what the engine matches: a `*`
    /// here may also span the `:` between ARN components).
    pub(crate) fn may_cover(&self, role_arn: &str) -> bool {
        match self {
            Grant::None => false,
            Grant::Any => true,
            Grant::Patterns(ps) => ps
                .iter()
                .any(|p| p.contains("${") || glob(p, role_arn, false)),
        }
    }
}

/// What the graph needs to know about one principal's policies.
#[derive(Debug, Clone)]
pub(crate) struct PrincipalFacts {
    pub(crate) grant: Grant,
    /// Whether every relevant statement of its identity policies and boundary (and the SCPs)
    /// answers the same for every role: then one evaluation per trust policy serves all roles.
    pub(crate) role_independent: bool,
    /// Request-time keys its relevant statements read.
    pub(crate) request_keys: Vec<String>,
    /// Per identity policy, in [`identity_documents`] order: whether any statement is relevant.
    pub(crate) relevant_identity: Vec<bool>,
}

fn managed_document<'a>(account: &'a Account, r: &PolicyRef) -> Option<&'a Policy> {
    r.policy
        .and_then(|id| account.policy(id).default_document())
}

/// The principal's identity policy documents in the order of
/// [`crate::analysis::principal::CompiledAccount::identity_policies`] (own inline, own attached,
/// then per group inline and attached), skipping attachments whose document the input lacks,
/// as it does.
pub(crate) fn identity_documents(account: &Account, principal: Principal) -> Vec<&Policy> {
    let mut out = Vec::new();
    match principal {
        Principal::User(id) => {
            let u = account.user(id);
            out.extend(u.inline_policies.iter().map(|p| &p.document));
            out.extend(
                u.attached_policies
                    .iter()
                    .filter_map(|r| managed_document(account, r)),
            );
            for g in &u.groups {
                let g = account.group(*g);
                out.extend(g.inline_policies.iter().map(|p| &p.document));
                out.extend(
                    g.attached_policies
                        .iter()
                        .filter_map(|r| managed_document(account, r)),
                );
            }
        }
        Principal::Role(id) => {
            let r = account.role(id);
            out.extend(r.inline_policies.iter().map(|p| &p.document));
            out.extend(
                r.attached_policies
                    .iter()
                    .filter_map(|r| managed_document(account, r)),
            );
        }
    }
    out
}

pub(crate) fn boundary_document(account: &Account, principal: Principal) -> Option<&Policy> {
    let b = match principal {
        Principal::User(id) => account.user(id).permissions_boundary.as_ref(),
        Principal::Role(id) => account.role(id).permissions_boundary.as_ref(),
    }?;
    managed_document(account, b)
}

/// Facts about the account's SCPs, shared by every principal.
#[derive(Debug, Clone, Default)]
pub(crate) struct ScpFacts {
    pub(crate) role_independent: bool,
    pub(crate) request_keys: Vec<String>,
}

pub(crate) fn scp_facts(account: &Account) -> ScpFacts {
    let mut f = ScpFacts {
        role_independent: true,
        request_keys: Vec::new(),
    };
    for st in account
        .scps
        .iter()
        .flatten()
        .flat_map(|p| &p.document.statements)
        .filter(|s| relevant(s))
    {
        f.role_independent &= role_independent(st, &account.info.account_id);
        request_keys(st, &mut f.request_keys);
    }
    f
}

pub(crate) fn principal_facts(
    account: &Account,
    principal: Principal,
    scps: &ScpFacts,
) -> PrincipalFacts {
    let account_id = account.info.account_id.as_str();
    let mut facts = PrincipalFacts {
        grant: Grant::None,
        role_independent: scps.role_independent,
        request_keys: scps.request_keys.clone(),
        relevant_identity: Vec::new(),
    };
    let mut patterns: Vec<String> = Vec::new();
    let mut any = false;
    for doc in identity_documents(account, principal) {
        let mut doc_relevant = false;
        for st in doc.statements.iter().filter(|s| relevant(s)) {
            doc_relevant = true;
            facts.role_independent &= role_independent(st, account_id);
            request_keys(st, &mut facts.request_keys);
            if st.effect == Effect::Allow {
                match &st.resource {
                    None => any = true,
                    Some(r) if r.negated => any = true,
                    Some(r) => {
                        for v in &r.values {
                            if v == "*" {
                                any = true;
                            } else if may_match_a_role(v, account_id) {
                                patterns.push(v.clone());
                            }
                        }
                    }
                }
            }
        }
        facts.relevant_identity.push(doc_relevant);
    }
    if let Some(b) = boundary_document(account, principal) {
        for st in b.statements.iter().filter(|s| relevant(s)) {
            facts.role_independent &= role_independent(st, account_id);
            request_keys(st, &mut facts.request_keys);
        }
    }
    facts.grant = if any {
        Grant::Any
    } else if patterns.is_empty() {
        Grant::None
    } else {
        patterns.sort();
        patterns.dedup();
        Grant::Patterns(patterns)
    };
    facts
}

/// How a trust policy can name principals of its own account.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct LocalNaming {
    /// Names the account (root ARN or bare id): principals whose identity side allows.
    pub(crate) account: bool,
    /// `"*"`, `{"AWS": "*"}` or `NotPrincipal`: every principal.
    pub(crate) everyone: bool,
    /// Users and roles named by ARN.
    pub(crate) named: Vec<Principal>,
}

/// Whether an `AWS` principal value may name a principal of `account_id`.
fn names_local(value: &str, account_id: &str) -> bool {
    value == "*" || value == account_id || Arn::parse(value).is_ok_and(|a| a.account == account_id)
}

/// Whether a trust statement may apply to a user or role of the account: its action covers
/// `sts:AssumeRole` and its principal element may name one of them.
pub(crate) fn may_apply_locally(st: &Statement, account_id: &str) -> bool {
    if !relevant(st) {
        return false;
    }
    match &st.principal {
        // The engine requires a principal in a trust policy: such a statement never applies.
        None => false,
        Some(p) if p.negated => true,
        Some(p) => match &p.set {
            PrincipalSet::Anyone => true,
            PrincipalSet::Entries(entries) => entries.iter().any(|e| {
                e.kind == PrincipalKind::Aws && e.values.iter().any(|v| names_local(v, account_id))
            }),
        },
    }
}

/// How the trust policy names local principals (only `Allow` statements make candidates;
/// `Deny` statements are still evaluated with the rest of the policy).
pub(crate) fn local_naming(account: &Account, trust: &Policy) -> LocalNaming {
    let account_id = account.info.account_id.as_str();
    let mut n = LocalNaming::default();
    for st in trust
        .statements
        .iter()
        .filter(|s| s.effect == Effect::Allow && may_apply_locally(s, account_id))
    {
        let Some(p) = &st.principal else { continue };
        if p.negated {
            n.everyone = true;
            continue;
        }
        let entries = match &p.set {
            PrincipalSet::Anyone => {
                n.everyone = true;
                continue;
            }
            PrincipalSet::Entries(e) => e,
        };
        for v in entries
            .iter()
            .filter(|e| e.kind == PrincipalKind::Aws)
            .flat_map(|e| &e.values)
        {
            if v == "*" {
                n.everyone = true;
            } else if v == account_id
                || Arn::parse(v).is_ok_and(|a| a.account == account_id && a.resource == "root")
            {
                n.account = true;
            } else if let Some(e) = account.by_arn(v)
                && let Ok(p) = Principal::try_from((account, e))
                && !n.named.contains(&p)
            {
                n.named.push(p);
            }
        }
    }
    n
}

/// The part of a trust policy that can apply to principals of its own account, as its own
/// policy. Roles whose trust policies have the same part are one class: for a principal whose
/// answer does not depend on the role ([`PrincipalFacts::role_independent`]), one evaluation
/// per class serves every role of the class.
pub(crate) fn local_part(trust: &Policy, account_id: &str) -> Policy {
    Policy {
        version: trust.version.clone(),
        id: None,
        statements: trust
            .statements
            .iter()
            .filter(|s| may_apply_locally(s, account_id))
            .cloned()
            .collect(),
        single_statement: false,
        warnings: Vec::new(),
    }
}

/// Interns policies by content.
#[derive(Debug, Default)]
pub(crate) struct Classes {
    by_hash: HashMap<u64, Vec<usize>>,
    pub(crate) policies: Vec<Policy>,
}

impl Classes {
    /// The class of `policy`, adding it if new.
    pub(crate) fn intern(&mut self, policy: Policy) -> usize {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        hash_policy(&policy, &mut h);
        let key = h.finish();
        let ids = self.by_hash.entry(key).or_default();
        if let Some(&id) = ids.iter().find(|&&id| self.policies[id] == policy) {
            return id;
        }
        let id = self.policies.len();
        ids.push(id);
        self.policies.push(policy);
        id
    }
}

fn hash_patterns(p: &Patterns, h: &mut impl Hasher) {
    p.negated.hash(h);
    p.values.hash(h);
}

/// Hashes what a policy means (not how it is laid out).
fn hash_policy(p: &Policy, h: &mut impl Hasher) {
    p.version.supports_variables().hash(h);
    for st in &p.statements {
        (st.effect == Effect::Allow).hash(h);
        hash_patterns(&st.action, h);
        if let Some(r) = &st.resource {
            hash_patterns(r, h);
        }
        if let Some(pr) = &st.principal {
            pr.negated.hash(h);
            match &pr.set {
                PrincipalSet::Anyone => "*".hash(h),
                PrincipalSet::Entries(es) => {
                    for e in es {
                        e.kind.hash(h);
                        e.values.hash(h);
                    }
                }
            }
        }
        for c in &st.conditions {
            c.operator.hash(h);
            c.key.hash(h);
            for v in &c.values {
                v.as_text().hash(h);
            }
        }
    }
}

/// Whether a string is a 12-digit account id (re-exported for the graph).
pub(crate) fn account_id(s: &str) -> bool {
    is_account_id(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_matches_like_iam_wildcards() {
        assert!(glob("sts:*", "sts:assumerole", true));
        assert!(glob("STS:Assume*", "sts:assumerole", true));
        assert!(glob("*", "", false));
        assert!(glob("a?c", "abc", false));
        assert!(!glob("a?c", "ac", false));
        assert!(glob(
            "arn:aws:iam::*:role/a*b",
            "arn:aws:iam::1:role/a/x/b",
            false
        ));
        assert!(!glob(
            "arn:aws:iam::1:role/A",
            "arn:aws:iam::1:role/a",
            false
        ));
        assert!(glob("*a*a*", "banana", false));
        assert!(!glob("*a*z", "banana", false));
    }

    #[test]
    fn role_patterns_are_told_apart_conservatively() {
        let a = "123456789012";
        assert!(may_match_a_role("*", a));
        assert!(may_match_a_role("arn:aws:iam::123456789012:role/x-*", a));
        assert!(may_match_a_role("arn:aws:iam::*:*", a));
        assert!(may_match_a_role("arn:aws:iam::123456789012:ro*", a));
        assert!(!may_match_a_role("arn:aws:iam::123456789012:user/x", a));
        assert!(!may_match_a_role("arn:aws:iam::999988887777:role/x", a));
        assert!(!may_match_a_role("arn:aws:s3:::bucket/*", a));
        assert!(may_match_a_role("arn:aws:*:*:*:*", a));
        assert!(may_match_a_role("not-an-arn*", a));
    }

    #[test]
    fn trust_naming_is_read_per_statement() {
        let account = crate::source::demo::account().unwrap();
        let t = |json: &str| local_naming(&account, &Policy::from_json(json).unwrap());
        let n = t(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}"#,
        );
        assert!(n.account && !n.everyone && n.named.is_empty());
        let n = t(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["123456789012","arn:aws:iam::123456789012:user/alice"]},"Action":"sts:AssumeRole"}]}"#,
        );
        assert!(n.account);
        assert_eq!(n.named.len(), 1);
        let n = t(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
        );
        assert_eq!(n, LocalNaming::default());
        // Only the web identity action: no local principal can use it.
        let n = t(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRoleWithWebIdentity"}]}"#,
        );
        assert_eq!(n, LocalNaming::default());
        let n = t(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:*"}]}"#,
        );
        assert!(n.everyone);
    }
}
