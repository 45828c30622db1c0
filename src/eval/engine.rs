//! The decision: every layer's statements against the request, then one combination rule.

use std::cell::Cell;
use std::sync::Arc;

use super::action_index::ActionIndex;
use super::arn::SplitArn;
use super::compile::{CompiledPolicy, CompiledStatement, Restriction};
use super::condition::Tri;
use super::context::{Context, ContextValue, Lookup};
use super::principal::{Caller, CallerKind, PrincipalMatch};
use super::trace::{
    Cause, CauseKind, Decision, LayerKind, LayerStatus, LayerTrace, MissReason, NearMiss,
    StatementRef, Trace, TraceError,
};
use super::wildcard::Pattern;
use crate::policy::Effect;

/// One request to decide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The caller: an IAM user ARN, an assumed-role session ARN, a role ARN, an account root,
    /// a service principal (`ec2.amazonaws.com`) or an identity provider.
    pub principal: String,
    /// `service:Action`, any case.
    pub action: String,
    /// The resource ARN, or `*` for actions without a resource type.
    pub resource: String,
    /// The account that owns the resource. Empty: the resource ARN's account, else the caller's.
    pub resource_account: String,
    /// The request context. It is taken as complete: a key not in it is absent.
    pub context: Context,
}

impl Request {
    /// A request with an empty context, owned by the account in the resource ARN (or the
    /// caller's account when the ARN has none, as for S3).
    pub fn new(principal: &str, action: &str, resource: &str) -> Request {
        Request {
            principal: principal.to_owned(),
            action: action.to_owned(),
            resource: resource.to_owned(),
            resource_account: String::new(),
            context: Context::new(),
        }
    }

    /// Sets the resource's account.
    pub fn with_resource_account(mut self, account: &str) -> Request {
        self.resource_account = account.to_owned();
        self
    }

    /// Sets the context.
    pub fn with_context(mut self, context: Context) -> Request {
        self.context = context;
        self
    }
}

/// How the resource-based policy takes part.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ResourcePolicyKind {
    /// An ordinary resource-based policy (bucket policy, key policy, queue policy, ...).
    #[default]
    Resource,
    /// A role trust policy, for `sts:AssumeRole*` on the role: it must allow even within the
    /// account ("IAM role trust policies and KMS key policies are exceptions to this logic,
    /// because they must explicitly allow access for principals", "Policy evaluation logic").
    RoleTrust,
}

/// Every policy that applies to one request, by layer.
#[derive(Debug, Clone, Default)]
pub struct PolicySet {
    /// The caller's identity-based policies (user, group and role policies, managed and inline).
    pub identity: Vec<CompiledPolicy>,
    /// The caller's permissions boundary.
    pub permission_boundary: Option<CompiledPolicy>,
    /// SCPs by level, from the root to the caller's account; every level must allow. Empty:
    /// no organization.
    pub scps: Vec<Vec<CompiledPolicy>>,
    /// RCPs by level, from the root to the resource's account; every level must allow.
    pub rcps: Vec<Vec<CompiledPolicy>>,
    /// The resource's resource-based policy (or the role's trust policy).
    pub resource_policy: Option<CompiledPolicy>,
    /// The session policy passed when the session was created.
    pub session_policy: Option<CompiledPolicy>,
    /// Whether `resource_policy` is a role trust policy.
    pub resource_policy_kind: ResourcePolicyKind,
}

impl PolicySet {
    /// Every layer restricted to the statements that cover `action` (see
    /// [`CompiledPolicy::for_action`]): for asking many questions about one action.
    pub fn for_action(&self, action: &str) -> PolicySet {
        self.for_actions(&[action])
    }

    /// The `Resource` patterns, as written, of every `Allow` statement in any layer (not
    /// `NotResource`), in layer order.
    pub fn allowed_resource_patterns(&self) -> impl Iterator<Item = &str> {
        self.layers()
            .flat_map(|p| p.statements.iter())
            .filter(|s| s.effect == Effect::Allow)
            .filter_map(|s| s.resources.as_ref().filter(|r| !r.negated))
            .flat_map(|r| r.text.iter().map(String::as_str))
    }

    /// Every layer restricted to the statements that cover one of `actions`. Identity
    /// policies left empty are dropped: they allow and deny nothing either way.
    pub fn for_actions(&self, actions: &[&str]) -> PolicySet {
        let mut selection = Vec::new();
        self.select(actions, &mut selection);
        self.selected(&selection)
    }

    /// Which statements of each layer cover one of `actions`, as bits written to `out`: two
    /// equal selections of one set restrict it alike ([`PolicySet::selected`]), and most
    /// actions keep the same few statements of a principal's policies.
    pub fn select(&self, actions: &[&str], out: &mut Vec<u64>) {
        out.clear();
        let mut r = Restriction::new(actions);
        for p in self.layers() {
            p.select(&mut r, out);
        }
    }

    /// The set restricted to a selection [`PolicySet::select`] made of it: identity policies
    /// left with no statement are dropped, other layers keep their policies, emptied.
    pub fn selected(&self, selection: &[u64]) -> PolicySet {
        let mut rest = selection;
        let mut next = |p: &CompiledPolicy| {
            let (words, after) = rest.split_at(p.len().div_ceil(64).min(rest.len()));
            rest = after;
            p.selected(words)
        };
        let identity = self.identity.iter().filter_map(&mut next).collect();
        let mut all = |p: &CompiledPolicy| next(p).unwrap_or_else(|| p.emptied());
        let permission_boundary = self.permission_boundary.as_ref().map(&mut all);
        let scps = self
            .scps
            .iter()
            .map(|l| l.iter().map(&mut all).collect())
            .collect();
        let rcps = self
            .rcps
            .iter()
            .map(|l| l.iter().map(&mut all).collect())
            .collect();
        PolicySet {
            identity,
            permission_boundary,
            scps,
            rcps,
            resource_policy: self.resource_policy.as_ref().map(&mut all),
            session_policy: self.session_policy.as_ref().map(&mut all),
            resource_policy_kind: self.resource_policy_kind,
        }
    }

    /// Which statements' `Resource`/`NotResource` cover `resource`, a bit per statement layer
    /// by layer. For a caller of `account`, the set decides alike (outcome, conditions,
    /// statements) for resources with the same signature, since nothing else in a request
    /// without a resource-based policy reads the resource. `None` when that cannot be told
    /// so: a resource of another account, a resource-based policy, a policy variable in a
    /// resource, over 64 statements.
    pub fn resource_signature(&self, resource: &str, account: &str) -> Option<u64> {
        let arn = SplitArn::new(resource);
        // Without an account in the ARN, the request's account is the caller's.
        if self.resource_policy.is_some()
            || arn.account().is_some_and(|a| !a.is_empty() && a != account)
        {
            return None;
        }
        let mut signature = 0u64;
        let mut bit = 0;
        for p in self.layers() {
            for st in p.statements.iter() {
                if bit == 64 {
                    return None;
                }
                if st.fixed_resource_match(&arn)? {
                    signature |= 1 << bit;
                }
                bit += 1;
            }
        }
        Some(signature)
    }

    /// Every policy, layer by layer in the order of [`PolicySet::for_actions`].
    fn layers(&self) -> impl Iterator<Item = &CompiledPolicy> {
        self.identity
            .iter()
            .chain(&self.permission_boundary)
            .chain(self.scps.iter().flatten())
            .chain(self.rcps.iter().flatten())
            .chain(&self.resource_policy)
            .chain(&self.session_policy)
    }

    /// Whether some identity-based `Deny` statement covers one of `actions`. With
    /// [`PolicySet::allows_all_but_denied`], a shortcut before evaluating: a request for an
    /// action no `Deny` covers is then certainly allowed on a resource in the caller's account.
    pub fn identity_may_deny(&self, actions: &[&str]) -> bool {
        let mut actions = Restriction::new(actions);
        self.identity.iter().any(|p| p.may_deny(&mut actions))
    }

    /// Whether the identity policies alone decide, and one of them allows every action on
    /// every resource without conditions: then only a `Deny` can refuse a request (see
    /// [`PolicySet::identity_may_deny`]).
    pub fn allows_all_but_denied(&self) -> bool {
        self.permission_boundary.is_none()
            && self.scps.is_empty()
            && self.rcps.is_empty()
            && self.resource_policy.is_none()
            && self.session_policy.is_none()
            && self
                .identity
                .iter()
                .flat_map(|p| p.statements.iter())
                .any(|s| {
                    s.effect == Effect::Allow
                        && !s.not_action
                        && s.actions.iter().any(|a| matches!(a, Pattern::Any))
                        && s.resources
                            .as_ref()
                            .is_none_or(|r| !r.negated && r.text.iter().any(|t| t == "*"))
                        && s.principal.is_none()
                        && s.conditions.is_empty()
                        && s.errors.is_empty()
                })
    }

    /// The identity `Allow` statements, when they alone decide whether a request may be
    /// allowed on some resource (see [`PolicySet::may_allow_resource`]); `None` when a
    /// resource-based policy takes part.
    pub fn identity_allows(&self) -> Option<impl Iterator<Item = AllowStatement<'_>>> {
        if self.resource_policy.is_some() {
            return None;
        }
        Some(
            self.identity
                .iter()
                .flat_map(|p| p.statements.iter())
                .filter(|s| s.effect == Effect::Allow)
                .map(AllowStatement),
        )
    }

    /// `false` when no identity `Allow` statement can cover `resource` and there is no
    /// resource-based policy, so the request is certainly not allowed: a cheap test before
    /// asking many questions that mostly miss. `true` says nothing.
    pub fn may_allow_resource(&self, resource: &str) -> bool {
        if self.resource_policy.is_some() {
            return true;
        }
        let arn = SplitArn::new(resource);
        self.identity.iter().any(|policy| {
            policy
                .statements
                .iter()
                .filter(|s| s.effect == Effect::Allow)
                .any(|s| s.may_cover_resource(&arn))
        })
    }
}

/// An identity `Allow` statement, as far as indexes over resources need it.
#[derive(Clone, Copy)]
pub struct AllowStatement<'a>(&'a Arc<CompiledStatement>);

impl AllowStatement<'_> {
    /// The same for every policy that shares the compiled statement (for caching per
    /// statement while its policy set lives).
    pub fn id(&self) -> usize {
        Arc::as_ptr(self.0) as usize
    }

    /// The literal text every resource it may cover starts with, one per `Resource` entry;
    /// `None` when it may cover any resource.
    pub fn resource_prefixes(&self) -> Option<Vec<&str>> {
        self.0.resource_prefixes()
    }

    /// `false` when it certainly does not cover `resource` (see
    /// [`PolicySet::may_allow_resource`]).
    pub fn may_cover(&self, resource: &str) -> bool {
        self.0.may_cover_resource(&SplitArn::new(resource))
    }
}

/// A decision and how it was reached.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Evaluation {
    pub decision: Decision,
    pub trace: Trace,
}

/// Decides `request` without building a trace. Allocates nothing unless a policy uses
/// variables.
pub fn decide(set: &PolicySet, request: &Request) -> Decision {
    let p = Prepared::new(set, request);
    let sums = collect(set, &p, &mut NoTrace, &mut |t, _, _, _, _| t.is_true());
    decision_of(&sums, &p)
}

/// Decides `request` and records a [`Trace`].
pub fn evaluate(set: &PolicySet, request: &Request) -> Evaluation {
    let p = Prepared::new(set, request);
    let mut tracer = FullTrace::default();
    let sums = collect(set, &p, &mut tracer, &mut |t, _, _, _, _| t.is_true());
    let decision = decision_of(&sums, &p);
    let causes = causes_of(decision, &sums, &p, &tracer.layers);
    Evaluation {
        decision,
        trace: Trace {
            principal: request.principal.clone(),
            action: request.action.clone(),
            resource: request.resource.clone(),
            principal_account: p.caller.account.map(str::to_owned),
            resource_account: p.resource_account.to_owned(),
            cross_account: p.cross_account,
            role_trust: p.trust,
            layers: tracer.layers,
            causes,
            errors: tracer.errors,
        },
    }
}

/// An `Allow` statement of an identity or resource layer that applies to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchedAllow {
    pub policy: Arc<str>,
    pub statement: usize,
    pub sid: Option<Arc<str>>,
}

/// Records the identity and resource `Allow` statements that apply to a request: the
/// statements [`evaluate`]'s trace lists as matched in those layers, without the rest of the
/// trace.
#[derive(Default)]
pub(crate) struct MatchedAllows {
    layer: Option<LayerKind>,
    pub(crate) found: Vec<MatchedAllow>,
}

impl Tracer for MatchedAllows {
    fn begin_layer(&mut self, kind: LayerKind, _: Option<usize>) {
        self.layer = Some(kind);
    }

    fn absent_layer(&mut self, kind: LayerKind, _: Option<usize>) {
        self.layer = Some(kind);
    }

    fn statement(
        &mut self,
        policy: &CompiledPolicy,
        st: &CompiledStatement,
        applies: Tri,
        _: Option<PrincipalMatch>,
        _: &Prepared<'_>,
    ) {
        if applies == Tri::True
            && st.effect == Effect::Allow
            && matches!(self.layer, Some(LayerKind::Identity | LayerKind::Resource))
        {
            self.found.push(MatchedAllow {
                policy: policy.label.clone(),
                statement: st.index,
                sid: st.sid.clone(),
            });
        }
    }

    fn error(&mut self, _: &CompiledPolicy, _: &CompiledStatement) {}

    fn end_layer(&mut self, _: bool, _: bool) {}

    fn wants_errors(&self) -> bool {
        false
    }
}

/// The request, parsed once.
pub(crate) struct Prepared<'a> {
    pub(crate) caller: Caller<'a>,
    pub(crate) action: &'a str,
    pub(crate) resource: SplitArn<'a>,
    pub(crate) ctx: &'a Context,
    pub(crate) has_boundary: bool,
    pub(crate) resource_account: &'a str,
    pub(crate) cross_account: bool,
    pub(crate) trust: bool,
    /// The action's bit in the last [`ActionIndex`] asked (see [`Prepared::action_bit`]).
    action_bit: Cell<Option<(&'static ActionIndex, Option<usize>)>>,
}

impl<'a> Prepared<'a> {
    pub(crate) fn new(set: &'a PolicySet, r: &'a Request) -> Prepared<'a> {
        let principal_arn = match r.context.lookup_lower("aws:principalarn") {
            Lookup::Present(ContextValue::Single(s)) => Some(s.as_str()),
            _ => None,
        };
        let caller = Caller::parse_remembered(&r.principal, principal_arn);
        let resource = SplitArn::new(&r.resource);
        let resource_account = if !r.resource_account.is_empty() {
            r.resource_account.as_str()
        } else {
            match resource.account().filter(|a| !a.is_empty()) {
                Some(a) => a,
                None => caller.account.unwrap_or_default(),
            }
        };
        // "The request account is the principal ARN's account" (FORMATS.md §2).
        let cross_account = caller.account.is_some_and(|a| a != resource_account);
        Prepared {
            caller,
            action: &r.action,
            resource,
            ctx: &r.context,
            has_boundary: set.permission_boundary.is_some(),
            resource_account,
            cross_account,
            trust: set.resource_policy_kind == ResourcePolicyKind::RoleTrust,
            action_bit: Cell::new(None),
        }
    }

    /// The action's bit in `index`, if it has one: the statements of a policy indexed by it
    /// then say by a bit whether they cover the action. Looked up once per request, as the
    /// policies of a set share one index.
    fn action_bit(&self, index: &'static ActionIndex) -> Option<usize> {
        match self.action_bit.get() {
            Some((known, bit)) if std::ptr::eq(known, index) => bit,
            _ => {
                let bit = index.bit(self.action);
                self.action_bit.set(Some((index, bit)));
                bit
            }
        }
    }

    /// SCPs apply to "principals of the account where the SCPs are attached": IAM users,
    /// roles and the root user, not service principals or outside identities.
    fn scps_apply(&self) -> bool {
        self.caller.has_identity_policies() || self.caller.kind == CallerKind::Root
    }

    /// RCPs restrict access to the organization's resources, whoever asks, except AWS
    /// service principals.
    fn rcps_apply(&self) -> bool {
        self.caller.kind != CallerKind::Service
    }
}

/// How a layer treats `Principal`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PrincipalMode {
    /// Identity-based policies, boundaries, session policies, SCPs: the policy is attached to
    /// the caller, so `Principal` is not consulted.
    Ignore,
    /// Resource-based policies: a statement applies only to the principals it names.
    Required,
    /// RCPs: written with `"Principal": "*"`; without one, everyone.
    Optional,
}

/// Evaluates one statement that covers the request's action: whether it applies, and how its
/// `Principal` named the caller.
#[inline]
pub(crate) fn eval_statement(
    st: &CompiledStatement,
    p: &Prepared<'_>,
    required_principal: Option<bool>,
) -> (Tri, Option<PrincipalMatch>) {
    if !st.errors.is_empty() {
        return (Tri::False, None);
    }
    let mut t = st.resource_matches(&p.resource, p.ctx);
    if t == Tri::False {
        return (Tri::False, None);
    }
    let pm = match (required_principal, &st.principal) {
        (None, _) => None,
        (Some(true), None) => return (Tri::False, None),
        (Some(false), None) => Some(PrincipalMatch::Wildcard),
        (Some(_), Some(pr)) if pr.negated => {
            // "The NotPrincipal element with a Deny effect will always deny any IAM principal
            // that has a permissions boundary policy attached, regardless of the values
            // specified in the NotPrincipal element" ("Permissions boundaries for IAM
            // entities").
            let boundary_rule =
                st.effect == Effect::Deny && p.has_boundary && p.caller.has_identity_policies();
            if pr.matcher.excludes(&p.caller) && !boundary_rule {
                return (Tri::False, None);
            }
            Some(PrincipalMatch::Wildcard)
        }
        (Some(_), Some(pr)) => match pr.matcher.matches(&p.caller) {
            Some(m) => Some(m),
            None => return (Tri::False, None),
        },
    };
    for c in &st.conditions {
        t = t.and(c.eval(p.ctx));
        if t == Tri::False {
            return (Tri::False, pm);
        }
    }
    (t, pm)
}

/// Boolean algebra over decisions: `bool` for a full context, a formula for a partial one.
pub(crate) trait Logic: Clone {
    fn t() -> Self;
    fn f() -> Self;
    fn and(self, o: Self) -> Self;
    fn or(self, o: Self) -> Self;
    fn not(self) -> Self;
}

impl Logic for bool {
    #[inline]
    fn t() -> bool {
        true
    }
    #[inline]
    fn f() -> bool {
        false
    }
    #[inline]
    fn and(self, o: bool) -> bool {
        self && o
    }
    #[inline]
    fn or(self, o: bool) -> bool {
        self || o
    }
    #[inline]
    fn not(self) -> bool {
        !self
    }
}

/// What the layers said, as values of a [`Logic`].
pub(crate) struct Sums<L> {
    /// Some applicable `Deny` anywhere.
    pub(crate) deny: L,
    /// `None`: the caller has no identity-based policies (a service, a provider, anonymous).
    pub(crate) identity: Option<L>,
    pub(crate) boundary: Option<L>,
    pub(crate) session: Option<L>,
    /// Every SCP level allows; `None` without SCPs.
    pub(crate) scp: Option<L>,
    pub(crate) rcp: Option<L>,
    pub(crate) resource: Option<ResourceSums<L>>,
}

/// A resource-based policy's allows, by how its `Principal` named the caller.
pub(crate) struct ResourceSums<L> {
    /// The caller itself (user ARN, exact session ARN, service, provider) or `*`.
    pub(crate) direct: L,
    /// The role ARN of a session.
    pub(crate) role: L,
    /// The caller's account.
    pub(crate) account: L,
}

impl<L: Logic> ResourceSums<L> {
    fn any(&self) -> L {
        self.direct
            .clone()
            .or(self.role.clone())
            .or(self.account.clone())
    }
}

/// Per-layer accumulator.
struct Acc<L> {
    allow: L,
    deny: L,
    direct: L,
    role: L,
    account: L,
}

impl<L: Logic> Acc<L> {
    fn new() -> Acc<L> {
        Acc {
            allow: L::f(),
            deny: L::f(),
            direct: L::f(),
            role: L::f(),
            account: L::f(),
        }
    }
}

/// Receives what the evaluation sees, to build a trace (or not).
pub(crate) trait Tracer {
    fn begin_layer(&mut self, kind: LayerKind, level: Option<usize>);
    fn absent_layer(&mut self, kind: LayerKind, level: Option<usize>);
    /// A statement whose action matched.
    fn statement(
        &mut self,
        policy: &CompiledPolicy,
        st: &CompiledStatement,
        applies: Tri,
        pm: Option<PrincipalMatch>,
        p: &Prepared<'_>,
    );
    /// A statement that could not be compiled.
    fn error(&mut self, policy: &CompiledPolicy, st: &CompiledStatement);
    fn end_layer(&mut self, allow: bool, deny: bool);
    /// Whether statements that do not match the action need to be visited (for errors).
    fn wants_errors(&self) -> bool;
}

pub(crate) struct NoTrace;

impl Tracer for NoTrace {
    #[inline]
    fn begin_layer(&mut self, _: LayerKind, _: Option<usize>) {}
    #[inline]
    fn absent_layer(&mut self, _: LayerKind, _: Option<usize>) {}
    #[inline]
    fn statement(
        &mut self,
        _: &CompiledPolicy,
        _: &CompiledStatement,
        _: Tri,
        _: Option<PrincipalMatch>,
        _: &Prepared<'_>,
    ) {
    }
    #[inline]
    fn error(&mut self, _: &CompiledPolicy, _: &CompiledStatement) {}
    #[inline]
    fn end_layer(&mut self, _: bool, _: bool) {}
    #[inline]
    fn wants_errors(&self) -> bool {
        false
    }
}

/// Builds [`LayerTrace`]s.
#[derive(Default)]
pub(crate) struct FullTrace {
    pub(crate) layers: Vec<LayerTrace>,
    pub(crate) errors: Vec<TraceError>,
}

impl Tracer for FullTrace {
    fn begin_layer(&mut self, kind: LayerKind, level: Option<usize>) {
        self.layers.push(LayerTrace {
            layer: kind,
            level,
            status: LayerStatus::NoAllow,
            matched: Vec::new(),
            near_misses: Vec::new(),
        });
    }

    fn absent_layer(&mut self, kind: LayerKind, level: Option<usize>) {
        self.layers.push(LayerTrace {
            layer: kind,
            level,
            status: LayerStatus::Absent,
            matched: Vec::new(),
            near_misses: Vec::new(),
        });
    }

    fn statement(
        &mut self,
        policy: &CompiledPolicy,
        st: &CompiledStatement,
        applies: Tri,
        pm: Option<PrincipalMatch>,
        p: &Prepared<'_>,
    ) {
        let Some(layer) = self.layers.last_mut() else {
            return;
        };
        if applies == Tri::True {
            layer.matched.push(StatementRef {
                policy: policy.label.to_string(),
                statement: st.index,
                sid: st.sid().map(str::to_owned),
                effect: st.effect,
                principal_match: pm,
            });
        } else {
            layer.near_misses.push(NearMiss {
                policy: policy.label.to_string(),
                statement: st.index,
                sid: st.sid().map(str::to_owned),
                effect: st.effect,
                reasons: miss_reasons(st, p, layer.layer),
            });
        }
    }

    fn error(&mut self, policy: &CompiledPolicy, st: &CompiledStatement) {
        let (layer, level) = self
            .layers
            .last()
            .map(|l| (l.layer, l.level))
            .unwrap_or((LayerKind::Identity, None));
        for e in &st.errors {
            self.errors.push(TraceError {
                layer,
                level,
                policy: policy.label.to_string(),
                statement: st.index,
                sid: st.sid().map(str::to_owned),
                message: format!("{} on `{}`: {}", e.operator, e.key, e.message),
            });
        }
    }

    fn end_layer(&mut self, allow: bool, deny: bool) {
        if let Some(l) = self.layers.last_mut() {
            l.status = if deny {
                LayerStatus::Deny
            } else if allow {
                LayerStatus::Allow
            } else {
                LayerStatus::NoAllow
            };
        }
    }

    fn wants_errors(&self) -> bool {
        true
    }
}

/// Every reason a statement whose action matched did not apply.
pub(crate) fn miss_reasons(
    st: &CompiledStatement,
    p: &Prepared<'_>,
    layer: LayerKind,
) -> Vec<MissReason> {
    let mut reasons = Vec::new();
    for e in &st.errors {
        reasons.push(MissReason::Error {
            message: format!("{} on `{}`: {}", e.operator, e.key, e.message),
        });
    }
    if let Some(r) = &st.resources
        && st.resource_matches(&p.resource, p.ctx) != Tri::True
    {
        reasons.push(MissReason::Resource {
            resource: p.resource.whole.to_owned(),
            negated: r.negated,
            patterns: r.text.to_vec(),
        });
    }
    let mode = principal_mode(layer);
    if mode != PrincipalMode::Ignore {
        let (named, negated, missing) = match &st.principal {
            None => (mode == PrincipalMode::Optional, false, true),
            Some(pr) if pr.negated => {
                let boundary_rule =
                    st.effect == Effect::Deny && p.has_boundary && p.caller.has_identity_policies();
                (
                    !pr.matcher.excludes(&p.caller) || boundary_rule,
                    true,
                    false,
                )
            }
            Some(pr) => (pr.matcher.matches(&p.caller).is_some(), false, false),
        };
        if !named {
            reasons.push(MissReason::Principal {
                principal: p.caller.arn.to_owned(),
                negated,
                missing,
            });
        }
    }
    for c in &st.conditions {
        let t = c.eval(p.ctx);
        if t != Tri::True {
            reasons.push(MissReason::Condition {
                operator: c.operator.to_string(),
                key: c.key.to_string(),
                request_values: c.request_values(p.ctx).map(<[String]>::to_vec),
                policy_values: c.values.to_vec(),
                unknown: t == Tri::Unknown,
            });
        }
    }
    reasons
}

fn principal_mode(layer: LayerKind) -> PrincipalMode {
    match layer {
        LayerKind::Resource => PrincipalMode::Required,
        LayerKind::Rcp => PrincipalMode::Optional,
        _ => PrincipalMode::Ignore,
    }
}

/// The value a statement contributes to its layer, given whether it applies.
pub(crate) type StatementValue<'f, L> =
    dyn FnMut(Tri, &CompiledPolicy, &CompiledStatement, LayerKind, Option<usize>) -> L + 'f;

/// Runs one layer's policies.
fn run_layer<'p, L: Logic, T: Tracer>(
    policies: impl Iterator<Item = &'p CompiledPolicy>,
    kind: LayerKind,
    level: Option<usize>,
    p: &Prepared<'_>,
    tracer: &mut T,
    value: &mut StatementValue<'_, L>,
) -> Acc<L> {
    let mode = principal_mode(kind);
    let required = match mode {
        PrincipalMode::Ignore => None,
        PrincipalMode::Required => Some(true),
        PrincipalMode::Optional => Some(false),
    };
    tracer.begin_layer(kind, level);
    let mut acc: Acc<L> = Acc::new();
    let (mut any_allow, mut any_deny) = (false, false);
    for policy in policies {
        // Statements that do not cover the action are not even close: skipped untraced.
        let bit = policy.index().and_then(|index| p.action_bit(index));
        for st in policy.statements.iter() {
            if tracer.wants_errors() && !st.errors.is_empty() {
                tracer.error(policy, st);
            }
            let covers = match bit {
                Some(bit) => st.mask.get(bit),
                None => st.action_matches(p.action),
            };
            if !covers {
                continue;
            }
            let (t, pm) = eval_statement(st, p, required);
            tracer.statement(policy, st, t, pm, p);
            if t == Tri::False {
                continue;
            }
            let v = value(t, policy, st, kind, level);
            match st.effect {
                Effect::Deny => {
                    any_deny |= t == Tri::True;
                    acc.deny = acc.deny.or(v);
                }
                Effect::Allow => {
                    any_allow |= t == Tri::True;
                    match pm {
                        Some(PrincipalMatch::Role) => acc.role = acc.role.or(v.clone()),
                        Some(PrincipalMatch::Account) => acc.account = acc.account.or(v.clone()),
                        Some(PrincipalMatch::Direct | PrincipalMatch::Wildcard) => {
                            acc.direct = acc.direct.or(v.clone())
                        }
                        None => {}
                    }
                    acc.allow = acc.allow.or(v);
                }
            }
        }
    }
    tracer.end_layer(any_allow, any_deny);
    acc
}

/// Evaluates every layer.
pub(crate) fn collect<L: Logic, T: Tracer>(
    set: &PolicySet,
    p: &Prepared<'_>,
    tracer: &mut T,
    value: &mut StatementValue<'_, L>,
) -> Sums<L> {
    let mut deny = L::f();
    let iam = p.caller.has_identity_policies();

    let identity = if iam {
        let a = run_layer(
            set.identity.iter(),
            LayerKind::Identity,
            None,
            p,
            tracer,
            value,
        );
        deny = deny.or(a.deny);
        Some(a.allow)
    } else if p.caller.kind == CallerKind::Root {
        // "all requests are implicitly denied with the exception of the AWS account root
        // user, which has full access" ("Policy evaluation logic").
        tracer.begin_layer(LayerKind::Identity, None);
        tracer.end_layer(true, false);
        Some(L::t())
    } else {
        tracer.absent_layer(LayerKind::Identity, None);
        None
    };

    let boundary = match (&set.permission_boundary, iam) {
        (Some(b), true) => {
            let a = run_layer(
                std::iter::once(b),
                LayerKind::PermissionsBoundary,
                None,
                p,
                tracer,
                value,
            );
            deny = deny.or(a.deny);
            Some(a.allow)
        }
        _ => {
            tracer.absent_layer(LayerKind::PermissionsBoundary, None);
            None
        }
    };

    let scp = if !set.scps.is_empty() && p.scps_apply() {
        let mut all = L::t();
        for (i, level) in set.scps.iter().enumerate() {
            let a = run_layer(level.iter(), LayerKind::Scp, Some(i + 1), p, tracer, value);
            deny = deny.or(a.deny);
            all = all.and(a.allow);
        }
        Some(all)
    } else {
        tracer.absent_layer(LayerKind::Scp, None);
        None
    };

    let rcp = if !set.rcps.is_empty() && p.rcps_apply() {
        let mut all = L::t();
        for (i, level) in set.rcps.iter().enumerate() {
            let a = run_layer(level.iter(), LayerKind::Rcp, Some(i + 1), p, tracer, value);
            deny = deny.or(a.deny);
            all = all.and(a.allow);
        }
        Some(all)
    } else {
        tracer.absent_layer(LayerKind::Rcp, None);
        None
    };

    let resource = match &set.resource_policy {
        Some(r) => {
            let a = run_layer(
                std::iter::once(r),
                LayerKind::Resource,
                None,
                p,
                tracer,
                value,
            );
            deny = deny.or(a.deny);
            Some(ResourceSums {
                direct: a.direct,
                role: a.role,
                account: a.account,
            })
        }
        None => {
            tracer.absent_layer(LayerKind::Resource, None);
            None
        }
    };

    let session = match (&set.session_policy, iam) {
        (Some(s), true) => {
            let a = run_layer(
                std::iter::once(s),
                LayerKind::Session,
                None,
                p,
                tracer,
                value,
            );
            deny = deny.or(a.deny);
            Some(a.allow)
        }
        _ => {
            tracer.absent_layer(LayerKind::Session, None);
            None
        }
    };

    Sums {
        deny,
        identity,
        boundary,
        session,
        scp,
        rcp,
        resource,
    }
}

/// Whether the layers grant the request, leaving explicit denies aside. One rule, one comment
/// per case.
pub(crate) fn allowed<L: Logic>(s: &Sums<L>, p: &Prepared<'_>) -> L {
    let t = L::t;
    let f = L::f;
    // SCPs and RCPs only ever limit: "If there is no SCP, or if the SCP allows the requested
    // action, the code continues" — every level, root to account, must allow.
    let guardrails = s
        .scp
        .clone()
        .unwrap_or_else(t)
        .and(s.rcp.clone().unwrap_or_else(t));
    let resource_any = s.resource.as_ref().map(ResourceSums::any).unwrap_or_else(f);

    let Some(identity) = s.identity.clone() else {
        // A service, an identity provider or an anonymous caller has no identity-based
        // policies: only the resource-based (trust) policy can grant.
        return guardrails.and(resource_any);
    };
    // Boundaries and session policies cap identity-based permissions: "the entity can perform
    // only the actions that are allowed by both its identity-based policies and its
    // permissions boundaries"; a session's permissions "are the intersection of the IAM
    // entity's identity-based policy and the session policies".
    let caps = s
        .boundary
        .clone()
        .unwrap_or_else(t)
        .and(s.session.clone().unwrap_or_else(t));
    let identity_side = identity.and(caps.clone());
    let (direct, role, account) = match &s.resource {
        Some(r) => (r.direct.clone(), r.role.clone(), r.account.clone()),
        None => (f(), f(), f()),
    };

    let granted = if p.cross_account {
        // "Cross-account policy evaluation logic": "The resource-based policy in the
        // trusting account must specify the principal of the trusted account" and "The
        // principal's identity-based policy must allow the requested access to the resource
        // in the trusting service". The resource policy may name "the entire account or its
        // IAM users, ... IAM roles, or assumed-role sessions".
        identity_side.and(resource_any)
    } else if p.trust {
        // A trust policy "must explicitly allow access for principals" even within the
        // account. One naming the caller (or `*`) needs no identity allow; one naming the
        // role ARN of a session is capped by the boundary and session policy; one naming only
        // the account delegates to IAM, so the identity side must allow too.
        direct.or(role.and(caps)).or(account.and(identity_side))
    } else {
        // Same account: "If either the identity-based policy or the resource-based policy
        // within the same account allows the request and the other doesn't, the request is
        // still allowed." But how the resource policy names the caller matters:
        //  - the user ARN or the exact session ARN (or `*`): "an implicit deny in an
        //    identity-based policy, a permissions boundary, or a session policy does not
        //    impact the final decision";
        //  - a role ARN: "Resource-based policies that grant permissions to an IAM role ARN
        //    are limited by an implicit deny in a permissions boundary or session policy";
        //  - only the account: the account delegates to IAM (FORMATS.md §2), so it grants
        //    nothing by itself.
        // A `*` principal names every caller including this one; the Guide's table lists
        // only ARNs, and we read `*` like the caller's own ARN (as a public S3 bucket grants
        // same-account users without any identity-based allow).
        identity_side.or(role.and(caps)).or(direct)
    };
    guardrails.and(granted)
}

/// The decision from boolean sums.
pub(crate) fn decision_of(s: &Sums<bool>, p: &Prepared<'_>) -> Decision {
    match (s.deny, allowed(s, p)) {
        // "An explicit deny in any policy overrides any allows."
        (true, _) => Decision::ExplicitDeny,
        // Every layer that must allow did.
        (false, true) => Decision::Allow,
        // "An implicit denial occurs when there is no applicable Deny statement but also no
        // applicable Allow statement."
        (false, false) => Decision::ImplicitDeny,
    }
}

/// The causes of a deny, from the layer traces.
fn causes_of(
    decision: Decision,
    s: &Sums<bool>,
    p: &Prepared<'_>,
    layers: &[LayerTrace],
) -> Vec<Cause> {
    let mut causes = Vec::new();
    match decision {
        Decision::Allow => {}
        Decision::ExplicitDeny => {
            for l in layers {
                for m in l.matched.iter().filter(|m| m.effect == Effect::Deny) {
                    causes.push(Cause {
                        kind: CauseKind::ExplicitDeny,
                        layer: l.layer,
                        level: l.level,
                        policy: Some(m.policy.clone()),
                        statement: Some(m.statement),
                        sid: m.sid.clone(),
                    });
                }
            }
        }
        Decision::ImplicitDeny => {
            let missing = |layer: LayerKind, level: Option<usize>| Cause {
                kind: CauseKind::MissingAllow,
                layer,
                level,
                policy: None,
                statement: None,
                sid: None,
            };
            for l in layers {
                if matches!(l.layer, LayerKind::Scp | LayerKind::Rcp)
                    && l.status == LayerStatus::NoAllow
                {
                    causes.push(missing(l.layer, l.level));
                }
            }
            let guardrails = s.scp.unwrap_or(true) && s.rcp.unwrap_or(true);
            if guardrails {
                let resource_any = s
                    .resource
                    .as_ref()
                    .is_some_and(|r| r.direct || r.role || r.account);
                let resource_needed = p.cross_account || p.trust || s.identity.is_none();
                if resource_needed && !resource_any {
                    causes.push(missing(LayerKind::Resource, None));
                }
                if let Some(identity) = s.identity {
                    let resource_covers =
                        !p.cross_account && s.resource.as_ref().is_some_and(|r| r.direct || r.role);
                    if !identity && !resource_covers {
                        causes.push(missing(LayerKind::Identity, None));
                    }
                    if s.boundary == Some(false) {
                        causes.push(missing(LayerKind::PermissionsBoundary, None));
                    }
                    if s.session == Some(false) {
                        causes.push(missing(LayerKind::Session, None));
                    }
                }
            }
        }
    }
    causes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Policy;

    const ACCT: &str = "111122223333";
    const OTHER: &str = "444455556666";
    const ALICE: &str = "arn:aws:iam::111122223333:user/alice";
    const SESSION: &str = "arn:aws:sts::111122223333:assumed-role/app/s1";
    const ROLE: &str = "arn:aws:iam::111122223333:role/app";
    const OBJECT: &str = "arn:aws:s3:::bucket/key";

    fn pol(label: &str, json: &str) -> CompiledPolicy {
        CompiledPolicy::labeled(label, &Policy::from_json(json).unwrap())
    }

    fn allow(action: &str) -> CompiledPolicy {
        pol(
            "allow",
            &format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"{action}","Resource":"*"}}]}}"#
            ),
        )
    }

    fn deny(action: &str) -> CompiledPolicy {
        pol(
            "deny",
            &format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"No","Effect":"Deny","Action":"{action}","Resource":"*"}}]}}"#
            ),
        )
    }

    /// A resource policy allowing s3:GetObject to `principal` (a JSON value).
    fn grant(principal: &str) -> CompiledPolicy {
        pol(
            "bucket policy",
            &format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{principal},"Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/*"}}]}}"#
            ),
        )
    }

    fn req(principal: &str, resource_account: &str) -> Request {
        Request::new(principal, "s3:GetObject", OBJECT).with_resource_account(resource_account)
    }

    /// Each layer's policies as (label, positions of the statements `keep` keeps); identity
    /// policies keeping none are left out, as restricting drops them.
    fn shape(
        set: &PolicySet,
        keep: impl Fn(&CompiledStatement) -> bool,
    ) -> Vec<Vec<(String, Vec<usize>)>> {
        let policies = |ps: &mut dyn Iterator<Item = &CompiledPolicy>, drop_empty: bool| {
            ps.map(|p| {
                let kept = p.statements.iter().filter(|s| keep(s)).map(|s| s.index);
                (p.label().to_owned(), kept.collect::<Vec<usize>>())
            })
            .filter(|(_, kept)| !(drop_empty && kept.is_empty()))
            .collect()
        };
        let mut out = vec![
            policies(&mut set.identity.iter(), true),
            policies(&mut set.permission_boundary.iter(), false),
        ];
        out.extend(set.scps.iter().map(|l| policies(&mut l.iter(), false)));
        out.push(policies(&mut set.session_policy.iter(), false));
        out
    }

    #[test]
    fn a_selection_restricts_as_its_actions_do() {
        // 70 statements: the selection takes two words for this policy.
        let many: Vec<String> = (0..70)
            .map(|i| {
                let action = ["s3:GetObject", "iam:PassRole", "ec2:*"][i % 3];
                format!(r#"{{"Effect":"Allow","Action":"{action}","Resource":"*"}}"#)
            })
            .collect();
        let many = pol(
            "many",
            &format!(
                r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
                many.join(",")
            ),
        );
        let set = PolicySet {
            identity: vec![allow("s3:*"), many, deny("iam:*"), allow("sqs:SendMessage")],
            permission_boundary: Some(allow("s3:GetObject")),
            scps: vec![vec![allow("*")], vec![allow("ec2:*"), deny("s3:PutObject")]],
            session_policy: Some(allow("iam:*")),
            ..PolicySet::default()
        };
        let mut selection = Vec::new();
        let mut seen = Vec::new();
        for action in [
            "s3:GetObject",
            "s3:PutObject",
            "iam:PassRole",
            "IAM:passrole",
            "ec2:RunInstances",
            "sqs:SendMessage",
            "kms:Decrypt",
        ] {
            set.select(&[action], &mut selection);
            // What a plain reading of each statement's actions keeps.
            let want = shape(&set, |s| s.action_matches(action));
            assert_eq!(shape(&set.selected(&selection), |_| true), want, "{action}");
            assert_eq!(shape(&set.for_action(action), |_| true), want, "{action}");
            seen.push((selection.clone(), want));
        }
        // Equal selections, and only those, restrict alike.
        for (a, want_a) in &seen {
            for (b, want_b) in &seen {
                assert_eq!(a == b, want_a == want_b);
            }
        }
        assert!(seen[2].0 == seen[3].0 && seen[0].0 != seen[1].0);
    }

    fn d(set: &PolicySet, r: &Request) -> Decision {
        let fast = decide(set, r);
        let traced = evaluate(set, r);
        assert_eq!(fast, traced.decision, "decide and evaluate agree");
        fast
    }

    use Decision::{Allow, ExplicitDeny, ImplicitDeny};

    #[test]
    fn default_deny_allow_and_explicit_deny() {
        // "By default, all requests are implicitly denied"; "An explicit deny in any policy
        // overrides any allows" ("Policy evaluation logic").
        let mut set = PolicySet::default();
        assert_eq!(d(&set, &req(ALICE, ACCT)), ImplicitDeny);
        set.identity.push(allow("s3:*"));
        assert_eq!(d(&set, &req(ALICE, ACCT)), Allow);
        set.identity.push(deny("s3:GetObject"));
        assert_eq!(d(&set, &req(ALICE, ACCT)), ExplicitDeny);
    }

    #[test]
    fn allows_everything_only_when_nothing_can_deny() {
        let allows_everything = |set: &PolicySet, actions: &[&str]| {
            set.allows_all_but_denied() && !set.identity_may_deny(actions)
        };
        let mut set = PolicySet {
            identity: vec![allow("s3:*"), allow("*")],
            ..PolicySet::default()
        };
        assert!(allows_everything(&set, &["s3:GetObject"]));
        assert_eq!(d(&set, &req(ALICE, ACCT)), Allow);
        set.identity.push(deny("iam:*"));
        assert!(allows_everything(&set, &["s3:GetObject"]));
        assert!(!allows_everything(&set, &["IAM:PassRole"]));
        assert!(!allows_everything(&set, &["s3:GetObject", "IAM:PassRole"]));
        assert!(set.allows_all_but_denied());
        assert!(set.identity_may_deny(&["s3:GetObject", "IAM:PassRole"]));
        set.identity.pop();
        set.permission_boundary = Some(allow("*"));
        assert!(!allows_everything(&set, &["s3:GetObject"]));
        set.permission_boundary = None;
        set.identity = vec![pol(
            "conditional",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*",
                "Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}"#,
        )];
        assert!(!allows_everything(&set, &["s3:GetObject"]));
        set.identity = vec![pol(
            "not-action",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"*","Resource":"*"}]}"#,
        )];
        assert!(!allows_everything(&set, &["s3:GetObject"]));
    }

    #[test]
    fn actions_are_case_insensitive() {
        // Action: "The prefix and the action name are case insensitive. For example,
        // iam:ListAccessKeys is the same as IAM:listaccesskeys."
        let set = PolicySet {
            identity: vec![allow("S3:getobJECT")],
            ..PolicySet::default()
        };
        assert_eq!(d(&set, &req(ALICE, ACCT)), Allow);
    }

    #[test]
    fn not_action_and_not_resource() {
        // NotAction: "matches everything except the specified list of actions"; NotResource
        // likewise for resources.
        let set = PolicySet {
            identity: vec![pol(
                "p",
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"iam:*","NotResource":"arn:aws:s3:::other/*"}]}"#,
            )],
            ..PolicySet::default()
        };
        assert_eq!(d(&set, &req(ALICE, ACCT)), Allow);
        let r = Request::new(ALICE, "iam:ListUsers", "*");
        assert_eq!(d(&set, &r), ImplicitDeny);
        let r = Request::new(ALICE, "s3:GetObject", "arn:aws:s3:::other/x");
        assert_eq!(d(&set, &r), ImplicitDeny);
    }

    #[test]
    fn permissions_boundary_caps_identity_policies() {
        // Boundaries: "the entity can perform only the actions that are allowed by both its
        // identity-based policies and its permissions boundaries".
        let mut set = PolicySet {
            identity: vec![allow("s3:*")],
            permission_boundary: Some(allow("ec2:*")),
            ..PolicySet::default()
        };
        assert_eq!(d(&set, &req(ALICE, ACCT)), ImplicitDeny);
        set.permission_boundary = Some(allow("s3:Get*"));
        assert_eq!(d(&set, &req(ALICE, ACCT)), Allow);
        set.permission_boundary = Some(deny("s3:*"));
        assert_eq!(d(&set, &req(ALICE, ACCT)), ExplicitDeny);
    }

    #[test]
    fn session_policy_caps_a_session() {
        // Session policies: "the resulting session's permissions are the intersection of the
        // IAM entity's identity-based policy and the session policies".
        let mut set = PolicySet {
            identity: vec![allow("s3:*")],
            session_policy: Some(allow("ec2:*")),
            ..PolicySet::default()
        };
        assert_eq!(d(&set, &req(SESSION, ACCT)), ImplicitDeny);
        set.session_policy = Some(allow("s3:GetObject"));
        assert_eq!(d(&set, &req(SESSION, ACCT)), Allow);
    }

    #[test]
    fn scp_every_level_must_allow() {
        // SCPs: "If the enforcement code does not find any applicable Allow statements in the
        // SCPs, then the request is implicitly denied"; each level from the root down.
        let mut set = PolicySet {
            identity: vec![allow("s3:*")],
            scps: vec![vec![allow("*")], vec![allow("ec2:*")]],
            ..PolicySet::default()
        };
        assert_eq!(d(&set, &req(ALICE, ACCT)), ImplicitDeny);
        set.scps[1].push(allow("s3:*"));
        assert_eq!(d(&set, &req(ALICE, ACCT)), Allow);
        set.scps[0].push(deny("s3:GetObject"));
        assert_eq!(d(&set, &req(ALICE, ACCT)), ExplicitDeny);
        // SCPs limit even a resource-based grant.
        let set = PolicySet {
            scps: vec![vec![allow("ec2:*")]],
            resource_policy: Some(grant(&format!(r#"{{"AWS":"{ALICE}"}}"#))),
            ..PolicySet::default()
        };
        assert_eq!(d(&set, &req(ALICE, ACCT)), ImplicitDeny);
    }

    #[test]
    fn rcps_apply_to_the_resource_side() {
        // "How AWS enforcement code logic evaluates requests" (RCPs, paraphrased): without an
        // applicable Allow in the RCPs the final decision is Deny; RCPs apply to the
        // resources of the accounts they are attached to.
        let mut set = PolicySet {
            identity: vec![allow("s3:*")],
            rcps: vec![
                vec![allow("*")],
                vec![pol(
                    "rcp",
                    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"ec2:*","Resource":"*"}]}"#,
                )],
            ],
            ..PolicySet::default()
        };
        assert_eq!(d(&set, &req(ALICE, ACCT)), ImplicitDeny);
        set.rcps[1].push(pol(
            "rcp2",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalOrgID":"o-1"}}}]}"#,
        ));
        set.rcps[1].push(allow("s3:*"));
        assert_eq!(d(&set, &req(ALICE, ACCT)), ExplicitDeny);
        let mut r = req(ALICE, ACCT);
        r.context.insert("aws:PrincipalOrgID", "o-1");
        assert_eq!(d(&set, &r), Allow);
    }

    #[test]
    fn same_account_resource_policy_alone_suffices() {
        // "If either the identity-based policy or the resource-based policy within the same
        // account allows the request and the other doesn't, the request is still allowed."
        let set = PolicySet {
            resource_policy: Some(grant(&format!(r#"{{"AWS":"{ALICE}"}}"#))),
            ..PolicySet::default()
        };
        assert_eq!(d(&set, &req(ALICE, ACCT)), Allow);
        // Principal "*" also names the caller.
        let set = PolicySet {
            resource_policy: Some(grant(r#""*""#)),
            ..PolicySet::default()
        };
        assert_eq!(d(&set, &req(ALICE, ACCT)), Allow);
    }

    #[test]
    fn resource_policy_naming_the_account_delegates_to_iam() {
        // FORMATS.md §2: "a resource policy that names only the account delegates to IAM".
        let mut set = PolicySet {
            resource_policy: Some(grant(&format!(r#"{{"AWS":"arn:aws:iam::{ACCT}:root"}}"#))),
            ..PolicySet::default()
        };
        assert_eq!(d(&set, &req(ALICE, ACCT)), ImplicitDeny);
        set.resource_policy = Some(grant(&format!(r#"{{"AWS":"{ACCT}"}}"#)));
        assert_eq!(d(&set, &req(ALICE, ACCT)), ImplicitDeny);
        set.identity.push(allow("s3:GetObject"));
        assert_eq!(d(&set, &req(ALICE, ACCT)), Allow);
    }

    #[test]
    fn user_and_session_grants_ignore_implicit_denies() {
        // "If a resource-based policy grants permission directly to the IAM user or the
        // session principal that is making the request, then an implicit deny in an
        // identity-based policy, a permissions boundary, or a session policy does not impact
        // the final decision."
        let set = PolicySet {
            permission_boundary: Some(allow("ec2:*")),
            resource_policy: Some(grant(&format!(r#"{{"AWS":"{ALICE}"}}"#))),
            ..PolicySet::default()
        };
        assert_eq!(d(&set, &req(ALICE, ACCT)), Allow);
        let set = PolicySet {
            permission_boundary: Some(allow("ec2:*")),
            session_policy: Some(allow("ec2:*")),
            resource_policy: Some(grant(&format!(r#"{{"AWS":"{SESSION}"}}"#))),
            ..PolicySet::default()
        };
        assert_eq!(d(&set, &req(SESSION, ACCT)), Allow);
        // ... but an explicit deny still wins.
        let set = PolicySet {
            permission_boundary: Some(deny("s3:*")),
            resource_policy: Some(grant(&format!(r#"{{"AWS":"{ALICE}"}}"#))),
            ..PolicySet::default()
        };
        assert_eq!(d(&set, &req(ALICE, ACCT)), ExplicitDeny);
    }

    #[test]
    fn role_arn_grants_are_capped_by_boundary_and_session_policy() {
        // "Resource-based policies that grant permissions to an IAM role ARN are limited by
        // an implicit deny in a permissions boundary or session policy."
        let rp = grant(&format!(r#"{{"AWS":"{ROLE}"}}"#));
        let set = PolicySet {
            resource_policy: Some(rp.clone()),
            ..PolicySet::default()
        };
        assert_eq!(
            d(&set, &req(SESSION, ACCT)),
            Allow,
            "no identity allow needed"
        );
        let set = PolicySet {
            permission_boundary: Some(allow("ec2:*")),
            resource_policy: Some(rp.clone()),
            ..PolicySet::default()
        };
        assert_eq!(d(&set, &req(SESSION, ACCT)), ImplicitDeny);
        let set = PolicySet {
            session_policy: Some(allow("ec2:*")),
            resource_policy: Some(rp),
            ..PolicySet::default()
        };
        assert_eq!(d(&set, &req(SESSION, ACCT)), ImplicitDeny);
    }

    #[test]
    fn cross_account_needs_both_sides() {
        // Cross-account policy evaluation logic: "The principal's identity-based policy must
        // allow the requested access" and the resource-based policy "must specify the
        // principal of the trusted account".
        let alice_other = "arn:aws:iam::444455556666:user/bob";
        let mut set = PolicySet {
            resource_policy: Some(grant(&format!(r#"{{"AWS":"{alice_other}"}}"#))),
            ..PolicySet::default()
        };
        let r = req(alice_other, ACCT);
        assert_eq!(d(&set, &r), ImplicitDeny, "resource side alone");
        set.identity.push(allow("s3:*"));
        assert_eq!(d(&set, &r), Allow);
        // Naming the other account is enough on the resource side.
        set.resource_policy = Some(grant(&format!(r#"{{"AWS":"{OTHER}"}}"#)));
        assert_eq!(d(&set, &r), Allow);
        set.resource_policy = None;
        assert_eq!(d(&set, &r), ImplicitDeny, "identity side alone");
        let t = evaluate(&set, &r).trace;
        assert!(t.cross_account);
        assert!(
            t.causes
                .iter()
                .any(|c| c.kind == CauseKind::MissingAllow && c.layer == LayerKind::Resource)
        );
    }

    #[test]
    fn trust_policies_must_allow_even_in_the_account() {
        // "IAM role trust policies and KMS key policies are exceptions to this logic, because
        // they must explicitly allow access for principals."
        let assume =
            |p: &str| Request::new(p, "sts:AssumeRole", "arn:aws:iam::111122223333:role/target");
        let trust = |principal: &str| {
            pol(
                "trust",
                &format!(
                    r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{principal},"Action":"sts:AssumeRole"}}]}}"#
                ),
            )
        };
        let mut set = PolicySet {
            identity: vec![allow("sts:AssumeRole")],
            resource_policy_kind: ResourcePolicyKind::RoleTrust,
            ..PolicySet::default()
        };
        assert_eq!(d(&set, &assume(ALICE)), ImplicitDeny, "no trust policy");
        set.resource_policy = Some(trust(&format!(r#"{{"AWS":"arn:aws:iam::{ACCT}:root"}}"#)));
        assert_eq!(
            d(&set, &assume(ALICE)),
            Allow,
            "account trust + identity allow"
        );
        set.identity.clear();
        assert_eq!(
            d(&set, &assume(ALICE)),
            ImplicitDeny,
            "account trust needs identity"
        );
        set.resource_policy = Some(trust(&format!(r#"{{"AWS":"{ALICE}"}}"#)));
        assert_eq!(d(&set, &assume(ALICE)), Allow, "naming the user suffices");
        // A service assumes a role with the trust policy alone.
        set.resource_policy = Some(trust(r#"{"Service":"ec2.amazonaws.com"}"#));
        assert_eq!(d(&set, &assume("ec2.amazonaws.com")), Allow);
        assert_eq!(d(&set, &assume("lambda.amazonaws.com")), ImplicitDeny);
    }

    #[test]
    fn not_principal_deny() {
        // NotPrincipal with Deny: "the actions specified in the policy statement are
        // explicitly denied to all principals except for the ones specified".
        let rp = |listed: &str| {
            pol(
                "rp",
                &format!(
                    r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","NotPrincipal":{{"AWS":[{listed}]}},"Action":"s3:*","Resource":"*"}}]}}"#
                ),
            )
        };
        let mut set = PolicySet {
            identity: vec![allow("s3:*")],
            resource_policy: Some(rp(&format!(r#""{ALICE}","arn:aws:iam::{ACCT}:root""#))),
            ..PolicySet::default()
        };
        assert_eq!(d(&set, &req(ALICE, ACCT)), Allow);
        assert_eq!(
            d(&set, &req("arn:aws:iam::111122223333:user/bob", ACCT)),
            ExplicitDeny
        );
        // "The NotPrincipal element with a Deny effect will always deny any IAM principal
        // that has a permissions boundary policy attached, regardless of the values
        // specified in the NotPrincipal element."
        set.permission_boundary = Some(allow("*"));
        assert_eq!(d(&set, &req(ALICE, ACCT)), ExplicitDeny);
    }

    #[test]
    fn root_user_has_full_access_but_scps_apply() {
        // "all requests are implicitly denied with the exception of the AWS account root
        // user, which has full access"; "The SCP maximum applies to ... each AWS account root
        // user".
        let root = "arn:aws:iam::111122223333:root";
        let mut set = PolicySet::default();
        assert_eq!(d(&set, &req(root, ACCT)), Allow);
        set.scps = vec![vec![allow("ec2:*")]];
        assert_eq!(d(&set, &req(root, ACCT)), ImplicitDeny);
    }

    #[test]
    fn unknown_operator_is_reported_and_never_allows() {
        // An unknown operator makes its statement not apply (never an allow), and is reported.
        let set = PolicySet {
            identity: vec![pol(
                "p",
                r#"{"Version":"2012-10-17","Statement":[{"Sid":"Bad","Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEqualz":{"aws:username":"alice"}}}]}"#,
            )],
            ..PolicySet::default()
        };
        let e = evaluate(&set, &req(ALICE, ACCT));
        assert_eq!(e.decision, ImplicitDeny);
        assert_eq!(e.trace.errors.len(), 1);
        assert_eq!(e.trace.errors[0].sid.as_deref(), Some("Bad"));
        assert!(e.trace.errors[0].message.contains("StringEqualz"));
    }

    #[test]
    fn trace_records_matches_near_misses_and_causes() {
        let set = PolicySet {
            identity: vec![pol(
                "arn:aws:iam::111122223333:policy/p",
                r#"{"Version":"2012-10-17","Statement":[
                  {"Sid":"Wrong","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::other/*"},
                  {"Sid":"Cond","Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"x"}}},
                  {"Sid":"Unrelated","Effect":"Allow","Action":"ec2:*","Resource":"*"}]}"#,
            )],
            permission_boundary: Some(allow("s3:*")),
            ..PolicySet::default()
        };
        let mut r = req(ALICE, ACCT);
        r.context.insert("aws:PrincipalTag/team", "data");
        let e = evaluate(&set, &r);
        assert_eq!(e.decision, ImplicitDeny);
        let id = &e.trace.layers[0];
        assert_eq!(
            (id.layer, id.status),
            (LayerKind::Identity, LayerStatus::NoAllow)
        );
        assert_eq!(id.near_misses.len(), 2, "the ec2 statement is not close");
        assert!(matches!(
            id.near_misses[0].reasons[0],
            MissReason::Resource { .. }
        ));
        match &id.near_misses[1].reasons[0] {
            MissReason::Condition {
                operator,
                key,
                request_values,
                policy_values,
                ..
            } => {
                assert_eq!(operator, "StringEquals");
                assert_eq!(key, "aws:PrincipalTag/team");
                assert_eq!(request_values.as_deref(), Some(&["data".to_string()][..]));
                assert_eq!(policy_values, &["x".to_string()]);
            }
            other => panic!("{other:?}"),
        }
        let b = &e.trace.layers[1];
        assert_eq!(
            (b.layer, b.status),
            (LayerKind::PermissionsBoundary, LayerStatus::Allow)
        );
        assert_eq!(b.matched[0].effect, Effect::Allow);
        assert_eq!(e.trace.causes.len(), 1);
        assert_eq!(e.trace.causes[0].layer, LayerKind::Identity);
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["decision"], "implicit_deny");
        assert_eq!(json["trace"]["layers"][0]["layer"], "identity");
        assert_eq!(json["trace"]["layers"][1]["layer"], "permissions_boundary");
    }

    #[test]
    fn variables_only_under_version_2012() {
        // Variables and Version (paraphrased): policy variables exist only in the
        // 2012-10-17 language; under another version `${aws:username}` is literal text.
        let doc = |v: &str| {
            pol(
                "p",
                &format!(
                    r#"{{"Version":"{v}","Statement":[{{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::bucket/${{aws:username}}/*"}}]}}"#
                ),
            )
        };
        let mut r = Request::new(ALICE, "s3:GetObject", "arn:aws:s3:::bucket/alice/x");
        r.context.insert("aws:username", "alice");
        let set = PolicySet {
            identity: vec![doc("2012-10-17")],
            ..PolicySet::default()
        };
        assert_eq!(d(&set, &r), Allow);
        let set = PolicySet {
            identity: vec![doc("2008-10-17")],
            ..PolicySet::default()
        };
        assert_eq!(d(&set, &r), ImplicitDeny);
        // A variable with no value makes the entry match nothing.
        r.context.remove("aws:username");
        let set = PolicySet {
            identity: vec![doc("2012-10-17")],
            ..PolicySet::default()
        };
        assert_eq!(d(&set, &r), ImplicitDeny);
    }

    #[test]
    fn policies_indexed_by_action_decide_and_trace_as_plain_ones() {
        // Indexed statements are skipped by their action bit instead of being matched: the
        // same decisions and traces, with `NotAction`, wildcards and actions outside the index.
        let index = Box::leak(Box::new(crate::eval::ActionIndex::new([
            "iam:PassRole",
            "s3:GetObject",
            "s3:PutObject",
            "ec2:RunInstances",
        ])));
        let identity = pol(
            "id",
            r#"{"Version":"2012-10-17","Statement":[
                {"Effect":"Allow","Action":["S3:Get*","iam:passrole"],"Resource":"*"},
                {"Effect":"Allow","NotAction":["iam:*","s3:PutObject"],"Resource":"*"},
                {"Sid":"NoRun","Effect":"Deny","Action":"ec2:Run?nstances","Resource":"*"},
                {"Effect":"Allow","Action":"sqs:*","Resource":"*"}]}"#,
        );
        let boundary = pol(
            "boundary",
            r#"{"Version":"2012-10-17","Statement":[
                {"Effect":"Allow","NotAction":"s3:GetObject","Resource":"*"}]}"#,
        );
        let set = |indexed: bool| {
            let i = |p: &CompiledPolicy| {
                if indexed {
                    p.clone().indexed(index)
                } else {
                    p.clone()
                }
            };
            PolicySet {
                identity: vec![i(&identity)],
                permission_boundary: Some(i(&boundary)),
                ..PolicySet::default()
            }
        };
        let (plain, indexed) = (set(false), set(true));
        let mut decisions = Vec::new();
        for action in [
            "iam:PassRole",
            "IAM:PASSROLE",
            "s3:GetObject",
            "s3:PutObject",
            "ec2:RunInstances",
            "sqs:SendMessage",
            "lambda:InvokeFunction",
        ] {
            let r = Request::new(ALICE, action, "arn:aws:s3:::bucket/key");
            let want = evaluate(&plain, &r);
            assert_eq!(evaluate(&indexed, &r), want, "{action}");
            decisions.push(want.decision);
        }
        // The cases differ: the comparison covers allowed, denied and not allowed requests.
        use Decision::*;
        assert_eq!(
            decisions,
            [
                Allow,
                Allow,
                ImplicitDeny,
                ImplicitDeny,
                ExplicitDeny,
                Allow,
                Allow
            ]
        );
    }
}
