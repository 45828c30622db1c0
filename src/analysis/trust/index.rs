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
use crate::model::{Account, Arn, PolicyId, PolicyRef, is_account_id};
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

/// The statements of `doc` that can take part in `sts:AssumeRole`, as a policy of their own.
/// The others never match the action, so a layer made of this part decides a role
/// assumption exactly as the whole document does (an empty part still is a layer: a boundary
/// with nothing relevant still denies). Statement numbers change: traces that name
/// statements come from the whole documents ([`crate::analysis::trust::TrustGraph::assess`]).
pub(crate) fn relevant_part(doc: &Policy) -> Policy {
    Policy {
        version: doc.version.clone(),
        id: None,
        statements: doc
            .statements
            .iter()
            .filter(|s| relevant(s))
            .cloned()
            .collect(),
        single_statement: false,
        warnings: Vec::new(),
    }
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

/// Whether an `sts:AssumeRole` request by a user or role can carry the key: global `aws:` keys
/// and `sts:` keys. Another service's keys (`s3:prefix`, `ec2:Region`, ...) and identity
/// provider claims are never in such a request: absent, hence decided, not unknown.
fn in_assume_role_request(key: &str) -> bool {
    key.starts_with("aws:") || key.starts_with("sts:")
}

/// Adds the request-time keys read by `st` to `keys` (lowercased, deduplicated): keys an
/// `sts:AssumeRole` request by a user or role can carry that the account does not determine.
pub(crate) fn request_keys(st: &Statement, keys: &mut Vec<String>) {
    for c in &st.conditions {
        let k = c.key.to_ascii_lowercase();
        if in_assume_role_request(&k) && !principal_determined(&k) && !keys.contains(&k) {
            keys.push(k);
        }
    }
}

/// Role tag keys (lowercased) a condition reads through `aws:ResourceTag/` or
/// `iam:ResourceTag/`.
fn resource_tag_key(key: &str) -> Option<String> {
    let k = key.to_ascii_lowercase();
    k.strip_prefix("aws:resourcetag/")
        .or_else(|| k.strip_prefix("iam:resourcetag/"))
        .map(str::to_owned)
}

/// What about a role a set of statements looks at. Two roles that agree on all of it get the
/// same answer from those statements (for the same principal and trust policy).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RoleView {
    /// `Resource`/`NotResource` patterns that can tell roles apart.
    pub(crate) patterns: Vec<String>,
    /// Role tags read by conditions (lowercased keys).
    pub(crate) tag_keys: Vec<String>,
    /// Looks at the role in a way not captured above (policy variables in resources or
    /// reading resource keys): every role is different.
    pub(crate) opaque: bool,
}

impl RoleView {
    /// Sees nothing of the role: the answer is the same for all roles.
    pub(crate) fn is_blind(&self) -> bool {
        self.patterns.is_empty() && self.tag_keys.is_empty() && !self.opaque
    }

    /// Adds what `st` looks at.
    pub(crate) fn add(&mut self, st: &Statement, account_id: &str) {
        if let Some(r) = &st.resource {
            for v in &r.values {
                if v.contains("${") {
                    self.opaque = true;
                } else if v != "*" && may_match_a_role(v, account_id) && !self.patterns.contains(v)
                {
                    self.patterns.push(v.clone());
                }
            }
        }
        for c in &st.conditions {
            if let Some(k) = resource_tag_key(&c.key) {
                if !self.tag_keys.contains(&k) {
                    self.tag_keys.push(k);
                }
            } else if condition_is_resource_dependent(c)
                && !c.key.eq_ignore_ascii_case("aws:ResourceAccount")
            {
                self.opaque = true;
            }
        }
        // Beyond 64 patterns the signature does not fit a word; such a principal is evaluated
        // role by role.
        if self.patterns.len() > 64 {
            self.opaque = true;
        }
    }
}

/// Matches an ARN pattern against an ARN the way the engine does: split at the first five
/// colons and matched component by component (a `*` never spans a `:` between components), or
/// matched whole when the pattern has fewer than six components ("each of the six
/// colon-delimited components of the ARN is checked separately", IAM User Guide, ARN
/// condition operators). Case-sensitive.
pub(crate) fn arn_match(pattern: &str, arn: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    if pattern.bytes().filter(|&b| b == b':').count() < 5 {
        return glob(pattern, arn, false);
    }
    if arn.bytes().filter(|&b| b == b':').count() < 5 {
        return false;
    }
    pattern
        .splitn(6, ':')
        .zip(arn.splitn(6, ':'))
        .all(|(p, a)| glob(p, a, false))
}

/// The roles of the account sorted by ARN, to find the roles a pattern matches quickly: a
/// pattern that is a literal prefix and one trailing `*` matches a contiguous range.
#[derive(Debug)]
pub(crate) struct RoleIndex {
    /// Role ARNs in sorted order, with the role's index.
    sorted: Vec<(String, u32)>,
    /// Per role index: its position in `sorted`.
    pub(crate) position: Vec<u32>,
}

/// The roles one pattern matches, by sorted position.
#[derive(Debug, Clone)]
pub(crate) enum Matched {
    Range(u32, u32),
    Bits(Vec<u64>),
}

impl Matched {
    pub(crate) fn contains(&self, position: u32) -> bool {
        match self {
            Matched::Range(lo, hi) => *lo <= position && position < *hi,
            Matched::Bits(bits) => bits
                .get(position as usize / 64)
                .is_some_and(|w| w & (1 << (position % 64)) != 0),
        }
    }
}

impl RoleIndex {
    pub(crate) fn new(account: &Account) -> RoleIndex {
        let mut sorted: Vec<(String, u32)> = account
            .roles
            .iter()
            .enumerate()
            .map(|(i, r)| (r.arn.clone(), i as u32))
            .collect();
        sorted.sort();
        let mut position = vec![0u32; sorted.len()];
        for (pos, (_, i)) in sorted.iter().enumerate() {
            position[*i as usize] = pos as u32;
        }
        RoleIndex { sorted, position }
    }

    /// The roles `pattern` matches, exactly as the engine matches resources.
    pub(crate) fn matched(&self, pattern: &str) -> Matched {
        let body = pattern.strip_suffix('*').unwrap_or(pattern);
        let prefix_only = pattern.ends_with('*') && !body.contains(['*', '?']);
        if prefix_only {
            // A literal prefix then `*`: component by component this is the same as a prefix
            // of the whole ARN (the literal fixes the earlier components exactly).
            let lo = self.sorted.partition_point(|(a, _)| a.as_str() < body);
            let hi = lo + self.sorted[lo..].partition_point(|(a, _)| a.starts_with(body));
            return Matched::Range(lo as u32, hi as u32);
        }
        let mut bits = vec![0u64; self.sorted.len().div_ceil(64)];
        for (pos, (arn, _)) in self.sorted.iter().enumerate() {
            if arn_match(pattern, arn) {
                bits[pos / 64] |= 1 << (pos % 64);
            }
        }
        Matched::Bits(bits)
    }
}

/// What the identity side of a principal can grant for `sts:AssumeRole`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Grant {
    /// No identity `Allow` covers `sts:AssumeRole`.
    None,
    /// Some `Allow` may cover any role (`Resource: "*"`, `NotResource`, or no resource).
    Any,
    /// Only roles matching these patterns (none has a policy variable).
    Patterns(Vec<String>),
}

/// What the graph needs to know about one principal's policies.
#[derive(Debug, Clone)]
pub(crate) struct PrincipalFacts {
    pub(crate) grant: Grant,
    /// What its relevant statements (identity policies, boundary, SCPs) look at in a role.
    pub(crate) view: RoleView,
    /// Request-time keys its relevant statements read.
    pub(crate) request_keys: Vec<String>,
    /// Per identity policy, in [`identity_documents`] order: whether any statement is relevant.
    pub(crate) relevant_identity: Vec<bool>,
}

fn managed_document<'a>(account: &'a Account, r: &PolicyRef) -> Option<&'a Policy> {
    r.policy
        .and_then(|id| account.policy(id).default_document())
}

/// Where an identity policy comes from: inline (its name is its label) or managed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source<'a> {
    Inline(&'a str),
    Managed(PolicyId),
}

/// The principal's identity policy documents in the order and with the labels of
/// [`crate::analysis::principal::CompiledAccount::identity_policies`] (own inline, own
/// attached, then per group inline and attached), skipping attachments whose document the
/// input lacks, as it does. (A test pins the two walks together.)
pub(crate) fn identity_documents<'a>(
    account: &'a Account,
    principal: Principal,
) -> Vec<(Source<'a>, &'a Policy)> {
    let mut out = Vec::new();
    let managed = |out: &mut Vec<(Source<'a>, &'a Policy)>, refs: &'a [PolicyRef]| {
        for r in refs {
            if let (Some(id), Some(d)) = (r.policy, managed_document(account, r)) {
                out.push((Source::Managed(id), d));
            }
        }
    };
    match principal {
        Principal::User(id) => {
            let u = account.user(id);
            out.extend(
                u.inline_policies
                    .iter()
                    .map(|p| (Source::Inline(&p.name), &p.document)),
            );
            managed(&mut out, &u.attached_policies);
            for g in &u.groups {
                let g = account.group(*g);
                out.extend(
                    g.inline_policies
                        .iter()
                        .map(|p| (Source::Inline(&p.name), &p.document)),
                );
                managed(&mut out, &g.attached_policies);
            }
        }
        Principal::Role(id) => {
            let r = account.role(id);
            out.extend(
                r.inline_policies
                    .iter()
                    .map(|p| (Source::Inline(&p.name), &p.document)),
            );
            managed(&mut out, &r.attached_policies);
        }
    }
    out
}

/// The principal's permissions boundary, when the input has its document.
pub(crate) fn boundary_document(
    account: &Account,
    principal: Principal,
) -> Option<(PolicyId, &Policy)> {
    let b = match principal {
        Principal::User(id) => account.user(id).permissions_boundary.as_ref(),
        Principal::Role(id) => account.role(id).permissions_boundary.as_ref(),
    }?;
    Some((b.policy?, managed_document(account, b)?))
}

/// Facts about the account's SCPs, shared by every principal.
#[derive(Debug, Clone, Default)]
pub(crate) struct ScpFacts {
    pub(crate) view: RoleView,
    pub(crate) request_keys: Vec<String>,
}

pub(crate) fn scp_facts(account: &Account) -> ScpFacts {
    let mut f = ScpFacts::default();
    for st in account
        .scps
        .iter()
        .flatten()
        .flat_map(|p| &p.document.statements)
        .filter(|s| relevant(s))
    {
        f.view.add(st, &account.info.account_id);
        request_keys(st, &mut f.request_keys);
    }
    f
}

/// What one policy document contributes to [`PrincipalFacts`].
#[derive(Debug, Clone, Default)]
pub(crate) struct DocFacts {
    pub(crate) relevant: bool,
    grant_any: bool,
    grant_patterns: Vec<String>,
    view: RoleView,
    request_keys: Vec<String>,
}

/// Reads one document: its statements covering `sts:AssumeRole`.
pub(crate) fn doc_facts(doc: &Policy, account_id: &str) -> DocFacts {
    let mut f = DocFacts::default();
    for st in doc.statements.iter().filter(|s| relevant(s)) {
        f.relevant = true;
        f.view.add(st, account_id);
        request_keys(st, &mut f.request_keys);
        if st.effect == Effect::Allow {
            match &st.resource {
                None => f.grant_any = true,
                Some(r) if r.negated => f.grant_any = true,
                Some(r) => {
                    for v in &r.values {
                        if v == "*" {
                            f.grant_any = true;
                        } else if may_match_a_role(v, account_id) {
                            f.grant_patterns.push(v.clone());
                        }
                    }
                }
            }
        }
    }
    f
}

/// [`DocFacts`] of managed policies, read once each: an AWS managed policy such as
/// `ReadOnlyAccess` lists thousands of actions and is attached to many principals.
#[derive(Debug, Default)]
pub(crate) struct ManagedFacts(Vec<Option<DocFacts>>);

impl ManagedFacts {
    pub(crate) fn new(account: &Account) -> ManagedFacts {
        ManagedFacts(vec![None; account.policies.len()])
    }

    fn get(&mut self, id: PolicyId, doc: &Policy, account_id: &str) -> &DocFacts {
        let slot = &mut self.0[id.index()];
        slot.get_or_insert_with(|| doc_facts(doc, account_id))
    }
}

fn merge_view(into: &mut RoleView, from: &RoleView) {
    for p in &from.patterns {
        if !into.patterns.contains(p) {
            into.patterns.push(p.clone());
        }
    }
    for k in &from.tag_keys {
        if !into.tag_keys.contains(k) {
            into.tag_keys.push(k.clone());
        }
    }
    into.opaque |= from.opaque || into.patterns.len() > 64;
}

pub(crate) fn principal_facts(
    account: &Account,
    principal: Principal,
    scps: &ScpFacts,
    managed: &mut ManagedFacts,
) -> PrincipalFacts {
    let account_id = account.info.account_id.as_str();
    let mut facts = PrincipalFacts {
        grant: Grant::None,
        view: scps.view.clone(),
        request_keys: scps.request_keys.clone(),
        relevant_identity: Vec::new(),
    };
    let mut patterns: Vec<String> = Vec::new();
    let mut any = false;
    let mut add = |facts: &mut PrincipalFacts, d: &DocFacts, identity: bool| {
        merge_view(&mut facts.view, &d.view);
        for k in &d.request_keys {
            if !facts.request_keys.contains(k) {
                facts.request_keys.push(k.clone());
            }
        }
        if identity {
            any |= d.grant_any;
            patterns.extend(d.grant_patterns.iter().cloned());
            facts.relevant_identity.push(d.relevant);
        }
    };
    for (source, doc) in identity_documents(account, principal) {
        match source {
            Source::Inline(_) => add(&mut facts, &doc_facts(doc, account_id), true),
            Source::Managed(id) => add(&mut facts, managed.get(id, doc, account_id), true),
        }
    }
    if let Some((id, b)) = boundary_document(account, principal) {
        add(&mut facts, managed.get(id, b, account_id), false);
    }
    // A pattern with a policy variable is resolved per request: it may cover any role.
    facts.grant = if any || patterns.iter().any(|p| p.contains("${")) {
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
    /// Users and roles named by ARN in `Allow` statements.
    pub(crate) named: Vec<Principal>,
    /// Users and roles named by ARN in any statement (`Allow` or `Deny`): they are evaluated
    /// with the whole local part of the trust policy, everyone else with its bulk part.
    pub(crate) mentioned: Vec<Principal>,
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

/// Whether a statement that may apply locally names local principals only by ARN (not the
/// account, not `*`, not through `NotPrincipal`): it can only apply to the principals it lists.
pub(crate) fn is_specific(st: &Statement, account_id: &str) -> bool {
    let Some(p) = &st.principal else { return false };
    if p.negated {
        return false;
    }
    match &p.set {
        PrincipalSet::Anyone => false,
        PrincipalSet::Entries(entries) => entries
            .iter()
            .filter(|e| e.kind == PrincipalKind::Aws)
            .flat_map(|e| &e.values)
            .all(|v| v != "*" && !names_account(v, account_id)),
    }
}

/// `123456789012` or `arn:aws:iam::123456789012:root`.
fn names_account(v: &str, account_id: &str) -> bool {
    v == account_id || Arn::parse(v).is_ok_and(|a| a.account == account_id && a.resource == "root")
}

/// How the trust policy names local principals (only `Allow` statements make candidates;
/// `Deny` statements are still evaluated with the rest of the policy).
pub(crate) fn local_naming(account: &Account, trust: &Policy) -> LocalNaming {
    let account_id = account.info.account_id.as_str();
    let mut n = LocalNaming::default();
    for st in trust
        .statements
        .iter()
        .filter(|s| may_apply_locally(s, account_id))
    {
        let Some(p) = &st.principal else { continue };
        let allow = st.effect == Effect::Allow;
        if p.negated {
            n.everyone |= allow;
            continue;
        }
        let entries = match &p.set {
            PrincipalSet::Anyone => {
                n.everyone |= allow;
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
                n.everyone |= allow;
            } else if names_account(v, account_id) {
                n.account |= allow;
            } else if let Ok(e) = account.lookup(v)
                && let Ok(p) = Principal::try_from((account, e))
            {
                // `lookup` also resolves an assumed-role session ARN to its role.
                if allow && !n.named.contains(&p) {
                    n.named.push(p);
                }
                if !n.mentioned.contains(&p) {
                    n.mentioned.push(p);
                }
            }
        }
    }
    n
}

/// Whether a statement is in the bulk part of a trust policy: the local statements that can
/// apply to a principal the trust policy does not name by ARN (all but the
/// [specific](is_specific) ones).
pub(crate) fn in_bulk_part(st: &Statement, account_id: &str) -> bool {
    may_apply_locally(st, account_id) && !is_specific(st, account_id)
}

/// Whether a trust policy part names local principals only through the account (no `*`, no
/// `NotPrincipal`) and has no `Deny`: then, for a principal it allows under every condition,
/// it is interchangeable with a plain `{"AWS": "<account>"}` trust.
pub(crate) fn account_only(part: &Policy) -> bool {
    part.statements.iter().all(|st| {
        st.effect == Effect::Allow
            && match &st.principal {
                Some(p) if !p.negated => match &p.set {
                    PrincipalSet::Anyone => false,
                    PrincipalSet::Entries(es) => es
                        .iter()
                        .filter(|e| e.kind == PrincipalKind::Aws)
                        .flat_map(|e| &e.values)
                        .all(|v| v != "*"),
                },
                _ => false,
            }
    })
}

/// The context keys a policy part reads (lowercased): condition keys and the keys of policy
/// variables in condition values. `None` when a variable cannot be read (then the part is not
/// grouped by key values).
pub(crate) fn keys_read(part: &Policy) -> Option<Vec<String>> {
    let mut keys: Vec<String> = Vec::new();
    let mut add = |k: &str| {
        let k = k.trim().to_ascii_lowercase();
        if !keys.contains(&k) {
            keys.push(k);
        }
    };
    for st in &part.statements {
        if st
            .resource
            .as_ref()
            .is_some_and(|r| r.values.iter().any(|v| v.contains("${")))
        {
            return None;
        }
        for c in &st.conditions {
            add(&c.key);
            for v in &c.values {
                let text = v.as_text();
                let mut rest: &str = &text;
                while let Some(start) = rest.find("${") {
                    let after = &rest[start + 2..];
                    let end = after.find('}')?;
                    // `${key, 'default'}`: the key is before the comma.
                    let inner = &after[..end];
                    let key = inner.split(',').next().unwrap_or(inner);
                    if !matches!(key.trim(), "*" | "?" | "$") {
                        add(key);
                    }
                    rest = &after[end + 1..];
                }
            }
        }
    }
    Some(keys)
}

/// Interns policies by content.
#[derive(Debug, Default)]
pub(crate) struct Classes {
    by_hash: HashMap<u64, Vec<usize>>,
    pub(crate) policies: Vec<Policy>,
}

impl Classes {
    /// The class of the policy made of the statements of `source` that `keep` keeps (the
    /// part of a trust policy that applies to some principals), adding it if new. Statements
    /// are cloned only for a new class: most roles share a few classes.
    pub(crate) fn intern_part(
        &mut self,
        source: &Policy,
        keep: impl Fn(&Statement) -> bool,
    ) -> usize {
        let kept: Vec<&Statement> = source.statements.iter().filter(|s| keep(s)).collect();
        let mut h = std::collections::hash_map::DefaultHasher::new();
        source.version.supports_variables().hash(&mut h);
        for st in &kept {
            hash_statement(st, &mut h);
        }
        let ids = self.by_hash.entry(h.finish()).or_default();
        let policies = &self.policies;
        let same = |id: &&usize| {
            let p = &policies[**id];
            p.version == source.version
                && p.statements.len() == kept.len()
                && p.statements.iter().zip(&kept).all(|(a, b)| a == *b)
        };
        if let Some(&id) = ids.iter().find(same) {
            return id;
        }
        let id = self.policies.len();
        ids.push(id);
        self.policies.push(Policy {
            version: source.version.clone(),
            id: None,
            statements: kept.into_iter().cloned().collect(),
            single_statement: false,
            warnings: Vec::new(),
        });
        id
    }

    /// The class of a whole policy, adding it if new.
    pub(crate) fn intern(&mut self, policy: Policy) -> usize {
        self.intern_part(&policy, |_| true)
    }
}

fn hash_patterns(p: &Patterns, h: &mut impl Hasher) {
    p.negated.hash(h);
    p.values.hash(h);
}

/// Hashes what a statement means (not how it is laid out).
fn hash_statement(st: &Statement, h: &mut impl Hasher) {
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
    fn arn_patterns_match_component_by_component() {
        let role = "arn:aws:iam::123456789012:role/team/app";
        assert!(arn_match("arn:aws:iam::*:role/*", role));
        assert!(arn_match("arn:aws:iam::123456789012:role/team/*", role));
        assert!(arn_match("arn:aws:*:*:123456789012:role/t?am/app", role));
        // A `*` in one component does not reach into the next.
        let logs = "arn:aws:logs:us-east-1:123:log-group:/x:*";
        assert!(!arn_match("arn:aws:*:123:log-group:/x:*", logs));
        assert!(glob("arn:aws:*:123:log-group:/x:*", logs, false));
        // Fewer than six components: matched whole.
        assert!(arn_match("arn:aws:iam::123*", role));
        assert!(!arn_match("arn:aws:iam::123456789012:role/Team/*", role));
    }

    #[test]
    fn role_index_ranges_agree_with_matching() {
        let account = crate::source::demo::account().unwrap();
        let ix = RoleIndex::new(&account);
        for pattern in [
            "arn:aws:iam::123456789012:role/*",
            "arn:aws:iam::123456789012:role/Git*",
            "arn:aws:iam::123456789012:role/*Task*",
            "arn:aws:iam::123456789012:role/service-role/*",
            "arn:aws:iam::123456789012:ro*",
            "arn:aws:iam::*:role/ecs?askExecutionRole",
            "arn:aws:iam::123456789012:role/Zzz*",
        ] {
            let m = ix.matched(pattern);
            for (i, r) in account.roles.iter().enumerate() {
                assert_eq!(
                    m.contains(ix.position[i]),
                    arn_match(pattern, &r.arn),
                    "{pattern} {}",
                    r.arn
                );
            }
        }
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
