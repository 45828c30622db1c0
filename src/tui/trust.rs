//! Who can assume a role, as a tree: role → principal its trust policy names → conditions.
//!
//! This reads the trust policy as written. The trust analysis (`crate::analysis`, chains of
//! roles, whether a condition can be met, what a principal can assume) replaces it here when it
//! is part of the build; the views only see [`Node`]s.

use crate::model::{Account, EntityRef, Role, RoleId};
use crate::policy::{Effect, PrincipalKind, PrincipalSet};

use super::plain_english;

/// One principal a trust policy names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trustee {
    pub effect: Effect,
    /// `NotPrincipal`: everyone except this one.
    pub negated: bool,
    /// `service ecs-tasks.amazonaws.com`, `account 444455556666`, `anyone`, ...
    pub who: String,
    /// The user or role of this account it names, when it names one.
    pub entity: Option<EntityRef>,
    /// The statement's conditions, one phrase each (all must hold).
    pub conditions: Vec<String>,
}

pub fn trustees(account: &Account, role: &Role) -> Vec<Trustee> {
    let mut out = Vec::new();
    let Some(policy) = &role.trust_policy else {
        return out;
    };
    for s in &policy.statements {
        let Some(p) = &s.principal else { continue };
        let conditions: Vec<String> = s.conditions.iter().map(plain_english::condition).collect();
        let mut push = |who: String, entity: Option<EntityRef>| {
            out.push(Trustee {
                effect: s.effect,
                negated: p.negated,
                who,
                entity,
                conditions: conditions.clone(),
            });
        };
        match &p.set {
            PrincipalSet::Anyone => push("anyone".into(), None),
            PrincipalSet::Entries(entries) => {
                for e in entries {
                    for (value, who) in e.values.iter().zip(plain_english::principal_entry(e)) {
                        let entity = match e.kind {
                            PrincipalKind::Aws => account.by_arn(value),
                            _ => None,
                        };
                        push(who, entity);
                    }
                }
            }
        }
    }
    out
}

/// What a tree line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    Role,
    Principal { deny: bool },
    Condition,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub kind: NodeKind,
    /// Tree drawing before the text, e.g. `├─ `, `│  └ `.
    pub prefix: String,
    pub text: String,
    /// Where Enter goes.
    pub target: Option<EntityRef>,
}

/// The tree for `roles` (in that order).
pub fn tree(account: &Account, roles: &[RoleId]) -> Vec<Node> {
    let mut nodes = Vec::new();
    for id in roles {
        let role = account.role(*id);
        nodes.push(Node {
            kind: NodeKind::Role,
            prefix: String::new(),
            text: role.name.clone(),
            target: Some(EntityRef::Role(*id)),
        });
        let trustees = trustees(account, role);
        if trustees.is_empty() {
            nodes.push(Node {
                kind: NodeKind::Condition,
                prefix: "└─ ".into(),
                text: "no trust policy in the input".into(),
                target: None,
            });
        }
        let n = trustees.len();
        for (i, t) in trustees.into_iter().enumerate() {
            let last = i + 1 == n;
            let (branch, stem) = if last {
                ("└─ ", "   ")
            } else {
                ("├─ ", "│  ")
            };
            let deny = t.effect == Effect::Deny;
            let who = match (deny, t.negated) {
                (true, _) => format!("denied: {}", t.who),
                (false, true) => format!("everyone except {}", t.who),
                (false, false) => t.who,
            };
            nodes.push(Node {
                kind: NodeKind::Principal { deny },
                prefix: branch.into(),
                text: who,
                target: t.entity,
            });
            let c = t.conditions.len();
            for (j, cond) in t.conditions.into_iter().enumerate() {
                let joint = if j + 1 == c { "└ " } else { "├ " };
                nodes.push(Node {
                    kind: NodeKind::Condition,
                    prefix: format!("{stem}{joint}"),
                    text: if j == 0 {
                        format!("when {cond}")
                    } else {
                        format!("and {cond}")
                    },
                    target: None,
                });
            }
        }
    }
    nodes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_role_is_trusted_by_ecs_with_conditions() {
        let a = crate::source::demo::account().unwrap();
        let EntityRef::Role(id) = a.lookup("MyAppTaskRole").unwrap() else {
            panic!()
        };
        let nodes = tree(&a, &[id]);
        let text: Vec<String> = nodes
            .iter()
            .map(|n| format!("{}{}", n.prefix, n.text))
            .collect();
        assert_eq!(text[0], "MyAppTaskRole");
        assert_eq!(text[1], "└─ service ecs-tasks.amazonaws.com");
        assert!(
            text[2].contains("when aws:SourceAccount is 123456789012"),
            "{text:?}"
        );
    }

    #[test]
    fn account_principals_resolve_to_entities() {
        let a = crate::source::demo::account().unwrap();
        let EntityRef::Role(id) = a.lookup("LegacyPartnerRole").unwrap() else {
            panic!()
        };
        let t = trustees(&a, a.role(id));
        assert_eq!(t[0].who, "anyone");
    }
}
