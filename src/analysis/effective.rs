//! Effective permissions: what a principal may do, all its policies together.
//!
//! Every answer comes from the evaluation engine ([`crate::eval::evaluate_partial`]) with the
//! principal's identity policies (its own, its groups'), its permissions boundary and the
//! account's SCPs, so explicit denies anywhere, boundaries, resources and conditions all count.
//! Conditions are three-valued: keys the account determines (the caller's ARN, tags and
//! account, the time, `aws:TokenIssueTime`) are filled in, so a condition that can never hold
//! removes a grant and one that always holds keeps it; keys decided per request (source IP,
//! MFA, request tags, ...) are unknown and make a grant [`Outcome::Conditional`].
//!
//! Scanning large accounts asks many questions, most of them about actions a principal has
//! no statement for. [`Effective::may`] answers those from a per-policy bitset of the actions
//! the analyses ask about, without evaluating.

mod reach;

pub use reach::Reach;

use std::borrow::Cow;
use std::cell::{Cell, OnceCell, RefCell};
use std::rc::Rc;
use std::sync::{Arc, OnceLock};

use jiff::Timestamp;

use super::findings::Evidence;
use super::memo::{Memo, remembered};
use super::principal::{
    CompiledAccount, DEFAULT_SESSION_NAME, Principal, mark_request_keys_unknown, request_context,
};
use crate::catalog::catalog;
use crate::eval::{
    ActionIndex, ActionMask, CompiledPolicy, Context, ContextValue, Formula, LayerKind,
    MatchedAllow, Outcome, PolicySet, Request, partial_outcome, partial_outcome_with_allows,
};
use crate::model::{Account, GroupId, PolicyId, PolicyRef};
use crate::policy::{Effect, Policy};

/// The result of one question: whether, and by which statements, under which conditions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    pub outcome: Outcome,
    /// For [`Outcome::Conditional`]: the conditions the grant depends on, one line each.
    pub conditions: Vec<String>,
    /// The identity statements that allow the request.
    pub evidence: Vec<Evidence>,
}

impl Access {
    pub fn never() -> Access {
        Access {
            outcome: Outcome::Never,
            conditions: Vec::new(),
            evidence: Vec::new(),
        }
    }

    pub fn always() -> Access {
        Access {
            outcome: Outcome::Always,
            conditions: Vec::new(),
            evidence: Vec::new(),
        }
    }

    /// Allowed always or under some conditions.
    pub fn possible(&self) -> bool {
        self.outcome != Outcome::Never
    }

    /// Both must hold: the weaker outcome, the union of conditions and evidence.
    pub fn and(self, other: &Access) -> Access {
        let mut both = self.and_conditions(other);
        for e in &other.evidence {
            if both.possible() && !both.evidence.contains(e) {
                both.evidence.push(e.clone());
            }
        }
        both
    }

    /// [`Access::and`], keeping only `self`'s evidence: `other`'s statements are told
    /// elsewhere.
    pub fn and_conditions(mut self, other: &Access) -> Access {
        self.outcome = match (self.outcome, other.outcome) {
            (Outcome::Never, _) | (_, Outcome::Never) => Outcome::Never,
            (Outcome::Always, Outcome::Always) => Outcome::Always,
            _ => Outcome::Conditional,
        };
        if self.outcome == Outcome::Never {
            self.conditions.clear();
            self.evidence.clear();
            return self;
        }
        for c in &other.conditions {
            if !self.conditions.contains(c) {
                self.conditions.push(c.clone());
            }
        }
        self
    }

    /// The better of two alternatives (`Always` over `Conditional` over `Never`).
    pub fn or(self, other: Access) -> Access {
        if rank(other.outcome) > rank(self.outcome) {
            other
        } else {
            self
        }
    }
}

pub(crate) fn rank(o: Outcome) -> u8 {
    match o {
        Outcome::Never => 0,
        Outcome::Conditional => 1,
        Outcome::Always => 2,
    }
}

/// Questions used to decide whether a principal is administrator-equivalent: one per kind of
/// power (IAM writes, data, compute, keys, audit), each on a resource of the account. `{a}` is
/// the account id, `{p}` the partition.
const ADMIN_SENTINELS: &[(&str, &str)] = &[
    ("iam:PutRolePolicy", "arn:{p}:iam::{a}:role/iamscope-probe"),
    (
        "iam:AttachUserPolicy",
        "arn:{p}:iam::{a}:user/iamscope-probe",
    ),
    ("iam:CreateUser", "arn:{p}:iam::{a}:user/iamscope-probe"),
    ("sts:AssumeRole", "arn:{p}:iam::{a}:role/iamscope-probe"),
    ("organizations:DescribeOrganization", "*"),
    ("s3:GetObject", "arn:{p}:s3:::iamscope-probe/object"),
    ("s3:PutBucketPolicy", "arn:{p}:s3:::iamscope-probe"),
    (
        "ec2:RunInstances",
        "arn:{p}:ec2:us-east-1:{a}:instance/iamscope-probe",
    ),
    (
        "lambda:CreateFunction",
        "arn:{p}:lambda:us-east-1:{a}:function:iamscope-probe",
    ),
    (
        "kms:Decrypt",
        "arn:{p}:kms:us-east-1:{a}:key/iamscope-probe",
    ),
    (
        "secretsmanager:GetSecretValue",
        "arn:{p}:secretsmanager:us-east-1:{a}:secret:iamscope-probe",
    ),
    (
        "dynamodb:DeleteTable",
        "arn:{p}:dynamodb:us-east-1:{a}:table/iamscope-probe",
    ),
    (
        "cloudtrail:StopLogging",
        "arn:{p}:cloudtrail:us-east-1:{a}:trail/iamscope-probe",
    ),
];

/// The actions the scan asks about, each with a bit: the account's policies are indexed by
/// them when compiled. Actions outside it are matched pattern by pattern.
pub(crate) fn action_index() -> &'static ActionIndex {
    static INDEX: OnceLock<ActionIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        ActionIndex::new(
            ADMIN_SENTINELS
                .iter()
                .map(|(a, _)| *a)
                .chain(super::privesc::actions())
                .chain(super::rules::asked_actions().iter().copied()),
        )
    })
}

/// The [`ADMIN_SENTINELS`] actions.
fn sentinel_actions() -> &'static [&'static str] {
    static A: OnceLock<Vec<&'static str>> = OnceLock::new();
    A.get_or_init(|| ADMIN_SENTINELS.iter().map(|(action, _)| *action).collect())
}

/// The [`ADMIN_SENTINELS`] actions, as a mask.
fn sentinel_mask() -> ActionMask {
    static M: OnceLock<ActionMask> = OnceLock::new();
    *M.get_or_init(|| {
        let index = action_index();
        let mut mask = ActionMask::default();
        for (action, _) in ADMIN_SENTINELS {
            if let Some(i) = index.bit(action) {
                mask.set(i);
            }
        }
        mask
    })
}

/// The indexed actions some `Allow` statement of `policies` may grant (all of them when a
/// policy is not indexed: the mask only rules actions out).
fn allow_mask<'p>(policies: impl IntoIterator<Item = &'p CompiledPolicy>) -> ActionMask {
    policies.into_iter().fold(ActionMask::default(), |m, p| {
        m.or(p.allow_mask().unwrap_or_else(ActionMask::all))
    })
}

/// Answers kept per action.
type PerAction<T> = Memo<String, T>;

/// A restricted set (its address), a [`PolicySet::resource_signature`], an
/// [`Effective::extra_id`].
type CheckKey = (usize, u64, usize);

/// Restricted policy sets by the selection of statements they keep.
type Restrictions = RefCell<Vec<(Box<[u64]>, Rc<PolicySet>)>>;

/// Administrator outcomes one [`Effective`] shares with another, by principal slot.
#[derive(Debug, Clone, Default)]
pub struct KnownAdminOutcomes(Vec<Option<KnownAdmin>>);

#[derive(Debug, Clone)]
struct KnownAdmin {
    outcome: Access,
    /// The question its own policies fail first (see [`Effective::admin_of`]).
    fails_at: usize,
    /// [`Effective::is_admin`], when it was asked.
    answer: Option<Access>,
}

/// Every principal's permissions, compiled once for an account.
pub struct Effective<'a> {
    pub account: &'a Account,
    pub now: Timestamp,
    compiled: Arc<CompiledAccount>,
    /// Per principal (users, then roles): universe actions it may be allowed.
    may: Vec<ActionMask>,
    /// Per principal: universe actions its boundary and the SCPs may allow.
    limits: Vec<ActionMask>,
    /// Per group: universe actions its policies may allow.
    group_may: Vec<ActionMask>,
    sets: Vec<OnceCell<PolicySet>>,
    /// Per action: a generic resource of each type it acts on, from the catalog (the first
    /// resources [`Effective::check_somewhere`] tries, the same for every principal).
    templates: PerAction<Rc<[String]>>,
    /// The distinct lists in [`Self::templates`]: actions on the same resource types share one.
    template_lists: RefCell<Vec<Rc<[String]>>>,
    /// [`Effective::check_somewhere`]'s answers, by restricted set and templates (each kept,
    /// so their addresses name them): actions that keep the same statements and act on the
    /// same resource types get the same answer.
    somewhere: Memo<(usize, usize), Access>,
    /// [`Effective::outcome_somewhere_with`]'s answers, as `somewhere`'s, by extra keys too.
    somewhere_with: Memo<(usize, usize, usize), Outcome>,
    /// [`Effective::check`]'s answers by [`Effective::check_key`].
    checks: Memo<CheckKey, Access>,
    /// The lists of extra context keys questions carried, numbered by position (+1).
    extras: RefCell<Vec<Vec<(String, ContextValue)>>>,
    /// Per principal: its layers restricted to the [`ADMIN_SENTINELS`] actions.
    admin_sets: Vec<OnceCell<PolicySet>>,
    /// Per principal: its layers restricted to one action (most questions repeat an action).
    action_sets: Vec<PerAction<Rc<PolicySet>>>,
    /// Per principal: its distinct restrictions, by [`PolicySet::select`]ion. Most actions
    /// keep the same few statements: ten times fewer sets than actions asked.
    restrictions: Vec<Restrictions>,
    /// Room for a selection being compared with the known ones.
    selection: RefCell<Vec<u64>>,
    contexts: Vec<OnceCell<Context>>,
    /// Per principal: a request with its ARN and context, reused (only the action and the
    /// resource change between most questions).
    requests: Vec<RefCell<Option<Request>>>,
    admin: Vec<OnceCell<Access>>,
    /// Per principal: [`Effective::admin_outcome`].
    admin_outcomes: Vec<OnceCell<Access>>,
    /// Per principal: the index of the [`ADMIN_SENTINELS`] question its own policies fail
    /// first (`usize::MAX` when none, or not asked yet).
    admin_fails_at: Vec<Cell<usize>>,
    /// The [`ADMIN_SENTINELS`] questions with the account's id and partition filled in.
    sentinels: OnceCell<Vec<(&'static str, String)>>,
    principal_index: OnceCell<reach::ArnIndex<'a>>,
    /// Per principal: [`Reach`] by action.
    reaches: Vec<PerAction<Reach>>,
    /// The groups' ARNs, then the managed policies' (see [`Effective::group_slot`]).
    resource_index: OnceCell<reach::ArnIndex<'a>>,
    /// Per principal: [`Reach`] over [`Self::resource_index`] by action.
    resource_reaches: Vec<PerAction<Reach>>,
}

impl<'a> Effective<'a> {
    pub fn new(account: &'a Account, now: Timestamp) -> Effective<'a> {
        Effective::with_compiled(account, now, Arc::new(CompiledAccount::new(account)))
    }

    /// [`Effective::new`] with the account's policies already compiled (shared between
    /// threads that each ask their own questions).
    pub fn with_compiled(
        account: &'a Account,
        now: Timestamp,
        compiled: Arc<CompiledAccount>,
    ) -> Effective<'a> {
        let groups: Vec<ActionMask> = (0..account.groups.len())
            .map(|g| allow_mask(compiled.group_policies(account, GroupId(g as u32))))
            .collect();
        // SCPs: some policy of every level must allow.
        let scp = compiled
            .scps()
            .iter()
            .fold(ActionMask::all(), |acc, level| acc.and(allow_mask(level)));
        let mut may = Vec::with_capacity(account.principal_count());
        let mut limits = Vec::with_capacity(account.principal_count());
        for p in Principal::all(account) {
            // No boundary, or one the input does not contain: nothing to narrow.
            let limit = compiled
                .permission_boundary(account, p)
                .map_or(ActionMask::all(), |b| allow_mask([b]))
                .and(scp);
            may.push(allow_mask(compiled.identity_policies(account, p)).and(limit));
            limits.push(limit);
        }
        let n = may.len();
        Effective {
            account,
            now,
            compiled,
            may,
            limits,
            group_may: groups,
            sets: (0..n).map(|_| OnceCell::new()).collect(),
            action_sets: (0..n).map(|_| RefCell::default()).collect(),
            restrictions: (0..n).map(|_| RefCell::default()).collect(),
            selection: RefCell::default(),
            admin_sets: (0..n).map(|_| OnceCell::new()).collect(),
            templates: RefCell::default(),
            template_lists: RefCell::default(),
            somewhere: RefCell::default(),
            somewhere_with: RefCell::default(),
            checks: RefCell::default(),
            extras: RefCell::default(),
            contexts: (0..n).map(|_| OnceCell::new()).collect(),
            requests: (0..n).map(|_| RefCell::default()).collect(),
            admin: (0..n).map(|_| OnceCell::new()).collect(),
            admin_outcomes: (0..n).map(|_| OnceCell::new()).collect(),
            admin_fails_at: (0..n).map(|_| Cell::new(usize::MAX)).collect(),
            sentinels: OnceCell::new(),
            principal_index: OnceCell::new(),
            reaches: (0..n).map(|_| RefCell::default()).collect(),
            resource_index: OnceCell::new(),
            resource_reaches: (0..n).map(|_| RefCell::default()).collect(),
        }
    }

    pub fn compiled(&self) -> &CompiledAccount {
        &self.compiled
    }

    fn slot(&self, p: Principal) -> usize {
        p.slot(self.account)
    }

    /// Every user and role.
    pub fn principals(&self) -> impl Iterator<Item = Principal> + '_ {
        Principal::all(self.account)
    }

    /// `false` only when no `Allow` statement of the principal (within its boundary and the
    /// SCPs) can match `action`, so the answer is certainly [`Outcome::Never`]. Cheap.
    pub fn may(&self, p: Principal, action: &str) -> bool {
        match action_index().bit(action) {
            Some(i) => self.may[self.slot(p)].get(i),
            None => true,
        }
    }

    /// [`Effective::may`] for every action of [`action_index`] at once, a bit each.
    pub fn may_mask(&self, p: Principal) -> ActionMask {
        self.may[self.slot(p)]
    }

    /// The principal's policy layers.
    pub fn policy_set(&self, p: Principal) -> &PolicySet {
        self.sets[self.slot(p)].get_or_init(|| self.compiled.policy_set(self.account, p))
    }

    /// The principal's layers with only the statements [`Effective::admin_of`] can use: the
    /// base for hypothetical variations of the principal.
    pub fn admin_set(&self, p: Principal) -> &PolicySet {
        self.admin_sets[self.slot(p)]
            .get_or_init(|| self.policy_set(p).for_actions(sentinel_actions()))
    }

    /// The principal's layers with only the statements that cover `action`.
    fn action_set(&self, p: Principal, action: &str) -> Rc<PolicySet> {
        let slot = self.slot(p);
        remembered(&self.action_sets[slot], action, || {
            let set = self.policy_set(p);
            let mut selection = self.selection.borrow_mut();
            set.select(&[action], &mut selection);
            let mut known = self.restrictions[slot].borrow_mut();
            if let Some((_, r)) = known.iter().find(|(s, _)| **s == **selection) {
                return r.clone();
            }
            let r = Rc::new(set.selected(&selection));
            known.push((selection.as_slice().into(), r.clone()));
            r
        })
    }

    /// The model documents behind the principal's layers, for marking condition keys.
    fn documents(&self, p: Principal) -> Vec<&'a Policy> {
        let a = self.account;
        let doc = |r: &PolicyRef| r.policy.and_then(|id| a.policy(id).default_document());
        let mut out: Vec<&Policy> = Vec::new();
        let (inline, attached, boundary) = match p {
            Principal::User(id) => {
                let u = a.user(id);
                for g in &u.groups {
                    let g = a.group(*g);
                    out.extend(g.inline_policies.iter().map(|i| &i.document));
                    out.extend(g.attached_policies.iter().filter_map(doc));
                }
                (
                    &u.inline_policies,
                    &u.attached_policies,
                    &u.permissions_boundary,
                )
            }
            Principal::Role(id) => {
                let r = a.role(id);
                (
                    &r.inline_policies,
                    &r.attached_policies,
                    &r.permissions_boundary,
                )
            }
        };
        out.extend(inline.iter().map(|i| &i.document));
        out.extend(attached.iter().filter_map(doc));
        out.extend(boundary.iter().filter_map(doc));
        out.extend(a.scps.iter().flatten().map(|s| &s.document));
        out
    }

    /// The context of the principal's requests: what the account determines, the time (and a
    /// token issued now), every other key its policies test marked unknown.
    pub fn context(&self, p: Principal) -> &Context {
        self.contexts[self.slot(p)].get_or_init(|| {
            let mut c = request_context(self.account, p, self.now);
            // Temporary credentials are issued just before use; a user with long-term keys
            // can get some at any time with sts:GetSessionToken, which needs no permission.
            c.insert("aws:TokenIssueTime", self.now.to_string().as_str());
            mark_request_keys_unknown(&mut c, self.documents(p));
            c
        })
    }

    /// The ARN the principal's requests carry.
    pub fn caller_arn(&self, p: Principal) -> String {
        p.caller_arn(self.account, DEFAULT_SESSION_NAME)
    }

    /// May `p` do `action` on `resource`? `extra` adds or overrides context keys (e.g.
    /// `iam:PassedToService`).
    pub fn check(
        &self,
        p: Principal,
        action: &str,
        resource: &str,
        extra: &[(&str, ContextValue)],
    ) -> Access {
        if !self.may(p, action) {
            return Access::never();
        }
        let set = self.action_set(p, action);
        if !set.may_allow_resource(resource) {
            return Access::never();
        }
        match self.check_key(&set, resource, extra) {
            Some(key) => remembered(&self.checks, &key, || {
                self.evaluate(&set, p, action, resource, extra)
            }),
            None => self.evaluate(&set, p, action, resource, extra),
        }
    }

    /// What [`Effective::check`]'s answer depends on, when few things do: the restricted set
    /// (the action takes part only through the statements it keeps), how they cover the
    /// resource, and the extra keys.
    fn check_key(
        &self,
        set: &Rc<PolicySet>,
        resource: &str,
        extra: &[(&str, ContextValue)],
    ) -> Option<CheckKey> {
        let signature = set.resource_signature(resource, &self.account.info.account_id)?;
        Some((Rc::as_ptr(set) as usize, signature, self.extra_id(extra)))
    }

    /// A number for a list of extra context keys, the same for equal lists: 0 for none.
    fn extra_id(&self, extra: &[(&str, ContextValue)]) -> usize {
        if extra.is_empty() {
            return 0;
        }
        let mut known = self.extras.borrow_mut();
        let same = |k: &Vec<(String, ContextValue)>| {
            k.len() == extra.len() && k.iter().zip(extra).all(|(a, b)| a.0 == b.0 && a.1 == b.1)
        };
        if let Some(i) = known.iter().position(same) {
            return i + 1;
        }
        known.push(
            extra
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        );
        known.len()
    }

    /// `false` when `p` is certainly not allowed `action` on `resource` (no `Allow` of its
    /// policies covers both): cheap, for skipping questions.
    pub fn may_allow(&self, p: Principal, action: &str, resource: &str) -> bool {
        self.may(p, action) && self.action_set(p, action).may_allow_resource(resource)
    }

    /// [`Effective::may_allow`] on the principal `q` (its ARN as the resource), from an index
    /// of which principals `p`'s statements name: cheap even when asked about every principal.
    pub fn may_allow_on_principal(&self, p: Principal, action: &str, q: Principal) -> bool {
        self.principals_reached(p, action)
            .is_some_and(|r| r.contains(self.slot(q)))
    }

    /// The principals whose ARN `p` may be allowed `action` on (see
    /// [`Effective::may_allow_on_principal`]); `None` when `p` may not do `action` at all.
    pub fn principals_reached(&self, p: Principal, action: &str) -> Option<Reach> {
        if !self.may(p, action) {
            return None;
        }
        Some(remembered(&self.reaches[self.slot(p)], action, || {
            let index = self.principal_index.get_or_init(|| {
                reach::ArnIndex::new(self.principals().map(|p| p.arn(self.account)))
            });
            index.reach(&self.action_set(p, action))
        }))
    }

    /// The groups and managed policies whose ARN `p` may be allowed `action` on, as in
    /// [`Effective::principals_reached`], by [`Effective::group_slot`] and
    /// [`Effective::policy_slot`].
    pub fn groups_and_policies_reached(&self, p: Principal, action: &str) -> Option<Reach> {
        if !self.may(p, action) {
            return None;
        }
        Some(remembered(
            &self.resource_reaches[self.slot(p)],
            action,
            || {
                let index = self.resource_index.get_or_init(|| {
                    let a = self.account;
                    let groups = a.groups.iter().map(|g| g.arn.as_str());
                    reach::ArnIndex::new(groups.chain(a.policies.iter().map(|p| p.arn.as_str())))
                });
                index.reach(&self.action_set(p, action))
            },
        ))
    }

    /// A group's slot in [`Effective::groups_and_policies_reached`].
    pub fn group_slot(&self, g: GroupId) -> usize {
        g.index()
    }

    /// A managed policy's slot in [`Effective::groups_and_policies_reached`].
    pub fn policy_slot(&self, id: PolicyId) -> usize {
        self.account.groups.len() + id.index()
    }

    /// [`Effective::check`] against a policy set of the caller's choosing (e.g. one with a
    /// role's trust policy as the resource policy).
    pub fn evaluate(
        &self,
        set: &PolicySet,
        p: Principal,
        action: &str,
        resource: &str,
        extra: &[(&str, ContextValue)],
    ) -> Access {
        self.with_request(p, action, resource, extra, |r| access_of(set, r))
    }

    /// Runs `f` on `p`'s request for `action` on `resource` (with `extra` context keys).
    fn with_request<R>(
        &self,
        p: Principal,
        action: &str,
        resource: &str,
        extra: &[(&str, ContextValue)],
        f: impl FnOnce(&Request) -> R,
    ) -> R {
        let mut cell = self.requests[self.slot(p)].borrow_mut();
        let request = cell.get_or_insert_with(|| {
            Request::new(&self.caller_arn(p), "", "").with_context(self.context(p).clone())
        });
        request.action.clear();
        request.action.push_str(action);
        request.resource.clear();
        request.resource.push_str(resource);
        if extra.is_empty() {
            return f(request);
        }
        let saved = request.context.push_overrides(extra);
        let answer = f(request);
        request.context.pop_overrides(saved);
        answer
    }

    /// The best outcome over several candidate resources, at the first resource with it:
    /// when it is allowed there and (with `evidence`) the `Allow` statements that apply.
    fn best_resource<I, S>(
        &self,
        set: &PolicySet,
        p: Principal,
        action: &str,
        resources: I,
        extra: &[(&str, ContextValue)],
        evidence: bool,
    ) -> Option<Best>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut best: Option<Best> = None;
        for r in resources {
            if !set.may_allow_resource(r.as_ref()) {
                continue;
            }
            let (outcome, allow_when, matched) =
                self.with_request(p, action, r.as_ref(), extra, |req| {
                    if evidence {
                        partial_outcome_with_allows(set, req)
                    } else {
                        let (outcome, allow_when) = partial_outcome(set, req);
                        (outcome, allow_when, Vec::new())
                    }
                });
            if outcome != Outcome::Never
                && best
                    .as_ref()
                    .is_none_or(|b| rank(outcome) > rank(b.outcome))
            {
                best = Some(Best {
                    outcome,
                    allow_when,
                    matched,
                });
            }
            if outcome == Outcome::Always {
                break;
            }
        }
        best
    }

    /// May `p` do `action` on some resource? Tries a generic resource of each type the action
    /// acts on (from the catalog) and the resources `p`'s own statements name for it.
    pub fn check_somewhere(&self, p: Principal, action: &str) -> Access {
        if !self.may(p, action) {
            return Access::never();
        }
        let set = self.action_set(p, action);
        let templates = self.templates(action);
        // The action takes part only through the statements it keeps and the resources tried.
        let key = (Rc::as_ptr(&set) as usize, templates.as_ptr() as usize);
        remembered(&self.somewhere, &key, || {
            let candidates = self.candidates(p, &set, &templates);
            // The conditions and evidence only for the best resource.
            self.best_resource(&set, p, action, candidates, &[], true)
                .map_or_else(Access::never, |b| {
                    answer_with_evidence(b.outcome, &b.allow_when, b.matched)
                })
        })
    }

    /// The outcome of [`Effective::check_somewhere`] alone, with context keys of the caller's
    /// choosing (`extra`), without conditions and evidence: cheaper.
    pub fn outcome_somewhere_with(
        &self,
        p: Principal,
        action: &str,
        extra: &[(&str, ContextValue)],
    ) -> Outcome {
        if !self.may(p, action) {
            return Outcome::Never;
        }
        let set = self.action_set(p, action);
        let templates = self.templates(action);
        // As in `check_somewhere`, with the extra keys.
        let key = (
            Rc::as_ptr(&set) as usize,
            templates.as_ptr() as usize,
            self.extra_id(extra),
        );
        remembered(&self.somewhere_with, &key, || {
            let candidates = self.candidates(p, &set, &templates);
            self.best_resource(&set, p, action, candidates, extra, false)
                .map_or(Outcome::Never, |b| b.outcome)
        })
    }

    /// The resources [`Effective::check_somewhere`] tries, in order: `templates`, then a
    /// resource inside each pattern `set` allows, each once. Made as they are tried: most
    /// questions are settled by the first.
    fn candidates<'s>(
        &'s self,
        p: Principal,
        set: &'s PolicySet,
        templates: &'s [String],
    ) -> impl Iterator<Item = Cow<'s, str>> + 's {
        let context = self.context(p);
        let mut own: Vec<String> = Vec::new();
        let own = set.allowed_resource_patterns().filter_map(move |v| {
            let concrete = instantiate_pattern(v, context);
            if templates.contains(&concrete) || own.contains(&concrete) {
                return None;
            }
            own.push(concrete.clone());
            Some(Cow::Owned(concrete))
        });
        templates
            .iter()
            .map(|t| Cow::Borrowed(t.as_str()))
            .chain(own)
    }

    /// A generic resource of each type `action` acts on (`*` when the catalog names none).
    fn templates(&self, action: &str) -> Rc<[String]> {
        remembered(&self.templates, action, || {
            let account = &self.account.info.account_id;
            let partition = super::rules::partition(self.account);
            let mut out = Vec::new();
            if let Some(a) = catalog().lookup(action) {
                for template in a.resource_arns() {
                    let concrete = instantiate_template(template, partition, account);
                    if !out.contains(&concrete) {
                        out.push(concrete);
                    }
                }
            }
            if out.is_empty() {
                out.push("*".to_owned());
            }
            let mut lists = self.template_lists.borrow_mut();
            if let Some(known) = lists.iter().find(|l| l[..] == out[..]) {
                return known.clone();
            }
            let list: Rc<[String]> = out.into();
            lists.push(list.clone());
            list
        })
    }

    /// `false` when `p` could not be administrator-equivalent even as a member of `group`
    /// (neither allows the action of one of the questions that decide it): cheap.
    pub fn may_be_admin_with_group(&self, p: Principal, group: GroupId) -> bool {
        let slot = self.slot(p);
        let with = self.may[slot].or(self.group_may[group.index()].and(self.limits[slot]));
        sentinel_mask().and(with) == sentinel_mask()
    }

    /// Whether `p` is administrator-equivalent (allowed one question per kind of power: IAM
    /// writes, data, compute, keys, audit), with the statements that allow it.
    pub fn is_admin(&self, p: Principal) -> &Access {
        self.admin[self.slot(p)].get_or_init(|| {
            let known = self.admin_outcomes[self.slot(p)].get();
            if known.is_some_and(|o| !o.possible()) {
                return Access::never();
            }
            self.own_admin(p, true)
        })
    }

    /// [`Effective::is_admin`] without the evidence: cheaper, for analyses that only need the
    /// outcome and its conditions.
    pub fn admin_outcome(&self, p: Principal) -> &Access {
        self.admin_outcomes[self.slot(p)].get_or_init(|| {
            if let Some(known) = self.admin[self.slot(p)].get() {
                let mut access = known.clone();
                access.evidence.clear();
                return access;
            }
            self.own_admin(p, false)
        })
    }

    /// The [`Effective::admin_outcome`]s (and [`Effective::is_admin`] answers) worked out so
    /// far, by principal slot, for another `Effective` of the same account and clock
    /// ([`Effective::learn_admin_outcomes`]).
    pub fn known_admin_outcomes(&self) -> KnownAdminOutcomes {
        KnownAdminOutcomes(
            (0..self.admin_outcomes.len())
                .map(|slot| {
                    self.admin_outcomes[slot].get().map(|outcome| KnownAdmin {
                        outcome: outcome.clone(),
                        fails_at: self.admin_fails_at[slot].get(),
                        answer: self.admin[slot].get().cloned(),
                    })
                })
                .collect(),
        )
    }

    /// Lets go of `self`: the answers and the per-principal layers and contexts, owned
    /// outright, on another thread ([`super::let_go_elsewhere`]); the rest here. On a large
    /// account they take tens of milliseconds to free.
    pub fn let_go(self) {
        super::let_go_elsewhere((
            self.sets,
            self.admin_sets,
            self.somewhere,
            self.checks,
            self.contexts,
            self.requests,
            self.admin,
            self.admin_outcomes,
        ));
    }

    /// Takes the administrator outcomes (and answers, with their evidence) another
    /// `Effective` of the same account and clock worked out, so they are not asked again.
    pub fn learn_admin_outcomes(&self, known: &KnownAdminOutcomes) {
        for (slot, known) in known.0.iter().enumerate() {
            let Some(known) = known else { continue };
            if let Some(cell) = self.admin_outcomes.get(slot)
                && cell.get().is_none()
            {
                cell.set(known.outcome.clone()).ok();
                self.admin_fails_at[slot].set(known.fails_at);
            }
            if let (Some(answer), Some(cell)) = (&known.answer, self.admin.get(slot))
                && cell.get().is_none()
            {
                cell.set(answer.clone()).ok();
            }
        }
    }

    /// The administrator answer for `p`'s own policies; remembers the question they fail
    /// first, if any (see [`Effective::admin_of`]).
    fn own_admin(&self, p: Principal, evidence: bool) -> Access {
        let (access, failed) = match ADMIN_SENTINELS.iter().position(|(a, _)| !self.may(p, a)) {
            Some(i) => (Access::never(), Some(i)),
            None => {
                let set = self.admin_set(p);
                let how = if evidence {
                    Asking::WithEvidence
                } else {
                    Asking::outcomes(set)
                };
                self.admin_answer(set, p, how)
            }
        };
        if let Some(i) = failed {
            self.admin_fails_at[self.slot(p)].set(i);
        }
        access
    }

    /// Whether a principal with `set` as its layers (a hypothetical variation of `p`'s) would
    /// be administrator-equivalent: the outcome and its conditions, without evidence.
    pub fn admin_of(&self, set: &PolicySet, p: Principal) -> Access {
        // Most variations fail where `p` itself fails: ask that question first.
        let how = Asking::outcomes(set);
        if !self.admin_outcome(p).possible() {
            let i = self.admin_fails_at[self.slot(p)].get();
            if i < self.sentinels().len() && self.sentinel(set, p, i, how).0 == Outcome::Never {
                return Access::never();
            }
        }
        self.admin_answer(set, p, how).0
    }

    /// The [`ADMIN_SENTINELS`] questions with the account's id and partition filled in.
    fn sentinels(&self) -> &[(&'static str, String)] {
        self.sentinels.get_or_init(|| {
            let account = &self.account.info.account_id;
            let partition = super::rules::partition(self.account);
            ADMIN_SENTINELS
                .iter()
                .map(|(action, resource)| {
                    let resource = resource.replace("{a}", account).replace("{p}", partition);
                    (*action, resource)
                })
                .collect()
        })
    }

    /// The partial outcome of the `i`th [`ADMIN_SENTINELS`] question.
    fn sentinel(
        &self,
        set: &PolicySet,
        p: Principal,
        i: usize,
        how: Asking,
    ) -> (Outcome, Formula, Vec<MatchedAllow>) {
        let (action, resource) = &self.sentinels()[i];
        let wide = match how {
            Asking::WithEvidence => {
                return self.with_request(p, action, resource, &[], |r| {
                    partial_outcome_with_allows(set, r)
                });
            }
            Asking::Outcomes { wide } => wide,
        };
        // After a change that writes `Allow *`, most questions have nothing to deny them.
        if wide && !set.identity_may_deny(&[action]) {
            return (Outcome::Always, Formula::True, Vec::new());
        }
        let (outcome, allow_when) =
            self.with_request(p, action, resource, &[], |r| partial_outcome(set, r));
        (outcome, allow_when, Vec::new())
    }

    /// The answer, and the index of the first question that is never allowed, if any.
    fn admin_answer(&self, set: &PolicySet, p: Principal, how: Asking) -> (Access, Option<usize>) {
        let sentinels = self.sentinels();
        if matches!(how, Asking::Outcomes { wide: true })
            && !set.identity_may_deny(sentinel_actions())
        {
            return (Access::always(), None);
        }
        // Outcomes first: most principals fail one of the questions, and then no trace is
        // needed.
        let mut result = Access::always();
        let mut found = Vec::with_capacity(sentinels.len());
        for i in 0..sentinels.len() {
            let (outcome, allow_when, matched) = self.sentinel(set, p, i, how);
            result = result.and(&answer(outcome, &allow_when));
            if result.outcome == Outcome::Never {
                return (result, Some(i));
            }
            found.push((allow_when, matched));
        }
        // The evidence once every question is known to be allowed.
        if how == Asking::WithEvidence {
            for (allow_when, matched) in found {
                add_evidence(&mut result, matched, &allow_when);
            }
        }
        (result, None)
    }
}

/// How [`Effective::admin_answer`] asks its questions.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Asking {
    /// With the statements that allow each.
    WithEvidence,
    /// Outcomes only. `wide`: the set passes [`PolicySet::allows_all_but_denied`], so a
    /// question no `Deny` covers is allowed without evaluating.
    Outcomes { wide: bool },
}

impl Asking {
    /// Outcomes only, of questions on `set`.
    fn outcomes(set: &PolicySet) -> Asking {
        Asking::Outcomes {
            wide: set.allows_all_but_denied(),
        }
    }
}

/// The best answer of [`Effective::best_resource`].
struct Best {
    outcome: Outcome,
    allow_when: Formula,
    matched: Vec<MatchedAllow>,
}

/// `policy` with only the statements [`Effective::admin_of`] can use.
pub fn admin_relevant(policy: &CompiledPolicy) -> CompiledPolicy {
    policy.for_actions(sentinel_actions())
}

/// Evaluates with unknowns and reads the answer: outcome, conditions, allowing statements.
pub(crate) fn access_of(set: &PolicySet, request: &Request) -> Access {
    let (outcome, allow_when, matched) = partial_outcome_with_allows(set, request);
    answer_with_evidence(outcome, &allow_when, matched)
}

/// [`answer`] with the evidence, when the request may be allowed at all: an `Allow` that
/// applies to a request some `Deny` always blocks allows nothing.
fn answer_with_evidence(
    outcome: Outcome,
    allow_when: &Formula,
    matched: Vec<MatchedAllow>,
) -> Access {
    let mut access = answer(outcome, allow_when);
    if access.possible() {
        add_evidence(&mut access, matched, allow_when);
    }
    access
}

/// The outcome of a partial evaluation and the conditions it depends on, one line each.
fn answer(outcome: Outcome, allow_when: &Formula) -> Access {
    let mut access = Access {
        outcome,
        conditions: Vec::new(),
        evidence: Vec::new(),
    };
    if outcome == Outcome::Never {
        return access;
    }
    for r in allow_when.requirements() {
        // `operator key value|value (policy statement sid-or-number)`, written piece by
        // piece: tens of thousands of answers on a large account have conditions.
        let mut line = String::with_capacity(64);
        line.extend([&*r.operator, " ", &*r.key, " "]);
        for (i, v) in r.values.iter().enumerate() {
            if i > 0 {
                line.push('|');
            }
            line.push_str(v);
        }
        line.extend([" (", &*r.policy, " statement "]);
        match r.sid.as_deref() {
            Some(sid) => line.push_str(sid),
            None => {
                use std::fmt::Write;
                // Writing to a `String` cannot fail.
                let _ = write!(line, "{}", r.statement);
            }
        }
        line.push(')');
        if !access.conditions.contains(&line) {
            access.conditions.push(line);
        }
    }
    access
}

/// Adds the identity and resource `Allow` statements that take part in allowing a request:
/// those that apply to it outright (`matched`), then those whose conditions it depends on.
fn add_evidence(access: &mut Access, matched: Vec<MatchedAllow>, allow_when: &Formula) {
    let mut add = |e: Evidence| {
        if !access.evidence.contains(&e) {
            access.evidence.push(e);
        }
    };
    for s in matched {
        add(Evidence::shared(&s.policy, s.statement, s.sid.as_ref()));
    }
    for r in allow_when.requirements() {
        if r.effect == Effect::Allow && matches!(r.layer, LayerKind::Identity | LayerKind::Resource)
        {
            add(Evidence::shared(&r.policy, r.statement, r.sid.as_ref()));
        }
    }
}

/// A concrete ARN from a catalog template: `${Partition}`, `${Region}` and `${Account}` filled
/// in, every other placeholder a probe name.
fn instantiate_template(template: &str, partition: &str, account: &str) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let name = &rest[start + 2..start + end];
        out.push_str(match name {
            "Partition" => partition,
            "Region" => "us-east-1",
            "Account" => account,
            _ => "iamscope-probe",
        });
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    out
}

/// A concrete resource inside a policy's `Resource` pattern: wildcards filled with a probe
/// name, policy variables with the caller's values.
fn instantiate_pattern(pattern: &str, context: &Context) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut rest = pattern;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("${")
            && let Some(end) = after.find('}')
        {
            match &after[..end] {
                k @ ("*" | "?" | "$") => out.push_str(k),
                k => match context.get(k) {
                    Some(ContextValue::Single(v)) => out.push_str(v),
                    _ => out.push_str("iamscope"),
                },
            }
            rest = &after[end + 1..];
            continue;
        }
        let mut chars = rest.chars();
        match chars.next() {
            Some('*') => out.push_str("iamscope"),
            Some('?') => out.push('x'),
            Some(c) => out.push(c),
            None => {}
        }
        rest = chars.as_str();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::rules::test_support;
    use crate::model::UserId;
    use crate::source::demo;

    #[test]
    fn both_accesses_must_hold_and_only_one_may_tell_its_statements() {
        let grant = |outcome, condition: &str, policy: &str| Access {
            outcome,
            conditions: vec![condition.to_owned()],
            evidence: vec![Evidence::new(policy, 0, None)],
        };
        let first = grant(Outcome::Always, "a", "first");
        let second = grant(Outcome::Conditional, "b", "second");
        let both = first.clone().and(&second);
        assert_eq!(both.outcome, Outcome::Conditional);
        assert_eq!(both.conditions, ["a", "b"]);
        assert_eq!(both.evidence.len(), 2);
        let own = first.clone().and_conditions(&second);
        assert_eq!(
            (own.outcome, own.conditions),
            (both.outcome, both.conditions)
        );
        assert_eq!(own.evidence, first.evidence);
        let never = first.and_conditions(&Access::never());
        assert!(!never.possible() && never.conditions.is_empty() && never.evidence.is_empty());
    }

    fn principal(account: &Account, name: &str) -> Principal {
        Principal::try_from((account, account.lookup(name).unwrap())).unwrap()
    }

    fn now() -> Timestamp {
        "2026-11-01T09:00:00Z".parse().unwrap()
    }

    #[test]
    fn the_principal_index_agrees_with_matching_each_arn() {
        use crate::analysis::rules::test_support::{accounts, user};
        let mut attacker = user("attacker");
        attacker["UserPolicyList"] = serde_json::json!([{"PolicyName": "p", "PolicyDocument": {
            "Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "iam:CreateAccessKey",
                 "Resource": ["arn:aws:iam::123456789012:user/dev-*",
                              "arn:aws:iam::123456789012:user/ops-?"]},
                {"Effect": "Allow", "Action": "iam:PassRole",
                 "NotResource": "arn:aws:iam::123456789012:user/dev-a"},
                {"Effect": "Allow", "Action": "iam:PutUserPolicy",
                 "Resource": "arn:aws:iam::123456789012:user/${aws:username}"}]}}]);
        let account = accounts(
            vec![
                attacker,
                user("dev-a"),
                user("dev-b"),
                user("ops-c"),
                user("ops-cc"),
            ],
            vec![],
        );
        let e = Effective::new(&account, now());
        let p = principal(&account, "attacker");
        let reached = |action: &str| -> Vec<&str> {
            e.principals()
                .filter(|q| e.may_allow_on_principal(p, action, *q))
                .map(|q| q.name(&account))
                .collect()
        };
        assert_eq!(reached("iam:CreateAccessKey"), ["dev-a", "dev-b", "ops-c"]);
        // NotResource and policy variables may cover anyone: the index does not narrow them.
        assert_eq!(reached("iam:PassRole").len(), 5);
        assert_eq!(reached("iam:PutUserPolicy").len(), 5);
        assert!(reached("iam:DeleteUser").is_empty());
        // The same answers as matching each ARN, on the demo account too.
        let demo = demo::account().unwrap();
        let d = Effective::new(&demo, now());
        for p in d.principals() {
            for action in ["iam:PassRole", "iam:CreateAccessKey", "iam:PutRolePolicy"] {
                for q in d.principals() {
                    assert_eq!(
                        d.may_allow_on_principal(p, action, q),
                        d.may_allow(p, action, q.arn(&demo)),
                        "{} {action} {}",
                        p.name(&demo),
                        q.name(&demo)
                    );
                }
            }
        }
    }

    #[test]
    fn allows_found_with_the_outcome_are_the_traces_matched_allows() {
        use crate::eval::evaluate;
        let account = demo::account().unwrap();
        let e = Effective::new(&account, now());
        let mut matched = 0;
        for p in e.principals() {
            for action in [
                "s3:GetObject",
                "iam:PassRole",
                "sts:AssumeRole",
                "iam:CreateUser",
            ] {
                let set = e.action_set(p, action);
                for resource in [
                    "*",
                    "arn:aws:s3:::app-data/x",
                    "arn:aws:iam::123456789012:role/x",
                ] {
                    e.with_request(p, action, resource, &[], |request| {
                        let from_trace: Vec<(String, usize, Option<String>)> =
                            evaluate(&set, request)
                                .trace
                                .layers
                                .iter()
                                .filter(|l| {
                                    matches!(l.layer, LayerKind::Identity | LayerKind::Resource)
                                })
                                .flat_map(|l| &l.matched)
                                .filter(|s| s.effect == Effect::Allow)
                                .map(|s| (s.policy.clone(), s.statement, s.sid.clone()))
                                .collect();
                        let direct: Vec<(String, usize, Option<String>)> =
                            partial_outcome_with_allows(&set, request)
                                .2
                                .into_iter()
                                .map(|m| {
                                    (
                                        m.policy.to_string(),
                                        m.statement,
                                        m.sid.map(|s| s.to_string()),
                                    )
                                })
                                .collect();
                        assert_eq!(direct, from_trace, "{p:?} {action} {resource}");
                        matched += direct.len();
                    });
                }
            }
        }
        assert!(matched > 20, "{matched}");
    }

    #[test]
    fn demo_admins_are_admin_and_others_are_not() {
        let account = demo::account().unwrap();
        let e = Effective::new(&account, now());
        for name in ["ci-deploy", "LegacyAdminRole"] {
            assert_eq!(
                e.is_admin(principal(&account, name)).outcome,
                Outcome::Always,
                "{name}"
            );
        }
        for name in [
            "alice",
            "charlie",
            "dave",
            "SSOReadOnlyRole",
            "MyAppTaskRole",
        ] {
            assert_eq!(
                e.is_admin(principal(&account, name)).outcome,
                Outcome::Never,
                "{name}"
            );
        }
    }

    #[test]
    fn answers_shared_between_actions_are_the_ones_asked_alone() {
        // Both actions keep the same statements; the Deny tells their resource types apart.
        let mut mallory = test_support::user("mallory");
        mallory["UserPolicyList"] = serde_json::json!([{"PolicyName": "keys", "PolicyDocument": {
            "Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": ["iam:CreateAccessKey", "iam:AttachRolePolicy"],
                 "Resource": "*"},
                {"Effect": "Deny", "Action": ["iam:CreateAccessKey", "iam:AttachRolePolicy"],
                 "NotResource": "arn:aws:iam::123456789012:user/*"},
                {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*", "Condition": {
                    "StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}}]}}]);
        let split = test_support::accounts(vec![mallory], vec![]);
        let (mut asked, mut answers) = (0, 0);
        let extras = [
            vec![(
                "iam:PassedToService",
                ContextValue::from("ec2.amazonaws.com"),
            )],
            vec![(
                "iam:PassedToService",
                ContextValue::from("lambda.amazonaws.com"),
            )],
            vec![(
                "iam:PolicyARN",
                ContextValue::from("arn:aws:iam::aws:policy/AdministratorAccess"),
            )],
        ];
        for account in [
            demo::account().unwrap(),
            test_support::every_technique_account(),
            split,
        ] {
            let compiled = Arc::new(CompiledAccount::new(&account));
            let shared = Effective::with_compiled(&account, now(), compiled.clone());
            let principals: Vec<Principal> = shared.principals().collect();
            for action in crate::analysis::privesc::actions() {
                // Only this action is ever asked of `alone`, and with one list of extra keys
                // of each of `alone_with`.
                let alone = Effective::with_compiled(&account, now(), compiled.clone());
                let alone_with: Vec<Effective> = extras
                    .iter()
                    .map(|_| Effective::with_compiled(&account, now(), compiled.clone()))
                    .collect();
                for &p in &principals {
                    let want = alone.check_somewhere(p, action);
                    assert_eq!(shared.check_somewhere(p, action), want, "{p:?} {action}");
                    asked += usize::from(shared.may(p, action));
                    for (extra, alone) in extras.iter().zip(&alone_with) {
                        assert_eq!(
                            shared.outcome_somewhere_with(p, action, extra),
                            alone.outcome_somewhere_with(p, action, extra),
                            "{p:?} {action} {extra:?}"
                        );
                    }
                }
            }
            answers += shared.somewhere.borrow().len();
        }
        // Actions did share answers.
        assert!(
            answers < asked / 2,
            "{answers} answers for {asked} questions"
        );
    }

    #[test]
    fn checks_shared_between_resources_are_the_ones_asked_alone() {
        // Resources told apart by a Deny's NotResource, by a pattern, and by a policy
        // variable (never shared); and a resource of another account.
        let mut mallory = test_support::user("mallory");
        mallory["UserPolicyList"] = serde_json::json!([{"PolicyName": "mixed", "PolicyDocument": {
            "Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": ["iam:*"], "Resource": "*"},
                {"Effect": "Deny", "Action": "iam:PassRole",
                 "NotResource": "arn:aws:iam::123456789012:role/app-*",
                 "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}},
                {"Effect": "Deny", "Action": "iam:CreateAccessKey",
                 "Resource": "arn:aws:iam::123456789012:user/${aws:username}"}]}}]);
        let roles = ["app-web", "admin", "app-batch"]
            .map(|n| test_support::role(n, test_support::trust_service("ec2.amazonaws.com")));
        let users = vec![mallory, test_support::user("trent")];
        let mixed = test_support::accounts(users, roles.to_vec());
        let (mut asked, mut answers) = (0, 0);
        for account in [mixed, test_support::every_technique_account()] {
            let compiled = Arc::new(CompiledAccount::new(&account));
            let shared = Effective::with_compiled(&account, now(), compiled.clone());
            let principals: Vec<Principal> = shared.principals().collect();
            let mut resources: Vec<&str> = principals.iter().map(|p| p.arn(&account)).collect();
            resources.extend(["*", "arn:aws:iam::999999999999:role/app-web"]);
            let services = [
                vec![],
                vec![(
                    "iam:PassedToService",
                    ContextValue::from("ec2.amazonaws.com"),
                )],
            ];
            for action in ["iam:PassRole", "iam:CreateAccessKey", "iam:PutRolePolicy"] {
                for extra in &services {
                    // `alone` answers from the whole policy set, keeping no answer.
                    let alone = Effective::with_compiled(&account, now(), compiled.clone());
                    for &p in &principals {
                        for &r in &resources {
                            let want = alone.evaluate(alone.policy_set(p), p, action, r, extra);
                            let got = shared.check(p, action, r, extra);
                            assert_eq!(got, want, "{p:?} {action} {r} {extra:?}");
                            asked += 1;
                        }
                    }
                }
            }
            answers += shared.checks.borrow().len();
        }
        // Resources did share answers.
        assert!(
            answers < asked / 4,
            "{answers} answers for {asked} questions"
        );
    }

    #[test]
    fn learned_admin_outcomes_answer_as_asked_ones() {
        let account = demo::account().unwrap();
        let first = Effective::new(&account, now());
        let principals: Vec<Principal> = first.principals().collect();
        for &p in &principals {
            first.admin_outcome(p);
        }
        let learned = Effective::new(&account, now());
        learned.learn_admin_outcomes(&first.known_admin_outcomes());
        // Known before any question is asked of it.
        assert!(learned.known_admin_outcomes().0.iter().all(Option::is_some));
        // Answers with evidence travel too: a second learner is told them before asking.
        for &p in &principals {
            first.is_admin(p);
        }
        let told = Effective::new(&account, now());
        told.learn_admin_outcomes(&first.known_admin_outcomes());
        assert!(
            principals
                .iter()
                .all(|&p| told.admin[told.slot(p)].get().is_some())
        );
        let fresh = Effective::new(&account, now());
        for &p in &principals {
            assert_eq!(learned.admin_outcome(p), fresh.admin_outcome(p));
            assert_eq!(learned.is_admin(p), fresh.is_admin(p));
            assert_eq!(told.is_admin(p), fresh.is_admin(p));
            assert_eq!(told.admin_outcome(p), fresh.admin_outcome(p));
            let set = fresh.admin_set(p).clone();
            assert_eq!(learned.admin_of(&set, p), fresh.admin_of(&set, p));
        }
    }

    #[test]
    fn boundaries_and_denies_count() {
        let account = demo::account().unwrap();
        let e = Effective::new(&account, now());
        let alice = principal(&account, "alice");
        let charlie = principal(&account, "charlie");
        // ECS full access grants PassRole to ecs-tasks; alice's boundary denies iam:*.
        let pass = [(
            "iam:PassedToService",
            ContextValue::from("ecs-tasks.amazonaws.com"),
        )];
        let role = "arn:aws:iam::123456789012:role/MyAppTaskRole";
        assert_eq!(
            e.check(charlie, "iam:PassRole", role, &pass).outcome,
            Outcome::Always
        );
        assert!(!e.may(alice, "iam:PassRole"));
        assert_eq!(
            e.check(alice, "iam:PassRole", role, &pass).outcome,
            Outcome::Never
        );
        // ...and only to ecs-tasks.
        let to_ec2 = [(
            "iam:PassedToService",
            ContextValue::from("ec2.amazonaws.com"),
        )];
        assert_eq!(
            e.check(charlie, "iam:PassRole", role, &to_ec2).outcome,
            Outcome::Never
        );
        // The group's explicit deny.
        assert_eq!(
            e.check(
                charlie,
                "s3:DeleteObject",
                "arn:aws:s3:::my-app-prod-data/x",
                &[]
            )
            .outcome,
            Outcome::Never
        );
        let get = e.check(charlie, "s3:GetObject", "arn:aws:s3:::any/x", &[]);
        assert_eq!(get.outcome, Outcome::Always);
        assert!(
            get.evidence
                .iter()
                .any(|ev| ev.policy.ends_with("AmazonS3ReadOnlyAccess")),
            "{:?}",
            get.evidence
        );
    }

    #[test]
    fn conditions_are_three_valued() {
        let policy = |cond: &str| {
            serde_json::json!({
                "iamscope": {"format_version": 1, "account_id": "123456789012", "partition": "aws"},
                "UserDetailList": [{"UserName": "u", "UserId": "AIDAU", "Path": "/",
                    "Arn": "arn:aws:iam::123456789012:user/u", "GroupList": [],
                    "AttachedManagedPolicies": [],
                    "UserPolicyList": [{"PolicyName": "p", "PolicyDocument": serde_json::from_str::<serde_json::Value>(&format!(
                        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"iam:CreatePolicyVersion","Resource":"*","Condition":{cond}}}]}}"#)).unwrap()}]}],
                "GroupDetailList": [], "RoleDetailList": [], "Policies": []
            })
        };
        let outcome = |cond: &str| {
            let text = policy(cond).to_string();
            let snap = crate::source::parse_snapshot(text.as_bytes(), "t").unwrap();
            let account =
                crate::source::convert::to_account(snap, crate::model::SourceKind::Demo, "t")
                    .unwrap();
            let e = Effective::new(&account, now());
            let u = Principal::User(UserId(0));
            e.check(
                u,
                "iam:CreatePolicyVersion",
                "arn:aws:iam::123456789012:policy/x",
                &[],
            )
            .outcome
        };
        // A token issued now is after 2020: always; before 2020: never.
        assert_eq!(
            outcome(r#"{"DateGreaterThan":{"aws:TokenIssueTime":"2020-01-01T00:00:01Z"}}"#),
            Outcome::Always
        );
        assert_eq!(
            outcome(r#"{"DateLessThan":{"aws:TokenIssueTime":"2020-01-01T00:00:01Z"}}"#),
            Outcome::Never
        );
        assert_eq!(
            outcome(r#"{"StringEquals":{"aws:PrincipalAccount":"999999999999"}}"#),
            Outcome::Never
        );
        assert_eq!(
            outcome(r#"{"Bool":{"aws:MultiFactorAuthPresent":"true"}}"#),
            Outcome::Conditional
        );
    }
}
