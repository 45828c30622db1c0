//! Who can assume what: the trust graph, condition-aware and transitive.
//!
//! Each edge says that a source (a user or role of the account, an AWS service, an identity
//! provider, another account, or anyone) can assume a role: [`Status::Always`],
//! [`Status::Conditional`] (with the exact conditions that must hold) or [`Status::Never`]
//! (kept only to explain, e.g. "the trust policy names alice but her boundary denies it").
//! Every edge is decided by [`crate::eval`]: `sts:AssumeRole` on the role's ARN, with the trust
//! policy as the mandatory resource policy ([`ResourcePolicyKind::RoleTrust`]) and the
//! principal's identity policies, boundary and SCPs from [`crate::analysis::principal`]. Keys the
//! account determines (`aws:PrincipalArn`, `aws:PrincipalTag/*`, ...) are known; keys only a
//! request carries (MFA, source IP, external ID, OIDC claims, ...) are unknown, so the engine's
//! partial evaluation says when an edge holds.
//!
//! Role chaining makes the graph transitive: a session of role B can assume role C when B → C is
//! an edge. [`TrustGraph::who_can_assume`] and [`TrustGraph::can_assume`] walk it and keep every
//! shortest path per pair (FORMATS.md §5).
//!
//! Speed (a 10,000-principal account well under a second) comes from [`index`]: trust policies
//! are read once for the principals they name, only candidate pairs are evaluated (the named
//! principals; for a trust naming the account, the principals whose identity policies can grant
//! `sts:AssumeRole` at all), and a principal whose relevant statements cannot tell roles apart
//! is evaluated once per distinct trust policy rather than once per role.

mod index;
mod judge;
mod paths;
pub mod words;

use std::collections::HashMap;

use jiff::Timestamp;
use serde::Serialize;

use crate::analysis::principal::{
    CompiledAccount, DEFAULT_SESSION_NAME, Principal, request_context,
};
use crate::eval::{
    CauseKind, CompiledPolicy, Context, Decision, Evaluation, LayerKind, Outcome,
    PartialEvaluation, PolicySet, Request, ResourcePolicyKind, Trace, decide, evaluate,
    evaluate_partial,
};
use crate::model::{Account, Arn, EntityRef, RoleId, UserId};
use crate::policy::{Effect, Policy, PrincipalKind, PrincipalSet};

pub use paths::{Assumer, CanAssume, PathOptions, Reachable, Step, WhoCanAssume};
pub use words::RequiredCondition;

/// Whether an edge can be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Whatever the request looks like.
    Always,
    /// Only when the conditions hold.
    Conditional,
    /// Not at all; kept to explain why.
    Never,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Always => "always",
            Status::Conditional => "conditional",
            Status::Never => "never",
        }
    }
}

/// What kind of source an edge starts from (FORMATS.md §5 `kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AssumerKind {
    User,
    Role,
    Service,
    Federated,
    Account,
    Anyone,
}

impl AssumerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AssumerKind::User => "user",
            AssumerKind::Role => "role",
            AssumerKind::Service => "service",
            AssumerKind::Federated => "federated",
            AssumerKind::Account => "account",
            AssumerKind::Anyone => "anyone",
        }
    }
}

/// The STS action an edge is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum AssumeAction {
    #[serde(rename = "sts:AssumeRole")]
    AssumeRole,
    #[serde(rename = "sts:AssumeRoleWithWebIdentity")]
    AssumeRoleWithWebIdentity,
    #[serde(rename = "sts:AssumeRoleWithSAML")]
    AssumeRoleWithSaml,
}

impl AssumeAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AssumeAction::AssumeRole => "sts:AssumeRole",
            AssumeAction::AssumeRoleWithWebIdentity => "sts:AssumeRoleWithWebIdentity",
            AssumeAction::AssumeRoleWithSaml => "sts:AssumeRoleWithSAML",
        }
    }
}

/// How bad a [`Note`] is (the severities of FORMATS.md §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Critical,
    High,
    Medium,
    Low,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Info => "info",
        }
    }
}

/// A judgement on an edge's conditions: a `sub` that matches every repository, a service trust
/// without `aws:SourceAccount`, a cross-account trust without `sts:ExternalId`, ...
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Note {
    pub severity: Severity,
    pub message: String,
}

/// How the trust policy names the source of an edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Naming {
    /// A user ARN of this account: enough alone.
    User,
    /// A role ARN of this account: enough alone, but capped by the role's boundary.
    Role,
    /// The account (root ARN or id): the identity side must allow too.
    Account,
    /// `"*"` (or `NotPrincipal`): anyone, including every principal of this account.
    Everyone,
    /// A service principal.
    Service,
    /// An identity provider.
    Federated,
    /// Another account, or a principal of another account.
    OtherAccount,
}

/// The conditions an edge holds under: every one of `all`, and (when the trust allows in more
/// than one way) every one of at least one list of `any_of`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Conditions {
    pub all: Vec<RequiredCondition>,
    pub any_of: Vec<Vec<RequiredCondition>>,
}

impl Conditions {
    pub fn is_empty(&self) -> bool {
        self.all.is_empty() && self.any_of.is_empty()
    }

    /// Every condition mentioned, `all` first.
    pub fn iter(&self) -> impl Iterator<Item = &RequiredCondition> {
        self.all.iter().chain(self.any_of.iter().flatten())
    }
}

/// What is known about one edge; shared by the many edges that have the same answer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct EdgeInfo {
    pub status: Status,
    pub action: AssumeAction,
    pub naming: Naming,
    pub conditions: Conditions,
    /// For [`Status::Never`]: an explicit `Deny` decided it.
    pub explicit_deny: bool,
    pub notes: Vec<Note>,
    /// For edges from outside the account, the reason, written when the edge is built. Edges
    /// from users and roles get theirs from [`TrustGraph::explain`], on demand, with the trace.
    pub reason: Option<String>,
}

/// The answer for one (principal, role) pair, decided on demand by [`TrustGraph::assess`].
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub status: Status,
    pub conditions: Conditions,
    pub explicit_deny: bool,
    /// How the trust policy names the principal; `None` when it does not at all.
    pub naming: Option<Naming>,
    pub reason: String,
    /// The evaluation with unknown request-time conditions read as false, with its trace.
    pub evaluation: Evaluation,
}

/// A node of the graph: dense ids, users first, then roles, then sources outside the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct NodeId(pub u32);

/// A source that is not a user or role of the account.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct External {
    pub kind: AssumerKind,
    /// A service (`ecs-tasks.amazonaws.com`), an OIDC/SAML provider ARN or provider name, an
    /// account id, a principal ARN of another account, or `*`.
    pub id: String,
}

/// What a [`NodeId`] stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Node<'g> {
    User(UserId),
    Role(RoleId),
    External(&'g External),
}

/// "`from` can assume `role`", described by `info`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge {
    pub from: NodeId,
    pub role: RoleId,
    info: u32,
}

/// Counters from building the graph, for benchmarks and curiosity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct BuildStats {
    /// Principal/role pairs considered (candidates).
    pub candidate_pairs: u64,
    /// Calls into the evaluation engine.
    pub evaluations: u64,
    /// Of which partial (three-valued) evaluations.
    pub partial_evaluations: u64,
    /// Pairs answered by an evaluation made for another role with the same trust policy.
    pub shared_answers: u64,
    /// Distinct trust-policy parts that name principals of the account.
    pub trust_classes: u64,
}

/// The trust graph of one account.
#[derive(Debug)]
pub struct TrustGraph {
    account_id: String,
    n_users: u32,
    n_roles: u32,
    externals: Vec<External>,
    /// Edges grouped by role: `edges[role_start[r]..role_start[r + 1]]` lead to role `r`.
    edges: Vec<Edge>,
    role_start: Vec<u32>,
    /// Per node, the indexes into `edges` of its outgoing edges.
    out_start: Vec<u32>,
    out_edges: Vec<u32>,
    infos: Vec<EdgeInfo>,
    compiled: CompiledAccount,
    stats: BuildStats,
}

/// The time the graph pretends it is. Nothing depends on it: `aws:CurrentTime` and
/// `aws:EpochTime` are request-time keys and are left unknown whenever a policy reads them, so
/// the graph of a snapshot is the same whenever it is built.
fn fixed_time(account: &Account) -> Timestamp {
    account.info.fetched_at.unwrap_or(Timestamp::UNIX_EPOCH)
}

/// A policy for the identity side of a principal of another account: its own policies are not
/// in the snapshot, and its administrators decide; the edge says "if they allow it".
fn outside_identity() -> Option<CompiledPolicy> {
    let p = Policy::from_json(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:*","Resource":"*"}]}"#,
    )
    .ok()?;
    Some(CompiledPolicy::labeled(
        "(its own account's policies, not in this snapshot)",
        &p,
    ))
}

/// Reads an engine answer as an edge status and the conditions it holds under.
fn verdict_of(
    outcome: Outcome,
    allow_when: &crate::eval::Formula,
    evaluation: &Evaluation,
) -> (Status, Conditions, bool) {
    match outcome {
        Outcome::Always => (Status::Always, Conditions::default(), false),
        Outcome::Never => (
            Status::Never,
            Conditions::default(),
            evaluation.decision == Decision::ExplicitDeny,
        ),
        Outcome::Conditional => (Status::Conditional, conditions_of(allow_when), false),
    }
}

/// The formula as `all` + `any_of`: literals common to every alternative, then what is left
/// of each alternative.
fn conditions_of(f: &crate::eval::Formula) -> Conditions {
    let Some(alts) = f.alternatives(32) else {
        // Too many ways to allow to list them: name every condition involved.
        let mut all: Vec<RequiredCondition> = Vec::new();
        for r in f.requirements() {
            let c = RequiredCondition::new(&r.operator, &r.key, &r.values, true);
            if !all.contains(&c) {
                all.push(c);
            }
        }
        return Conditions {
            all: Vec::new(),
            any_of: vec![all],
        };
    };
    let alts: Vec<Vec<RequiredCondition>> = alts
        .iter()
        .map(|a| {
            let mut v: Vec<RequiredCondition> = Vec::new();
            for l in a {
                let c = RequiredCondition::new(
                    &l.requirement.operator,
                    &l.requirement.key,
                    &l.requirement.values,
                    l.holds,
                );
                if !v.contains(&c) {
                    v.push(c);
                }
            }
            v
        })
        .collect();
    match alts.as_slice() {
        [] => Conditions::default(),
        [one] => Conditions {
            all: one.clone(),
            any_of: Vec::new(),
        },
        [first, rest @ ..] => {
            let common: Vec<RequiredCondition> = first
                .iter()
                .filter(|c| rest.iter().all(|a| a.contains(c)))
                .cloned()
                .collect();
            let any_of = alts
                .iter()
                .map(|a| a.iter().filter(|c| !common.contains(c)).cloned().collect())
                .collect();
            Conditions {
                all: common,
                any_of,
            }
        }
    }
}

/// Per-principal state kept while building: its policy layers and its request, made once.
struct Asker {
    set: PolicySet,
    request: Request,
}

impl TrustGraph {
    /// Builds the graph of `account`, compiling its policies.
    pub fn build(account: &Account) -> TrustGraph {
        TrustGraph::build_with(account, CompiledAccount::new(account))
    }

    /// Builds the graph with policies already compiled (the graph keeps them, to explain
    /// edges later).
    pub fn build_with(account: &Account, compiled: CompiledAccount) -> TrustGraph {
        let mut b = Builder::new(account, compiled);
        b.local_edges();
        b.external_edges();
        b.finish()
    }

    pub fn stats(&self) -> BuildStats {
        self.stats
    }

    /// The account the graph is about.
    pub fn account_id(&self) -> &str {
        &self.account_id
    }

    /// Every edge, grouped by role.
    pub fn edges(&self) -> &[Edge] {
        &self.edges
    }

    pub fn info(&self, edge: &Edge) -> &EdgeInfo {
        &self.infos[edge.info as usize]
    }

    /// The edges into `role`: its direct assumers (including `never` edges).
    pub fn assumers_of(&self, role: RoleId) -> &[Edge] {
        let r = role.index();
        match (self.role_start.get(r), self.role_start.get(r + 1)) {
            (Some(&a), Some(&b)) => &self.edges[a as usize..b as usize],
            _ => &[],
        }
    }

    /// The edges out of `node`: the roles it can assume directly (including `never` edges).
    pub fn assumed_by(&self, node: NodeId) -> impl Iterator<Item = &Edge> + '_ {
        let n = node.0 as usize;
        let range = match (self.out_start.get(n), self.out_start.get(n + 1)) {
            (Some(&a), Some(&b)) => a as usize..b as usize,
            _ => 0..0,
        };
        self.out_edges[range]
            .iter()
            .map(|&i| &self.edges[i as usize])
    }

    /// The edge from `from` to `role`, if the graph has one.
    pub fn edge(&self, from: NodeId, role: RoleId) -> Option<&Edge> {
        self.assumers_of(role).iter().find(|e| e.from == from)
    }

    pub fn node_count(&self) -> usize {
        (self.n_users + self.n_roles) as usize + self.externals.len()
    }

    pub fn node(&self, id: NodeId) -> Node<'_> {
        let i = id.0;
        if i < self.n_users {
            Node::User(UserId(i))
        } else if i < self.n_users + self.n_roles {
            Node::Role(RoleId(i - self.n_users))
        } else {
            match self
                .externals
                .get((i - self.n_users - self.n_roles) as usize)
            {
                Some(e) => Node::External(e),
                // Ids only come from this graph; an out-of-range id reads as "anyone".
                None => Node::External(&ANYONE),
            }
        }
    }

    pub fn user_node(&self, id: UserId) -> NodeId {
        NodeId(id.0)
    }

    pub fn role_node(&self, id: RoleId) -> NodeId {
        NodeId(self.n_users + id.0)
    }

    pub fn principal_node(&self, p: Principal) -> NodeId {
        match p {
            Principal::User(id) => self.user_node(id),
            Principal::Role(id) => self.role_node(id),
        }
    }

    /// The role a node stands for, if it is one.
    pub fn node_role(&self, id: NodeId) -> Option<RoleId> {
        (id.0 >= self.n_users && id.0 < self.n_users + self.n_roles)
            .then(|| RoleId(id.0 - self.n_users))
    }

    /// The sources outside the account.
    pub fn externals(&self) -> &[External] {
        &self.externals
    }

    /// Finds a node by what a user typed: a user or role name or ARN, a service
    /// (`ecs-tasks.amazonaws.com`), a provider ARN, an account id, or `*`.
    pub fn find(&self, account: &Account, text: &str) -> Option<NodeId> {
        if let Some(i) = self.externals.iter().position(|e| e.id == text) {
            return Some(NodeId(self.n_users + self.n_roles + i as u32));
        }
        if let Some(id) = text
            .strip_prefix("arn:aws:iam::")
            .and_then(|r| r.strip_suffix(":root"))
            .and_then(|id| self.externals.iter().position(|e| e.id == id))
        {
            return Some(NodeId(self.n_users + self.n_roles + id as u32));
        }
        match account.lookup(text).ok()? {
            EntityRef::User(id) => Some(self.user_node(id)),
            EntityRef::Role(id) => Some(self.role_node(id)),
            _ => None,
        }
    }

    /// The node's ARN (or service, provider, account id, `*`) as FORMATS.md §5 prints it.
    pub fn node_label<'a>(&'a self, account: &'a Account, id: NodeId) -> &'a str {
        match self.node(id) {
            Node::User(u) => &account.user(u).arn,
            Node::Role(r) => &account.role(r).arn,
            Node::External(e) => &e.id,
        }
    }

    /// A short name for text output.
    pub fn node_name<'a>(&'a self, account: &'a Account, id: NodeId) -> &'a str {
        match self.node(id) {
            Node::User(u) => &account.user(u).name,
            Node::Role(r) => &account.role(r).name,
            Node::External(e) => &e.id,
        }
    }

    pub fn node_kind(&self, id: NodeId) -> AssumerKind {
        match self.node(id) {
            Node::User(_) => AssumerKind::User,
            Node::Role(_) => AssumerKind::Role,
            Node::External(e) => e.kind,
        }
    }

    /// The policies the graph was built with.
    pub fn compiled(&self) -> &CompiledAccount {
        &self.compiled
    }

    /// One sentence saying why the edge has its status. For a `never` edge from a user or role
    /// of the account this re-runs the evaluation with a trace (cheap for the edges a query
    /// shows).
    pub fn explain(&self, account: &Account, edge: &Edge) -> String {
        let info = self.info(edge);
        if let Some(r) = &info.reason {
            return r.clone();
        }
        let principal = match self.node(edge.from) {
            Node::User(u) => Principal::User(u),
            Node::Role(r) => Principal::Role(r),
            Node::External(_) => return String::new(),
        };
        let trace = (info.status == Status::Never).then(|| {
            self.evaluate_pair(account, principal, edge.role)
                .evaluation
                .trace
        });
        local_reason(account, principal, edge.role, info, trace.as_ref())
    }

    /// Decides `principal` → `role` on demand, with all the principal's policies and the
    /// role's whole trust policy: what the graph says for a pair it keeps, and the answer
    /// (usually `never`) for a pair it does not keep.
    pub fn assess(&self, account: &Account, principal: Principal, role: RoleId) -> Assessment {
        let pe = self.evaluate_pair(account, principal, role);
        let (status, conditions, explicit_deny) =
            verdict_of(pe.outcome, &pe.allow_when, &pe.evaluation);
        let naming = account.role(role).trust_policy.as_ref().and_then(|t| {
            let n = index::local_naming(account, t);
            if n.named.contains(&principal) {
                Some(match principal {
                    Principal::User(_) => Naming::User,
                    Principal::Role(_) => Naming::Role,
                })
            } else if n.everyone {
                Some(Naming::Everyone)
            } else if n.account {
                Some(Naming::Account)
            } else {
                None
            }
        });
        let reason = match naming {
            Some(naming) => {
                let info = EdgeInfo {
                    status,
                    action: AssumeAction::AssumeRole,
                    naming,
                    conditions: conditions.clone(),
                    explicit_deny,
                    notes: Vec::new(),
                    reason: None,
                };
                local_reason(account, principal, role, &info, Some(&pe.evaluation.trace))
            }
            None => format!(
                "the trust policy of {} names neither {}, nor its account, nor \"*\"",
                account.role(role).name,
                principal.name(account)
            ),
        };
        Assessment {
            status,
            conditions,
            explicit_deny,
            naming,
            reason,
            evaluation: pe.evaluation,
        }
    }

    /// The partial evaluation of `sts:AssumeRole` by `principal` on `role`: every policy of the
    /// principal, the whole trust policy, the keys the account determines known and every
    /// other key any of these policies reads unknown.
    fn evaluate_pair(
        &self,
        account: &Account,
        principal: Principal,
        role: RoleId,
    ) -> PartialEvaluation {
        let mut set = self.compiled.policy_set(account, principal);
        set.resource_policy = self.compiled.trust_policy(role).cloned();
        set.resource_policy_kind = ResourcePolicyKind::RoleTrust;
        let mut keys = Vec::new();
        let docs = index::identity_documents(account, principal)
            .into_iter()
            .chain(index::boundary_document(account, principal))
            .chain(account.scps.iter().flatten().map(|p| &p.document))
            .chain(account.role(role).trust_policy.as_ref());
        for st in docs.flat_map(|d| &d.statements) {
            index::request_keys(st, &mut keys);
        }
        let mut ctx = request_context(account, principal, fixed_time(account));
        for k in &keys {
            ctx.set_unknown(k);
        }
        for t in &account.role(role).tags {
            ctx.insert(&format!("aws:ResourceTag/{}", t.key), t.value.as_str());
            ctx.insert(&format!("iam:ResourceTag/{}", t.key), t.value.as_str());
        }
        ctx.insert("aws:ResourceAccount", account.info.account_id.as_str());
        let request = Request::new(
            &principal.caller_arn(account, DEFAULT_SESSION_NAME),
            AssumeAction::AssumeRole.as_str(),
            &account.role(role).arn,
        )
        .with_context(ctx);
        evaluate_partial(&set, &request)
    }

    /// Direct and transitive assumers of `role`.
    pub fn who_can_assume(
        &self,
        account: &Account,
        role: RoleId,
        opts: &PathOptions,
    ) -> WhoCanAssume {
        paths::who_can_assume(self, account, role, opts)
    }

    /// Every role `node` can reach, directly or by chaining roles.
    pub fn can_assume(&self, account: &Account, node: NodeId, opts: &PathOptions) -> CanAssume {
        paths::can_assume(self, account, node, opts)
    }
}

static ANYONE: External = External {
    kind: AssumerKind::Anyone,
    id: String::new(),
};

/// A sentence for an edge from a user or role of the account.
fn local_reason(
    account: &Account,
    principal: Principal,
    role: RoleId,
    info: &EdgeInfo,
    trace: Option<&Trace>,
) -> String {
    let who = principal.name(account);
    let role_name = &account.role(role).name;
    let naming = match info.naming {
        Naming::User => format!("the trust policy of {role_name} names {who} directly"),
        Naming::Role => format!("the trust policy of {role_name} names the role {who}"),
        Naming::Account => format!(
            "the trust policy of {role_name} trusts account {}, and {who}'s identity policies allow sts:AssumeRole on it",
            account.info.account_id
        ),
        Naming::Everyone => format!("the trust policy of {role_name} allows any principal (\"*\")"),
        _ => format!("the trust policy of {role_name} allows {who}"),
    };
    match info.status {
        Status::Always => match info.naming {
            Naming::User => format!("{naming}: no identity permission is needed"),
            _ => naming,
        },
        Status::Conditional => format!("{naming}, when the conditions hold"),
        Status::Never => {
            let causes = trace.map(causes_in_words).unwrap_or_default();
            if causes.is_empty() {
                format!(
                    "{}: no combination of request conditions allows it",
                    naming_for_never(info.naming, role_name, who, &account.info.account_id)
                )
            } else {
                format!(
                    "{}, but {causes}",
                    naming_for_never(info.naming, role_name, who, &account.info.account_id)
                )
            }
        }
    }
}

fn naming_for_never(naming: Naming, role: &str, who: &str, account_id: &str) -> String {
    match naming {
        Naming::User => format!("the trust policy of {role} names {who} directly"),
        Naming::Role => format!("the trust policy of {role} names the role {who}"),
        Naming::Account => format!("the trust policy of {role} trusts account {account_id}"),
        Naming::Everyone => format!("the trust policy of {role} allows any principal (\"*\")"),
        _ => format!("the trust policy of {role} names {who}"),
    }
}

fn layer_words(layer: LayerKind) -> &'static str {
    match layer {
        LayerKind::Identity => "identity policy",
        LayerKind::PermissionsBoundary => "permissions boundary",
        LayerKind::Scp => "SCP",
        LayerKind::Rcp => "RCP",
        LayerKind::Resource => "trust policy",
        LayerKind::Session => "session policy",
    }
}

/// "an explicit deny in the permissions boundary `X` (statement `DenyIAM`) blocks it".
fn causes_in_words(trace: &Trace) -> String {
    let mut denies = Vec::new();
    let mut missing = Vec::new();
    for c in &trace.causes {
        match c.kind {
            CauseKind::ExplicitDeny => {
                let statement = c
                    .sid
                    .clone()
                    .or_else(|| c.statement.map(|s| s.to_string()))
                    .unwrap_or_default();
                denies.push(format!(
                    "an explicit deny in the {} `{}` (statement `{statement}`) blocks it",
                    layer_words(c.layer),
                    c.policy.as_deref().unwrap_or("?"),
                ));
            }
            CauseKind::MissingAllow => missing.push(match c.layer {
                LayerKind::Identity => "no identity policy allows sts:AssumeRole on it".to_owned(),
                LayerKind::Resource => {
                    "the trust policy does not allow it for this principal".to_owned()
                }
                LayerKind::Scp => match c.level {
                    Some(l) => format!("the SCPs at level {l} do not allow sts:AssumeRole"),
                    None => "the SCPs do not allow sts:AssumeRole".to_owned(),
                },
                other => format!("the {} does not allow sts:AssumeRole", layer_words(other)),
            }),
        }
    }
    if !denies.is_empty() {
        return denies.join("; ");
    }
    missing.join(", and ")
}

/// Builds a [`TrustGraph`].
struct Builder<'a> {
    account: &'a Account,
    compiled: CompiledAccount,
    now: Timestamp,
    n_users: u32,
    n_roles: u32,
    facts: Vec<index::PrincipalFacts>,
    askers: Vec<Option<Asker>>,
    /// Per role: its class (local part of its trust policy) and how it names local principals.
    role_class: Vec<Option<(usize, index::LocalNaming)>>,
    class_compiled: Vec<Option<CompiledPolicy>>,
    class_role_independent: Vec<bool>,
    class_keys: Vec<Vec<String>>,
    /// Request-time keys of every class: marked unknown in every asker's context (a key no
    /// statement reads changes nothing).
    trust_keys: Vec<String>,
    /// Per class (for classes with many candidates): per principal, the shared answer.
    memo: Vec<Option<Vec<u32>>>,
    raw: Vec<Edge>,
    infos: Vec<EdgeInfo>,
    info_ids: HashMap<EdgeInfo, u32>,
    externals: Vec<External>,
    external_ids: HashMap<External, u32>,
    stats: BuildStats,
}

const UNSET: u32 = u32::MAX;
const DROPPED: u32 = u32::MAX - 1;

impl<'a> Builder<'a> {
    fn new(account: &'a Account, compiled: CompiledAccount) -> Builder<'a> {
        let scps = index::scp_facts(account);
        let facts: Vec<index::PrincipalFacts> = Principal::all(account)
            .map(|p| index::principal_facts(account, p, &scps))
            .collect();
        let account_id = account.info.account_id.as_str();
        let mut classes = index::Classes::default();
        let role_class: Vec<Option<(usize, index::LocalNaming)>> = account
            .roles
            .iter()
            .map(|r| {
                let trust = r.trust_policy.as_ref()?;
                let naming = index::local_naming(account, trust);
                if !naming.account && !naming.everyone && naming.named.is_empty() {
                    return None;
                }
                Some((classes.intern(index::local_part(trust, account_id)), naming))
            })
            .collect();
        let mut class_compiled = Vec::with_capacity(classes.policies.len());
        let mut class_role_independent = Vec::with_capacity(classes.policies.len());
        let mut class_keys = Vec::with_capacity(classes.policies.len());
        let mut trust_keys: Vec<String> = Vec::new();
        for p in &classes.policies {
            class_compiled.push(Some(CompiledPolicy::labeled("trust policy", p)));
            class_role_independent.push(
                p.statements
                    .iter()
                    .all(|s| index::role_independent(s, account_id)),
            );
            let mut keys = Vec::new();
            for s in &p.statements {
                index::request_keys(s, &mut keys);
            }
            for k in &keys {
                if !trust_keys.contains(k) {
                    trust_keys.push(k.clone());
                }
            }
            class_keys.push(keys);
        }
        let n_classes = classes.policies.len();
        let stats = BuildStats {
            trust_classes: n_classes as u64,
            ..BuildStats::default()
        };
        Builder {
            account,
            now: fixed_time(account),
            n_users: account.users.len() as u32,
            n_roles: account.roles.len() as u32,
            askers: (0..facts.len()).map(|_| None).collect(),
            facts,
            role_class,
            class_compiled,
            class_role_independent,
            class_keys,
            trust_keys,
            memo: vec![None; n_classes],
            raw: Vec::new(),
            infos: Vec::new(),
            info_ids: HashMap::new(),
            externals: Vec::new(),
            external_ids: HashMap::new(),
            compiled,
            stats,
        }
    }

    fn principal(&self, i: usize) -> Principal {
        if i < self.n_users as usize {
            Principal::User(UserId(i as u32))
        } else {
            Principal::Role(RoleId((i - self.n_users as usize) as u32))
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
        let all = self.compiled.identity_policies(account, p);
        let identity: Vec<CompiledPolicy> = if all.len() == facts.relevant_identity.len() {
            all.into_iter()
                .zip(&facts.relevant_identity)
                .filter(|(_, r)| **r)
                .map(|(c, _)| c.clone())
                .collect()
        } else {
            // The two walks disagree (they should not): keep every policy, which is always
            // correct, only slower.
            all.into_iter().cloned().collect()
        };
        let mut set = PolicySet {
            identity,
            permission_boundary: self.compiled.permission_boundary(account, p).cloned(),
            resource_policy_kind: ResourcePolicyKind::RoleTrust,
            ..PolicySet::default()
        };
        if !account.scps.is_empty() {
            set.scps = self.compiled.policy_set(account, p).scps;
        }
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
        Asker { set, request }
    }

    /// Decides one candidate pair: the info id of the edge, or `DROPPED` when there is no
    /// edge worth keeping.
    fn decide_pair(&mut self, i: usize, role: RoleId, class: usize, naming: Naming) -> u32 {
        self.stats.evaluations += 1;
        let account = self.account;
        let role_arn = account.role(role).arn.as_str();
        let needs_role_keys =
            !(self.facts[i].role_independent && self.class_role_independent[class]);
        let partial = !self.facts[i].request_keys.is_empty() || !self.class_keys[class].is_empty();
        let mut asker = self.take_asker(i);
        asker.set.resource_policy = self.class_compiled[class].take();
        asker.request.resource.clear();
        asker.request.resource.push_str(role_arn);
        let with_role_keys = needs_role_keys.then(|| {
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
            let pe = evaluate_partial(&asker.set, request);
            verdict_of(pe.outcome, &pe.allow_when, &pe.evaluation)
        } else {
            match decide(&asker.set, request) {
                Decision::Allow => (Status::Always, Conditions::default(), false),
                Decision::ExplicitDeny => (Status::Never, Conditions::default(), true),
                Decision::ImplicitDeny => (Status::Never, Conditions::default(), false),
            }
        };
        self.class_compiled[class] = asker.set.resource_policy.take();
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

    /// Edges from users and roles of the account.
    fn local_edges(&mut self) {
        let account = self.account;
        let n = self.facts.len();
        let any_grant: Vec<usize> = (0..n)
            .filter(|&i| self.facts[i].grant == index::Grant::Any)
            .collect();
        let pattern_grant: Vec<usize> = (0..n)
            .filter(|&i| matches!(self.facts[i].grant, index::Grant::Patterns(_)))
            .collect();
        let role_class = std::mem::take(&mut self.role_class);
        let mut candidates: Vec<(usize, Naming)> = Vec::new();
        for (r, rc) in role_class.iter().enumerate() {
            let Some((class, naming)) = rc else { continue };
            let role = RoleId(r as u32);
            let arn = account.role(role).arn.as_str();
            candidates.clear();
            for p in &naming.named {
                let i = match p {
                    Principal::User(u) => u.index(),
                    Principal::Role(r) => self.n_users as usize + r.index(),
                };
                let how = match p {
                    Principal::User(_) => Naming::User,
                    Principal::Role(_) => Naming::Role,
                };
                candidates.push((i, how));
            }
            let bulk = naming.everyone || naming.account;
            let n_named = candidates.len();
            let is_named =
                |i: usize, c: &[(usize, Naming)]| c[..n_named].iter().any(|(j, _)| *j == i);
            if naming.everyone {
                for i in 0..n {
                    if !is_named(i, &candidates) {
                        candidates.push((i, Naming::Everyone));
                    }
                }
            } else if naming.account {
                for &i in &any_grant {
                    if !is_named(i, &candidates) {
                        candidates.push((i, Naming::Account));
                    }
                }
                for &i in &pattern_grant {
                    if self.facts[i].grant.may_cover(arn) && !is_named(i, &candidates) {
                        candidates.push((i, Naming::Account));
                    }
                }
            }
            let class = *class;
            let shareable = bulk && self.class_role_independent[class];
            if shareable && self.memo[class].is_none() {
                self.memo[class] = Some(vec![UNSET; n]);
            }
            for &(i, how) in &candidates {
                self.stats.candidate_pairs += 1;
                let memo_ok = shareable && self.facts[i].role_independent;
                let cached = if memo_ok {
                    self.memo[class].as_ref().map_or(UNSET, |m| m[i])
                } else {
                    UNSET
                };
                let info = if cached != UNSET {
                    self.stats.shared_answers += 1;
                    cached
                } else {
                    let info = self.decide_pair(i, role, class, how);
                    if memo_ok && let Some(m) = self.memo[class].as_mut() {
                        m[i] = info;
                    }
                    info
                };
                if info != DROPPED {
                    self.raw.push(Edge {
                        from: NodeId(i as u32),
                        role,
                        info,
                    });
                }
            }
        }
        self.role_class = role_class;
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
    fn external_edges(&mut self) {
        let account = self.account;
        let account_id = account.info.account_id.clone();
        let outside = outside_identity();
        for (r, role) in account.roles.iter().enumerate() {
            let Some(trust) = &role.trust_policy else {
                continue;
            };
            let role_id = RoleId(r as u32);
            let mut sources: Vec<(AssumerKind, String, AssumeAction, Naming)> = Vec::new();
            let mut add = |s: (AssumerKind, String, AssumeAction, Naming)| {
                if !sources.iter().any(|x| x.0 == s.0 && x.1 == s.1) {
                    sources.push(s);
                }
            };
            for st in trust
                .statements
                .iter()
                .filter(|s| s.effect == Effect::Allow)
            {
                let Some(p) = &st.principal else { continue };
                let assume = index::relevant(st);
                if p.negated || p.set == PrincipalSet::Anyone {
                    if assume {
                        add((
                            AssumerKind::Anyone,
                            "*".into(),
                            AssumeAction::AssumeRole,
                            Naming::Everyone,
                        ));
                    }
                    continue;
                }
                let PrincipalSet::Entries(entries) = &p.set else {
                    continue;
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
                            PrincipalKind::Aws => {
                                if v == "*" {
                                    if assume {
                                        add((
                                            AssumerKind::Anyone,
                                            "*".into(),
                                            AssumeAction::AssumeRole,
                                            Naming::Everyone,
                                        ));
                                    }
                                } else if index::account_id(v) && *v != account_id {
                                    add((
                                        AssumerKind::Account,
                                        v.clone(),
                                        AssumeAction::AssumeRole,
                                        Naming::OtherAccount,
                                    ));
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
            if sources.is_empty() {
                continue;
            }
            let Some(compiled_trust) = self.compiled.trust_policy(role_id).cloned() else {
                continue;
            };
            let mut set = PolicySet {
                resource_policy: Some(compiled_trust),
                resource_policy_kind: ResourcePolicyKind::RoleTrust,
                ..PolicySet::default()
            };
            for (kind, id, action, naming) in sources {
                let (caller, known) = external_caller(kind, &id);
                set.identity = match (kind, &outside) {
                    (AssumerKind::User | AssumerKind::Role, Some(o)) => vec![o.clone()],
                    _ => Vec::new(),
                };
                let mut ctx = Context::new();
                for (k, v) in &known {
                    ctx.insert(k, v.as_str());
                }
                let mut any_unknown = false;
                for c in trust.statements.iter().flat_map(|s| &s.conditions) {
                    if ctx.get(&c.key).is_none() {
                        ctx.set_unknown(&c.key);
                        any_unknown = true;
                    }
                }
                let request = Request::new(&caller, action.as_str(), &role.arn)
                    .with_resource_account(&account_id)
                    .with_context(ctx);
                self.stats.evaluations += 1;
                let (status, conditions, explicit, trace) = if any_unknown {
                    self.stats.partial_evaluations += 1;
                    let pe = evaluate_partial(&set, &request);
                    let (s, c, e) = verdict_of(pe.outcome, &pe.allow_when, &pe.evaluation);
                    (s, c, e, Some(pe.evaluation.trace))
                } else {
                    let ev = evaluate(&set, &request);
                    let s = match ev.decision {
                        Decision::Allow => Status::Always,
                        _ => Status::Never,
                    };
                    let explicit = ev.decision == Decision::ExplicitDeny;
                    (s, Conditions::default(), explicit, Some(ev.trace))
                };
                let all: Vec<RequiredCondition> = conditions.iter().cloned().collect();
                let notes = match kind {
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
                };
                let notes = if status == Status::Never {
                    Vec::new()
                } else {
                    notes
                };
                let reason = external_reason(kind, &id, action, status, trace.as_ref());
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

    fn finish(mut self) -> TrustGraph {
        let n_nodes = (self.n_users + self.n_roles) as usize + self.externals.len();
        // Group by role, keeping the build order (named, then bulk, then outside) within one.
        self.raw.sort_by_key(|e| e.role);
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
    kind: AssumerKind,
    id: &str,
    action: AssumeAction,
    status: Status,
    trace: Option<&Trace>,
) -> String {
    let what = match kind {
        AssumerKind::Service => format!("the trust policy allows the AWS service `{id}`"),
        AssumerKind::Federated => {
            let provider = id
                .split_once(":oidc-provider/")
                .or_else(|| id.split_once(":saml-provider/"))
                .map_or(id, |(_, p)| p);
            format!(
                "the trust policy allows identities from the provider `{provider}` ({})",
                action.as_str()
            )
        }
        AssumerKind::Account => format!(
            "the trust policy trusts account {id}: any principal there whose own policies allow sts:AssumeRole on this role"
        ),
        AssumerKind::User | AssumerKind::Role => format!(
            "the trust policy names `{id}` of another account, if its own policies allow sts:AssumeRole on this role"
        ),
        AssumerKind::Anyone => {
            "the trust policy allows any AWS principal in any account (\"*\")".to_owned()
        }
    };
    match status {
        Status::Always => what,
        Status::Conditional => format!("{what}, when the conditions hold"),
        Status::Never => {
            let why = trace.map(causes_in_words).unwrap_or_default();
            let named = match kind {
                AssumerKind::Anyone => "the trust policy names `*`".to_owned(),
                _ => format!("the trust policy names `{id}`"),
            };
            if why.is_empty() {
                format!("{named}, but no statement allows it {}", action.as_str())
            } else {
                format!("{named}, but {why}")
            }
        }
    }
}

#[cfg(test)]
mod tests;
