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

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};

pub use techniques::{Become, Kind as TechniqueKind, Modify, ServiceRun, TECHNIQUES, Technique};

use super::effective::{Access, Effective, rank};
use super::findings::{Evidence, Finding, Kind, Severity};
use super::principal::Principal;
use super::trust::{AssumerKind, Node, Status, TrustGraph};
use crate::eval::{CompiledPolicy, ContextValue, Outcome, PolicySet};
use crate::model::{Account, GroupId, PolicyId, RoleId, UserId};
use crate::policy::{Effect, PrincipalKind, PrincipalSet};

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
struct Route {
    access: Access,
    steps: Vec<Step>,
}

/// Every escalation, best per principal and technique.
pub fn analyze(eff: &Effective<'_>) -> Vec<Escalation> {
    Analysis::new(eff).run()
}

/// The escalations as findings.
pub fn findings(eff: &Effective<'_>) -> Vec<Finding> {
    analyze(eff)
        .into_iter()
        .map(|e| finding(eff.account, &e))
        .collect()
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
    /// Best escalation per (slot, technique id).
    found: HashMap<(usize, &'static str), Escalation>,
    /// (slot, action) → allowed on some resource.
    step_cache: RefCell<HashMap<(usize, &'static str), Access>>,
    /// Who can assume which role (the trust graph of issue 5, decided by the evaluator).
    graph: TrustGraph,
    /// What an attacker writes into a policy it controls: everything.
    anything: Option<CompiledPolicy>,
}

impl<'e, 'a> Analysis<'e, 'a> {
    fn new(eff: &'e Effective<'a>) -> Analysis<'e, 'a> {
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
            found: HashMap::new(),
            step_cache: RefCell::new(HashMap::new()),
            graph: TrustGraph::build_with(account, eff.compiled().clone()),
            anything: crate::policy::Policy::from_json(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
            )
            .ok()
            .map(|p| CompiledPolicy::labeled("attacker-written policy", &p)),
        }
    }

    fn slot(&self, p: Principal) -> usize {
        match p {
            Principal::User(id) => id.index(),
            Principal::Role(id) => self.account.users.len() + id.index(),
        }
    }

    fn principal_at(&self, slot: usize) -> Principal {
        let users = self.account.users.len();
        if slot < users {
            Principal::User(UserId(slot as u32))
        } else {
            Principal::Role(RoleId((slot - users) as u32))
        }
    }

    fn arn(&self, p: Principal) -> &'a str {
        p.arn(self.account)
    }

    /// Service-linked roles are AWS's: no one in the account can change or assume them.
    fn skip(&self, p: Principal) -> bool {
        matches!(p, Principal::Role(id) if self.account.role(id).is_service_linked())
    }

    fn is_admin(&self, p: Principal) -> bool {
        self.eff.is_admin(p).possible()
    }

    fn run(mut self) -> Vec<Escalation> {
        let principals: Vec<Principal> = self.eff.principals().filter(|p| !self.skip(*p)).collect();
        // Administrators are valuable as they are.
        for &p in &principals {
            let admin = self.eff.is_admin(p).clone();
            if admin.possible() {
                let s = self.slot(p);
                self.value[s] = Some(Route {
                    access: admin,
                    steps: Vec::new(),
                });
            }
        }
        // Principals that can give themselves more.
        for &p in &principals {
            if self.value[self.slot(p)].is_some() {
                continue;
            }
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
        }
        // Principals that can change one they can become.
        for &p in &principals {
            if self.has_always(p) || self.is_admin(p) || !self.may_modify_others(p) {
                continue;
            }
            self.combos(p);
        }
        // Backwards from every valuable principal.
        let mut queue: VecDeque<usize> = (0..self.value.len())
            .filter(|&s| self.value[s].is_some())
            .collect();
        let mut edge_cache: HashMap<(usize, &'static str, usize), Access> = HashMap::new();
        while let Some(target_slot) = queue.pop_front() {
            let target = self.principal_at(target_slot);
            for t in TECHNIQUES {
                if matches!(t.kind, techniques::Kind::Modify(_)) {
                    continue;
                }
                for u in self.candidates(t, target, &principals) {
                    let us = self.slot(u);
                    if us == target_slot || self.is_admin(u) {
                        continue;
                    }
                    let access = edge_cache
                        .entry((us, t.id, target_slot))
                        .or_insert_with(|| self.become_edge(u, t, target))
                        .clone();
                    if !access.possible() {
                        continue;
                    }
                    let Some(route) = self.value[target_slot].clone() else {
                        continue;
                    };
                    // A route back through `u` would be a cycle, not a way up.
                    if route.steps.iter().any(|s| s.target == u) {
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
                    let mut total = access.clone().and(&route.access);
                    total.evidence = access.evidence.clone();
                    let before = self.value[us]
                        .as_ref()
                        .map_or(0, |r| rank(r.access.outcome));
                    self.record(u, t, total, steps);
                    let after = self.value[us]
                        .as_ref()
                        .map_or(0, |r| rank(r.access.outcome));
                    if after > before {
                        queue.push_back(us);
                    }
                }
            }
        }
        let mut out: Vec<Escalation> = self.found.into_values().collect();
        out.sort_by(|a, b| (a.principal, a.technique.id).cmp(&(b.principal, b.technique.id)));
        out
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
        let better = |old: Option<Outcome>| old.is_none_or(|o| rank(access.outcome) > rank(o));
        if better(self.found.get(&(slot, t.id)).map(|e| e.outcome)) {
            self.found.insert(
                (slot, t.id),
                Escalation {
                    principal: p,
                    technique: t,
                    outcome: access.outcome,
                    steps: steps.clone(),
                    evidence: access.evidence.clone(),
                    conditions: access.conditions.clone(),
                },
            );
        }
        if better(self.value[slot].as_ref().map(|r| r.access.outcome)) {
            self.value[slot] = Some(Route { access, steps });
        }
    }

    // ---------------------------------------------------------------- questions

    fn check(&self, p: Principal, action: &str, resource: &str) -> Access {
        self.eff.check(p, action, resource, &[])
    }

    /// `action` allowed on some resource of the kinds it acts on: a generic resource of each
    /// type, and the resources the principal's own statements name for it.
    fn step(&self, p: Principal, action: &'static str) -> Access {
        let key = (self.slot(p), action);
        if let Some(a) = self.step_cache.borrow().get(&key) {
            return a.clone();
        }
        let access = self.eff.check_somewhere(p, action);
        self.step_cache.borrow_mut().insert(key, access.clone());
        access
    }

    // ---------------------------------------------------------------- modify

    fn may_modify_others(&self, p: Principal) -> bool {
        [
            "iam:PutUserPolicy",
            "iam:AttachUserPolicy",
            "iam:PutRolePolicy",
            "iam:AttachRolePolicy",
            "iam:PutGroupPolicy",
            "iam:AttachGroupPolicy",
            "iam:CreatePolicyVersion",
            "iam:SetDefaultPolicyVersion",
            "iam:AddUserToGroup",
            "iam:DeleteUserPermissionsBoundary",
            "iam:DeleteRolePermissionsBoundary",
            "iam:PutUserPermissionsBoundary",
            "iam:PutRolePermissionsBoundary",
        ]
        .iter()
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
                let Some(anything) = &self.anything else {
                    return (access, via);
                };
                let replaced = via.clone().filter(|_| m == Modify::CreatePolicyVersion);
                let set = self.hypothetical(q, |identity, _| {
                    if let Some(label) = &replaced {
                        identity.retain(|c| c.label() != label);
                    }
                    identity.push(anything.clone());
                });
                let gain = self.admin_with(q, &set);
                let mut total = access.and(&gain);
                if total.possible() {
                    total
                        .evidence
                        .retain(|e| e.policy != "attacker-written policy");
                }
                (total, via)
            }
            _ => (access, via),
        }
    }

    /// Whether `p` may make the change `m` to `q` (and, for the changes whose effect depends on
    /// what already exists, whether it makes `q` administrator).
    fn modify_grant(&self, p: Principal, m: Modify, q: Principal) -> (Access, Option<String>) {
        let a = self.account;
        let q_arn = self.arn(q);
        match (m, q) {
            (Modify::PutUserPolicy, Principal::User(_)) => {
                (self.check(p, "iam:PutUserPolicy", q_arn), None)
            }
            (Modify::AttachUserPolicy, Principal::User(_)) => {
                (self.attach(p, "iam:AttachUserPolicy", q_arn), None)
            }
            (Modify::PutRolePolicy, Principal::Role(_)) => {
                (self.check(p, "iam:PutRolePolicy", q_arn), None)
            }
            (Modify::AttachRolePolicy, Principal::Role(_)) => {
                (self.attach(p, "iam:AttachRolePolicy", q_arn), None)
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
                    let access = if m == Modify::PutGroupPolicy {
                        self.check(p, action, garn)
                    } else {
                        self.attach(p, action, garn)
                    };
                    if rank(access.outcome) > rank(best.0.outcome) {
                        best = (access, Some(garn.clone()));
                    }
                }
                best
            }
            (Modify::CreatePolicyVersion, _) => {
                let mut best = (Access::never(), None);
                if !self.eff.may(p, "iam:CreatePolicyVersion") {
                    return best;
                }
                for id in self.customer_policies_of(q) {
                    let parn = &a.policy(id).arn;
                    let access = self.check(p, "iam:CreatePolicyVersion", parn);
                    if rank(access.outcome) > rank(best.0.outcome) {
                        best = (access, Some(parn.clone()));
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
    fn customer_policies_of(&self, q: Principal) -> Vec<PolicyId> {
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

    /// `q`'s identity layers as a hypothetical set, with `edit` applied to the identity
    /// policies and boundary.
    fn hypothetical(
        &self,
        q: Principal,
        edit: impl FnOnce(&mut Vec<CompiledPolicy>, &mut Option<CompiledPolicy>),
    ) -> PolicySet {
        let mut set = self.eff.policy_set(q).clone();
        edit(&mut set.identity, &mut set.permission_boundary);
        set
    }

    fn admin_with(&self, q: Principal, set: &PolicySet) -> Access {
        self.eff.admin_of(set, q)
    }

    fn set_default_version(&self, p: Principal, q: Principal) -> (Access, Option<String>) {
        let mut best = (Access::never(), None);
        if !self.eff.may(p, "iam:SetDefaultPolicyVersion") {
            return best;
        }
        for id in self.customer_policies_of(q) {
            let policy = self.account.policy(id);
            let access = self.check(p, "iam:SetDefaultPolicyVersion", &policy.arn);
            if !access.possible() {
                continue;
            }
            for v in policy.versions.iter().filter(|v| !v.is_default) {
                let Some(doc) = &v.document else { continue };
                let alternative = CompiledPolicy::labeled(policy.arn.clone(), doc);
                let set = self.hypothetical(q, |identity, _| {
                    identity.retain(|c| c.label() != policy.arn);
                    identity.push(alternative);
                });
                let gain = self.admin_with(q, &set);
                let total = access.clone().and(&gain);
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

    fn compiled_group(&self, g: GroupId) -> Vec<CompiledPolicy> {
        let a = self.account;
        let group = a.group(g);
        group
            .inline_policies
            .iter()
            .map(|p| CompiledPolicy::labeled(p.name.clone(), &p.document))
            .chain(group.attached_policies.iter().filter_map(|r| {
                let id = r.policy?;
                let doc = a.policy(id).default_document()?;
                Some(CompiledPolicy::labeled(a.policy(id).arn.clone(), doc))
            }))
            .collect()
    }

    fn add_to_group(&self, p: Principal, q: Principal) -> (Access, Option<String>) {
        let mut best = (Access::never(), None);
        let Principal::User(uid) = q else { return best };
        if !self.eff.may(p, "iam:AddUserToGroup") {
            return best;
        }
        let member_of = &self.account.user(uid).groups;
        for (i, g) in self.account.groups.iter().enumerate() {
            let gid = GroupId(i as u32);
            if member_of.contains(&gid) {
                continue;
            }
            let access = self.check(p, "iam:AddUserToGroup", &g.arn);
            if !access.possible() {
                continue;
            }
            let extra = self.compiled_group(gid);
            let set = self.hypothetical(q, |identity, _| identity.extend(extra));
            let total = access.and(&self.admin_with(q, &set));
            if rank(total.outcome) > rank(best.0.outcome) {
                best = (total, Some(g.arn.clone()));
            }
        }
        best
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
        let set = self.hypothetical(q, |_, boundary| *boundary = None);
        (access.and(&self.admin_with(q, &set)), None)
    }

    /// Detaching or deleting a policy with a Deny (or leaving the group that has it).
    fn remove_deny(&self, p: Principal, q: Principal) -> (Access, Option<String>) {
        let mut best = (Access::never(), None);
        let a = self.account;
        let has_deny =
            |doc: &crate::policy::Policy| doc.statements.iter().any(|s| s.effect == Effect::Deny);
        // (label of the policy in q's set, action, resource acted on)
        let mut options: Vec<(String, &'static str, String)> = Vec::new();
        match q {
            Principal::User(id) => {
                let u = a.user(id);
                for i in u.inline_policies.iter().filter(|i| has_deny(&i.document)) {
                    options.push((i.name.clone(), "iam:DeleteUserPolicy", u.arn.clone()));
                }
                for r in &u.attached_policies {
                    if r.policy
                        .and_then(|id| a.policy(id).default_document())
                        .is_some_and(has_deny)
                    {
                        options.push((r.arn.clone(), "iam:DetachUserPolicy", u.arn.clone()));
                    }
                }
                for g in &u.groups {
                    let group = a.group(*g);
                    for i in group
                        .inline_policies
                        .iter()
                        .filter(|i| has_deny(&i.document))
                    {
                        options.push((i.name.clone(), "iam:DeleteGroupPolicy", group.arn.clone()));
                        options.push((
                            i.name.clone(),
                            "iam:RemoveUserFromGroup",
                            group.arn.clone(),
                        ));
                    }
                    for r in &group.attached_policies {
                        if r.policy
                            .and_then(|id| a.policy(id).default_document())
                            .is_some_and(has_deny)
                        {
                            options.push((
                                r.arn.clone(),
                                "iam:DetachGroupPolicy",
                                group.arn.clone(),
                            ));
                            options.push((
                                r.arn.clone(),
                                "iam:RemoveUserFromGroup",
                                group.arn.clone(),
                            ));
                        }
                    }
                }
            }
            Principal::Role(id) => {
                let r = a.role(id);
                for i in r.inline_policies.iter().filter(|i| has_deny(&i.document)) {
                    options.push((i.name.clone(), "iam:DeleteRolePolicy", r.arn.clone()));
                }
                for pr in &r.attached_policies {
                    if pr
                        .policy
                        .and_then(|id| a.policy(id).default_document())
                        .is_some_and(has_deny)
                    {
                        options.push((pr.arn.clone(), "iam:DetachRolePolicy", r.arn.clone()));
                    }
                }
            }
        }
        for (label, action, resource) in options {
            let access = self.check(p, action, &resource);
            if !access.possible() {
                continue;
            }
            let set = self.hypothetical(q, |identity, _| identity.retain(|c| c.label() != label));
            let total = access.and(&self.admin_with(q, &set));
            if rank(total.outcome) > rank(best.0.outcome) {
                best = (total, Some(label));
            }
        }
        best
    }

    /// Changes to principals `p` can become in one step.
    fn combos(&mut self, p: Principal) {
        let mut edges: Vec<(&'static Technique, Principal, Access)> = Vec::new();
        for t in TECHNIQUES {
            if matches!(t.kind, techniques::Kind::Modify(_)) {
                continue;
            }
            for q in self.forward_targets(p, t) {
                if q == p || self.skip(q) {
                    continue;
                }
                let a = self.become_edge(p, t, q);
                if a.possible() {
                    edges.push((t, q, a));
                }
            }
        }
        for (bt, q, become_access) in edges {
            for t in TECHNIQUES {
                let techniques::Kind::Modify(m) = t.kind else {
                    continue;
                };
                let (access, via) = self.modify(p, m, q);
                if !access.possible() {
                    continue;
                }
                let total = become_access.clone().and(&access);
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
                            via,
                        },
                    ],
                );
            }
        }
    }

    /// Principals `p` might become with `t` (a superset; [`Self::become_edge`] decides).
    fn forward_targets(&self, p: Principal, t: &Technique) -> Vec<Principal> {
        let a = self.account;
        let roles = || (0..a.roles.len()).map(|i| Principal::Role(RoleId(i as u32)));
        let users = || (0..a.users.len()).map(|i| Principal::User(UserId(i as u32)));
        match t.kind {
            techniques::Kind::Become(Become::AssumeRole) => self
                .graph
                .assumed_by(self.graph.principal_node(p))
                .filter(|e| self.graph.info(e).status != Status::Never)
                .map(|e| Principal::Role(e.role))
                .collect(),
            techniques::Kind::Become(Become::UpdateAssumeRolePolicy) => {
                if self.eff.may(p, "iam:UpdateAssumeRolePolicy") {
                    roles().collect()
                } else {
                    Vec::new()
                }
            }
            techniques::Kind::Become(b) => {
                let action = become_action(b);
                if self.eff.may(p, action) {
                    users().collect()
                } else {
                    Vec::new()
                }
            }
            techniques::Kind::Service(s) => {
                if self.service_prefilter(p, &s) {
                    roles()
                        .filter(|r| self.service_may_assume(*r, &s))
                        .collect()
                } else {
                    Vec::new()
                }
            }
            techniques::Kind::Modify(_) => Vec::new(),
        }
    }

    /// Principals that might become `target` with `t`.
    fn candidates(&self, t: &Technique, target: Principal, all: &[Principal]) -> Vec<Principal> {
        match (t.kind, target) {
            (techniques::Kind::Become(Become::AssumeRole), Principal::Role(rid)) => self
                .graph
                .assumers_of(rid)
                .iter()
                .filter(|e| self.graph.info(e).status != Status::Never)
                .filter_map(|e| match self.graph.node(e.from) {
                    Node::User(id) => Some(Principal::User(id)),
                    Node::Role(id) => Some(Principal::Role(id)),
                    Node::External(_) => None,
                })
                .collect(),
            (techniques::Kind::Become(Become::UpdateAssumeRolePolicy), Principal::Role(_)) => all
                .iter()
                .copied()
                .filter(|p| self.eff.may(*p, "iam:UpdateAssumeRolePolicy"))
                .collect(),
            (techniques::Kind::Become(b), Principal::User(_))
                if b != Become::AssumeRole && b != Become::UpdateAssumeRolePolicy =>
            {
                let action = become_action(b);
                all.iter()
                    .copied()
                    .filter(|p| self.eff.may(*p, action))
                    .collect()
            }
            (techniques::Kind::Service(s), Principal::Role(_)) => {
                if !self.service_may_assume(target, &s) {
                    return Vec::new();
                }
                all.iter()
                    .copied()
                    .filter(|p| self.service_prefilter(*p, &s))
                    .collect()
            }
            _ => Vec::new(),
        }
    }

    fn service_prefilter(&self, p: Principal, s: &ServiceRun) -> bool {
        (!s.pass_role || self.eff.may(p, "iam:PassRole"))
            && s.steps
                .iter()
                .all(|group| group.iter().any(|a| self.eff.may(p, a)))
    }

    // ---------------------------------------------------------------- become

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
                self.check(p, "iam:UpdateAssumeRolePolicy", q_arn)
            }
            (techniques::Kind::Become(Become::CreateAccessKey), Principal::User(uid)) => {
                let access = self.check(p, "iam:CreateAccessKey", q_arn);
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
                self.check(p, become_action(b), q_arn)
            }
            (techniques::Kind::Service(s), Principal::Role(rid)) => self.service_edge(p, &s, rid),
            _ => Access::never(),
        }
    }

    fn service_edge(&self, p: Principal, s: &ServiceRun, rid: RoleId) -> Access {
        let role = self.account.role(rid);
        if role.is_service_linked() {
            return Access::never();
        }
        if s.instance_profile && role.instance_profiles.is_empty() && self.any_instance_profiles {
            return Access::never();
        }
        let trust = self.service_trust(rid, s);
        if !trust.possible() {
            return trust;
        }
        let mut access = Access::always();
        for group in s.steps {
            let mut best = Access::never();
            for action in *group {
                best = best.or(self.step(p, action));
            }
            access = access.and(&best);
            if !access.possible() {
                return access;
            }
        }
        if s.pass_role {
            let services = if s.passed_to.is_empty() {
                s.trust
            } else {
                s.passed_to
            };
            let mut pass = Access::never();
            for svc in services {
                pass = pass.or(self.eff.check(
                    p,
                    "iam:PassRole",
                    &role.arn,
                    &[("iam:PassedToService", ContextValue::from(*svc))],
                ));
            }
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

    /// May one of the technique's services assume `role`? The trust graph's edge from the
    /// service; a condition on the source account or resource is met when the attacker creates
    /// the resource in this account.
    fn service_trust(&self, rid: RoleId, s: &ServiceRun) -> Access {
        let own = self.account.info.account_id.as_str();
        let wanted = if s.web_identity {
            AssumerKind::Federated
        } else {
            AssumerKind::Service
        };
        let mut best = Access::never();
        for e in self.graph.assumers_of(rid) {
            let Node::External(ext) = self.graph.node(e.from) else {
                continue;
            };
            if ext.kind != wanted || !s.trust.iter().any(|t| t.eq_ignore_ascii_case(&ext.id)) {
                continue;
            }
            let info = self.graph.info(e);
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

    fn service_may_assume(&self, target: Principal, s: &ServiceRun) -> bool {
        let Principal::Role(rid) = target else {
            return false;
        };
        self.service_trust(rid, s).possible()
    }

    /// May `p` assume `role`: the trust graph's edge, with the statements that grant it.
    fn assume(&self, p: Principal, rid: RoleId) -> Access {
        let Some(edge) = self.graph.edge(self.graph.principal_node(p), rid) else {
            return Access::never();
        };
        let info = self.graph.info(edge);
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
        // The caller's statements that allow sts:AssumeRole on the role, if it needs any.
        let own = self.check(p, "sts:AssumeRole", &role.arn);
        access.evidence = own.evidence;
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

fn step_sentence(account: &Account, from: Principal, step: &Step) -> String {
    let t = step.technique;
    let target = step.target.name(account);
    let to = format!("{} {target}", kind_name(step.target));
    let who = if step.target == from {
        "itself".to_owned()
    } else {
        to.clone()
    };
    match t.kind {
        techniques::Kind::Modify(m) => {
            let via = step.via.as_deref().unwrap_or_default();
            match m {
                Modify::CreatePolicyVersion => format!(
                    "create a new default version of {via}, which applies to {who}, granting anything"
                ),
                Modify::SetDefaultPolicyVersion => {
                    format!("make {via} the default, which makes {who} administrator")
                }
                Modify::PutGroupPolicy | Modify::AttachGroupPolicy => format!(
                    "use {} on group {via}, of which {who} is a member, to grant anything",
                    t.name
                ),
                Modify::AddUserToGroup => {
                    format!("add {who} to group {via}, which makes it administrator")
                }
                Modify::DeleteBoundary | Modify::PutBoundary => format!(
                    "lift the permissions boundary of {who} with {}, which leaves it administrator",
                    t.name
                ),
                Modify::RemoveDeny => format!(
                    "remove {via}, whose Deny is all that keeps {who} from being administrator"
                ),
                _ => format!("use {} on {who} to grant anything", t.name),
            }
        }
        techniques::Kind::Become(b) => match b {
            Become::AssumeRole => format!("assume {to}"),
            Become::CreateAccessKey => format!("create an access key for {to}"),
            Become::CreateLoginProfile => format!("set a console password for {to}"),
            Become::UpdateLoginProfile => format!("reset the console password of {to}"),
            Become::UpdateAssumeRolePolicy => {
                format!("rewrite the trust policy of {to} to admit itself, then assume it")
            }
        },
        techniques::Kind::Service(s) => match s.existing {
            Some(what) => format!(
                "use {} on {} to run code as {to}",
                t.name,
                what.replace("{role}", target)
            ),
            None => format!("use {} to run code as {to}", t.name),
        },
    }
}

fn finding(account: &Account, e: &Escalation) -> Finding {
    let p = e.principal;
    let arn = p.arn(account);
    let name = p.name(account);
    let rule = format!("privesc.{}", e.technique.id);
    let mut path = vec![arn.to_owned()];
    let mut sentences = Vec::new();
    let mut from = p;
    for step in &e.steps {
        let mut element = step.technique.name.to_owned();
        if let Some(via) = &step.via {
            element = format!("{element} ({via})");
        }
        path.push(element);
        path.push(step.target.arn(account).to_owned());
        sentences.push(step_sentence(account, from, step));
        from = step.target;
    }
    let last = e.steps.last().map_or(p, |s| s.target);
    let ends_modified = e
        .steps
        .last()
        .is_some_and(|s| matches!(s.technique.kind, techniques::Kind::Modify(_)));
    let gain = if ends_modified {
        String::new()
    } else {
        format!(
            ", and {} {} is administrator-equivalent",
            kind_name(last),
            last.name(account)
        )
    };
    let outcome = if last == p {
        "so it can make itself administrator".to_owned()
    } else {
        format!("so {} {name} can act as an administrator", kind_name(p))
    };
    let conditional = e.outcome == Outcome::Conditional;
    let severity = if conditional {
        Severity::High
    } else {
        Severity::Critical
    };
    let via_title = if e.steps.len() > 1 || last != p {
        format!(" via {}", last.name(account))
    } else {
        String::new()
    };
    let mut detail = format!(
        "{} {name} can {}{gain}; {outcome}.",
        capitalize(kind_name(p)),
        sentences.join(", then ")
    );
    if conditional {
        detail.push_str(" This depends on conditions the account alone does not settle (listed).");
    }
    detail.push_str(&format!(" Known technique: {}.", e.technique.source));
    Finding::new(
        &rule,
        Kind::PrivilegeEscalation,
        severity,
        arn,
        format!(
            "{name} can escalate to administrator with {}{via_title}",
            e.technique.name
        ),
    )
    .principal(arn)
    .detail(detail)
    .evidence(e.evidence.iter().cloned())
    .path(path)
    .fix(e.technique.fix)
    .conditions(e.conditions.clone())
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests;
