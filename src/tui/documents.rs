//! The policy documents that belong to an entity, in the order the policy pane cycles through
//! them: a role's trust policy first, then inline, attached, the permissions boundary, and for
//! a user the policies it gets from its groups.

use crate::model::{Account, EntityRef, GroupId, PolicyId, PolicyRef};
use crate::policy::Policy;

/// Where a document lives in the account. Stable for one loaded account, so it keys caches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocSource {
    Trust(crate::model::RoleId),
    /// The `n`th inline policy of a user, group or role.
    Inline(EntityRef, usize),
    /// A managed policy's version (`None`: the default version).
    Managed(PolicyId, Option<usize>),
}

/// One entry of the policy pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// What the pane title says, e.g. `inline ManageOwnTools`, `group Developers: attached X`.
    pub title: String,
    /// The name findings use for it: a managed policy's ARN or an inline policy's name.
    pub evidence_name: String,
    /// `None` when the input names a managed policy it does not contain.
    pub source: Option<DocSource>,
}

pub fn documents(account: &Account, entity: EntityRef) -> Vec<Document> {
    let mut out = Vec::new();
    match entity {
        EntityRef::User(id) => {
            let u = account.user(id);
            inline(&mut out, entity, &u.inline_policies, "");
            attached(&mut out, &u.attached_policies, "attached", "");
            if let Some(b) = &u.permissions_boundary {
                attached(&mut out, std::slice::from_ref(b), "boundary", "");
            }
            for g in &u.groups {
                group(&mut out, account, *g, true);
            }
        }
        EntityRef::Group(id) => group(&mut out, account, id, false),
        EntityRef::Role(id) => {
            let r = account.role(id);
            if r.trust_policy.is_some() {
                out.push(Document {
                    title: "trust policy".into(),
                    // As the analysis labels it.
                    evidence_name: format!("{} trust policy", r.arn),
                    source: Some(DocSource::Trust(id)),
                });
            }
            inline(&mut out, entity, &r.inline_policies, "");
            attached(&mut out, &r.attached_policies, "attached", "");
            if let Some(b) = &r.permissions_boundary {
                attached(&mut out, std::slice::from_ref(b), "boundary", "");
            }
        }
        EntityRef::Policy(id) => {
            let p = account.policy(id);
            // The default version first: it is the one in force.
            let mut versions: Vec<usize> = (0..p.versions.len()).collect();
            versions.sort_by_key(|i| !p.versions[*i].is_default);
            for i in versions {
                let v = &p.versions[i];
                out.push(Document {
                    title: format!(
                        "version {}{}",
                        v.version_id,
                        if v.is_default { " (default)" } else { "" }
                    ),
                    evidence_name: p.arn.clone(),
                    source: Some(DocSource::Managed(id, Some(i))),
                });
            }
        }
    }
    out
}

fn group(out: &mut Vec<Document>, account: &Account, id: GroupId, via: bool) {
    let g = account.group(id);
    let prefix = if via {
        format!("group {}: ", g.name)
    } else {
        String::new()
    };
    inline(out, EntityRef::Group(id), &g.inline_policies, &prefix);
    attached(out, &g.attached_policies, "attached", &prefix);
}

fn inline(
    out: &mut Vec<Document>,
    owner: EntityRef,
    list: &[crate::model::InlinePolicy],
    prefix: &str,
) {
    for (i, p) in list.iter().enumerate() {
        out.push(Document {
            title: format!("{prefix}inline {}", p.name),
            evidence_name: p.name.clone(),
            source: Some(DocSource::Inline(owner, i)),
        });
    }
}

fn attached(out: &mut Vec<Document>, list: &[PolicyRef], how: &str, prefix: &str) {
    for r in list {
        out.push(Document {
            title: format!("{prefix}{how} {}", r.name),
            evidence_name: r.arn.clone(),
            source: r.policy.map(|id| DocSource::Managed(id, None)),
        });
    }
}

/// The parsed document behind a source; `None` when the input did not include it.
pub fn policy(account: &Account, source: DocSource) -> Option<&Policy> {
    match source {
        DocSource::Trust(id) => account.roles.get(id.index())?.trust_policy.as_ref(),
        DocSource::Inline(owner, i) => {
            let list = match owner {
                EntityRef::User(id) => &account.users.get(id.index())?.inline_policies,
                EntityRef::Group(id) => &account.groups.get(id.index())?.inline_policies,
                EntityRef::Role(id) => &account.roles.get(id.index())?.inline_policies,
                EntityRef::Policy(_) => return None,
            };
            list.get(i).map(|p| &p.document)
        }
        DocSource::Managed(id, None) => account.policies.get(id.index())?.default_document(),
        DocSource::Managed(id, Some(v)) => account
            .policies
            .get(id.index())?
            .versions
            .get(v)?
            .document
            .as_ref(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_documents_start_with_trust() {
        let a = crate::source::demo::account().unwrap();
        let role = a.lookup("MyAppTaskRole").unwrap();
        let docs = documents(&a, role);
        assert_eq!(docs[0].title, "trust policy");
        assert!(docs.len() > 1, "{docs:?}");
        for d in &docs {
            assert!(policy(&a, d.source.unwrap()).is_some(), "{d:?}");
        }
    }

    #[test]
    fn user_documents_include_group_policies() {
        let a = crate::source::demo::account().unwrap();
        let docs = documents(&a, a.lookup("alice").unwrap());
        assert!(
            docs.iter()
                .any(|d| d.title == "group Developers: inline DenyProdDataDelete"),
            "{docs:?}"
        );
        assert!(docs.iter().any(|d| d.title.starts_with("boundary ")));
    }
}
