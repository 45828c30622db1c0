//! A principal of the account as the evaluation engine sees it: its policy layers, compiled
//! once per account, and the request context AWS would set for its calls.
//!
//! Every analysis that asks "may this user or role do X?" (simulate, trust graph, findings,
//! privilege escalation, AccessDenied explanation) starts here, so they all see the same
//! policies with the same labels.

use jiff::Timestamp;

use super::turns::Turns;
use crate::eval::{CompiledPolicy, Context, ContextValue, PolicySet};
use crate::model::{
    Account, EntityRef, GroupId, InlinePolicy, OrgPolicy, PolicyRef, RoleId, UserId,
};
use crate::policy::Policy;

/// A user or a role: the two kinds of entity that make requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Principal {
    User(UserId),
    Role(RoleId),
}

impl Principal {
    pub fn entity(self) -> EntityRef {
        match self {
            Principal::User(id) => EntityRef::User(id),
            Principal::Role(id) => EntityRef::Role(id),
        }
    }

    /// The position of the principal in [`Principal::all`]: for per-principal tables.
    pub fn slot(self, account: &Account) -> usize {
        match self {
            Principal::User(id) => id.index(),
            Principal::Role(id) => account.users.len() + id.index(),
        }
    }

    /// The principal at `slot` of [`Principal::all`].
    pub fn at_slot(account: &Account, slot: usize) -> Principal {
        match slot.checked_sub(account.users.len()) {
            None => Principal::User(UserId(slot as u32)),
            Some(role) => Principal::Role(RoleId(role as u32)),
        }
    }

    /// Every user and role of the account, users first.
    pub fn all(account: &Account) -> impl Iterator<Item = Principal> + '_ {
        (0..account.users.len())
            .map(|i| Principal::User(UserId(i as u32)))
            .chain((0..account.roles.len()).map(|i| Principal::Role(RoleId(i as u32))))
    }

    pub fn name(self, account: &Account) -> &str {
        account.name_of(self.entity())
    }

    /// The user or role ARN.
    pub fn arn(self, account: &Account) -> &str {
        account.arn_of(self.entity())
    }

    /// The ARN its requests carry: the user ARN, or for a role an assumed-role session ARN
    /// (`arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION`), since a role only acts through
    /// sessions.
    pub fn caller_arn(self, account: &Account, session_name: &str) -> String {
        match self {
            Principal::User(id) => account.user(id).arn.clone(),
            Principal::Role(id) => {
                let role = account.role(id);
                format!(
                    "arn:{}:sts::{}:assumed-role/{}/{session_name}",
                    account.info.partition, account.info.account_id, role.name
                )
            }
        }
    }
}

/// Why a name does not denote a principal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{name}` is a {kind}, not a user or role: only users and roles make requests")]
pub struct NotAPrincipal {
    pub name: String,
    pub kind: &'static str,
}

impl TryFrom<(&Account, EntityRef)> for Principal {
    type Error = NotAPrincipal;

    fn try_from((account, entity): (&Account, EntityRef)) -> Result<Self, Self::Error> {
        match entity {
            EntityRef::User(id) => Ok(Principal::User(id)),
            EntityRef::Role(id) => Ok(Principal::Role(id)),
            other => Err(NotAPrincipal {
                name: account.name_of(other).to_owned(),
                kind: other.kind().as_str(),
            }),
        }
    }
}

/// How traces name an SCP: its ARN, or `scp level N: NAME` (levels counted from 1 at the root,
/// as in traces) when the input gives none. `level` is the 0-based index in `Account::scps`.
pub fn scp_label(level: usize, policy: &OrgPolicy) -> String {
    if policy.arn.is_empty() {
        format!("scp level {}: {}", level + 1, policy.name)
    } else {
        policy.arn.clone()
    }
}

/// The account's SCPs by level, each document compiled by `compile` and labelled with
/// [`scp_label`], as every trace names them.
pub fn compile_scps(
    account: &Account,
    compile: impl Fn(&crate::policy::Policy) -> CompiledPolicy,
) -> Vec<Vec<CompiledPolicy>> {
    account
        .scps
        .iter()
        .enumerate()
        .map(|(level, policies)| {
            policies
                .iter()
                .map(|p| compile(&p.document).with_label(scp_label(level, p)))
                .collect()
        })
        .collect()
}

/// The session name iamscope assumes for a role's requests when none is given.
pub const DEFAULT_SESSION_NAME: &str = "iamscope";

/// Every policy of an account compiled once, by owner.
///
/// Labels follow FORMATS.md §4: a managed policy by its ARN, an inline policy by its name, an
/// SCP as [`scp_label`] says.
#[derive(Debug, Clone)]
pub struct CompiledAccount {
    /// Per managed policy: its default version, if the input has it.
    managed: Vec<Option<CompiledPolicy>>,
    user_inline: Vec<Vec<CompiledPolicy>>,
    group_inline: Vec<Vec<CompiledPolicy>>,
    role_inline: Vec<Vec<CompiledPolicy>>,
    trust: Vec<Option<CompiledPolicy>>,
    scps: Vec<Vec<CompiledPolicy>>,
}

/// Compiles an identity, boundary or SCP document, indexed by the actions the analyses ask
/// about.
pub(crate) fn compile_indexed(document: &crate::policy::Policy) -> CompiledPolicy {
    CompiledPolicy::compile(document).indexed(super::effective::action_index())
}

fn compile_inline(list: &[InlinePolicy]) -> Vec<CompiledPolicy> {
    list.iter()
        .map(|p| compile_indexed(&p.document).with_label(p.name.clone()))
        .collect()
}

impl CompiledAccount {
    pub fn new(account: &Account) -> CompiledAccount {
        CompiledAccount::compile(account, true)
    }

    /// [`CompiledAccount::new`] on the calling thread alone, for a caller that keeps the other
    /// core busy meanwhile.
    pub fn on_this_thread(account: &Account) -> CompiledAccount {
        CompiledAccount::compile(account, false)
    }

    fn compile(account: &Account, two_threads: bool) -> CompiledAccount {
        // Large accounts have hundreds of thousands of statements. With two threads, both
        // compile the principals' inline policies, in turns; this one first compiles the
        // managed, group and trust policies.
        let principals = account.principal_count();
        let turns = Turns::default();
        let inline_turns = || {
            let mut out: Vec<(usize, Vec<CompiledPolicy>)> = Vec::new();
            while let Some(range) = turns.take(principals, 64) {
                for slot in range {
                    let inline = match Principal::at_slot(account, slot) {
                        Principal::User(id) => &account.user(id).inline_policies,
                        Principal::Role(id) => &account.role(id).inline_policies,
                    };
                    out.push((slot, compile_inline(inline)));
                }
            }
            out
        };
        let ((managed, group_inline, trust, mine), theirs) = std::thread::scope(|s| {
            let helper = two_threads.then(|| s.spawn(inline_turns));
            let managed: Vec<Option<CompiledPolicy>> = account
                .policies
                .iter()
                .map(|p| {
                    p.default_document()
                        .map(|d| compile_indexed(d).with_label(p.arn.clone()))
                })
                .collect();
            let group_inline: Vec<Vec<CompiledPolicy>> = account
                .groups
                .iter()
                .map(|g| compile_inline(&g.inline_policies))
                .collect();
            let trust: Vec<Option<CompiledPolicy>> = account
                .roles
                .iter()
                .map(|r| {
                    r.trust_policy
                        .as_ref()
                        .map(|t| CompiledPolicy::labeled(format!("{} trust policy", r.arn), t))
                })
                .collect();
            let mine = inline_turns();
            let theirs = match helper {
                Some(helper) => helper
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                None => Vec::new(),
            };
            ((managed, group_inline, trust, mine), theirs)
        });
        let mut inline: Vec<Vec<CompiledPolicy>> = vec![Vec::new(); principals];
        for (slot, policies) in mine.into_iter().chain(theirs) {
            inline[slot] = policies;
        }
        let role_inline = inline.split_off(account.users.len());
        CompiledAccount {
            managed,
            user_inline: inline,
            group_inline,
            role_inline,
            trust,
            scps: compile_scps(account, compile_indexed),
        }
    }

    fn managed(&self, r: &PolicyRef) -> Option<&CompiledPolicy> {
        r.policy
            .and_then(|id| self.managed.get(id.index()))
            .and_then(Option::as_ref)
    }

    /// The principal's identity policies: its own inline and attached policies, then (for a
    /// user) each group's.
    pub fn identity_policies<'a>(
        &'a self,
        account: &'a Account,
        principal: Principal,
    ) -> Vec<&'a CompiledPolicy> {
        let mut out = Vec::new();
        match principal {
            Principal::User(id) => {
                let u = account.user(id);
                out.extend(self.user_inline.get(id.index()).into_iter().flatten());
                out.extend(u.attached_policies.iter().filter_map(|r| self.managed(r)));
                for g in &u.groups {
                    out.extend(self.group_policies(account, *g));
                }
            }
            Principal::Role(id) => {
                let r = account.role(id);
                out.extend(self.role_inline.get(id.index()).into_iter().flatten());
                out.extend(r.attached_policies.iter().filter_map(|r| self.managed(r)));
            }
        }
        out
    }

    /// A group's policies, inline and attached.
    pub fn group_policies<'a>(
        &'a self,
        account: &'a Account,
        group: GroupId,
    ) -> Vec<&'a CompiledPolicy> {
        let mut out: Vec<&CompiledPolicy> = Vec::new();
        out.extend(self.group_inline.get(group.index()).into_iter().flatten());
        out.extend(
            account
                .group(group)
                .attached_policies
                .iter()
                .filter_map(|r| self.managed(r)),
        );
        out
    }

    pub fn permission_boundary(
        &self,
        account: &Account,
        principal: Principal,
    ) -> Option<&CompiledPolicy> {
        let boundary = match principal {
            Principal::User(id) => account.user(id).permissions_boundary.as_ref(),
            Principal::Role(id) => account.role(id).permissions_boundary.as_ref(),
        }?;
        self.managed(boundary)
    }

    /// The account's SCPs by level (see [`compile_scps`]).
    pub fn scps(&self) -> &[Vec<CompiledPolicy>] {
        &self.scps
    }

    /// A role's trust policy, compiled.
    pub fn trust_policy(&self, role: RoleId) -> Option<&CompiledPolicy> {
        self.trust.get(role.index()).and_then(Option::as_ref)
    }

    /// The layers that apply to the principal's own requests: identity, boundary and the
    /// account's SCPs. Resource, RCP and session layers are the caller's to add.
    pub fn policy_set(&self, account: &Account, principal: Principal) -> PolicySet {
        PolicySet {
            identity: self
                .identity_policies(account, principal)
                .into_iter()
                .cloned()
                .collect(),
            permission_boundary: self.permission_boundary(account, principal).cloned(),
            scps: self.scps.clone(),
            ..PolicySet::default()
        }
    }
}

/// The context keys AWS sets for every request of this principal that the account determines
/// ("AWS global condition context keys"), plus the time. Keys that depend on how the request
/// is made (source IP, MFA, VPC endpoint, ...) are left out: callers add them, or mark them
/// unknown with [`mark_request_keys_unknown`].
pub fn request_context(account: &Account, principal: Principal, now: Timestamp) -> Context {
    let mut c = Context::new();
    let (arn, tags) = match principal {
        Principal::User(id) => {
            let u = account.user(id);
            c.insert("aws:PrincipalType", "User");
            c.insert("aws:userid", u.id.as_str());
            c.insert("aws:username", u.name.as_str());
            (u.arn.as_str(), &u.tags)
        }
        Principal::Role(id) => {
            let r = account.role(id);
            c.insert("aws:PrincipalType", "AssumedRole");
            c.insert(
                "aws:userid",
                format!("{}:{DEFAULT_SESSION_NAME}", r.id).as_str(),
            );
            (r.arn.as_str(), &r.tags)
        }
    };
    c.insert("aws:PrincipalArn", arn);
    c.insert("aws:PrincipalAccount", account.info.account_id.as_str());
    for t in tags {
        c.insert(&format!("aws:PrincipalTag/{}", t.key), t.value.as_str());
    }
    c.insert(
        "aws:PrincipalTagKeys",
        ContextValue::Multi(tags.iter().map(|t| t.key.clone()).collect()),
    );
    c.insert("aws:PrincipalIsAWSService", "false");
    c.insert("aws:CurrentTime", now.to_string().as_str());
    c.insert("aws:EpochTime", now.as_second().to_string().as_str());
    c.insert("aws:SecureTransport", "true");
    c
}

/// Marks every condition key used in `policies` that `context` does not already hold as
/// unknown, for three-valued analysis: what depends on how a request is made is neither
/// granted nor refused, but conditional.
pub fn mark_request_keys_unknown<'a>(
    context: &mut Context,
    policies: impl IntoIterator<Item = &'a Policy>,
) {
    for policy in policies {
        for statement in &policy.statements {
            for condition in &statement.conditions {
                context.set_unknown_if_absent(&condition.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::{Decision, Request, decide};
    use crate::source::demo;

    fn principal(account: &Account, name: &str) -> Principal {
        Principal::try_from((account, account.lookup(name).unwrap())).unwrap()
    }

    #[test]
    fn user_policies_include_groups_and_boundary() {
        let account = demo::account().unwrap();
        let compiled = CompiledAccount::new(&account);
        let alice = principal(&account, "alice");
        let set = compiled.policy_set(&account, alice);
        let labels: Vec<&str> = set.identity.iter().map(CompiledPolicy::label).collect();
        assert!(
            labels.contains(&"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"),
            "{labels:?}"
        );
        assert!(labels.contains(&"DenyProdDataDelete"), "{labels:?}");
        assert!(set.permission_boundary.is_some());

        let now: Timestamp = "2026-11-01T00:00:00Z".parse().unwrap();
        let request = Request::new(
            &alice.caller_arn(&account, DEFAULT_SESSION_NAME),
            "s3:GetObject",
            "arn:aws:s3:::my-app-uploads/a.png",
        )
        .with_context(request_context(&account, alice, now));
        assert_eq!(decide(&set, &request), Decision::Allow);
        let delete = Request::new(
            &alice.caller_arn(&account, DEFAULT_SESSION_NAME),
            "s3:DeleteObject",
            "arn:aws:s3:::my-app-prod-data/a.csv",
        );
        assert_eq!(decide(&set, &delete), Decision::ExplicitDeny);
    }

    #[test]
    fn role_requests_come_from_a_session() {
        let account = demo::account().unwrap();
        let role = principal(&account, "MyAppTaskRole");
        assert_eq!(
            role.caller_arn(&account, "s1"),
            "arn:aws:sts::123456789012:assumed-role/MyAppTaskRole/s1"
        );
        let now: Timestamp = "2026-11-01T00:00:00Z".parse().unwrap();
        let c = request_context(&account, role, now);
        assert_eq!(
            c.get("aws:principalarn"),
            Some(&ContextValue::Single(
                "arn:aws:iam::123456789012:role/MyAppTaskRole".into()
            ))
        );
        assert_eq!(c.get("aws:username"), None);
        assert_eq!(
            c.get("aws:PrincipalTag/team"),
            Some(&ContextValue::Single("backend".into()))
        );
    }

    #[test]
    fn groups_and_policies_are_not_principals() {
        let account = demo::account().unwrap();
        let e = Principal::try_from((&account, account.lookup("Developers").unwrap())).unwrap_err();
        assert_eq!(e.kind, "group");
    }
}
