//! Building the graph: which pairs to evaluate, and evaluating each as few times as possible.
//!
//! Every edge is an evaluation by the engine. What this file decides is *which* evaluations
//! to make:
//!
//! - **Candidates.** A trust policy naming users or roles by ARN makes those pairs. One naming
//!   the account delegates to IAM: only principals whose identity policies can grant
//!   `sts:AssumeRole` on the role at all are candidates. One naming `*` makes every principal a
//!   candidate.
//! - **Trust first.** For a candidate of a trust policy's bulk part (the statements naming the
//!   account or `*`), the engine first decides the trust policy alone, with a stand-in
//!   identity side that allows `sts:*`. Real identity policies, boundaries and SCPs can only
//!   take permissions away, so when that says `never` so would the full evaluation: the pair
//!   is skipped. This is what makes tag-scoped trusts (`aws:PrincipalTag/team = payments`)
//!   cheap: most principals fail it in one small evaluation shared by every role with the same
//!   trust.
//! - **Shared answers.** Two requests that differ only in the role ARN get the same answer
//!   when no statement involved can tell the two roles apart ([`index::RoleView`]): roles with
//!   the same trust policy part, the same matches of the principal's resource patterns and the
//!   same values of the role tags its conditions read are one evaluation.

use std::collections::HashMap;
use std::hash::Hasher;
use std::sync::OnceLock;

use jiff::Timestamp;

use super::index::{self, Grant, LocalNaming, Matched, PrincipalFacts, RoleIndex, RoleView};
use super::{
    AssumeAction, AssumerKind, BuildStats, Conditions, Edge, EdgeInfo, External, Naming, NodeId,
    RequiredCondition, Status, TrustGraph, causes_in_words, fixed_time, judge, verdict, verdict_of,
};
use crate::analysis::principal::{
    CompiledAccount, DEFAULT_SESSION_NAME, Principal, compile_scps, request_context,
};
use crate::eval::{
    CompiledPolicy, Context, Decision, Lookup, Outcome, PolicySet, Request, ResourcePolicyKind,
    Trace, decide, evaluate, evaluate_partial, partial_outcome,
};
use crate::model::{Account, Arn, PolicyId, RoleId, UserId};
use crate::policy::{Effect, Policy, PrincipalKind, PrincipalSet, Statement};

pub(super) fn build(account: &Account, compiled: OnceLock<CompiledAccount>) -> TrustGraph {
    // Phase times are for the benchmark report only; nothing depends on them.
    let t = std::time::Instant::now();
    let mut b = Builder::new(account, compiled);
    b.stats.index_us = t.elapsed().as_micros() as u64;
    // Role by role, so the edges come out grouped by role.
    let mut local = LocalScratch::new(&b);
    let mut outside = OutsideScratch::default();
    // Room for every candidate edge up front: growing a vector of millions of edges by
    // doubling copies it again and again. Pages never written cost nothing.
    let bound: usize = b
        .role_trust
        .iter()
        .flatten()
        .map(|rt| {
            let bulk = if rt.naming.everyone {
                b.facts.len()
            } else if rt.naming.account {
                local.granted_any.len() + local.granted_some.len()
            } else {
                0
            };
            bulk + rt.naming.mentioned.len()
        })
        .sum::<usize>()
        + 2 * account.roles.len();
    b.raw.reserve(bound.min(1 << 26));
    for r in 0..account.roles.len() {
        let t = std::time::Instant::now();
        b.local_edges(r, &mut local);
        let t2 = std::time::Instant::now();
        b.external_edges(r, &mut outside);
        b.stats.local_us += (t2 - t).as_micros() as u64;
        b.stats.external_us += t2.elapsed().as_micros() as u64;
    }
    let t = std::time::Instant::now();
    let mut g = b.finish();
    g.stats.finish_us = t.elapsed().as_micros() as u64;
    g
}

/// A fast hasher for integer keys (the memo of shared answers is hit millions of times). Only
/// speed depends on it: the map still compares keys.
#[derive(Default, Clone, Copy)]
struct FastHash;

impl std::hash::BuildHasher for FastHash {
    type Hasher = FastHasher;
    fn build_hasher(&self) -> FastHasher {
        FastHasher(0)
    }
}

struct FastHasher(u64);

impl Hasher for FastHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }
    fn write_u64(&mut self, n: u64) {
        // FxHash's step.
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// State of the local pass kept across roles.
struct LocalScratch {
    granted_any: Vec<usize>,
    granted_some: Vec<usize>,
    mentioned: Vec<bool>,
    candidates: Vec<(usize, u8)>,
}

impl LocalScratch {
    fn new(b: &Builder<'_>) -> LocalScratch {
        let n = b.facts.len();
        LocalScratch {
            granted_any: (0..n).filter(|&i| b.facts[i].grant == Grant::Any).collect(),
            granted_some: (0..n)
                .filter(|&i| matches!(b.facts[i].grant, Grant::Patterns(_)))
                .collect(),
            mentioned: vec![false; n],
            candidates: Vec::with_capacity(n),
        }
    }
}

/// State of the pass over sources outside the account kept across roles: one evaluation per
/// (source, the trust statements that can apply to it); most roles of a service or an account
/// share them.
#[derive(Default)]
struct OutsideScratch {
    interner: index::Classes,
    compiled: Vec<CompiledPolicy>,
    memo: HashMap<(External, usize), Answer>,
    stand_in: Option<Vec<CompiledPolicy>>,
}

/// A policy allowing `sts:*` on everything, as a stand-in identity side: for the trust-first
/// check, and for principals of other accounts, whose own policies are not in the snapshot
/// (their administrators decide; the edge says "if they allow it").
fn stand_in_identity(label: &str) -> Vec<CompiledPolicy> {
    let text = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:*","Resource":"*"}]}"#;
    match Policy::from_json(text) {
        Ok(p) => vec![CompiledPolicy::labeled(label, &p)],
        Err(_) => Vec::new(),
    }
}

/// An engine answer for an edge from outside: status, conditions, whether an explicit deny
/// decided a `never`, and the trace.
type Answer = (Status, Conditions, bool, Option<Trace>);

/// One principal's layers (identity policies, boundary, SCPs), compiled and labelled as
/// [`CompiledAccount::policy_set`] does, without compiling the rest of the account.
pub(super) fn policy_set_of(account: &Account, principal: Principal) -> PolicySet {
    let label = |source: index::Source<'_>| match source {
        index::Source::Inline(name) => name.to_owned(),
        index::Source::Managed(id) => account.policy(id).arn.clone(),
    };
    PolicySet {
        identity: index::identity_documents(account, principal)
            .into_iter()
            .map(|(source, doc)| CompiledPolicy::labeled(label(source), doc))
            .collect(),
        permission_boundary: index::boundary_document(account, principal)
            .map(|(id, doc)| CompiledPolicy::labeled(account.policy(id).arn.clone(), doc)),
        scps: compile_scps(account, CompiledPolicy::compile),
        ..PolicySet::default()
    }
}

/// Per-principal state kept while building: its policy layers and its request, made once.
struct Asker {
    /// Made on the first full evaluation: the trust-first check needs only the request.
    set: Option<PolicySet>,
    request: Request,
}

/// A trust policy part shared by several roles.
struct Class {
    /// Taken out while it sits in an evaluation's policy set, then put back.
    compiled: Option<CompiledPolicy>,
    view: RoleView,
    request_keys: Vec<String>,
    /// The key set it reads, when the trust-first check can be shared by key values (`None`:
    /// per principal).
    keyset: Option<usize>,
    account_only: bool,
}

/// How one role's trust policy treats principals of the account.
struct RoleTrust {
    naming: LocalNaming,
    /// The whole local part, for the principals it names by ARN.
    full: Option<usize>,
    /// The statements naming the account or `*`, for everyone else.
    bulk: Option<usize>,
}

/// The trust-first check's answer for a (class, principal), cached.
const PRE_UNSET: u8 = 0;
const PRE_NEVER: u8 = 1;
const PRE_MAYBE: u8 = 2;
const PRE_ALWAYS: u8 = 3;

const UNSET: u32 = u32::MAX;
/// No edge worth keeping.
const DROPPED: u32 = u32::MAX - 1;

struct Builder<'a> {
    account: &'a Account,
    /// Handed to the graph; the build compiles what it needs itself.
    compiled: OnceLock<CompiledAccount>,
    /// Managed policies compiled on first use (only those some principal's relevant
    /// statements are in), labelled by ARN as [`CompiledAccount`] does.
    managed: Vec<Option<CompiledPolicy>>,
    scps: Vec<Vec<CompiledPolicy>>,
    now: Timestamp,
    n_users: u32,
    n_roles: u32,
    facts: Vec<PrincipalFacts>,
    askers: Vec<Option<Asker>>,
    classes: Vec<Class>,
    role_trust: Vec<Option<RoleTrust>>,
    /// Request-time keys of every class: marked unknown in every asker's context (a key no
    /// statement reads changes nothing).
    trust_keys: Vec<String>,
    roles: RoleIndex,
    matchers: Vec<Matched>,
    matcher_ids: HashMap<String, u32>,
    /// Per principal: the matchers of its view's patterns, then of its grant's patterns.
    principal_matchers: Vec<Option<(Vec<u32>, Vec<u32>)>>,
    /// The trust-first check's policy set; the class under test is swapped in.
    check: PolicySet,
    /// Per class: per principal, the trust-first answer.
    pre: Vec<Option<Vec<u8>>>,
    /// (class, values of the keys the class reads): the trust-first answer, shared by the
    /// principals that agree on those values.
    pre_by_values: HashMap<(u32, u32), u8, FastHash>,
    /// Interned key sets read by classes.
    keysets: Vec<Vec<String>>,
    /// Per key set: per principal, the id of its values for those keys.
    keyset_values: Vec<Vec<u32>>,
    /// Value tuples (exactly encoded) and their ids.
    value_ids: HashMap<String, u32>,
    /// The plain `{"AWS": "<account>"}` trust part (see [`index::account_only`]).
    canonical: usize,
    /// Per class: per principal whose view is blind, the shared answer.
    blind_memo: Vec<Option<Vec<u32>>>,
    /// (principal, class, pattern bits, tag values): the shared answer.
    sig_memo: HashMap<(u32, u32, u64, u64), u32, FastHash>,
    /// Per role: its tags as (lowercased key, interned value id), in order.
    role_tags: Vec<Vec<(String, u32)>>,
    /// Per class: the principals of the role-independent candidate list (`Grant::Any`, or
    /// everyone) the trust-first check did not rule out, with its answer.
    passing: Vec<Option<Vec<(u32, u8)>>>,
    raw: Vec<Edge>,
    infos: Vec<EdgeInfo>,
    info_ids: HashMap<EdgeInfo, u32>,
    externals: Vec<External>,
    external_ids: HashMap<External, u32>,
    stats: BuildStats,
}

impl<'a> Builder<'a> {
    fn new(account: &'a Account, compiled: OnceLock<CompiledAccount>) -> Builder<'a> {
        let account_id = account.info.account_id.as_str();
        let scps = index::scp_facts(account);
        let mut managed = index::ManagedFacts::new(account);
        let facts: Vec<PrincipalFacts> = Principal::all(account)
            .map(|p| index::principal_facts(account, p, &scps, &mut managed))
            .collect();
        let mut interner = index::Classes::default();
        let role_trust: Vec<Option<RoleTrust>> = account
            .roles
            .iter()
            .map(|r| {
                let trust = r.trust_policy.as_ref()?;
                let naming = index::local_naming(account, trust);
                let bulk = naming.account || naming.everyone;
                if !bulk && naming.named.is_empty() {
                    return None;
                }
                let full = (!naming.mentioned.is_empty()).then(|| {
                    interner.intern_part(trust, |s| index::may_apply_locally(s, account_id))
                });
                let bulk = bulk
                    .then(|| interner.intern_part(trust, |s| index::in_bulk_part(s, account_id)));
                Some(RoleTrust { naming, full, bulk })
            })
            .collect();
        let canonical = Policy::from_json(&format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:{}:iam::{account_id}:root"}},"Action":"sts:AssumeRole"}}]}}"#,
            if account.info.partition.is_empty() { "aws" } else { account.info.partition.as_str() }
        ))
        .map(|p| interner.intern(p))
        .unwrap_or(usize::MAX);
        let mut trust_keys: Vec<String> = Vec::new();
        let mut keysets: Vec<Vec<String>> = Vec::new();
        let classes: Vec<Class> = interner
            .policies
            .iter()
            .map(|p| {
                let mut view = RoleView::default();
                let mut request_keys = Vec::new();
                for s in &p.statements {
                    view.add(s, account_id);
                    index::request_keys(s, &mut request_keys);
                }
                for k in &request_keys {
                    if !trust_keys.contains(k) {
                        trust_keys.push(k.clone());
                    }
                }
                let no_not_principal = p
                    .statements
                    .iter()
                    .all(|s| s.principal.as_ref().is_some_and(|x| !x.negated));
                Class {
                    compiled: Some(CompiledPolicy::labeled("trust policy", p)),
                    view,
                    request_keys,
                    keyset: index::keys_read(p).filter(|_| no_not_principal).map(
                        |ks| match keysets.iter().position(|k| *k == ks) {
                            Some(id) => id,
                            None => {
                                keysets.push(ks);
                                keysets.len() - 1
                            }
                        },
                    ),
                    account_only: index::account_only(p),
                }
            })
            .collect();
        let n_classes = classes.len();
        let n = facts.len();
        Builder {
            account,
            now: fixed_time(account),
            n_users: account.users.len() as u32,
            n_roles: account.roles.len() as u32,
            askers: (0..n).map(|_| None).collect(),
            principal_matchers: vec![None; n],
            facts,
            classes,
            role_trust,
            trust_keys,
            roles: RoleIndex::new(account),
            matchers: Vec::new(),
            matcher_ids: HashMap::new(),
            check: PolicySet {
                identity: stand_in_identity("(any identity policy)"),
                resource_policy_kind: ResourcePolicyKind::RoleTrust,
                ..PolicySet::default()
            },
            pre: vec![None; n_classes],
            pre_by_values: HashMap::default(),
            keyset_values: vec![vec![UNSET; n]; keysets.len()],
            keysets,
            value_ids: HashMap::new(),
            canonical,
            managed: vec![None; account.policies.len()],
            scps: compile_scps(account, |d| {
                CompiledPolicy::compile(&index::relevant_part(d))
            }),
            blind_memo: vec![None; n_classes],
            sig_memo: HashMap::default(),
            role_tags: {
                let mut ids: HashMap<&str, u32> = HashMap::new();
                account
                    .roles
                    .iter()
                    .map(|r| {
                        r.tags
                            .iter()
                            .map(|t| {
                                let next = ids.len() as u32;
                                let id = *ids.entry(t.value.as_str()).or_insert(next);
                                (t.key.to_ascii_lowercase(), id)
                            })
                            .collect()
                    })
                    .collect()
            },
            passing: vec![None; n_classes],
            raw: Vec::new(),
            infos: Vec::new(),
            info_ids: HashMap::new(),
            externals: Vec::new(),
            external_ids: HashMap::new(),
            compiled,
            stats: BuildStats {
                trust_classes: n_classes as u64,
                ..BuildStats::default()
            },
        }
    }

    fn principal(&self, i: usize) -> Principal {
        if i < self.n_users as usize {
            Principal::User(UserId(i as u32))
        } else {
            Principal::Role(RoleId((i - self.n_users as usize) as u32))
        }
    }

    fn index_of(&self, p: Principal) -> usize {
        match p {
            Principal::User(u) => u.index(),
            Principal::Role(r) => self.n_users as usize + r.index(),
        }
    }

    fn intern(&mut self, info: EdgeInfo) -> u32 {
        if let Some(&id) = self.info_ids.get(&info) {
            return id;
        }
        let id = self.infos.len() as u32;
        self.info_ids.insert(info.clone(), id);
        self.infos.push(info);
        id
    }

    fn matcher(&mut self, pattern: &str) -> u32 {
        if let Some(&id) = self.matcher_ids.get(pattern) {
            return id;
        }
        let id = self.matchers.len() as u32;
        self.matchers.push(self.roles.matched(pattern));
        self.matcher_ids.insert(pattern.to_owned(), id);
        id
    }

    /// Makes the matchers of principal `i`'s view patterns and grant patterns, once.
    fn ensure_matchers(&mut self, i: usize) {
        if self.principal_matchers[i].is_some() {
            return;
        }
        let view: Vec<String> = self.facts[i].view.patterns.clone();
        let grant: Vec<String> = match &self.facts[i].grant {
            Grant::Patterns(ps) => ps.clone(),
            _ => Vec::new(),
        };
        let v: Vec<u32> = view.iter().map(|p| self.matcher(p)).collect();
        let g: Vec<u32> = grant.iter().map(|p| self.matcher(p)).collect();
        self.principal_matchers[i] = Some((v, g));
    }

    /// Whether principal `i`'s identity policies may grant `sts:AssumeRole` on `role`.
    fn granted(&mut self, i: usize, role: RoleId) -> bool {
        match &self.facts[i].grant {
            Grant::None => false,
            Grant::Any => true,
            Grant::Patterns(_) => {
                self.ensure_matchers(i);
                let pos = self.roles.position[role.index()];
                let Some((_, grant)) = &self.principal_matchers[i] else {
                    return true;
                };
                grant
                    .iter()
                    .any(|&m| self.matchers[m as usize].contains(pos))
            }
        }
    }

    /// What principal `i`'s statements see of `role`: which of its patterns match, and the
    /// values of the role tags they read.
    fn signature(&mut self, i: usize, role: RoleId) -> Option<(u64, u64)> {
        self.ensure_matchers(i);
        let pos = self.roles.position[role.index()];
        let mut bits = 0u64;
        if let Some((view, _)) = &self.principal_matchers[i] {
            for (k, &m) in view.iter().enumerate() {
                if self.matchers[m as usize].contains(pos) {
                    bits |= 1 << k;
                }
            }
        }
        let keys = &self.facts[i].view.tag_keys;
        if keys.is_empty() {
            return Some((bits, 0));
        }
        if keys.len() > 2 {
            // Does not fit the signature word: this principal is evaluated role by role.
            return None;
        }
        let tags = &self.role_tags[role.index()];
        let mut packed = 0u64;
        for (k, key) in keys.iter().enumerate() {
            // The value the request context would hold: the last tag with that key, any case
            // (0: no such tag).
            let id = tags
                .iter()
                .rev()
                .find(|(t, _)| t == key)
                .map_or(0, |(_, v)| u64::from(*v) + 1);
            packed |= id << (32 * k);
        }
        Some((bits, packed))
    }

    /// The principal's layers and request, made on first use: only the identity policies
    /// that can take part in `sts:AssumeRole` (the others never match the action), its
    /// boundary and the SCPs; its context with the request-time keys unknown. Taken out of
    /// its slot while in use and put back after.
    fn take_asker(&mut self, i: usize) -> Asker {
        if let Some(a) = self.askers[i].take() {
            return a;
        }
        let account = self.account;
        let p = self.principal(i);
        let facts = &self.facts[i];
        let mut ctx = request_context(account, p, self.now);
        for k in facts.request_keys.iter().chain(&self.trust_keys) {
            ctx.set_unknown(k);
        }
        let request = Request::new(
            &p.caller_arn(account, DEFAULT_SESSION_NAME),
            AssumeAction::AssumeRole.as_str(),
            "",
        )
        .with_context(ctx);
        Asker { set: None, request }
    }

    /// The principal's policy layers: only the identity policies that can take part in
    /// `sts:AssumeRole` (the others never match the action), its boundary and the SCPs.
    fn policy_set(&mut self, i: usize) -> PolicySet {
        let account = self.account;
        let p = self.principal(i);
        let docs = index::identity_documents(account, p);
        let mut identity = Vec::new();
        for (k, (source, doc)) in docs.into_iter().enumerate() {
            // A policy with no statement covering `sts:AssumeRole` never takes part.
            if !self.facts[i]
                .relevant_identity
                .get(k)
                .copied()
                .unwrap_or(true)
            {
                continue;
            }
            identity.push(match source {
                index::Source::Inline(name) => {
                    CompiledPolicy::labeled(name, &index::relevant_part(doc))
                }
                index::Source::Managed(id) => self.managed_compiled(id, doc),
            });
        }
        let permission_boundary =
            index::boundary_document(account, p).map(|(id, doc)| self.managed_compiled(id, doc));
        PolicySet {
            identity,
            permission_boundary,
            scps: self.scps.clone(),
            resource_policy_kind: ResourcePolicyKind::RoleTrust,
            ..PolicySet::default()
        }
    }

    /// A managed policy's statements that can take part in `sts:AssumeRole`, compiled once.
    fn managed_compiled(&mut self, id: PolicyId, doc: &Policy) -> CompiledPolicy {
        let slot = &mut self.managed[id.index()];
        if let Some(c) = slot {
            return c.clone();
        }
        let c = CompiledPolicy::labeled(
            self.account.policy(id).arn.clone(),
            &index::relevant_part(doc),
        );
        *slot = Some(c.clone());
        c
    }

    /// The id of principal `i`'s values for the keys of key set `ks` (equal ids: equal values).
    fn value_id(&mut self, ks: usize, i: usize, ctx: &Context) -> u32 {
        let cached = self.keyset_values[ks][i];
        if cached != UNSET {
            return cached;
        }
        // An exact encoding (no hash: two different tuples must never share an answer): a tag
        // per key, then each value with its length.
        let mut key = String::new();
        for k in &self.keysets[ks] {
            match ctx.lookup(k) {
                Lookup::Absent => key.push('a'),
                Lookup::Unknown => key.push('u'),
                Lookup::Present(v) => {
                    key.push('p');
                    for x in v.as_slice() {
                        key.push_str(&x.len().to_string());
                        key.push(':');
                        key.push_str(x);
                    }
                    key.push(';');
                }
            }
        }
        let next = self.value_ids.len() as u32;
        let id = *self.value_ids.entry(key).or_insert(next);
        self.keyset_values[ks][i] = id;
        id
    }

    /// The trust-first check: may the trust policy part `class` allow principal `i` at all,
    /// whatever its own policies say? `PRE_NEVER`, `PRE_ALWAYS` (under every condition) or
    /// `PRE_MAYBE`.
    fn trust_check(&mut self, i: usize, class: usize, role: RoleId) -> u8 {
        let n = self.facts.len();
        let cached = self.pre[class].as_ref().map_or(PRE_UNSET, |v| v[i]);
        if cached != PRE_UNSET {
            return cached;
        }
        let mut asker = self.take_asker(i);
        // Principals that agree on every key the part reads get the same answer from it (its
        // statements name all of them the same way: through the account or `*`).
        let values = self.classes[class]
            .keyset
            .map(|ks| self.value_id(ks, i, &asker.request.context));
        let shared = values.and_then(|v| self.pre_by_values.get(&(class as u32, v)).copied());
        let answer = match shared {
            Some(a) => {
                self.stats.shared_answers += 1;
                a
            }
            None => {
                self.stats.evaluations += 1;
                self.stats.trust_checks += 1;
                asker.request.resource.clear();
                asker
                    .request
                    .resource
                    .push_str(&self.account.role(role).arn);
                self.check.resource_policy = self.classes[class].compiled.take();
                let outcome = if self.classes[class].request_keys.is_empty() {
                    match decide(&self.check, &asker.request) {
                        Decision::Allow => Outcome::Always,
                        _ => Outcome::Never,
                    }
                } else {
                    self.stats.partial_evaluations += 1;
                    partial_outcome(&self.check, &asker.request).0
                };
                self.classes[class].compiled = self.check.resource_policy.take();
                let a = match outcome {
                    Outcome::Never => PRE_NEVER,
                    Outcome::Always => PRE_ALWAYS,
                    Outcome::Conditional => PRE_MAYBE,
                };
                if let Some(v) = values {
                    self.pre_by_values.insert((class as u32, v), a);
                }
                a
            }
        };
        self.askers[i] = Some(asker);
        self.pre[class].get_or_insert_with(|| vec![PRE_UNSET; n])[i] = answer;
        answer
    }

    /// Decides one candidate pair with the engine: the info id of the edge, or `DROPPED` when
    /// there is no edge worth keeping.
    fn decide_pair(&mut self, i: usize, role: RoleId, class: usize, naming: Naming) -> u32 {
        self.stats.evaluations += 1;
        let account = self.account;
        let role_arn = account.role(role).arn.as_str();
        let sees_role = !(self.facts[i].view.is_blind() && self.classes[class].view.is_blind());
        let partial =
            !self.facts[i].request_keys.is_empty() || !self.classes[class].request_keys.is_empty();
        let mut asker = self.take_asker(i);
        let mut set = match asker.set.take() {
            Some(set) => set,
            None => self.policy_set(i),
        };
        set.resource_policy = self.classes[class].compiled.take();
        asker.request.resource.clear();
        asker.request.resource.push_str(role_arn);
        let with_role_keys = sees_role.then(|| {
            // Statements that read the role's tags or account get the role's.
            let mut r = asker.request.clone();
            for t in &account.role(role).tags {
                r.context
                    .insert(&format!("aws:ResourceTag/{}", t.key), t.value.as_str());
                r.context
                    .insert(&format!("iam:ResourceTag/{}", t.key), t.value.as_str());
            }
            r.context
                .insert("aws:ResourceAccount", account.info.account_id.as_str());
            r
        });
        let request = with_role_keys.as_ref().unwrap_or(&asker.request);
        let (status, conditions, explicit) = if partial {
            self.stats.partial_evaluations += 1;
            // Whether a `Deny` decides it is asked only of pairs never allowed: a trace costs.
            let (outcome, allow_when) = partial_outcome(&set, request);
            let explicit =
                outcome == Outcome::Never && decide(&set, request) == Decision::ExplicitDeny;
            verdict(outcome, &allow_when, explicit)
        } else {
            match decide(&set, request) {
                Decision::Allow => (Status::Always, Conditions::default(), false),
                Decision::ExplicitDeny => (Status::Never, Conditions::default(), true),
                Decision::ImplicitDeny => (Status::Never, Conditions::default(), false),
            }
        };
        self.classes[class].compiled = set.resource_policy.take();
        asker.set = Some(set);
        self.askers[i] = Some(asker);
        // `never` edges are kept to explain: when the trust policy names the principal, or an
        // explicit deny blocks it. A principal that merely is not granted is no assumer.
        let named = matches!(naming, Naming::User | Naming::Role);
        if status == Status::Never && !named && !explicit {
            return DROPPED;
        }
        self.intern(EdgeInfo {
            status,
            action: AssumeAction::AssumeRole,
            naming,
            conditions,
            explicit_deny: explicit,
            notes: Vec::new(),
            reason: None,
        })
    }

    fn push(&mut self, i: usize, role: RoleId, info: u32) {
        if info != DROPPED {
            self.raw.push(Edge {
                from: NodeId(i as u32),
                role,
                info,
            });
        }
    }

    /// Edges from users and roles of the account into role `r`.
    fn local_edges(&mut self, r: usize, scratch: &mut LocalScratch) {
        let Some(rt) = self.role_trust[r].take() else {
            return;
        };
        let role = RoleId(r as u32);
        let naming = &rt.naming;
        // Principals named by ARN (in any statement): the whole local part.
        if let Some(full) = rt.full {
            for p in &naming.mentioned {
                let i = self.index_of(*p);
                let how = if naming.named.contains(p) {
                    match p {
                        Principal::User(_) => Naming::User,
                        Principal::Role(_) => Naming::Role,
                    }
                } else if naming.everyone {
                    Naming::Everyone
                } else if naming.account && self.granted(i, role) {
                    Naming::Account
                } else {
                    // Only a `Deny` names it, and nothing else lets it in.
                    continue;
                };
                self.stats.candidate_pairs += 1;
                let info = self.decide_pair(i, role, full, how);
                self.push(i, role, info);
            }
        }
        if let Some(bulk) = rt.bulk {
            self.bulk_edges(role, bulk, naming, scratch);
        }
        self.role_trust[r] = Some(rt);
    }

    /// Edges into `role` from the principals its trust policy does not name by ARN, through
    /// the statements naming the account or `*` (the class `bulk`).
    fn bulk_edges(
        &mut self,
        role: RoleId,
        bulk: usize,
        naming: &LocalNaming,
        s: &mut LocalScratch,
    ) {
        let n = self.facts.len();
        for p in &naming.mentioned {
            s.mentioned[self.index_of(*p)] = true;
        }
        let how = if naming.everyone {
            Naming::Everyone
        } else {
            Naming::Account
        };
        let class_blind = self.classes[bulk].view.is_blind();
        // The role-independent candidates (every principal for `*`, else those granted
        // `sts:AssumeRole` on any role), after the trust-first check: computed with the first
        // role of the class, reused by the others.
        s.candidates.clear();
        if class_blind {
            if self.passing[bulk].is_none() {
                let base: Vec<usize> = if naming.everyone {
                    (0..n).collect()
                } else {
                    s.granted_any.clone()
                };
                let mut keep = Vec::new();
                for i in base {
                    let a = self.trust_check(i, bulk, role);
                    if a != PRE_NEVER {
                        keep.push((i as u32, a));
                    }
                }
                self.passing[bulk] = Some(keep);
            }
            if let Some(keep) = &self.passing[bulk] {
                s.candidates
                    .extend(keep.iter().map(|&(i, a)| (i as usize, a)));
            }
        } else if naming.everyone {
            s.candidates.extend((0..n).map(|i| (i, PRE_MAYBE)));
        } else {
            s.candidates
                .extend(s.granted_any.iter().map(|&i| (i, PRE_MAYBE)));
        }
        if !naming.everyone {
            for k in 0..s.granted_some.len() {
                let i = s.granted_some[k];
                if self.granted(i, role) {
                    let a = if class_blind {
                        self.trust_check(i, bulk, role)
                    } else {
                        PRE_MAYBE
                    };
                    s.candidates.push((i, a));
                }
            }
        }
        let canonical_ok = self.classes[bulk].account_only && self.canonical < self.classes.len();
        for k in 0..s.candidates.len() {
            let (i, pre) = s.candidates[k];
            if s.mentioned[i] {
                continue;
            }
            self.stats.candidate_pairs += 1;
            let class = match pre {
                PRE_NEVER => continue,
                // The part allows this principal under every condition and names it only
                // through the account: the answer is the one under the plain account trust,
                // shared with every role whose part does the same.
                PRE_ALWAYS if canonical_ok => self.canonical,
                _ => bulk,
            };
            let view = &self.facts[i].view;
            let info = if !class_blind || view.opaque {
                self.decide_pair(i, role, class, how)
            } else if view.is_blind() {
                let cached = self.blind_memo[class].as_ref().map_or(UNSET, |m| m[i]);
                if cached != UNSET {
                    self.stats.shared_answers += 1;
                    cached
                } else {
                    let info = self.decide_pair(i, role, class, how);
                    self.blind_memo[class].get_or_insert_with(|| vec![UNSET; n])[i] = info;
                    info
                }
            } else if let Some((bits, tags)) = self.signature(i, role) {
                let key = (i as u32, class as u32, bits, tags);
                match self.sig_memo.get(&key) {
                    Some(&info) => {
                        self.stats.shared_answers += 1;
                        info
                    }
                    None => {
                        let info = self.decide_pair(i, role, class, how);
                        self.sig_memo.insert(key, info);
                        info
                    }
                }
            } else {
                self.decide_pair(i, role, class, how)
            };
            self.push(i, role, info);
        }
        for p in &naming.mentioned {
            s.mentioned[self.index_of(*p)] = false;
        }
    }

    fn external(&mut self, kind: AssumerKind, id: &str) -> NodeId {
        let e = External {
            kind,
            id: id.to_owned(),
        };
        let base = self.n_users + self.n_roles;
        if let Some(&i) = self.external_ids.get(&e) {
            return NodeId(base + i);
        }
        let i = self.externals.len() as u32;
        self.external_ids.insert(e.clone(), i);
        self.externals.push(e);
        NodeId(base + i)
    }

    /// Edges from outside the account: services, identity providers, other accounts, anyone.
    fn external_edges(&mut self, r: usize, scratch: &mut OutsideScratch) {
        let account = self.account;
        let account_id = account.info.account_id.clone();
        let OutsideScratch {
            interner,
            compiled,
            memo,
            stand_in,
        } = scratch;
        let outside: &[CompiledPolicy] = stand_in.get_or_insert_with(|| {
            stand_in_identity("(its own account's policies, not in this snapshot)")
        });
        let role = &account.roles[r];
        {
            let Some(trust) = &role.trust_policy else {
                return;
            };
            let role_id = RoleId(r as u32);
            for (kind, id, action, naming) in sources(trust, &account_id) {
                let class = interner.intern_part(trust, |s| may_name(s, kind, &id));
                let mut view = RoleView::default();
                for s in &interner.policies[class].statements {
                    view.add(s, &account_id);
                }
                if class == compiled.len() {
                    compiled.push(CompiledPolicy::labeled(
                        format!("{} trust policy", role.arn),
                        &interner.policies[class],
                    ));
                }
                let source = External {
                    kind,
                    id: id.clone(),
                };
                // A part that reads the role (rare in trust policies) is evaluated per role.
                let key = (
                    source.clone(),
                    if view.is_blind() {
                        class
                    } else {
                        usize::MAX - r
                    },
                );
                let (status, conditions, explicit, trace) = match memo.get(&key) {
                    Some(v) => v.clone(),
                    None => {
                        let part = interner.policies[class].statements.clone();
                        let v = self.evaluate_external(
                            &compiled[class],
                            &part,
                            kind,
                            &id,
                            action,
                            &role.arn,
                            outside,
                        );
                        memo.insert(key, v.clone());
                        v
                    }
                };
                let all: Vec<RequiredCondition> = conditions.iter().cloned().collect();
                let notes = if status == Status::Never {
                    Vec::new()
                } else {
                    match kind {
                        AssumerKind::Service => judge::service(&id, role.is_service_linked(), &all),
                        AssumerKind::Federated => judge::federated(account, &id, &all),
                        AssumerKind::Account => judge::other_account(&id, true, &all),
                        AssumerKind::User | AssumerKind::Role => {
                            let acct = Arn::parse(&id)
                                .map(|a| a.account.to_owned())
                                .unwrap_or_default();
                            judge::other_account(&acct, false, &all)
                        }
                        AssumerKind::Anyone => judge::anyone(&all),
                    }
                };
                // The part's trace numbers statements within the part: explain a `never`
                // with the whole trust policy instead.
                let trace = match status {
                    Status::Never => {
                        let whole =
                            CompiledPolicy::labeled(format!("{} trust policy", role.arn), trust);
                        self.evaluate_external(
                            &whole,
                            &trust.statements,
                            kind,
                            &id,
                            action,
                            &role.arn,
                            outside,
                        )
                        .3
                    }
                    _ => trace,
                };
                let reason = external_reason(&role.name, kind, &id, action, status, trace.as_ref());
                let info = self.intern(EdgeInfo {
                    status,
                    action,
                    naming,
                    conditions,
                    explicit_deny: explicit,
                    notes,
                    reason: Some(reason),
                });
                let from = self.external(kind, &id);
                self.raw.push(Edge {
                    from,
                    role: role_id,
                    info,
                });
            }
        }
    }

    /// Decides a source outside the account against a trust policy part. Keys its requests
    /// carry that we know are set; every other key the part reads is unknown.
    #[allow(clippy::too_many_arguments)]
    fn evaluate_external(
        &mut self,
        part: &CompiledPolicy,
        statements: &[Statement],
        kind: AssumerKind,
        id: &str,
        action: AssumeAction,
        role_arn: &str,
        outside: &[CompiledPolicy],
    ) -> Answer {
        let (caller, known) = external_caller(kind, id);
        let set = PolicySet {
            identity: match kind {
                AssumerKind::User | AssumerKind::Role => outside.to_vec(),
                _ => Vec::new(),
            },
            resource_policy: Some(part.clone()),
            resource_policy_kind: ResourcePolicyKind::RoleTrust,
            ..PolicySet::default()
        };
        let mut ctx = Context::new();
        for (k, v) in &known {
            ctx.insert(k, v.as_str());
        }
        let mut any_unknown = false;
        for c in statements.iter().flat_map(|s| &s.conditions) {
            if ctx.get(&c.key).is_none() {
                ctx.set_unknown(&c.key);
                any_unknown = true;
            }
        }
        let request = Request::new(&caller, action.as_str(), role_arn)
            .with_resource_account(&self.account.info.account_id)
            .with_context(ctx);
        self.stats.evaluations += 1;
        if any_unknown {
            self.stats.partial_evaluations += 1;
            let pe = evaluate_partial(&set, &request);
            let (s, c, e) = verdict_of(pe.outcome, &pe.allow_when, &pe.evaluation);
            (s, c, e, Some(pe.evaluation.trace))
        } else {
            let ev = evaluate(&set, &request);
            let s = if ev.decision == Decision::Allow {
                Status::Always
            } else {
                Status::Never
            };
            let explicit = ev.decision == Decision::ExplicitDeny;
            (s, Conditions::default(), explicit, Some(ev.trace))
        }
    }

    fn finish(mut self) -> TrustGraph {
        let n_nodes = (self.n_users + self.n_roles) as usize + self.externals.len();
        // Edges were made role by role (named, then bulk, then outside); sorting is only a
        // safety net.
        if !self.raw.is_sorted_by_key(|e| e.role) {
            self.raw.sort_by_key(|e| e.role);
        }
        let mut role_start = vec![0u32; self.n_roles as usize + 1];
        for e in &self.raw {
            role_start[e.role.index() + 1] += 1;
        }
        for i in 0..self.n_roles as usize {
            role_start[i + 1] += role_start[i];
        }
        let mut out_start = vec![0u32; n_nodes + 1];
        for e in &self.raw {
            out_start[e.from.0 as usize + 1] += 1;
        }
        for i in 0..n_nodes {
            out_start[i + 1] += out_start[i];
        }
        let mut fill = out_start.clone();
        let mut out_edges = vec![0u32; self.raw.len()];
        for (k, e) in self.raw.iter().enumerate() {
            let slot = &mut fill[e.from.0 as usize];
            out_edges[*slot as usize] = k as u32;
            *slot += 1;
        }
        TrustGraph {
            account_id: self.account.info.account_id.clone(),
            n_users: self.n_users,
            n_roles: self.n_roles,
            externals: self.externals,
            edges: self.raw,
            role_start,
            out_start,
            out_edges,
            infos: self.infos,
            compiled: self.compiled,
            stats: self.stats,
        }
    }
}

/// Whether the statement's principal element may name a source of this kind and id.
fn may_name(st: &Statement, kind: AssumerKind, id: &str) -> bool {
    let Some(p) = &st.principal else {
        return false;
    };
    if p.negated {
        return true;
    }
    match &p.set {
        PrincipalSet::Anyone => true,
        PrincipalSet::Entries(entries) => entries.iter().any(|e| match (kind, e.kind) {
            (AssumerKind::Service, PrincipalKind::Service) => e.values.iter().any(|v| v == id),
            (AssumerKind::Federated, PrincipalKind::Federated) => e.values.iter().any(|v| v == id),
            (
                AssumerKind::Account | AssumerKind::User | AssumerKind::Role | AssumerKind::Anyone,
                PrincipalKind::Aws,
            ) => true,
            _ => false,
        }),
    }
}

/// The sources outside the account a trust policy's `Allow` statements name.
fn sources(trust: &Policy, account_id: &str) -> Vec<(AssumerKind, String, AssumeAction, Naming)> {
    let mut out: Vec<(AssumerKind, String, AssumeAction, Naming)> = Vec::new();
    let mut add = |s: (AssumerKind, String, AssumeAction, Naming)| {
        if !out.iter().any(|x| x.0 == s.0 && x.1 == s.1) {
            out.push(s);
        }
    };
    let anyone = || {
        (
            AssumerKind::Anyone,
            "*".to_owned(),
            AssumeAction::AssumeRole,
            Naming::Everyone,
        )
    };
    for st in trust
        .statements
        .iter()
        .filter(|s| s.effect == Effect::Allow)
    {
        let Some(p) = &st.principal else { continue };
        let assume = index::relevant(st);
        let entries = match &p.set {
            _ if p.negated => {
                if assume {
                    add(anyone());
                }
                continue;
            }
            PrincipalSet::Anyone => {
                if assume {
                    add(anyone());
                }
                continue;
            }
            PrincipalSet::Entries(e) => e,
        };
        for e in entries {
            for v in &e.values {
                match e.kind {
                    PrincipalKind::Service => add((
                        AssumerKind::Service,
                        v.clone(),
                        AssumeAction::AssumeRole,
                        Naming::Service,
                    )),
                    PrincipalKind::Federated => {
                        let action = if v.contains(":saml-provider/") {
                            AssumeAction::AssumeRoleWithSaml
                        } else {
                            AssumeAction::AssumeRoleWithWebIdentity
                        };
                        add((AssumerKind::Federated, v.clone(), action, Naming::Federated));
                    }
                    PrincipalKind::Aws if v == "*" => {
                        if assume {
                            add(anyone());
                        }
                    }
                    PrincipalKind::Aws => {
                        if index::account_id(v) {
                            if v != account_id {
                                add((
                                    AssumerKind::Account,
                                    v.clone(),
                                    AssumeAction::AssumeRole,
                                    Naming::OtherAccount,
                                ));
                            }
                        } else if let Ok(a) = Arn::parse(v)
                            && a.account != account_id
                        {
                            if a.resource == "root" {
                                add((
                                    AssumerKind::Account,
                                    a.account.to_owned(),
                                    AssumeAction::AssumeRole,
                                    Naming::OtherAccount,
                                ));
                            } else {
                                let kind = if a.resource.starts_with("user/") {
                                    AssumerKind::User
                                } else {
                                    AssumerKind::Role
                                };
                                add((
                                    kind,
                                    v.clone(),
                                    AssumeAction::AssumeRole,
                                    Naming::OtherAccount,
                                ));
                            }
                        }
                    }
                    PrincipalKind::CanonicalUser => {}
                }
            }
        }
    }
    out
}

/// The caller ARN for a source outside the account, and the context keys its requests carry
/// that we know (every other key the trust policy reads is unknown).
fn external_caller(kind: AssumerKind, id: &str) -> (String, Vec<(&'static str, String)>) {
    match kind {
        AssumerKind::Service => (
            id.to_owned(),
            vec![
                ("aws:PrincipalIsAWSService", "true".into()),
                ("aws:PrincipalServiceName", id.to_owned()),
            ],
        ),
        AssumerKind::Federated => (id.to_owned(), Vec::new()),
        AssumerKind::Account => (
            format!("arn:aws:iam::{id}:root"),
            vec![
                ("aws:PrincipalAccount", id.to_owned()),
                ("aws:PrincipalIsAWSService", "false".into()),
            ],
        ),
        AssumerKind::User | AssumerKind::Role => {
            let account = Arn::parse(id)
                .map(|a| a.account.to_owned())
                .unwrap_or_default();
            let ptype = if kind == AssumerKind::User {
                "User"
            } else {
                "AssumedRole"
            };
            (
                id.to_owned(),
                vec![
                    ("aws:PrincipalArn", id.to_owned()),
                    ("aws:PrincipalAccount", account),
                    ("aws:PrincipalType", ptype.into()),
                    ("aws:PrincipalIsAWSService", "false".into()),
                ],
            )
        }
        // An unauthenticated caller stands for "any principal anywhere": the trust policy
        // alone decides, and nothing about the caller is known.
        AssumerKind::Anyone => ("*".into(), Vec::new()),
    }
}

fn external_reason(
    role: &str,
    kind: AssumerKind,
    id: &str,
    action: AssumeAction,
    status: Status,
    trace: Option<&Trace>,
) -> String {
    let what = match kind {
        AssumerKind::Service => format!("the trust policy of {role} allows the AWS service `{id}`"),
        AssumerKind::Federated => {
            let provider = id
                .split_once(":oidc-provider/")
                .or_else(|| id.split_once(":saml-provider/"))
                .map_or(id, |(_, p)| p);
            format!(
                "the trust policy of {role} allows identities from the provider `{provider}` ({})",
                action.as_str()
            )
        }
        AssumerKind::Account => format!(
            "the trust policy of {role} trusts account {id}: any principal there whose own policies allow sts:AssumeRole on it"
        ),
        AssumerKind::User | AssumerKind::Role => format!(
            "the trust policy of {role} names `{id}` of another account, if its own policies allow sts:AssumeRole on it"
        ),
        AssumerKind::Anyone => {
            format!("the trust policy of {role} allows any AWS principal in any account (\"*\")")
        }
    };
    match status {
        Status::Always => what,
        Status::Conditional => format!("{what}, when the conditions hold"),
        Status::Never => {
            let why = trace.map(causes_in_words).unwrap_or_default();
            let named = match kind {
                AssumerKind::Anyone => format!("the trust policy of {role} names `*`"),
                _ => format!("the trust policy of {role} names `{id}`"),
            };
            if why.is_empty() {
                format!("{named}, but no statement allows it {}", action.as_str())
            } else {
                format!("{named}, but {why}")
            }
        }
    }
}
