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
//! Speed (a 10,000-principal account well under a second) comes from an index: trust policies
//! are read once for the principals they name, only candidate pairs are evaluated (the named
//! principals; for a trust naming the account, the principals whose identity policies can grant
//! `sts:AssumeRole` at all), and a principal whose relevant statements cannot tell roles apart
//! is evaluated once per distinct trust policy rather than once per role.

mod build;
mod index;
mod judge;
mod paths;
pub mod words;

use std::sync::OnceLock;

use jiff::Timestamp;
use serde::Serialize;

use crate::analysis::principal::{
    CompiledAccount, DEFAULT_SESSION_NAME, Principal, request_context,
};
use crate::eval::{
    CauseKind, CompiledPolicy, Decision, Evaluation, LayerKind, Outcome, PartialEvaluation,
    Request, ResourcePolicyKind, Trace, evaluate_partial,
};
use crate::model::{Account, EntityRef, RoleId, UserId};

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
    /// Of the evaluations, trust-first checks (a trust policy part alone).
    pub trust_checks: u64,
    /// Time spent reading policies and trust policies into indexes (µs).
    pub index_us: u64,
    /// Time spent on edges from users and roles (µs).
    pub local_us: u64,
    /// Time spent on edges from outside the account (µs).
    pub external_us: u64,
    /// Time spent laying the edges out (µs).
    pub finish_us: u64,
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
    /// Per node, the indexes into `edges` of its outgoing edges, in increasing order (so by
    /// role too).
    out_start: Vec<u32>,
    out_edges: Vec<u32>,
    infos: Vec<EdgeInfo>,
    /// The account's policies compiled, for callers that need them anyway: given to
    /// [`TrustGraph::build_with`], or compiled on first use. The build compiles only what it
    /// evaluates, and explanations compile only the principal at hand.
    compiled: OnceLock<CompiledAccount>,
    stats: BuildStats,
}

/// The time the graph pretends it is. Nothing depends on it: `aws:CurrentTime` and
/// `aws:EpochTime` are request-time keys and are left unknown whenever a policy reads them, so
/// the graph of a snapshot is the same whenever it is built.
fn fixed_time(account: &Account) -> Timestamp {
    account.info.fetched_at.unwrap_or(Timestamp::UNIX_EPOCH)
}

/// Reads an engine answer as an edge status and the conditions it holds under.
fn verdict_of(
    outcome: Outcome,
    allow_when: &crate::eval::Formula,
    evaluation: &Evaluation,
) -> (Status, Conditions, bool) {
    verdict(
        outcome,
        allow_when,
        evaluation.decision == Decision::ExplicitDeny,
    )
}

/// [`verdict_of`], told whether an explicit `Deny` decides the request (read only when it is
/// never allowed).
fn verdict(
    outcome: Outcome,
    allow_when: &crate::eval::Formula,
    explicit_deny: bool,
) -> (Status, Conditions, bool) {
    match outcome {
        Outcome::Always => (Status::Always, Conditions::default(), false),
        Outcome::Never => (Status::Never, Conditions::default(), explicit_deny),
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

impl TrustGraph {
    /// Builds the graph of `account`.
    pub fn build(account: &Account) -> TrustGraph {
        build::build(account, OnceLock::new())
    }

    /// Builds the graph, keeping the account's policies the caller already compiled (returned
    /// by [`TrustGraph::compiled`] and used by explanations).
    pub fn build_with(account: &Account, compiled: CompiledAccount) -> TrustGraph {
        build::build(account, OnceLock::from(compiled))
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
        self.out_edge_indexes(node)
            .iter()
            .map(|&i| &self.edges[i as usize])
    }

    /// [`TrustGraph::assumed_by`], as indexes into `edges`.
    fn out_edge_indexes(&self, node: NodeId) -> &[u32] {
        let n = node.0 as usize;
        match (self.out_start.get(n), self.out_start.get(n + 1)) {
            (Some(&a), Some(&b)) => &self.out_edges[a as usize..b as usize],
            _ => &[],
        }
    }

    /// The edge from `from` to `role`, if the graph has one (the first, if several).
    pub fn edge(&self, from: NodeId, role: RoleId) -> Option<&Edge> {
        // Found among `from`'s edges, which are sorted by role, by bisection: a role trusted
        // by the whole account has thousands of assumers to look through.
        let out = self.out_edge_indexes(from);
        let i = out.partition_point(|&k| self.edges[k as usize].role < role);
        let e = &self.edges[*out.get(i)? as usize];
        (e.role == role).then_some(e)
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

    /// The node of `externals()[i]`.
    pub fn external_node(&self, i: usize) -> NodeId {
        NodeId(self.n_users + self.n_roles + i as u32)
    }

    /// Finds a node by what a user typed: a user or role name or ARN, a service
    /// (`ecs-tasks.amazonaws.com`), a provider ARN, an account id, or `*`.
    pub fn find(&self, account: &Account, text: &str) -> Option<NodeId> {
        if let Some(i) = self.externals.iter().position(|e| e.id == text) {
            return Some(self.external_node(i));
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

    /// The account's policies compiled (on first use, unless given to
    /// [`TrustGraph::build_with`]); `account` is the one the graph was built from.
    pub fn compiled(&self, account: &Account) -> &CompiledAccount {
        self.compiled.get_or_init(|| CompiledAccount::new(account))
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
        let mut set = match self.compiled.get() {
            Some(c) => c.policy_set(account, principal),
            // Compiling the one principal beats compiling the whole account for one answer.
            None => build::policy_set_of(account, principal),
        };
        set.resource_policy = account.role(role).trust_policy.as_ref().map(|t| {
            CompiledPolicy::labeled(format!("{} trust policy", account.role(role).arn), t)
        });
        set.resource_policy_kind = ResourcePolicyKind::RoleTrust;
        let mut keys = Vec::new();
        let docs = index::identity_documents(account, principal)
            .into_iter()
            .map(|(_, d)| d)
            .chain(index::boundary_document(account, principal).map(|(_, d)| d))
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

#[cfg(test)]
mod tests;
