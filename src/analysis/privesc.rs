//! Privilege escalation: which principals can make themselves administrator, and how.
//!
//! The question is asked per principal, never per policy: everything a principal is allowed
//! (all its policies, its groups', its boundary, the SCPs, denies anywhere) comes from
//! [`Effective`], that is from the evaluator, on the resources where a technique works. A
//! technique counts only when it leads somewhere better:
//!
//! - **Modify** techniques grant arbitrary permissions (a new policy version, an inline policy,
//!   an attached policy, a group, a removed boundary or deny) to the attacker itself, or to a
//!   principal it can become.
//! - **Become** and **Service** techniques hand the attacker another principal's permissions
//!   (a role session, new access keys or a password, code running as a role); they count when
//!   that principal is *valuable*: administrator-equivalent, or itself able to escalate.
//!
//! Valuable principals are found backwards: start from administrators and self-escalators,
//! then repeatedly add the principals that can become one of them, so chains of any length
//! (role to role to administrator) come out with their whole path.

mod techniques;

use std::cell::{OnceCell, RefCell};
use std::collections::VecDeque;

use std::rc::Rc;
use std::sync::{Arc, Condvar, Mutex};

pub use techniques::{Become, Kind as TechniqueKind, Modify, ServiceRun, TECHNIQUES, Technique};

use super::effective::{Access, Effective, KnownAdminOutcomes, Reach, admin_relevant, rank};
use super::findings::{Evidence, Finding, Kind, Severity};
use super::memo::{Memo, remembered};
use super::principal::Principal;
use super::trust::{AssumerKind, External, Node, Status, TrustGraph};
use super::turns::Turns;
use crate::eval::{ActionMask, CompiledPolicy, ContextValue, Outcome};
use crate::model::{Account, GroupId, PolicyId, RoleId, UserId};
use crate::policy::{Effect, PrincipalKind, PrincipalSet};

/// What the threads of one analysis share: turns at the per-principal passes, the
/// administrator outcomes the analysis works out first (so helpers need not ask them again),
/// and the escalations it hands out to be made into findings.
#[derive(Default)]
pub struct Sharing {
    turns: Turns,
    handed_out: HandedOut,
    /// Per principal slot: its position among the account's principals sorted by ARN.
    arn_ranks: std::sync::OnceLock<Vec<u32>>,
    admins: std::sync::OnceLock<KnownAdminOutcomes>,
    /// Whether an analysis has promised its administrator outcomes ([`Sharing::promise_admins`])
    /// and has neither shared them nor failed yet.
    promised: Mutex<bool>,
    settled: Condvar,
}

impl Sharing {
    /// Makes helpers wait for the analysis' administrator outcomes before their passes,
    /// until the analysis shares them or the promise is dropped (the analysis failed).
    pub fn promise_admins(&self) -> AdminsPromise<'_> {
        *self.lock_promised() = true;
        AdminsPromise(self)
    }

    fn share_admins(&self, known: KnownAdminOutcomes) {
        self.admins.set(known).ok();
        self.settle();
    }

    fn settle(&self) {
        *self.lock_promised() = false;
        self.settled.notify_all();
    }

    /// Whether [`help`] would start its passes without waiting: the administrator outcomes
    /// are shared, or not (or no longer) promised.
    pub fn admins_settled(&self) -> bool {
        self.admins.get().is_some() || !*self.lock_promised()
    }

    /// The administrator outcomes, once shared; waits while they are promised.
    fn wait_for_admins(&self) -> Option<&KnownAdminOutcomes> {
        let mut promised = self.lock_promised();
        while *promised && self.admins.get().is_none() {
            promised = self
                .settled
                .wait(promised)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        self.admins.get()
    }

    fn arn_ranks(&self, account: &Account) -> &[u32] {
        self.arn_ranks.get_or_init(|| {
            let mut slots: Vec<usize> = (0..account.principal_count()).collect();
            slots.sort_unstable_by_key(|&s| Principal::at_slot(account, s).arn(account));
            let mut ranks = vec![0; slots.len()];
            for (rank, slot) in slots.into_iter().enumerate() {
                ranks[slot] = rank as u32;
            }
            ranks
        })
    }

    fn lock_promised(&self) -> std::sync::MutexGuard<'_, bool> {
        self.promised
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Kept by the thread that runs the analysis; dropping it (also when that thread fails)
/// releases the helpers waiting for administrator outcomes, and the threads waiting for
/// escalations to make into findings (the analysis may fail before it hands any out).
pub struct AdminsPromise<'s>(&'s Sharing);

impl Drop for AdminsPromise<'_> {
    fn drop(&mut self) {
        self.0.settle();
        // Also when the analysis failed before it was done handing out escalations.
        self.0.handed_out.close();
    }
}

/// Escalations an analysis hands out, in batches, to whichever thread is free to make them
/// into findings: those that can no longer improve while the backward search runs, the rest
/// when it ends.
#[derive(Default)]
struct HandedOut {
    /// The batches not taken yet, and whether the analysis is done handing out.
    queue: Mutex<(Vec<Vec<Escalation>>, bool)>,
    ready: Condvar,
}

impl HandedOut {
    fn hand_out(&self, batch: Vec<Escalation>) {
        if batch.is_empty() {
            return;
        }
        self.lock().0.push(batch);
        self.ready.notify_one();
    }

    /// Adds `e` to `batch`, handing the batch out once it is full.
    fn add(&self, batch: &mut Vec<Escalation>, e: Escalation) {
        batch.push(e);
        if batch.len() >= HAND_OUT_BATCH {
            self.hand_out(std::mem::take(batch));
        }
    }

    fn close(&self) {
        self.lock().1 = true;
        self.ready.notify_all();
    }

    /// The next batch; waits for one until the analysis is done handing out.
    fn take(&self) -> Option<Vec<Escalation>> {
        let mut queue = self.lock();
        loop {
            if let Some(batch) = queue.0.pop() {
                return Some(batch);
            }
            if queue.1 {
                return None;
            }
            queue = self
                .ready
                .wait(queue)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (Vec<Vec<Escalation>>, bool)> {
        self.queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Closes what an analysis hands out when dropped.
struct ClosesOnDrop<'s>(&'s HandedOut);

impl Drop for ClosesOnDrop<'_> {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// How many escalations go out in one batch.
const HAND_OUT_BATCH: usize = 256;

/// How many principals a thread takes at a time for the per-principal passes.
const PASS_BATCH: usize = 16;

/// The position of `t` in [`TECHNIQUES`], for per-technique tables.
fn technique_index(t: &'static Technique) -> usize {
    (t as *const Technique as usize - TECHNIQUES.as_ptr() as usize)
        / std::mem::size_of::<Technique>()
}

/// Per technique index, what [`Analysis::may_use`] asks of a principal's
/// [`Effective::may_mask`]: an action of each mask (`iam:PassRole`, each group of steps, the
/// action that becomes the target). A group with an action outside the index has no mask: that
/// action may always be allowed, as far as masks tell ([`Effective::may`]).
fn technique_masks() -> &'static [Vec<ActionMask>] {
    static MASKS: std::sync::OnceLock<Vec<Vec<ActionMask>>> = std::sync::OnceLock::new();
    MASKS.get_or_init(|| {
        let index = super::effective::action_index();
        TECHNIQUES
            .iter()
            .map(|t| match t.kind {
                techniques::Kind::Service(s) => {
                    let pass_role = s.pass_role.then_some(&["iam:PassRole"][..]);
                    let groups = pass_role.into_iter().chain(s.steps.iter().copied());
                    groups.filter_map(|g| index.mask_of(g)).collect()
                }
                techniques::Kind::Become(b) => {
                    index.mask_of(&[become_action(b)]).into_iter().collect()
                }
                techniques::Kind::Modify(_) => Vec::new(),
            })
            .collect()
    })
}

/// A remembered answer. Shared between threads: a helper hands its answers over, and the
/// analysis lets go of its own on another thread.
type Answer = Arc<Access>;

/// The position of (principal slot, technique index) in the per-principal, per-technique
/// tables.
fn cell(slot: usize, i: usize) -> usize {
    slot * TECHNIQUES.len() + i
}

/// Technique indexes in the order of their ids (the order of [`analyze`]'s escalations).
fn indexes_by_id() -> &'static [usize] {
    static ORDER: std::sync::OnceLock<Vec<usize>> = std::sync::OnceLock::new();
    ORDER.get_or_init(|| {
        let mut order: Vec<usize> = (0..TECHNIQUES.len()).collect();
        order.sort_by_key(|&i| TECHNIQUES[i].id);
        order
    })
}

/// Every action a technique may ask about (for [`Effective`]'s prefilter).
pub fn actions() -> impl Iterator<Item = &'static str> {
    techniques::actions()
}

/// One step of a path: a technique used on a target.
#[derive(Debug, Clone)]
pub struct Step {
    pub technique: &'static Technique,
    /// The principal whose permissions the step gives (or changes).
    pub target: Principal,
    /// The resource the step acts on when it is not the target itself (a policy, a group).
    pub via: Option<String>,
}

/// A principal's way to administrator.
#[derive(Debug, Clone)]
pub struct Escalation {
    pub principal: Principal,
    /// The technique of the first step (the finding's rule).
    pub technique: &'static Technique,
    pub outcome: Outcome,
    pub steps: Vec<Step>,
    pub evidence: Vec<Evidence>,
    pub conditions: Vec<String>,
}

/// How a valuable principal gets to administrator.
#[derive(Debug, Clone)]
pub struct Route {
    access: Access,
    steps: Vec<Step>,
}

/// Every escalation, best per principal and technique.
pub fn analyze(eff: &Effective<'_>) -> Vec<Escalation> {
    let escalations = Analysis::new(eff, Box::new(|| Arc::new(TrustGraph::build(eff.account))))
        .run(&Sharing::default(), Helped::default, false);
    with_assume_evidence(eff, escalations)
}

/// The escalations as findings, in output order ([`super::findings::sort`]).
pub fn findings(eff: &Effective<'_>) -> Vec<Finding> {
    let sharing = Sharing::default();
    let escalations = Analysis::new(eff, Box::new(|| Arc::new(TrustGraph::build(eff.account))))
        .run(&sharing, Helped::default, true);
    sharing.handed_out.hand_out(escalations);
    sharing.handed_out.close();
    findings_handed_out(eff, &sharing)
}

/// Makes escalations an analysis running [`findings_with`] with the same `sharing` hands out
/// into findings, with their evidence asked of `eff` (an `Effective` of the same account and
/// clock), until the analysis is done handing out (or failed); in output order.
pub fn findings_handed_out(eff: &Effective<'_>, sharing: &Sharing) -> Vec<Finding> {
    let ranks = sharing.arn_ranks(eff.account);
    let by_id = technique_ranks_by_id();
    let mut keyed: Vec<(u64, Finding)> = Vec::new();
    while let Some(batch) = sharing.handed_out.take() {
        for e in with_assume_evidence(eff, batch) {
            // The output order (see `super::findings::sort`): most severe first, then by rule,
            // then by id, which is the rule and the principal's ARN.
            let key = (u64::from(severity(e.outcome) != Severity::Critical) << 48)
                | (u64::from(by_id[technique_index(e.technique)]) << 32)
                | u64::from(ranks[e.principal.slot(eff.account)]);
            keyed.push((key, finding(eff.account, e)));
        }
    }
    // Findings are large: sorted by reference, then moved once.
    let mut order: Vec<(u64, u32)> = keyed
        .iter()
        .enumerate()
        .map(|(i, (key, _))| (*key, i as u32))
        .collect();
    order.sort_unstable();
    let mut found: Vec<Option<Finding>> = keyed.into_iter().map(|(_, f)| Some(f)).collect();
    let out: Vec<Finding> = order
        .into_iter()
        .filter_map(|(_, i)| found[i as usize].take())
        .collect();
    debug_assert!(
        out.is_sorted_by(|a, b| super::findings::output_order(a, b).is_le()),
        "findings_handed_out: out of output order"
    );
    out
}

/// Per technique index: its position in the order of technique ids.
fn technique_ranks_by_id() -> &'static [u8] {
    static RANKS: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    RANKS.get_or_init(|| {
        let mut ranks = vec![0; TECHNIQUES.len()];
        for (rank, &i) in indexes_by_id().iter().enumerate() {
            ranks[i] = rank as u8;
        }
        ranks
    })
}

/// [`findings`] of `eff`, with the account's trust graph from `graph`, called once the
/// analysis needs it (so a graph built on another thread can arrive late), and the
/// per-principal passes shared with threads running [`help`] with the same `sharing`; `help`
/// returns their answers. The escalations are handed out to be made into findings by this
/// thread and any running [`findings_handed_out`] with the same `sharing`, which returns
/// them from `more` with findings of other analyses (sorted and deduplicated, see
/// [`super::findings::merge`], with ids of their own), which are merged in.
pub fn findings_with(
    eff: Effective<'_>,
    graph: impl FnOnce() -> Arc<TrustGraph>,
    sharing: &Sharing,
    help: impl FnOnce() -> Helped,
    more: impl FnOnce() -> Vec<Finding>,
) -> Vec<Finding> {
    // Threads taking what is handed out wait until it is closed: also if this one fails.
    let closing = ClosesOnDrop(&sharing.handed_out);
    let mut analysis = Analysis::new(&eff, Box::new(graph));
    let rest = analysis.run(sharing, help, true);
    // Hundreds of thousands on a large account: let go of once the findings are out.
    let answers = analysis.take_answers();
    drop(analysis);
    // Tens of thousands on a large account, made into findings by whichever thread is free.
    let mut batch = Vec::new();
    for e in rest {
        sharing.handed_out.add(&mut batch, e);
    }
    sharing.handed_out.hand_out(batch);
    drop(closing);
    let found = findings_handed_out(&eff, sharing);
    eff.let_go();
    let found = super::findings::merge_disjoint(more(), found);
    super::let_go_elsewhere(answers);
    found
}

/// What a helper found: per principal slot, its route and escalations; the caps of the
/// principals it took, and the steps and service techniques' steps they asked.
#[derive(Default)]
pub struct Helped {
    found: Vec<(usize, Route, Vec<Escalation>)>,
    caps: Vec<(usize, Vec<u8>)>,
    steps: Vec<((usize, &'static str), Answer)>,
    service_steps: Vec<((usize, usize), Answer)>,
}

/// Takes turns at the per-principal passes of an analysis running [`findings_with`] with the
/// same `sharing`, on this thread's own `eff` (same account and clock); returns what it found.
/// Waits first for the analysis' administrator outcomes when they are promised.
pub fn help(eff: &Effective<'_>, graph: Arc<TrustGraph>, sharing: &Sharing) -> Helped {
    if let Some(known) = sharing.wait_for_admins() {
        eff.learn_admin_outcomes(known);
    }
    let turns = &sharing.turns;
    let mut analysis = Analysis::new(eff, Box::new(move || graph));
    let principals = analysis.principals();
    let mut out = Helped::default();
    while let Some(range) = turns.take(principals.len(), PASS_BATCH) {
        for &p in &principals[range] {
            analysis.own_passes(p);
            let slot = analysis.slot(p);
            if let Some(route) = analysis.value[slot].take() {
                let escalations = (0..TECHNIQUES.len())
                    .filter_map(|i| analysis.take_found(slot, i))
                    .collect();
                out.found.push((slot, route, escalations));
            }
            let row = cell(slot, 0);
            out.caps.push((
                slot,
                analysis.caps.get_mut()[row..row + TECHNIQUES.len()].to_vec(),
            ));
        }
    }
    out.steps = analysis.step_cache.into_inner().into_iter().collect();
    out.service_steps = analysis.service_steps.into_inner().into_iter().collect();
    // By now the analysis has shared its administrator answers, with their evidence, which
    // the rules then need not ask again.
    if let Some(known) = sharing.admins.get() {
        eff.learn_admin_outcomes(known);
    }
    out
}

struct Analysis<'e, 'a> {
    eff: &'e Effective<'a>,
    account: &'a Account,
    admin_arn: String,
    /// Whether the input lists instance profiles at all (if not, nothing can be concluded
    /// from a role having none).
    any_instance_profiles: bool,
    /// Per principal slot: how it reaches administrator, if it does.
    value: Vec<Option<Route>>,
    /// Best escalations found, each where [`Self::found_at`] says.
    found: Vec<Option<Escalation>>,
    /// Per (slot, technique index): 1 + the position of its best escalation in
    /// [`Self::found`], 0 for none.
    found_at: Vec<u32>,
    /// (slot, action) → allowed on some resource.
    step_cache: Memo<(usize, &'static str), Answer>,
    /// Whether `q` would be administrator after a change, by (slot of `q`, change).
    gains: Memo<(usize, String), Answer>,
    /// Scratch for [`Self::combos`]: per principal slot, a bit per technique index (there
    /// are fewer than 128, see the tests).
    ways: Vec<u128>,
    /// Versions of customer managed policies that are not the default, compiled and
    /// restricted to what can make a principal administrator, by (policy, version index).
    versions: Memo<(PolicyId, usize), CompiledPolicy>,
    /// Per group: [`Self::group_admin_policies`].
    group_policies: Vec<OnceCell<Rc<[CompiledPolicy]>>>,
    /// Per principal slot: facts about it as a target.
    targets: Vec<TargetFacts>,
    /// Per service technique: the roles its code may run as ([`Self::service_run_trust`]).
    service_roles: Vec<OnceCell<Box<[Principal]>>>,
    /// [`Self::service_bits`].
    service_bits: OnceCell<Vec<u128>>,
    /// Per (slot, technique index): 1 + rank of the best escalation found, 0 for none.
    found_rank: Vec<u8>,
    /// Per (slot, technique index): 1 + rank of [`Self::cap`], 0 until computed.
    caps: RefCell<Vec<u8>>,
    /// [`Self::pass_cap`], by (slot, service).
    pass_caps: Memo<(usize, &'static str), Outcome>,
    /// Per technique index but AssumeRole's: the principals that may use it and are not done
    /// with it yet.
    attackers: Vec<Option<Pool>>,
    /// Per role: the principals that may assume it (an edge of the trust graph), not
    /// administrators, and not done with AssumeRole yet.
    assumers: Vec<Option<Pool>>,
    /// Per technique index: how many times an escalation by it improved (only then can a
    /// member of a pool have become settled).
    improvements: Vec<u32>,
    /// Per (role, technique): whether its services may assume the role.
    service_trusts: Memo<(RoleId, ServiceKey), Answer>,
    /// Answers about groups and managed policies, which many targets share.
    shared_checks: Memo<(usize, Modify, Shared), Answer>,
    /// Per attacker slot: [`Self::addable_groups`].
    addable_groups: Memo<usize, AddableGroups>,
    /// [`Self::service_steps`], by (slot, technique index).
    service_steps: Memo<(usize, usize), Answer>,
    /// `iam:PassRole` of a role to a service, by (slot, role, service).
    passes: Memo<(usize, RoleId, &'static str), Answer>,
    /// Who can assume which role, decided by the evaluator: see [`Self::graph`].
    graph: OnceCell<Arc<TrustGraph>>,
    pending_graph: std::cell::Cell<Option<GraphSource<'e>>>,
    /// What an attacker writes into a policy it controls: everything.
    anything: Option<CompiledPolicy>,
    /// The one remembered [`Access::never`]: most answers are.
    never: Answer,
}

impl<'e, 'a> Analysis<'e, 'a> {
    fn new(eff: &'e Effective<'a>, graph: GraphSource<'e>) -> Analysis<'e, 'a> {
        let account = eff.account;
        Analysis {
            eff,
            account,
            admin_arn: format!(
                "arn:{}:iam::aws:policy/AdministratorAccess",
                super::rules::partition(account)
            ),
            any_instance_profiles: account.roles.iter().any(|r| !r.instance_profiles.is_empty()),
            value: vec![None; account.principal_count()],
            found: Vec::new(),
            found_at: vec![0; account.principal_count() * TECHNIQUES.len()],
            step_cache: Memo::default(),
            versions: Memo::default(),
            gains: Memo::default(),
            passes: Memo::default(),
            service_steps: Memo::default(),
            group_policies: (0..account.groups.len()).map(|_| OnceCell::new()).collect(),
            ways: vec![0; account.principal_count()],
            targets: (0..account.principal_count())
                .map(|_| TargetFacts::default())
                .collect(),
            service_roles: (0..TECHNIQUES.len()).map(|_| OnceCell::new()).collect(),
            service_bits: OnceCell::new(),
            found_rank: vec![0; account.principal_count() * TECHNIQUES.len()],
            caps: RefCell::new(vec![0; account.principal_count() * TECHNIQUES.len()]),
            attackers: (0..TECHNIQUES.len()).map(|_| None).collect(),
            assumers: (0..account.roles.len()).map(|_| None).collect(),
            improvements: vec![0; TECHNIQUES.len()],
            pass_caps: Memo::default(),
            service_trusts: Memo::default(),
            shared_checks: Memo::default(),
            addable_groups: Memo::default(),
            graph: OnceCell::new(),
            pending_graph: std::cell::Cell::new(Some(graph)),
            anything: crate::policy::Policy::from_json(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
            )
            .ok()
            .map(|p| CompiledPolicy::labeled("attacker-written policy", &p)),
            never: Arc::new(Access::never()),
        }
    }

    /// Takes the remembered answers and routes out, to let go of on another thread.
    fn take_answers(&mut self) -> impl Send + use<> {
        (
            self.step_cache.take(),
            self.gains.take(),
            self.passes.take(),
            self.service_steps.take(),
            self.service_trusts.take(),
            self.shared_checks.take(),
            std::mem::take(&mut self.value),
        )
    }

    /// `access`, to remember: [`Self::never`] itself when it is one, as most answers are (no
    /// allocation to make, and none to free).
    fn answer(&self, access: Access) -> Answer {
        if access.outcome == Outcome::Never
            && access.conditions.is_empty()
            && access.evidence.is_empty()
        {
            self.never.clone()
        } else {
            Arc::new(access)
        }
    }

    /// The trust graph, waited for (or built) on first use.
    fn graph(&self) -> &TrustGraph {
        self.graph.get_or_init(|| match self.pending_graph.take() {
            Some(build) => build(),
            None => Arc::new(TrustGraph::build(self.account)),
        })
    }

    fn slot(&self, p: Principal) -> usize {
        p.slot(self.account)
    }

    fn arn(&self, p: Principal) -> &'a str {
        p.arn(self.account)
    }

    /// Service-linked roles are AWS's: no one in the account can change or assume them.
    fn skip(&self, p: Principal) -> bool {
        matches!(p, Principal::Role(id) if self.account.role(id).is_service_linked())
    }

    fn is_admin(&self, p: Principal) -> bool {
        self.eff.admin_outcome(p).possible()
    }

    /// The principals the analysis is about.
    fn principals(&self) -> Vec<Principal> {
        self.eff.principals().filter(|p| !self.skip(*p)).collect()
    }

    /// Every escalation, without their first AssumeRole step's evidence (see
    /// [`with_assume_evidence`]); with `hand_out`, those that can no longer improve are handed
    /// out to `sharing` as the search finds them and only the rest are returned.
    fn run(
        &mut self,
        sharing: &Sharing,
        help: impl FnOnce() -> Helped,
        hand_out: bool,
    ) -> Vec<Escalation> {
        let principals = self.principals();
        // Administrators are valuable as they are. Their evidence is asked with the outcome:
        // the `admin.full-access` rule, on the other thread, learns it from here.
        for &p in &principals {
            self.eff.is_admin(p);
            let admin = self.eff.admin_outcome(p).clone();
            if admin.possible() {
                let s = self.slot(p);
                self.value[s] = Some(Route {
                    access: admin,
                    steps: Vec::new(),
                });
            }
        }
        // What each principal can do to itself and to those it can become, in turns with
        // any helper thread; then the helpers' answers.
        sharing.share_admins(self.eff.known_admin_outcomes());
        while let Some(range) = sharing.turns.take(principals.len(), PASS_BATCH) {
            for &p in &principals[range] {
                self.own_passes(p);
            }
        }
        let helped = help();
        for (slot, route, escalations) in helped.found {
            for e in escalations {
                self.keep(slot, e);
            }
            self.value[slot] = Some(route);
        }
        let caps = self.caps.get_mut();
        for (slot, row) in helped.caps {
            caps[cell(slot, 0)..][..row.len()].copy_from_slice(&row);
        }
        learn(&mut self.step_cache, helped.steps);
        learn(&mut self.service_steps, helped.service_steps);
        // What can no longer improve is made into findings by whichever thread is free while
        // the search goes on.
        let mut handing = Vec::new();
        if hand_out {
            for slot in 0..self.value.len() {
                for i in 0..TECHNIQUES.len() {
                    if self.found_rank[cell(slot, i)] > 0
                        && self.is_final(slot, i)
                        && let Some(e) = self.take_found(slot, i)
                    {
                        sharing.handed_out.add(&mut handing, e);
                    }
                }
            }
        }
        // Backwards from every valuable principal.
        let mut queue: VecDeque<usize> = (0..self.value.len())
            .filter(|&s| self.value[s].is_some())
            .collect();
        while let Some(target_slot) = queue.pop_front() {
            let target = Principal::at_slot(self.account, target_slot);
            let Some(route) = self.value[target_slot].clone() else {
                continue;
            };
            for t in TECHNIQUES {
                if matches!(t.kind, techniques::Kind::Modify(_)) {
                    continue;
                }
                let assume = matches!(t.kind, techniques::Kind::Become(Become::AssumeRole));
                let Some(mut candidates) = self.candidates(t, target, &principals) else {
                    continue;
                };
                for member in candidates.members.iter_mut() {
                    let u = member.principal;
                    let us = self.slot(u);
                    // Nothing to gain when `u` already has as good a way by `t`; a route back
                    // through `u` would be a cycle, not a way up. (AssumeRole's candidates are
                    // the trust graph's edges to the target, which `become_edge` reads: they
                    // have no reach to look at first.)
                    if us == target_slot
                        || self.is_admin(u)
                        || (!assume
                            && !member
                                .reach
                                .get_or_insert_with(|| self.become_reach(u, t))
                                .contains(target_slot))
                        || self.settled(u, t, route.access.outcome)
                        || route.steps.iter().any(|s| s.target == u)
                    {
                        continue;
                    }
                    // Its parts are remembered, so asking again after the target improved
                    // costs little.
                    let access = self.become_edge(u, t, target);
                    if !access.possible() {
                        continue;
                    }
                    let mut steps = vec![Step {
                        technique: t,
                        target,
                        via: None,
                    }];
                    steps.extend(route.steps.iter().cloned());
                    // The finding shows the attacker's own statements; the rest of the route
                    // contributes its conditions.
                    let total = access.and_conditions(&route.access);
                    let before = self.value[us]
                        .as_ref()
                        .map_or(0, |r| rank(r.access.outcome));
                    self.record(u, t, total, steps);
                    let i = technique_index(t);
                    if hand_out
                        && self.is_final(us, i)
                        && let Some(e) = self.take_found(us, i)
                    {
                        sharing.handed_out.add(&mut handing, e);
                    }
                    let after = self.value[us]
                        .as_ref()
                        .map_or(0, |r| rank(r.access.outcome));
                    if after > before {
                        queue.push_back(us);
                    }
                }
                self.give_back(t, target, candidates);
            }
        }
        sharing.handed_out.hand_out(handing);
        // By principal, then by technique id.
        let mut out = Vec::with_capacity(self.found.len());
        for slot in 0..self.value.len() {
            for &i in indexes_by_id() {
                if let Some(e) = self.take_found(slot, i) {
                    out.push(e);
                }
            }
        }
        out
    }

    /// The passes about `p` alone: the changes it can make to itself, then to the principals
    /// it can become in one step.
    fn own_passes(&mut self, p: Principal) {
        if self.is_admin(p) {
            return;
        }
        self.pool_caps(p);
        for t in TECHNIQUES {
            if let techniques::Kind::Modify(m) = t.kind {
                let (access, via) = self.modify(p, m, p);
                if access.possible() {
                    self.record(
                        p,
                        t,
                        access,
                        vec![Step {
                            technique: t,
                            target: p,
                            via,
                        }],
                    );
                }
            }
        }
        if self.has_always(p) || !self.may_modify_others(p) {
            return;
        }
        self.combos(p);
    }

    /// `p`'s [`Self::cap`] for each technique whose pool it is in (see [`Self::candidates`])
    /// and that has targets, and the steps of the service techniques it may use: the
    /// backward search asks them all when it prunes the pools and tries the service roles;
    /// asked here, they are shared between the threads taking turns.
    fn pool_caps(&self, p: Principal) {
        for t in TECHNIQUES {
            let has_targets = match t.kind {
                techniques::Kind::Service(s) => !self.service_roles(t, &s).is_empty(),
                // Its candidates come from the trust graph, not from a pool.
                techniques::Kind::Become(Become::AssumeRole) => false,
                _ => true,
            };
            if has_targets && self.in_pool(p, t) {
                let cap = self.cap(p, t);
                if let techniques::Kind::Service(s) = t.kind
                    && cap != Outcome::Never
                {
                    self.service_steps(p, t, &s);
                }
            }
        }
    }

    /// Whether `p` belongs in `t`'s pool of attackers: not administrator already, and with
    /// the technique's actions possibly allowed (cheap, from masks).
    fn in_pool(&self, p: Principal, t: &'static Technique) -> bool {
        !matches!(t.kind, techniques::Kind::Modify(_)) && !self.is_admin(p) && self.may_use(p, t)
    }

    /// `false` when `p` is certainly not allowed one of the actions `t` needs (cheap, from
    /// masks made once per technique: asked hundreds of thousands of times on a large
    /// account).
    fn may_use(&self, p: Principal, t: &'static Technique) -> bool {
        let may = self.eff.may_mask(p);
        technique_masks()[technique_index(t)]
            .iter()
            .all(|m| m.intersects(&may))
    }

    /// `p`'s escalation by `t` is already as good as `t` can give `p` (see [`Self::cap`]),
    /// capped at `limit`: another target can improve neither it nor `p`'s route (which is at
    /// least as good).
    fn settled(&self, p: Principal, t: &'static Technique, limit: Outcome) -> bool {
        let cap = weaker(self.cap(p, t), limit);
        let found = self.found_rank[cell(self.slot(p), technique_index(t))];
        cap == Outcome::Never || found > rank(cap)
    }

    /// The best `t` can give `p` on any target: `Never` when `p` lacks one of its actions
    /// everywhere, `Conditional` when `p` has them only under conditions (or the technique
    /// needs a resource an IAM snapshot does not show). Techniques whose questions carry their
    /// own context keys (`iam:PolicyARN`, `iam:PassedToService`, ...) are not capped below
    /// `Always` unless an action is never allowed.
    fn cap(&self, p: Principal, t: &'static Technique) -> Outcome {
        let key = cell(self.slot(p), technique_index(t));
        let known = self.caps.borrow()[key];
        if known > 0 {
            return [Outcome::Never, Outcome::Conditional, Outcome::Always][known as usize - 1];
        }
        let o = self.find_cap(p, t);
        self.caps.borrow_mut()[key] = rank(o) + 1;
        o
    }

    fn find_cap(&self, p: Principal, t: &'static Technique) -> Outcome {
        // A service technique's steps are asked with their evidence, which its escalations
        // show; the other techniques' actions only for their outcome.
        let service = matches!(t.kind, techniques::Kind::Service(_));
        let best = |actions: &[&'static str]| {
            let mut best = Outcome::Never;
            for a in actions {
                let o = if service {
                    self.step(p, a).outcome
                } else {
                    self.eff.outcome_somewhere_with(p, a, &[])
                };
                if rank(o) > rank(best) {
                    best = o;
                }
                if best == Outcome::Always {
                    break;
                }
            }
            best
        };
        // Questions that carry their own context keys, asked with them.
        let best_with = |actions: &[&'static str], key: &str, value: &str| {
            actions
                .iter()
                .map(|a| {
                    self.eff
                        .outcome_somewhere_with(p, a, &[(key, ContextValue::from(value))])
                })
                .max_by_key(|o| rank(*o))
                .unwrap_or(Outcome::Never)
        };
        let admin = self.admin_arn.as_str();
        match t.kind {
            techniques::Kind::Modify(m) => match m {
                Modify::AttachUserPolicy | Modify::AttachRolePolicy | Modify::AttachGroupPolicy => {
                    best_with(modify_actions(m), "iam:PolicyARN", admin)
                }
                Modify::PutBoundary => {
                    best_with(modify_actions(m), "iam:PermissionsBoundary", admin)
                }
                _ => best(modify_actions(m)),
            },
            techniques::Kind::Become(Become::AssumeRole) => self
                .graph()
                .assumed_by(self.graph().principal_node(p))
                .map(|e| match self.graph().info(e).status {
                    Status::Always => Outcome::Always,
                    Status::Conditional => Outcome::Conditional,
                    Status::Never => Outcome::Never,
                })
                .max_by_key(|o| rank(*o))
                .unwrap_or(Outcome::Never),
            techniques::Kind::Become(b) => best(&[become_action(b)]),
            techniques::Kind::Service(s) => {
                if !self.may_use(p, t) {
                    return Outcome::Never;
                }
                let mut cap = if s.existing.is_some() {
                    Outcome::Conditional
                } else {
                    Outcome::Always
                };
                // The rarest permission first: most principals stop there.
                if s.pass_role {
                    let services = if s.passed_to.is_empty() {
                        s.trust
                    } else {
                        s.passed_to
                    };
                    let pass = services
                        .iter()
                        .map(|svc| self.pass_cap(p, svc))
                        .max_by_key(|o| rank(*o))
                        .unwrap_or(Outcome::Never);
                    cap = weaker(cap, pass);
                }
                for group in s.steps {
                    if cap == Outcome::Never {
                        break;
                    }
                    cap = weaker(cap, best(group));
                }
                cap
            }
        }
    }

    /// How well `p` may pass some role to `service`.
    fn pass_cap(&self, p: Principal, service: &'static str) -> Outcome {
        remembered(&self.pass_caps, &(self.slot(p), service), || {
            self.eff.outcome_somewhere_with(
                p,
                "iam:PassRole",
                &[("iam:PassedToService", ContextValue::from(service))],
            )
        })
    }

    /// The best any technique other than a modification can give `p`: how well `p` can
    /// become someone else.
    fn become_cap(&self, p: Principal) -> Outcome {
        // Cheapest first (the trust graph, then single actions, then services), and stop
        // at the first technique that can give everything.
        let order = |t: &&Technique| match t.kind {
            techniques::Kind::Become(Become::AssumeRole) => 0,
            techniques::Kind::Become(_) => 1,
            _ => 2,
        };
        let mut candidates: Vec<&'static Technique> = TECHNIQUES
            .iter()
            .filter(|t| !matches!(t.kind, techniques::Kind::Modify(_)))
            .collect();
        candidates.sort_by_key(order);
        let mut best = Outcome::Never;
        for t in candidates {
            let o = self.cap(p, t);
            if rank(o) > rank(best) {
                best = o;
            }
            if best == Outcome::Always {
                break;
            }
        }
        best
    }

    fn has_always(&self, p: Principal) -> bool {
        self.value[self.slot(p)]
            .as_ref()
            .is_some_and(|r| r.access.outcome == Outcome::Always)
    }

    /// Keeps `steps` as `p`'s escalation by `t` if it beats what is known, and updates `p`'s
    /// route.
    fn record(&mut self, p: Principal, t: &'static Technique, access: Access, steps: Vec<Step>) {
        if !access.possible() {
            return;
        }
        let slot = self.slot(p);
        // The rank, not the escalation: one that can no longer improve may be handed out.
        let better_escalation =
            rank(access.outcome) + 1 > self.found_rank[cell(slot, technique_index(t))];
        let better_route = self.value[slot]
            .as_ref()
            .is_none_or(|r| rank(access.outcome) > rank(r.access.outcome));
        // Copied only when both keep it: most escalations do not improve the route.
        let (escalation, route) = match (better_escalation, better_route) {
            (true, true) => (
                Some((steps.clone(), access.clone())),
                Some(Route { access, steps }),
            ),
            (true, false) => (Some((steps, access)), None),
            (false, true) => (None, Some(Route { access, steps })),
            (false, false) => (None, None),
        };
        if let Some((steps, access)) = escalation {
            self.keep(
                slot,
                Escalation {
                    principal: p,
                    technique: t,
                    outcome: access.outcome,
                    steps,
                    evidence: access.evidence,
                    conditions: access.conditions,
                },
            );
        }
        if route.is_some() {
            self.value[slot] = route;
        }
    }

    /// Makes `e` the escalation of the principal in `slot` by its technique.
    fn keep(&mut self, slot: usize, e: Escalation) {
        let i = technique_index(e.technique);
        self.improvements[i] = self.improvements[i].wrapping_add(1);
        self.found_rank[cell(slot, i)] = rank(e.outcome) + 1;
        let at = &mut self.found_at[cell(slot, i)];
        match at.checked_sub(1) {
            Some(k) => self.found[k as usize] = Some(e),
            None => {
                self.found.push(Some(e));
                *at = self.found.len() as u32;
            }
        }
    }

    /// Whether the escalation found for the principal in `slot` by the technique of index `i`
    /// can no longer improve: the backward search leaves modifications alone, and no target
    /// gives more than the technique's [`Self::cap`].
    fn is_final(&self, slot: usize, i: usize) -> bool {
        let t = &TECHNIQUES[i];
        matches!(t.kind, techniques::Kind::Modify(_))
            || self.found_rank[cell(slot, i)]
                == rank(self.cap(Principal::at_slot(self.account, slot), t)) + 1
    }

    /// Takes [`Self::found`] out.
    fn take_found(&mut self, slot: usize, i: usize) -> Option<Escalation> {
        let at = std::mem::take(&mut self.found_at[cell(slot, i)]);
        self.found.get_mut(at.checked_sub(1)? as usize)?.take()
    }

    // ---------------------------------------------------------------- questions

    fn check(&self, p: Principal, action: &str, resource: &str) -> Access {
        self.eff.check(p, action, resource, &[])
    }

    /// `action` allowed on some resource of the kinds it acts on: a generic resource of each
    /// type, and the resources the principal's own statements name for it.
    fn step(&self, p: Principal, action: &'static str) -> Answer {
        remembered(&self.step_cache, &(self.slot(p), action), || {
            self.answer(self.eff.check_somewhere(p, action))
        })
    }

    /// `ask`'s answer about `p` making the change `m` through a shared resource, remembered.
    fn shared(
        &self,
        p: Principal,
        m: Modify,
        what: Shared,
        ask: impl FnOnce() -> Access,
    ) -> Answer {
        remembered(&self.shared_checks, &(self.slot(p), m, what), || {
            self.answer(ask())
        })
    }

    // ---------------------------------------------------------------- modify

    /// Whether `p` may make some change (see [`modify_actions`]) to anyone.
    fn may_modify_others(&self, p: Principal) -> bool {
        TECHNIQUES
            .iter()
            .filter_map(|t| match t.kind {
                techniques::Kind::Modify(m) => Some(modify_actions(m)),
                _ => None,
            })
            .flatten()
            .any(|a| self.eff.may(p, a))
    }

    /// Can `p` make `q` administrator with `m`? Returns the access and the resource acted on
    /// when it is not `q` itself (policy, group).
    fn modify(&self, p: Principal, m: Modify, q: Principal) -> (Access, Option<String>) {
        let (access, via) = self.modify_grant(p, m, q);
        if !access.possible() {
            return (access, via);
        }
        match m {
            // These write a policy of the attacker's choosing; whether that makes `q`
            // administrator still depends on its boundary and on denies elsewhere.
            Modify::PutUserPolicy
            | Modify::AttachUserPolicy
            | Modify::PutRolePolicy
            | Modify::AttachRolePolicy
            | Modify::PutGroupPolicy
            | Modify::AttachGroupPolicy
            | Modify::CreatePolicyVersion => {
                let replaced = via.as_deref().filter(|_| m == Modify::CreatePolicyVersion);
                let Some(gain) = self.anything_gain(q, replaced) else {
                    return (access, via);
                };
                (access.and(&gain), via)
            }
            _ => (access, via),
        }
    }

    /// Whether `p` may make the change `m` to `q` (and, for the changes whose effect depends on
    /// what already exists, whether it makes `q` administrator).
    fn modify_grant(&self, p: Principal, m: Modify, q: Principal) -> (Access, Option<String>) {
        let a = self.account;
        match (m, q) {
            (Modify::PutUserPolicy, Principal::User(_)) => {
                (self.check_on(p, "iam:PutUserPolicy", q), None)
            }
            (Modify::AttachUserPolicy, Principal::User(_)) => {
                (self.attach_on(p, "iam:AttachUserPolicy", q), None)
            }
            (Modify::PutRolePolicy, Principal::Role(_)) => {
                (self.check_on(p, "iam:PutRolePolicy", q), None)
            }
            (Modify::AttachRolePolicy, Principal::Role(_)) => {
                (self.attach_on(p, "iam:AttachRolePolicy", q), None)
            }
            (Modify::PutGroupPolicy | Modify::AttachGroupPolicy, Principal::User(uid)) => {
                let action = if m == Modify::PutGroupPolicy {
                    "iam:PutGroupPolicy"
                } else {
                    "iam:AttachGroupPolicy"
                };
                let mut best = (Access::never(), None);
                for g in &a.user(uid).groups {
                    let garn = &a.group(*g).arn;
                    let access = self.shared(p, m, Shared::Group(*g), || {
                        if m == Modify::PutGroupPolicy {
                            self.check(p, action, garn)
                        } else {
                            self.attach(p, action, garn)
                        }
                    });
                    if rank(access.outcome) > rank(best.0.outcome) {
                        best = ((*access).clone(), Some(garn.clone()));
                    }
                    if best.0.outcome == Outcome::Always {
                        break;
                    }
                }
                best
            }
            (Modify::CreatePolicyVersion, _) => {
                let mut best = (Access::never(), None);
                if !self.eff.may(p, "iam:CreatePolicyVersion") {
                    return best;
                }
                for &id in self.customer_policies_of(q).iter() {
                    let parn = &a.policy(id).arn;
                    let access = self.shared(p, m, Shared::Policy(id), || {
                        self.check(p, "iam:CreatePolicyVersion", parn)
                    });
                    if rank(access.outcome) > rank(best.0.outcome) {
                        best = ((*access).clone(), Some(parn.clone()));
                    }
                    if best.0.outcome == Outcome::Always {
                        break;
                    }
                }
                best
            }
            (Modify::SetDefaultPolicyVersion, _) => self.set_default_version(p, q),
            (Modify::AddUserToGroup, Principal::User(_)) => self.add_to_group(p, q),
            (Modify::DeleteBoundary | Modify::PutBoundary, _) => self.boundary_removal(p, m, q),
            (Modify::RemoveDeny, _) => self.remove_deny(p, q),
            _ => (Access::never(), None),
        }
    }

    /// The targets [`Self::modify_grant`] may grant `p` the change `m` on, before looking at
    /// any: it admits every target the change may be allowed on (the first test
    /// `modify_grant` makes, or a weaker one).
    fn modify_gate(&self, p: Principal, m: Modify) -> TargetGate {
        // The change's actions (see `modify_actions`): the user's then the role's, when the
        // change has one for each.
        let actions = modify_actions(m);
        let principals = |i: usize| self.eff.principals_reached(p, actions[i]);
        let resources = |i: usize| self.eff.groups_and_policies_reached(p, actions[i]);
        match m {
            Modify::PutUserPolicy | Modify::AttachUserPolicy => TargetGate::Principals {
                users: principals(0),
                roles: None,
            },
            Modify::PutRolePolicy | Modify::AttachRolePolicy => TargetGate::Principals {
                users: None,
                roles: principals(0),
            },
            Modify::DeleteBoundary | Modify::PutBoundary => TargetGate::Principals {
                users: principals(0),
                roles: principals(1),
            },
            Modify::PutGroupPolicy | Modify::AttachGroupPolicy => {
                resources(0).map_or(TargetGate::Closed, TargetGate::Groups)
            }
            Modify::CreatePolicyVersion | Modify::SetDefaultPolicyVersion => {
                resources(0).map_or(TargetGate::Closed, TargetGate::Policies)
            }
            // Any user who is not in the group yet.
            Modify::AddUserToGroup => TargetGate::Principals {
                users: resources(0).map(|_| Reach::Everyone),
                roles: None,
            },
            Modify::RemoveDeny => TargetGate::Denies(
                (0..actions.len())
                    .map(|i| (actions[i], principals(i), resources(i)))
                    .collect(),
            ),
        }
    }

    /// [`Self::check`] of `action` on the principal `q`, skipped when the index says no
    /// statement of `p` names `q`.
    fn check_on(&self, p: Principal, action: &str, q: Principal) -> Access {
        if !self.eff.may_allow_on_principal(p, action, q) {
            return Access::never();
        }
        self.check(p, action, self.arn(q))
    }

    /// [`Self::attach`] to the principal `q`, skipped as in [`Self::check_on`].
    fn attach_on(&self, p: Principal, action: &str, q: Principal) -> Access {
        if !self.eff.may_allow_on_principal(p, action, q) {
            return Access::never();
        }
        self.attach(p, action, self.arn(q))
    }

    /// Attaching a policy: AdministratorAccess, which every account has.
    fn attach(&self, p: Principal, action: &str, resource: &str) -> Access {
        self.eff.check(
            p,
            action,
            resource,
            &[("iam:PolicyARN", ContextValue::from(self.admin_arn.as_str()))],
        )
    }

    /// Customer managed policies attached to `q`, directly or through its groups.
    fn customer_policies_of(&self, q: Principal) -> Rc<[PolicyId]> {
        self.targets[self.slot(q)]
            .customer_policies
            .get_or_init(|| self.find_customer_policies(q).into())
            .clone()
    }

    fn find_customer_policies(&self, q: Principal) -> Vec<PolicyId> {
        let a = self.account;
        let mut refs: Vec<&crate::model::PolicyRef> = Vec::new();
        match q {
            Principal::User(id) => {
                let u = a.user(id);
                refs.extend(&u.attached_policies);
                for g in &u.groups {
                    refs.extend(&a.group(*g).attached_policies);
                }
            }
            Principal::Role(id) => refs.extend(&a.role(id).attached_policies),
        }
        let mut out: Vec<PolicyId> = refs
            .into_iter()
            .filter_map(|r| r.policy)
            .filter(|id| !a.policy(*id).is_aws_managed())
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Whether `q` would be administrator-equivalent with `edit` applied to its identity
    /// policies and boundary. `change` names the edit: many attackers ask about the same one.
    fn gain(
        &self,
        q: Principal,
        change: String,
        edit: impl FnOnce(&mut Vec<CompiledPolicy>, &mut Option<CompiledPolicy>),
    ) -> Answer {
        remembered(&self.gains, &(self.slot(q), change), || {
            let mut set = self.eff.admin_set(q).clone();
            edit(&mut set.identity, &mut set.permission_boundary);
            self.answer(self.eff.admin_of(&set, q))
        })
    }

    /// Whether `q` would be administrator with a policy that allows anything added to its
    /// own, in place of `instead_of` if given; `None` when that policy could not be made.
    fn anything_gain(&self, q: Principal, instead_of: Option<&str>) -> Option<Answer> {
        let anything = self.anything.as_ref()?;
        let change = match instead_of {
            Some(label) => format!("anything instead of {label}"),
            None => "anything".to_owned(),
        };
        Some(self.gain(q, change, |identity, _| {
            if let Some(label) = instead_of {
                identity.retain(|c| c.label() != label);
            }
            identity.push(anything.clone());
        }))
    }

    fn set_default_version(&self, p: Principal, q: Principal) -> (Access, Option<String>) {
        let mut best = (Access::never(), None);
        if !self.eff.may(p, "iam:SetDefaultPolicyVersion") {
            return best;
        }
        for &id in self.customer_policies_of(q).iter() {
            let policy = self.account.policy(id);
            let access = self.shared(
                p,
                Modify::SetDefaultPolicyVersion,
                Shared::Policy(id),
                || self.check(p, "iam:SetDefaultPolicyVersion", &policy.arn),
            );
            if !access.possible() {
                continue;
            }
            for (i, v) in policy
                .versions
                .iter()
                .enumerate()
                .filter(|(_, v)| !v.is_default)
            {
                let Some(doc) = &v.document else { continue };
                let version = remembered(&self.versions, &(id, i), || {
                    admin_relevant(
                        &crate::analysis::principal::compile_indexed(doc)
                            .with_label(policy.arn.clone()),
                    )
                });
                let change = format!("{} version {}", policy.arn, v.version_id);
                let gain = self.gain(q, change, |identity, _| {
                    identity.retain(|c| c.label() != policy.arn);
                    identity.push(version);
                });
                let total = (*access).clone().and(&gain);
                if rank(total.outcome) > rank(best.0.outcome) {
                    best = (
                        total,
                        Some(format!("{} version {}", policy.arn, v.version_id)),
                    );
                }
            }
        }
        best
    }

    fn add_to_group(&self, p: Principal, q: Principal) -> (Access, Option<String>) {
        let mut best = (Access::never(), None);
        let Principal::User(uid) = q else { return best };
        if !self.eff.may(p, "iam:AddUserToGroup") {
            return best;
        }
        // A group's policies can do no more than one that allows anything: when even that
        // would not make `q` administrator (a Deny, its boundary), no group will.
        if self.anything_gain(q, None).is_some_and(|g| !g.possible()) {
            return best;
        }
        let member_of = &self.account.user(uid).groups;
        for &gid in self.addable_groups(p).iter() {
            if member_of.contains(&gid) || !self.eff.may_be_admin_with_group(q, gid) {
                continue;
            }
            let g = self.account.group(gid);
            let access = self.shared(p, Modify::AddUserToGroup, Shared::Group(gid), || {
                self.check(p, "iam:AddUserToGroup", &g.arn)
            });
            if !access.possible() {
                continue;
            }
            let policies = self.group_admin_policies(gid);
            let gain = self.gain(q, format!("member of {}", g.arn), |identity, _| {
                identity.extend(policies.iter().cloned());
            });
            let total = (*access).clone().and(&gain);
            if rank(total.outcome) > rank(best.0.outcome) {
                best = (total, Some(g.arn.clone()));
            }
            if best.0.outcome == Outcome::Always {
                break;
            }
        }
        best
    }

    /// The groups `p`'s statements name for adding users (whether it may is asked per
    /// group, when a target needs it).
    fn addable_groups(&self, p: Principal) -> AddableGroups {
        remembered(&self.addable_groups, &self.slot(p), || {
            let Some(reach) = self
                .eff
                .groups_and_policies_reached(p, "iam:AddUserToGroup")
            else {
                return AddableGroups::default();
            };
            (0..self.account.groups.len())
                .map(|i| GroupId(i as u32))
                .filter(|id| reach.contains(self.eff.group_slot(*id)))
                .collect()
        })
    }

    /// A group's policies, restricted to what can make a member administrator.
    fn group_admin_policies(&self, g: GroupId) -> Rc<[CompiledPolicy]> {
        self.group_policies[g.index()]
            .get_or_init(|| {
                self.eff
                    .compiled()
                    .group_policies(self.account, g)
                    .into_iter()
                    .map(admin_relevant)
                    .collect()
            })
            .clone()
    }

    fn boundary_removal(&self, p: Principal, m: Modify, q: Principal) -> (Access, Option<String>) {
        let none = (Access::never(), None);
        let (has_boundary, delete, put) = match q {
            Principal::User(id) => (
                self.account.user(id).permissions_boundary.is_some(),
                "iam:DeleteUserPermissionsBoundary",
                "iam:PutUserPermissionsBoundary",
            ),
            Principal::Role(id) => (
                self.account.role(id).permissions_boundary.is_some(),
                "iam:DeleteRolePermissionsBoundary",
                "iam:PutRolePermissionsBoundary",
            ),
        };
        if !has_boundary {
            return none;
        }
        let q_arn = self.arn(q);
        if !self.eff.may_allow_on_principal(
            p,
            if m == Modify::DeleteBoundary {
                delete
            } else {
                put
            },
            q,
        ) {
            return none;
        }
        let access = if m == Modify::DeleteBoundary {
            self.check(p, delete, q_arn)
        } else {
            self.eff.check(
                p,
                put,
                q_arn,
                &[(
                    "iam:PermissionsBoundary",
                    ContextValue::from(self.admin_arn.as_str()),
                )],
            )
        };
        if !access.possible() {
            return none;
        }
        let gain = self.gain(q, "no boundary".to_owned(), |_, boundary| *boundary = None);
        (access.and(&gain), None)
    }

    /// The ways to take a Deny away from `q`.
    fn deny_removals(&self, q: Principal) -> Vec<DenyRemoval> {
        let a = self.account;
        let has_deny =
            |doc: &crate::policy::Policy| doc.statements.iter().any(|s| s.effect == Effect::Deny);
        let attached_deny = |r: &&crate::model::PolicyRef| {
            r.policy
                .and_then(|id| a.policy(id).default_document())
                .is_some_and(has_deny)
        };
        let mut options: Vec<DenyRemoval> = Vec::new();
        let mut option = |label: &str, action, group| {
            options.push(DenyRemoval {
                label: label.to_owned(),
                action,
                group,
            })
        };
        let (inline, attached, delete, detach) = match q {
            Principal::User(id) => {
                let u = a.user(id);
                (
                    &u.inline_policies,
                    &u.attached_policies,
                    "iam:DeleteUserPolicy",
                    "iam:DetachUserPolicy",
                )
            }
            Principal::Role(id) => {
                let r = a.role(id);
                (
                    &r.inline_policies,
                    &r.attached_policies,
                    "iam:DeleteRolePolicy",
                    "iam:DetachRolePolicy",
                )
            }
        };
        for i in inline.iter().filter(|i| has_deny(&i.document)) {
            option(&i.name, delete, None);
        }
        for r in attached.iter().filter(attached_deny) {
            option(&r.arn, detach, None);
        }
        if let Principal::User(id) = q {
            for &g in &a.user(id).groups {
                let group = a.group(g);
                for i in group
                    .inline_policies
                    .iter()
                    .filter(|i| has_deny(&i.document))
                {
                    option(&i.name, "iam:DeleteGroupPolicy", Some(g));
                    option(&i.name, "iam:RemoveUserFromGroup", Some(g));
                }
                for r in group.attached_policies.iter().filter(attached_deny) {
                    option(&r.arn, "iam:DetachGroupPolicy", Some(g));
                    option(&r.arn, "iam:RemoveUserFromGroup", Some(g));
                }
            }
        }
        options
    }

    /// [`Self::deny_removals`], remembered per target.
    fn deny_removals_of(&self, q: Principal) -> Rc<[DenyRemoval]> {
        self.targets[self.slot(q)]
            .deny_removals
            .get_or_init(|| self.deny_removals(q).into())
            .clone()
    }

    /// Detaching or deleting a policy with a Deny (or leaving the group that has it).
    fn remove_deny(&self, p: Principal, q: Principal) -> (Access, Option<String>) {
        let mut best = (Access::never(), None);
        if !REMOVE_DENY_ACTIONS.iter().any(|a| self.eff.may(p, a)) {
            return best;
        }
        let options = self.deny_removals_of(q);
        for DenyRemoval {
            label,
            action,
            group,
        } in options.iter()
        {
            let resource = match group {
                Some(g) => &self.account.group(*g).arn,
                None => self.arn(q),
            };
            let access = self.check(p, action, resource);
            if !access.possible() {
                continue;
            }
            let gain = self.gain(q, format!("without {label}"), |identity, _| {
                identity.retain(|c| c.label() != label)
            });
            let total = access.and(&gain);
            if rank(total.outcome) > rank(best.0.outcome) {
                best = (total, Some(label.clone()));
            }
            if best.0.outcome == Outcome::Always {
                break;
            }
        }
        best
    }

    /// Changes to principals `p` can become in one step. Each target is considered once:
    /// first what `p` could change about it, and only then how `p` becomes it.
    fn combos(&mut self, p: Principal) {
        // Per target slot, the techniques (as bits of their index) that may reach it, as far
        // as `p`'s statements name it.
        let mut ways = std::mem::take(&mut self.ways);
        let (lists, marked) = self.target_lists(p, &mut ways);
        let mut order = TargetOrder::default();
        let limit = self.become_cap(p);
        // The modifications that may still improve; none left, no target can help.
        // Most targets are turned away by `p`'s gates, without asking anything.
        let mut active: Vec<(&'static Technique, Modify, TargetGate)> = TECHNIQUES
            .iter()
            .filter_map(|t| match t.kind {
                techniques::Kind::Modify(m) => Some((t, m)),
                _ => None,
            })
            .filter(|(t, _)| !self.settled(p, t, limit))
            .map(|(t, m)| (t, m, self.modify_gate(p, m)))
            .collect();
        while !active.is_empty() {
            let Some((q, mask)) = order.next(self, p, &lists, &ways) else {
                break;
            };
            let mut changes: Vec<(&'static Technique, Access, Option<String>)> = Vec::new();
            for (t, m, gate) in &active {
                let (t, m) = (*t, *m);
                if !gate.admits(self, q) {
                    continue;
                }
                let (access, via) = self.modify(p, m, q);
                if access.possible() {
                    changes.push((t, access, via));
                }
            }
            if changes.is_empty() {
                continue;
            }
            for bt in TECHNIQUES
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .map(|(_, t)| t)
            {
                let become_access = self.become_edge(p, bt, q);
                if !become_access.possible() {
                    continue;
                }
                for (t, access, via) in &changes {
                    let total = become_access.clone().and(access);
                    self.record(
                        p,
                        t,
                        total,
                        vec![
                            Step {
                                technique: bt,
                                target: q,
                                via: None,
                            },
                            Step {
                                technique: t,
                                target: q,
                                via: via.clone(),
                            },
                        ],
                    );
                }
            }
            active.retain(|(t, _, _)| !self.settled(p, t, limit));
        }
        for slot in marked {
            ways[slot] = 0;
        }
        self.ways = ways;
    }

    /// `p`'s target lists, one per technique that becomes someone: the principals `p` might
    /// become with it (a superset; [`Self::become_edge`] decides). A technique whose
    /// statements name only some of its list marks them in `ways`, by slot, with its bit;
    /// the slots marked are returned. The others reach their whole list
    /// ([`TargetLists::everyone`]).
    fn target_lists(&self, p: Principal, ways: &mut [u128]) -> (TargetLists, Vec<usize>) {
        let a = self.account;
        let users = 0..a.users.len();
        let roles = a.users.len()..a.principal_count();
        let mut lists = TargetLists::default();
        let mut marked = Vec::new();
        // Whether the slot is new to the technique.
        let mut mark = |slot: usize, i: usize| {
            let way = &mut ways[slot];
            if *way == 0 {
                marked.push(slot);
            }
            let new = *way & (1 << i) == 0;
            *way |= 1 << i;
            new
        };
        for (i, t) in TECHNIQUES.iter().enumerate() {
            let bit = 1u128 << i;
            match t.kind {
                techniques::Kind::Modify(_) => {}
                techniques::Kind::Become(Become::AssumeRole) => {
                    let graph = self.graph();
                    let assumable = graph
                        .assumed_by(graph.principal_node(p))
                        .filter(|e| graph.info(e).status != Status::Never);
                    for e in assumable {
                        let q = Principal::Role(e.role);
                        if q != p && !self.skip(q) && mark(self.slot(q), i) {
                            lists.assumable.push(e.role);
                        }
                    }
                    lists.assume_bit = bit;
                }
                techniques::Kind::Become(b) => {
                    if !self.eff.may(p, become_action(b)) {
                        continue;
                    }
                    let (range, listed, everyone) = if b == Become::UpdateAssumeRolePolicy {
                        (roles.clone(), &mut lists.roles, &mut lists.everyone.roles)
                    } else {
                        (users.clone(), &mut lists.users, &mut lists.everyone.users)
                    };
                    *listed = true;
                    match self.become_reach(p, t) {
                        Reach::Everyone => *everyone |= bit,
                        reach => reach.for_each_in(range, |slot| {
                            mark(slot, i);
                        }),
                    }
                }
                techniques::Kind::Service(s) => {
                    if !self.may_use(p, t) {
                        continue;
                    }
                    let targets = self.service_roles(t, &s);
                    if targets.is_empty() {
                        continue;
                    }
                    lists.services |= bit;
                    match self.become_reach(p, t) {
                        Reach::Everyone => lists.everyone.services |= bit,
                        reach => reach.for_each_in(roles.clone(), |slot| {
                            if self.service_bits()[slot - a.users.len()] & bit != 0 {
                                mark(slot, i);
                            }
                        }),
                    }
                }
            }
        }
        (lists, marked)
    }

    /// Per role: the service techniques (as bits of their index) whose services may assume it
    /// ([`Self::service_roles`] by role).
    fn service_bits(&self) -> &[u128] {
        self.service_bits.get_or_init(|| {
            let mut bits = vec![0u128; self.account.roles.len()];
            for (i, t) in TECHNIQUES.iter().enumerate() {
                if let techniques::Kind::Service(s) = t.kind {
                    for q in self.service_roles(t, &s) {
                        if let Principal::Role(rid) = q {
                            bits[rid.index()] |= 1 << i;
                        }
                    }
                }
            }
            bits
        })
    }

    /// Principals that might become `target` with `t`: the technique's pool (for AssumeRole,
    /// the role's), taken out of the analysis; hand it back with [`Self::give_back`]. `None`
    /// when `t` cannot make one a principal like `target`.
    fn candidates(
        &mut self,
        t: &'static Technique,
        target: Principal,
        all: &[Principal],
    ) -> Option<Pool> {
        let fits = match (t.kind, target) {
            (techniques::Kind::Become(Become::AssumeRole), Principal::Role(rid)) => {
                if let Some(pool) = self.assumers[rid.index()].take() {
                    return Some(pool);
                }
                let graph = self.graph();
                let members = graph
                    .assumers_of(rid)
                    .iter()
                    .filter(|e| graph.info(e).status != Status::Never)
                    .filter_map(|e| match graph.node(e.from) {
                        Node::User(id) => Some(Principal::User(id)),
                        Node::Role(id) => Some(Principal::Role(id)),
                        Node::External(_) => None,
                    })
                    .filter(|&p| !self.is_admin(p))
                    .map(Member::new)
                    .collect();
                return Some(Pool::new(members));
            }
            (techniques::Kind::Become(Become::UpdateAssumeRolePolicy), Principal::Role(_)) => true,
            (techniques::Kind::Become(b), Principal::User(_)) => {
                b != Become::AssumeRole && b != Become::UpdateAssumeRolePolicy
            }
            (techniques::Kind::Service(_), Principal::Role(rid)) => {
                self.service_bits()[rid.index()] & (1 << technique_index(t)) != 0
            }
            _ => false,
        };
        if !fits {
            return None;
        }
        let i = technique_index(t);
        Some(self.attackers[i].take().unwrap_or_else(|| {
            Pool::new(
                all.iter()
                    .copied()
                    .filter(|&p| self.in_pool(p, t))
                    .map(Member::new)
                    .collect(),
            )
        }))
    }

    /// Returns a pool [`Self::candidates`] took out, without the principals that have all `t`
    /// can give them.
    fn give_back(&mut self, t: &'static Technique, target: Principal, mut pool: Pool) {
        let i = technique_index(t);
        if pool.pruned_at != Some(self.improvements[i]) {
            pool.members
                .retain(|m| !self.settled(m.principal, t, Outcome::Always));
            pool.pruned_at = Some(self.improvements[i]);
        }
        match (t.kind, target) {
            (techniques::Kind::Become(Become::AssumeRole), Principal::Role(rid)) => {
                self.assumers[rid.index()] = Some(pool);
            }
            _ => self.attackers[i] = Some(pool),
        }
    }

    // ---------------------------------------------------------------- become

    /// The principals `p` may become with `t` as far as its statements name them (a
    /// superset; [`Self::become_edge`] decides): cheap to test, from an index.
    fn become_reach(&self, p: Principal, t: &'static Technique) -> Reach {
        let reached = |action| {
            self.eff
                .principals_reached(p, action)
                .unwrap_or_else(Reach::nobody)
        };
        match t.kind {
            techniques::Kind::Become(Become::AssumeRole) => Reach::Everyone,
            techniques::Kind::Become(b) => reached(become_action(b)),
            techniques::Kind::Service(s) if s.pass_role => reached("iam:PassRole"),
            techniques::Kind::Service(_) => Reach::Everyone,
            techniques::Kind::Modify(_) => Reach::nobody(),
        }
    }

    /// Can `p` obtain `q`'s permissions with `t`?
    fn become_edge(&self, p: Principal, t: &'static Technique, q: Principal) -> Access {
        let a = self.account;
        let q_arn = self.arn(q);
        match (t.kind, q) {
            (techniques::Kind::Become(Become::AssumeRole), Principal::Role(rid)) => {
                self.assume(p, rid)
            }
            (techniques::Kind::Become(Become::UpdateAssumeRolePolicy), Principal::Role(rid)) => {
                if a.role(rid).is_service_linked() {
                    return Access::never();
                }
                self.check_on(p, "iam:UpdateAssumeRolePolicy", q)
            }
            (techniques::Kind::Become(Become::CreateAccessKey), Principal::User(uid)) => {
                let access = self.check_on(p, "iam:CreateAccessKey", q);
                // A user holds at most two keys: with both slots taken, one must go first.
                if a.user(uid).credentials.access_keys.len() >= 2 {
                    access.and(&self.check(p, "iam:DeleteAccessKey", q_arn))
                } else {
                    access
                }
            }
            (
                techniques::Kind::Become(
                    b @ (Become::CreateLoginProfile | Become::UpdateLoginProfile),
                ),
                Principal::User(uid),
            ) => {
                let c = &a.user(uid).credentials;
                // Console sign-in as a user with MFA needs the MFA device too.
                if !c.mfa_devices.is_empty() || c.mfa_active == Some(true) {
                    return Access::never();
                }
                // CreateLoginProfile fails when a password exists; UpdateLoginProfile needs one.
                let exists = c.password_enabled;
                if (b == Become::CreateLoginProfile && exists == Some(true))
                    || (b == Become::UpdateLoginProfile && exists == Some(false))
                {
                    return Access::never();
                }
                self.check_on(p, become_action(b), q)
            }
            (techniques::Kind::Service(s), Principal::Role(rid)) => {
                self.service_edge(p, t, &s, rid)
            }
            _ => Access::never(),
        }
    }

    fn service_edge(
        &self,
        p: Principal,
        t: &'static Technique,
        s: &ServiceRun,
        rid: RoleId,
    ) -> Access {
        let Some(trust) = self.service_run_trust(rid, s) else {
            return Access::never();
        };
        let role = self.account.role(rid);
        // Most attackers may pass only some roles: a cheap look at the resources first.
        if s.pass_role
            && !self
                .eff
                .may_allow_on_principal(p, "iam:PassRole", Principal::Role(rid))
        {
            return Access::never();
        }
        let steps = self.service_steps(p, t, s);
        if !steps.possible() {
            return Access::never();
        }
        // Passing the role is what most attackers lack: asked before the steps are copied.
        let pass = if s.pass_role {
            let services = if s.passed_to.is_empty() {
                s.trust
            } else {
                s.passed_to
            };
            match best_answer(services.iter().map(|svc| self.pass_role(p, rid, svc))) {
                Some(pass) if pass.possible() => Some(pass),
                _ => return Access::never(),
            }
        } else {
            None
        };
        let mut access = (*steps).clone();
        if let Some(pass) = pass {
            access = access.and(&pass);
        }
        access = access.and(&trust);
        if let Some(what) = s.existing
            && access.possible()
        {
            // Whether such a resource exists is not in an IAM snapshot.
            access.outcome = Outcome::Conditional;
            let need = format!("needs {}", what.replace("{role}", &role.name));
            if !access.conditions.contains(&need) {
                access.conditions.insert(0, need);
            }
        }
        access
    }

    /// Whether `p` may do every step of the service technique `t` (on some resource),
    /// whatever the role: asked once per attacker.
    fn service_steps(&self, p: Principal, t: &'static Technique, s: &ServiceRun) -> Answer {
        remembered(
            &self.service_steps,
            &(self.slot(p), technique_index(t)),
            || {
                let mut access = Access::always();
                for group in s.steps {
                    let Some(best) = best_answer(group.iter().map(|a| self.step(p, a))) else {
                        return self.never.clone();
                    };
                    access = access.and(&best);
                    if !access.possible() {
                        break;
                    }
                }
                self.answer(access)
            },
        )
    }

    /// May `p` pass `role` to `service`?
    fn pass_role(&self, p: Principal, rid: RoleId, service: &'static str) -> Answer {
        remembered(&self.passes, &(self.slot(p), rid, service), || {
            self.answer(self.eff.check(
                p,
                "iam:PassRole",
                &self.account.role(rid).arn,
                &[("iam:PassedToService", ContextValue::from(service))],
            ))
        })
    }

    /// How the service technique's code may run as `rid`, whoever starts it: the trust of
    /// one of its services ([`Self::service_trust`]); `None` for a service-linked role, one
    /// without the instance profile the service needs, or one no service may assume.
    fn service_run_trust(&self, rid: RoleId, s: &ServiceRun) -> Option<Answer> {
        let role = self.account.role(rid);
        let lacks_profile =
            s.instance_profile && role.instance_profiles.is_empty() && self.any_instance_profiles;
        if role.is_service_linked() || lacks_profile {
            return None;
        }
        Some(self.service_trust(rid, s)).filter(|trust| trust.possible())
    }

    /// May one of the technique's services assume `role`? The trust graph's edge from the
    /// service; a condition on the source account or resource is met when the attacker creates
    /// the resource in this account.
    fn service_trust(&self, rid: RoleId, s: &ServiceRun) -> Answer {
        remembered(&self.service_trusts, &(rid, ServiceKey::of(s)), || {
            self.answer(self.service_trust_uncached(rid, s))
        })
    }

    fn service_trust_uncached(&self, rid: RoleId, s: &ServiceRun) -> Access {
        let own = self.account.info.account_id.as_str();
        let mut best = Access::never();
        for e in self.graph().assumers_of(rid) {
            let Node::External(ext) = self.graph().node(e.from) else {
                continue;
            };
            if !runs_as(s, ext) {
                continue;
            }
            let info = self.graph().info(e);
            let mut access = match info.status {
                Status::Never => continue,
                Status::Always => Access::always(),
                Status::Conditional => Access {
                    outcome: Outcome::Conditional,
                    conditions: Vec::new(),
                    evidence: Vec::new(),
                },
            };
            if info.status == Status::Conditional {
                let mut open = !info.conditions.any_of.is_empty();
                for c in &info.conditions.all {
                    match source_condition(c, own) {
                        Some(true) => {}
                        Some(false) => {
                            open = false;
                            access = Access::never();
                            break;
                        }
                        None => {
                            open = true;
                            access.conditions.push(format!(
                                "{} (trust policy of {})",
                                c.description,
                                self.account.role(rid).name
                            ));
                        }
                    }
                }
                if access.possible() && !open {
                    access.outcome = Outcome::Always;
                }
                if access.possible() && !info.conditions.any_of.is_empty() {
                    access
                        .conditions
                        .extend(info.conditions.any_of.iter().flatten().map(|c| {
                            format!(
                                "{} (trust policy of {})",
                                c.description,
                                self.account.role(rid).name
                            )
                        }));
                }
            }
            best = best.or(access);
        }
        best
    }

    /// Roles the technique's code may run as ([`Self::service_run_trust`]; the same for
    /// every attacker).
    fn service_roles(&self, t: &'static Technique, s: &ServiceRun) -> &[Principal] {
        self.service_roles[technique_index(t)].get_or_init(|| {
            // Only roles with an edge from one of the services can qualify.
            let graph = self.graph();
            let mut roles: Vec<RoleId> = graph
                .externals()
                .iter()
                .enumerate()
                .filter(|(_, ext)| runs_as(s, ext))
                .flat_map(|(i, _)| graph.assumed_by(graph.external_node(i)).map(|e| e.role))
                .collect();
            roles.sort_unstable();
            roles.dedup();
            roles.retain(|&rid| self.service_run_trust(rid, s).is_some());
            roles.into_iter().map(Principal::Role).collect()
        })
    }

    /// May `p` assume `role`: the trust graph's edge, with the trust statements that grant it.
    fn assume(&self, p: Principal, rid: RoleId) -> Access {
        let Some(edge) = self.graph().edge(self.graph().principal_node(p), rid) else {
            return Access::never();
        };
        let info = self.graph().info(edge);
        let outcome = match info.status {
            Status::Never => return Access::never(),
            Status::Always => Outcome::Always,
            Status::Conditional => Outcome::Conditional,
        };
        let role = self.account.role(rid);
        let mut access = Access {
            outcome,
            conditions: info
                .conditions
                .iter()
                .map(|c| format!("{} (to assume {})", c.description, role.name))
                .collect(),
            evidence: Vec::new(),
        };
        // The caller's own statements that allow sts:AssumeRole are added to the findings
        // that use this step (see `with_assume_evidence`): most edges never become one.
        if let Some(trust) = &role.trust_policy {
            for (i, st) in trust.statements.iter().enumerate() {
                if st.effect == Effect::Allow && trust_names(st, self.arn(p)) {
                    access.evidence.push(Evidence::new(
                        format!("{} trust policy", role.arn),
                        i,
                        st.sid.as_deref(),
                    ));
                }
            }
        }
        access
    }
}

/// Remembers the answers another thread worked out, where this one has none.
fn learn<K: std::hash::Hash + Eq>(memo: &mut Memo<K, Answer>, answers: Vec<(K, Answer)>) {
    let memo = memo.get_mut();
    for (key, answer) in answers {
        memo.entry(key).or_insert(answer);
    }
}

/// The escalations, each whose first step is AssumeRole with the statements of the attacker's
/// own policies that allow that step in front of its evidence: asked only of the escalations
/// that come out, not of every edge the search tries.
fn with_assume_evidence(eff: &Effective<'_>, mut escalations: Vec<Escalation>) -> Vec<Escalation> {
    for e in &mut escalations {
        let Some(first) = e.steps.first() else {
            continue;
        };
        if !matches!(
            first.technique.kind,
            techniques::Kind::Become(Become::AssumeRole)
        ) {
            continue;
        }
        let own = eff.check(
            e.principal,
            "sts:AssumeRole",
            first.target.arn(eff.account),
            &[],
        );
        let rest = std::mem::replace(&mut e.evidence, own.evidence);
        for ev in rest {
            if !e.evidence.contains(&ev) {
                e.evidence.push(ev);
            }
        }
    }
    escalations
}

/// Whether `ext` is one of the identities the service technique's code runs as.
fn runs_as(s: &ServiceRun, ext: &External) -> bool {
    let wanted = if s.web_identity {
        AssumerKind::Federated
    } else {
        AssumerKind::Service
    };
    ext.kind == wanted && s.trust.iter().any(|t| t.eq_ignore_ascii_case(&ext.id))
}

/// A way to take a Deny away from a principal.
struct DenyRemoval {
    /// The label of the policy in the principal's set.
    label: String,
    action: &'static str,
    /// The group acted on; `None` when it is the principal itself.
    group: Option<GroupId>,
}

/// Every action [`Analysis::remove_deny`] may use.
const REMOVE_DENY_ACTIONS: &[&str] = &[
    "iam:DeleteUserPolicy",
    "iam:DetachUserPolicy",
    "iam:DeleteGroupPolicy",
    "iam:DetachGroupPolicy",
    "iam:RemoveUserFromGroup",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
];

/// What an attacker's target lists hold, by technique kind ([`Analysis::target_lists`]).
#[derive(Default)]
struct TargetLists {
    /// The roles it may assume, as the trust graph lists them.
    assumable: Vec<RoleId>,
    /// The bit of the technique that assumes roles.
    assume_bit: u128,
    /// Every user is listed (it may create access keys or set passwords somewhere).
    users: bool,
    /// Every role is listed (it may rewrite trust policies somewhere).
    roles: bool,
    /// The service techniques that list the roles their services may assume.
    services: u128,
    /// The techniques that reach every principal of their list.
    everyone: Everyone,
}

/// Techniques (as bits of their index) that reach every principal of their list.
#[derive(Default)]
struct Everyone {
    users: u128,
    roles: u128,
    services: u128,
}

/// Walks an attacker's targets in the order its target lists name them, each where it first
/// appears: the roles it may assume as the trust graph lists them, then users by index, then
/// the other roles: by index when every role is listed, else by the first service technique
/// that lists them, then by index. Made as they are asked for: [`Analysis::combos`] stops
/// once no change can improve.
enum TargetOrder {
    AssumableAt(usize),
    UserAt(usize),
    RoleAt(usize),
    /// At the `at`th role of the list of the service technique of index `technique`.
    ServiceAt {
        technique: usize,
        at: usize,
    },
    Done,
}

impl Default for TargetOrder {
    fn default() -> TargetOrder {
        TargetOrder::AssumableAt(0)
    }
}

impl TargetOrder {
    /// The next target of `p` any technique may reach, with the techniques' bits.
    fn next(
        &mut self,
        a: &Analysis<'_, '_>,
        p: Principal,
        lists: &TargetLists,
        ways: &[u128],
    ) -> Option<(Principal, u128)> {
        let users = a.account.users.len();
        let roles = a.account.roles.len();
        loop {
            let q = match *self {
                TargetOrder::AssumableAt(at) => match lists.assumable.get(at) {
                    Some(&rid) => {
                        *self = TargetOrder::AssumableAt(at + 1);
                        Principal::Role(rid)
                    }
                    None => {
                        *self = if lists.users {
                            TargetOrder::UserAt(0)
                        } else {
                            TargetOrder::RoleAt(0)
                        };
                        continue;
                    }
                },
                TargetOrder::UserAt(at) if at < users => {
                    *self = TargetOrder::UserAt(at + 1);
                    Principal::User(UserId(at as u32))
                }
                TargetOrder::UserAt(_) => {
                    *self = TargetOrder::RoleAt(0);
                    continue;
                }
                TargetOrder::RoleAt(at) if lists.roles && at < roles => {
                    *self = TargetOrder::RoleAt(at + 1);
                    Principal::Role(RoleId(at as u32))
                }
                TargetOrder::RoleAt(_) if lists.roles => {
                    *self = TargetOrder::Done;
                    continue;
                }
                TargetOrder::RoleAt(_) => {
                    *self = TargetOrder::ServiceAt {
                        technique: 0,
                        at: 0,
                    };
                    continue;
                }
                TargetOrder::ServiceAt { technique, at } => {
                    if technique >= TECHNIQUES.len() {
                        *self = TargetOrder::Done;
                        continue;
                    }
                    let t = &TECHNIQUES[technique];
                    let list = match t.kind {
                        techniques::Kind::Service(s) if lists.services & (1 << technique) != 0 => {
                            a.service_roles(t, &s)
                        }
                        _ => &[],
                    };
                    let Some(&q) = list.get(at) else {
                        *self = TargetOrder::ServiceAt {
                            technique: technique + 1,
                            at: 0,
                        };
                        continue;
                    };
                    *self = TargetOrder::ServiceAt {
                        technique,
                        at: at + 1,
                    };
                    // Listed by an earlier service technique: already walked.
                    let Principal::Role(rid) = q else { continue };
                    let earlier = (1u128 << technique) - 1;
                    if a.service_bits()[rid.index()] & lists.services & earlier != 0 {
                        continue;
                    }
                    q
                }
                TargetOrder::Done => return None,
            };
            if q == p || a.skip(q) {
                continue;
            }
            let slot = a.slot(q);
            // The assumable roles were walked first.
            if !matches!(self, TargetOrder::AssumableAt(_)) && ways[slot] & lists.assume_bit != 0 {
                continue;
            }
            let mask = ways[slot]
                | match q {
                    Principal::User(_) => lists.everyone.users,
                    Principal::Role(rid) => {
                        lists.everyone.roles
                            | (a.service_bits()[rid.index()] & lists.everyone.services)
                    }
                };
            if mask != 0 {
                return Some((q, mask));
            }
        }
    }
}

/// Principals that may use a technique (see [`Analysis::candidates`]).
struct Pool {
    members: Vec<Member>,
    /// [`Analysis::improvements`] of the technique when members that have all it can give
    /// them were last left out.
    pruned_at: Option<u32>,
}

impl Pool {
    fn new(members: Vec<Member>) -> Pool {
        Pool {
            members,
            pruned_at: None,
        }
    }
}

/// A member of a technique's pool of attackers (see [`Analysis::candidates`]), with the
/// principals it may become by the technique, looked up on its first visit.
struct Member {
    principal: Principal,
    reach: Option<Reach>,
}

impl Member {
    fn new(principal: Principal) -> Member {
        Member {
            principal,
            reach: None,
        }
    }
}

/// The targets a change may be made to (see [`Analysis::modify_gate`]), by what the change
/// acts on.
enum TargetGate {
    Closed,
    /// The target itself: the users and the roles the statements may cover.
    Principals {
        users: Option<Reach>,
        roles: Option<Reach>,
    },
    /// Users in a group the statements may cover.
    Groups(Reach),
    /// Principals with a customer managed policy the statements may cover.
    Policies(Reach),
    /// Principals with a Deny to take away (see [`Analysis::deny_removals`]): per action, the
    /// principals and the groups the statements may cover.
    Denies(Vec<(&'static str, Option<Reach>, Option<Reach>)>),
}

impl TargetGate {
    fn admits(&self, a: &Analysis<'_, '_>, q: Principal) -> bool {
        let eff = a.eff;
        let groups_of = |q| match q {
            Principal::User(id) => a.account.user(id).groups.as_slice(),
            Principal::Role(_) => &[],
        };
        match self {
            TargetGate::Closed => false,
            TargetGate::Principals { users, roles } => {
                let reach = match q {
                    Principal::User(_) => users,
                    Principal::Role(_) => roles,
                };
                reach.as_ref().is_some_and(|r| r.contains(a.slot(q)))
            }
            TargetGate::Groups(reach) => groups_of(q)
                .iter()
                .any(|&g| reach.contains(eff.group_slot(g))),
            TargetGate::Policies(reach) => a
                .customer_policies_of(q)
                .iter()
                .any(|&id| reach.contains(eff.policy_slot(id))),
            TargetGate::Denies(by_action) => a.deny_removals_of(q).iter().any(|d| {
                by_action
                    .iter()
                    .find(|(action, _, _)| *action == d.action)
                    .is_some_and(|(_, principals, resources)| match d.group {
                        None => principals.as_ref().is_some_and(|r| r.contains(a.slot(q))),
                        Some(g) => resources
                            .as_ref()
                            .is_some_and(|r| r.contains(eff.group_slot(g))),
                    })
            }),
        }
    }
}

/// What the analysis learns about a principal as a target, once.
#[derive(Default)]
struct TargetFacts {
    customer_policies: OnceCell<Rc<[PolicyId]>>,
    deny_removals: OnceCell<Rc<[DenyRemoval]>>,
}

/// Identifies what [`Analysis::service_trust`] depends on: the trusted services (by address:
/// techniques share the same lists) and whether through web identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct ServiceKey(usize, usize, bool);

impl ServiceKey {
    fn of(s: &ServiceRun) -> ServiceKey {
        ServiceKey(s.trust.as_ptr() as usize, s.trust.len(), s.web_identity)
    }
}

/// Where the analysis gets the trust graph, once it needs it.
type GraphSource<'e> = Box<dyn FnOnce() -> Arc<TrustGraph> + 'e>;

/// Groups an attacker's statements name for adding users.
type AddableGroups = Rc<[GroupId]>;

/// A group or managed policy that many targets share: answers about it are asked once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Shared {
    Group(GroupId),
    Policy(PolicyId),
}

/// Whether a trust statement's `Principal` names `arn` or the whole world.
fn trust_names(st: &crate::policy::Statement, arn: &str) -> bool {
    match &st.principal {
        Some(p) if p.negated => true,
        Some(p) => match &p.set {
            PrincipalSet::Anyone => true,
            PrincipalSet::Entries(es) => es.iter().any(|e| {
                e.kind == PrincipalKind::Aws && e.values.iter().any(|v| v == arn || v == "*")
            }),
        },
        None => false,
    }
}

/// A trust condition on where a service acts from: met (`Some(true)`) when it asks for this
/// account, impossible (`Some(false)`) when it asks for another; `None` for anything else.
fn source_condition(c: &crate::analysis::trust::RequiredCondition, own: &str) -> Option<bool> {
    if c.negated || c.operator.contains("Not") {
        return None;
    }
    let key = c.key.to_ascii_lowercase();
    if key == "aws:sourceaccount" {
        return Some(c.values.iter().any(|v| v == own));
    }
    if key == "aws:sourcearn" {
        let mine = c.values.iter().any(|v| {
            crate::model::Arn::parse(v).is_ok_and(|a| a.account == own || a.account == "*")
        });
        return mine.then_some(true);
    }
    None
}

/// The actions a modification may use on its target (any one suffices).
fn modify_actions(m: Modify) -> &'static [&'static str] {
    match m {
        Modify::PutUserPolicy => &["iam:PutUserPolicy"],
        Modify::AttachUserPolicy => &["iam:AttachUserPolicy"],
        Modify::PutRolePolicy => &["iam:PutRolePolicy"],
        Modify::AttachRolePolicy => &["iam:AttachRolePolicy"],
        Modify::PutGroupPolicy => &["iam:PutGroupPolicy"],
        Modify::AttachGroupPolicy => &["iam:AttachGroupPolicy"],
        Modify::CreatePolicyVersion => &["iam:CreatePolicyVersion"],
        Modify::SetDefaultPolicyVersion => &["iam:SetDefaultPolicyVersion"],
        Modify::AddUserToGroup => &["iam:AddUserToGroup"],
        Modify::DeleteBoundary => &[
            "iam:DeleteUserPermissionsBoundary",
            "iam:DeleteRolePermissionsBoundary",
        ],
        Modify::PutBoundary => &[
            "iam:PutUserPermissionsBoundary",
            "iam:PutRolePermissionsBoundary",
        ],
        Modify::RemoveDeny => REMOVE_DENY_ACTIONS,
    }
}

/// The first of `answers` with the best outcome, as repeated [`Access::or`] would keep;
/// `None` when there are none.
fn best_answer(answers: impl IntoIterator<Item = Answer>) -> Option<Answer> {
    let mut best: Option<Answer> = None;
    // Asked in order, until one is as good as any can be: the first best is kept.
    for other in answers {
        if best
            .as_ref()
            .is_none_or(|b| rank(other.outcome) > rank(b.outcome))
        {
            let always = other.outcome == Outcome::Always;
            best = Some(other);
            if always {
                break;
            }
        }
    }
    best
}

/// The weaker of two outcomes.
fn weaker(a: Outcome, b: Outcome) -> Outcome {
    if rank(a) <= rank(b) { a } else { b }
}

fn become_action(b: Become) -> &'static str {
    match b {
        Become::AssumeRole => "sts:AssumeRole",
        Become::CreateAccessKey => "iam:CreateAccessKey",
        Become::CreateLoginProfile => "iam:CreateLoginProfile",
        Become::UpdateLoginProfile => "iam:UpdateLoginProfile",
        Become::UpdateAssumeRolePolicy => "iam:UpdateAssumeRolePolicy",
    }
}

// -------------------------------------------------------------------- findings

fn kind_name(p: Principal) -> &'static str {
    match p {
        Principal::User(_) => "user",
        Principal::Role(_) => "role",
    }
}

/// Writes what `step` does, taken by `from`, as a clause of the finding's detail: from
/// pieces, as tens of thousands of findings on a large account have one.
fn write_step(out: &mut String, account: &Account, from: Principal, step: &Step) {
    let t = step.technique;
    let target = step.target.name(account);
    let kind = kind_name(step.target);
    match t.kind {
        techniques::Kind::Modify(m) => {
            let via = step.via.as_deref().unwrap_or_default();
            // The target of the change: "itself", or its kind and name.
            let [w0, w1, w2] = if step.target == from {
                ["itself", "", ""]
            } else {
                [kind, " ", target]
            };
            match m {
                Modify::CreatePolicyVersion => out.extend([
                    "create a new default version of ",
                    via,
                    ", which applies to ",
                    w0,
                    w1,
                    w2,
                    ", granting anything",
                ]),
                Modify::SetDefaultPolicyVersion => out.extend([
                    "make ",
                    via,
                    " the default, which makes ",
                    w0,
                    w1,
                    w2,
                    " administrator",
                ]),
                Modify::PutGroupPolicy | Modify::AttachGroupPolicy => out.extend([
                    "use ",
                    t.name,
                    " on group ",
                    via,
                    ", of which ",
                    w0,
                    w1,
                    w2,
                    " is a member, to grant anything",
                ]),
                Modify::AddUserToGroup => out.extend([
                    "add ",
                    w0,
                    w1,
                    w2,
                    " to group ",
                    via,
                    ", which makes it administrator",
                ]),
                Modify::DeleteBoundary | Modify::PutBoundary => out.extend([
                    "lift the permissions boundary of ",
                    w0,
                    w1,
                    w2,
                    " with ",
                    t.name,
                    ", which leaves it administrator",
                ]),
                Modify::RemoveDeny => out.extend([
                    "remove ",
                    via,
                    ", whose Deny is all that keeps ",
                    w0,
                    w1,
                    w2,
                    " from being administrator",
                ]),
                _ => out.extend(["use ", t.name, " on ", w0, w1, w2, " to grant anything"]),
            }
        }
        techniques::Kind::Become(b) => match b {
            Become::AssumeRole => out.extend(["assume ", kind, " ", target]),
            Become::CreateAccessKey => out.extend(["create an access key for ", kind, " ", target]),
            Become::CreateLoginProfile => {
                out.extend(["set a console password for ", kind, " ", target])
            }
            Become::UpdateLoginProfile => {
                out.extend(["reset the console password of ", kind, " ", target])
            }
            Become::UpdateAssumeRolePolicy => out.extend([
                "rewrite the trust policy of ",
                kind,
                " ",
                target,
                " to admit itself, then assume it",
            ]),
        },
        techniques::Kind::Service(s) => match s.existing {
            Some(what) => {
                out.extend(["use ", t.name, " on "]);
                // `what` names the role as `{role}`: written around it, not replaced.
                match what.split_once("{role}") {
                    Some((before, after)) => out.extend([before, target, after]),
                    None => out.extend([what]),
                }
                out.extend([" to run code as ", kind, " ", target]);
            }
            None => out.extend(["use ", t.name, " to run code as ", kind, " ", target]),
        },
    }
}

fn finding(account: &Account, e: Escalation) -> Finding {
    let p = e.principal;
    let arn = p.arn(account);
    let name = p.name(account);
    let mut path = Vec::with_capacity(1 + 2 * e.steps.len());
    path.push(arn.to_owned());
    // One buffer for the detail: tens of thousands of findings on a large account.
    let mut detail = String::with_capacity(256);
    detail.push_str(if matches!(p, Principal::User(_)) {
        "User "
    } else {
        "Role "
    });
    detail.push_str(name);
    detail.push_str(" can ");
    let mut from = p;
    for (i, step) in e.steps.iter().enumerate() {
        path.push(match &step.via {
            Some(via) => [step.technique.name, " (", via, ")"].concat(),
            None => step.technique.name.to_owned(),
        });
        path.push(step.target.arn(account).to_owned());
        if i > 0 {
            detail.push_str(", then ");
        }
        write_step(&mut detail, account, from, step);
        from = step.target;
    }
    let last = e.steps.last().map_or(p, |s| s.target);
    let ends_modified = e
        .steps
        .last()
        .is_some_and(|s| matches!(s.technique.kind, techniques::Kind::Modify(_)));
    if !ends_modified {
        detail.extend([
            ", and ",
            kind_name(last),
            " ",
            last.name(account),
            " is administrator-equivalent",
        ]);
    }
    if last == p {
        detail.extend(["; so it can make itself administrator."]);
    } else {
        detail.extend([
            "; so ",
            kind_name(p),
            " ",
            name,
            " can act as an administrator.",
        ]);
    }
    if e.outcome == Outcome::Conditional {
        detail.extend([" This depends on conditions the account alone does not settle (listed)."]);
    }
    detail.extend([" Known technique: ", e.technique.source, "."]);
    let mut title = [
        name,
        " can escalate to administrator with ",
        e.technique.name,
    ]
    .concat();
    if e.steps.len() > 1 || last != p {
        title.push_str(" via ");
        title.push_str(last.name(account));
    }
    Finding::new(
        &["privesc.", e.technique.id].concat(),
        Kind::PrivilegeEscalation,
        severity(e.outcome),
        arn,
        title,
    )
    .principal(arn)
    .detail(detail)
    .evidence(e.evidence)
    .path(path)
    .fix(e.technique.fix)
    .conditions(e.conditions)
}

/// An escalation's severity: one that depends on conditions is less certain.
fn severity(outcome: Outcome) -> Severity {
    if outcome == Outcome::Conditional {
        Severity::High
    } else {
        Severity::Critical
    }
}

#[cfg(test)]
mod tests;
