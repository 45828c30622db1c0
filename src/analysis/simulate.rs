//! "Can this principal do this action on this resource?" for a principal of the account: its
//! policy layers and request context from the account, what the user adds on top, and the
//! engine's decision. `iamscope simulate` and the TUI's simulator both call [`simulate`].

use jiff::Timestamp;

use super::principal::{CompiledAccount, Principal, request_context};
use crate::eval::{
    CompiledPolicy, ContextValue, Evaluation, Request, ResourcePolicyKind, evaluate,
};
use crate::model::{Account, EntityRef};

/// One request to simulate, and the layers the account cannot supply.
#[derive(Debug, Clone, Default)]
pub struct Simulation {
    /// The caller's ARN as the request carries it: a user ARN, or an assumed-role session ARN.
    /// Empty: the principal's own ([`Principal::caller_arn`] with the default session name).
    pub caller: String,
    pub action: String,
    /// `*` for actions without a resource type.
    pub resource: String,
    /// The account owning the resource, when its ARN has none (S3).
    pub resource_account: Option<String>,
    /// Context keys that override or add to what the account determines.
    pub context: Vec<(String, ContextValue)>,
    /// A resource-based policy. Without one, `sts:AssumeRole*` on a role of the account uses
    /// the role's trust policy, which must then allow ("Policy evaluation logic": trust
    /// policies are an exception to the same-account rule).
    pub resource_policy: Option<CompiledPolicy>,
    /// SCP levels replacing the account's.
    pub scps: Option<Vec<Vec<CompiledPolicy>>>,
    pub rcps: Vec<Vec<CompiledPolicy>>,
    pub session_policy: Option<CompiledPolicy>,
}

/// Decides `sim` as `principal`, at time `now`.
pub fn simulate(
    account: &Account,
    compiled: &CompiledAccount,
    principal: Principal,
    sim: Simulation,
    now: Timestamp,
) -> Evaluation {
    let mut context = request_context(account, principal, now);
    for (key, value) in sim.context {
        context.insert(&key, value);
    }
    let caller = if sim.caller.is_empty() {
        principal.caller_arn(account, super::principal::DEFAULT_SESSION_NAME)
    } else {
        sim.caller
    };
    let resource = if sim.resource.is_empty() {
        "*".to_owned()
    } else {
        sim.resource
    };
    let mut set = compiled.policy_set(account, principal);
    match sim.resource_policy {
        Some(p) => set.resource_policy = Some(p),
        None => {
            if sim
                .action
                .to_ascii_lowercase()
                .starts_with("sts:assumerole")
                && let Some(EntityRef::Role(role)) = account.by_arn(&resource)
                && let Some(trust) = compiled.trust_policy(role)
            {
                set.resource_policy = Some(trust.clone());
                set.resource_policy_kind = ResourcePolicyKind::RoleTrust;
            }
        }
    }
    if let Some(scps) = sim.scps {
        set.scps = scps;
    }
    set.rcps = sim.rcps;
    set.session_policy = sim.session_policy;
    let mut request = Request::new(&caller, &sim.action, &resource).with_context(context);
    if let Some(a) = &sim.resource_account {
        request = request.with_resource_account(a);
    }
    evaluate(&set, &request)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Decision;
    use crate::source::demo;

    fn run(name: &str, action: &str, resource: &str) -> Evaluation {
        let account = demo::account().unwrap();
        let compiled = CompiledAccount::new(&account);
        let principal = Principal::try_from((&account, account.lookup(name).unwrap())).unwrap();
        let sim = Simulation {
            action: action.into(),
            resource: resource.into(),
            ..Simulation::default()
        };
        simulate(
            &account,
            &compiled,
            principal,
            sim,
            "2026-11-01T00:00:00Z".parse().unwrap(),
        )
    }

    #[test]
    fn assuming_a_role_goes_through_its_trust_policy() {
        // ci-deploy has AdministratorAccess, but MyAppTaskRole trusts only ecs-tasks.
        let ev = run(
            "ci-deploy",
            "sts:AssumeRole",
            "arn:aws:iam::123456789012:role/MyAppTaskRole",
        );
        assert!(ev.trace.role_trust);
        assert_eq!(ev.decision, Decision::ImplicitDeny);
    }

    #[test]
    fn other_actions_use_the_identity_side() {
        let ev = run("ci-deploy", "s3:GetObject", "arn:aws:s3:::any-bucket/key");
        assert!(!ev.trace.role_trust);
        assert_eq!(ev.decision, Decision::Allow);
    }
}
