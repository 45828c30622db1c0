//! The detail pane's content for one selection: a summary, then relations (groups, members,
//! attached to, trusted by, policies) that Enter follows, then findings with their fix.

use jiff::Timestamp;

use super::app::Data;
use super::documents::{self, Document};
use super::insights::{Finding, Insights, Severity};
use super::rows::{self, LastUsed, Target};
use crate::analysis::principal::Principal;
use crate::analysis::trust::TrustGraph;
use crate::model::{Account, EntityRef};

/// Relations listed per section before "N more": a policy attached to thousands of principals
/// must not make every frame build thousands of lines.
const MAX_PER_SECTION: usize = 200;

#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// `role MyAppTaskRole`.
    Heading {
        kind: &'static str,
        name: String,
    },
    Field {
        label: &'static str,
        value: String,
    },
    Section(&'static str),
    /// A selectable line.
    Link {
        text: String,
        link: Link,
        severity: Option<Severity>,
    },
    /// A relation Enter cannot follow (a service, another account), aligned with links.
    Entry(String),
    /// Indented text under the line above (a condition, a fix).
    Note(String),
    Blank,
}

/// Where Enter on a [`Item::Link`] goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    Entity(EntityRef),
    /// The `n`th document of the policy pane; `jump` is its managed policy, if any.
    Document {
        index: usize,
        jump: Option<EntityRef>,
    },
}

impl Item {
    pub fn is_link(&self) -> bool {
        matches!(self, Item::Link { .. })
    }
}

/// What the detail and policy panes are about.
pub fn entity_of(insights: &Insights, target: Target) -> Option<EntityRef> {
    match target {
        Target::Entity(e) => Some(e),
        Target::Finding(i) => insights.findings.get(i)?.entity,
    }
}

pub fn items(data: &Data, now: Timestamp, target: Target) -> Vec<Item> {
    let (account, insights) = (&*data.account, &data.insights);
    let mut out = Vec::new();
    let entity = match target {
        Target::Entity(e) => e,
        Target::Finding(i) => {
            let Some(f) = insights.findings.get(i) else {
                return out;
            };
            finding_summary(&mut out, account, f);
            match f.entity {
                Some(e) => e,
                None => return out,
            }
        }
    };
    let docs = documents::documents(account, entity);
    summary(&mut out, account, now, entity);
    relations(&mut out, account, entity);
    trust(
        &mut out,
        account,
        data.trust.as_deref(),
        &data.trust_waiting,
        entity,
    );
    policies(&mut out, &docs);
    let findings: Vec<&Finding> = insights.of(entity).collect();
    if !findings.is_empty() {
        out.push(Item::Blank);
        out.push(Item::Section("Findings"));
        for f in findings {
            out.push(Item::Link {
                text: f.title.clone(),
                link: evidence_link(&docs, f).unwrap_or(Link::Entity(entity)),
                severity: Some(f.severity),
            });
            if !f.fix.is_empty() {
                out.push(Item::Note(format!("fix: {}", f.fix)));
            }
        }
    }
    out
}

fn evidence_link(docs: &[Document], f: &Finding) -> Option<Link> {
    let e = f.evidence.first()?;
    let index = docs.iter().position(|d| *d.evidence_name == *e.policy)?;
    Some(Link::Document { index, jump: None })
}

fn finding_summary(out: &mut Vec<Item>, account: &Account, f: &Finding) {
    out.push(Item::Heading {
        kind: "finding",
        name: f.title.clone(),
    });
    out.push(Item::Field {
        label: "severity",
        value: f.severity.as_str().into(),
    });
    out.push(Item::Note(f.detail.clone()));
    if !f.fix.is_empty() {
        out.push(Item::Note(format!("fix: {}", f.fix)));
    }
    if let Some(e) = f.entity {
        out.push(Item::Link {
            text: format!("{} {}", e.kind().as_str(), account.name_of(e)),
            link: Link::Entity(e),
            severity: None,
        });
    }
    out.push(Item::Blank);
}

fn summary(out: &mut Vec<Item>, account: &Account, now: Timestamp, entity: EntityRef) {
    let field = |label, value: String| Item::Field { label, value };
    out.push(Item::Heading {
        kind: entity.kind().as_str(),
        name: account.name_of(entity).to_owned(),
    });
    out.push(field("arn", account.arn_of(entity).to_owned()));
    match entity {
        EntityRef::User(id) => {
            let u = account.user(id);
            out.push(field("path", u.path.clone()));
            out.push(field("created", rows::date(u.created)));
            let c = &u.credentials;
            let console = match c.password_enabled {
                Some(true) => "password",
                Some(false) => "no password",
                None => "unknown",
            };
            let mfa = match c.mfa_active {
                Some(true) => "on",
                Some(false) => "off",
                None => "unknown",
            };
            out.push(field("console", format!("{console} · MFA {mfa}")));
            for k in &c.access_keys {
                out.push(field(
                    "key",
                    format!(
                        "{} {} · created {} · used {}",
                        k.id,
                        if k.active { "active" } else { "inactive" },
                        rows::date(k.created),
                        rows::age(k.last_used.map_or(LastUsed::Never, LastUsed::At), now)
                    ),
                ));
            }
        }
        EntityRef::Group(id) => {
            let g = account.group(id);
            out.push(field("path", g.path.clone()));
            out.push(field("created", rows::date(g.created)));
        }
        EntityRef::Role(id) => {
            let r = account.role(id);
            out.push(field("path", r.path.clone()));
            out.push(field("created", rows::date(r.created)));
            let used = match &r.last_used {
                None => LastUsed::Unknown,
                Some(l) => l.date.map_or(LastUsed::Never, LastUsed::At),
            };
            let region = r
                .last_used
                .as_ref()
                .and_then(|l| l.region.as_deref())
                .map(|r| format!(" in {r}"))
                .unwrap_or_default();
            out.push(field(
                "last used",
                format!("{}{region}", rows::age(used, now)),
            ));
            if let Some(d) = &r.description {
                out.push(field("about", d.clone()));
            }
            if let Some(s) = r.max_session_duration {
                out.push(field(
                    "session",
                    format!("up to {}h", f64::from(s) / 3600.0),
                ));
            }
            for p in &r.instance_profiles {
                out.push(field("profile", format!("instance profile {}", p.name)));
            }
        }
        EntityRef::Policy(id) => {
            let p = account.policy(id);
            out.push(field(
                "type",
                if p.is_aws_managed() {
                    "AWS managed".into()
                } else {
                    "customer managed".into()
                },
            ));
            out.push(field("created", rows::date(p.created)));
            out.push(field("updated", rows::date(p.updated)));
            if let Some(d) = &p.description {
                out.push(field("about", d.clone()));
            }
        }
    }
}

fn links(out: &mut Vec<Item>, title: &'static str, account: &Account, list: &[EntityRef]) {
    if list.is_empty() {
        return;
    }
    out.push(Item::Blank);
    out.push(Item::Section(title));
    for e in list.iter().take(MAX_PER_SECTION) {
        out.push(Item::Link {
            text: format!("{} {}", e.kind().as_str(), account.name_of(*e)),
            link: Link::Entity(*e),
            severity: None,
        });
    }
    if list.len() > MAX_PER_SECTION {
        out.push(Item::Note(format!(
            "… and {} more",
            list.len() - MAX_PER_SECTION
        )));
    }
}

fn relations(out: &mut Vec<Item>, account: &Account, entity: EntityRef) {
    match entity {
        EntityRef::User(id) => {
            let groups: Vec<EntityRef> = account
                .user(id)
                .groups
                .iter()
                .map(|g| EntityRef::Group(*g))
                .collect();
            links(out, "Groups", account, &groups);
        }
        EntityRef::Group(id) => {
            let members: Vec<EntityRef> = account
                .group(id)
                .members
                .iter()
                .map(|u| EntityRef::User(*u))
                .collect();
            links(out, "Members", account, &members);
        }
        EntityRef::Role(_) => {}
        EntityRef::Policy(id) => {
            links(out, "Attached to", account, account.attached_to(id));
            links(out, "Boundary of", account, account.boundary_of(id));
        }
    }
}

/// Conditions shown under a trust relation before "…": the trust view has them all.
const MAX_CONDITIONS: usize = 2;

/// "Trusted by" (roles) and "Can assume" (users and roles): direct edges of the trust graph.
fn trust(
    out: &mut Vec<Item>,
    account: &Account,
    graph: Option<&TrustGraph>,
    waiting: &str,
    entity: EntityRef,
) {
    let principal = match entity {
        EntityRef::User(id) => Principal::User(id),
        EntityRef::Role(id) => Principal::Role(id),
        _ => return,
    };
    let Some(graph) = graph else {
        out.push(Item::Blank);
        out.push(Item::Section("Trust"));
        out.push(Item::Entry(waiting.to_owned()));
        return;
    };
    if let Principal::Role(role) = principal {
        let edges = graph.assumers_of(role);
        out.push(Item::Blank);
        out.push(Item::Section("Trusted by"));
        if edges.is_empty() {
            out.push(Item::Entry("no one".into()));
        }
        for edge in edges.iter().take(MAX_PER_SECTION) {
            let info = graph.info(edge);
            let text = format!(
                "{:<11} {} {}",
                info.status.as_str(),
                graph.node_kind(edge.from).as_str(),
                graph.node_name(account, edge.from)
            );
            match account.by_arn(graph.node_label(account, edge.from)) {
                Some(e) => out.push(Item::Link {
                    text,
                    link: Link::Entity(e),
                    severity: None,
                }),
                None => out.push(Item::Entry(text)),
            }
            let conditions: Vec<&str> = info
                .conditions
                .iter()
                .map(|c| c.description.as_str())
                .collect();
            for (i, c) in conditions.iter().take(MAX_CONDITIONS).enumerate() {
                let joint = if i == 0 { "when" } else { "and" };
                out.push(Item::Note(format!("{joint} {c}")));
            }
            if conditions.len() > MAX_CONDITIONS {
                out.push(Item::Note("… (t shows every condition)".into()));
            }
        }
        if edges.len() > MAX_PER_SECTION {
            out.push(Item::Note(format!(
                "… and {} more",
                edges.len() - MAX_PER_SECTION
            )));
        }
    }
    let reach: Vec<_> = graph.assumed_by(graph.principal_node(principal)).collect();
    if !reach.is_empty() {
        out.push(Item::Blank);
        out.push(Item::Section("Can assume"));
        for edge in reach.iter().take(MAX_PER_SECTION) {
            let info = graph.info(edge);
            out.push(Item::Link {
                text: format!(
                    "{:<11} role {}",
                    info.status.as_str(),
                    account.role(edge.role).name
                ),
                link: Link::Entity(EntityRef::Role(edge.role)),
                severity: None,
            });
        }
        if reach.len() > MAX_PER_SECTION {
            out.push(Item::Note(format!(
                "… and {} more",
                reach.len() - MAX_PER_SECTION
            )));
        }
    }
}

fn policies(out: &mut Vec<Item>, docs: &[Document]) {
    if docs.is_empty() {
        return;
    }
    out.push(Item::Blank);
    out.push(Item::Section("Policies"));
    for (index, d) in docs.iter().enumerate() {
        let jump = match d.source {
            Some(documents::DocSource::Managed(id, None)) => Some(EntityRef::Policy(id)),
            _ => None,
        };
        let missing = if d.source.is_none() {
            " (not in the input)"
        } else {
            ""
        };
        out.push(Item::Link {
            text: format!("{}{missing}", d.title),
            link: Link::Document { index, jump },
            severity: None,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::harness::Harness;

    fn items_of(name: &str) -> Vec<Item> {
        let h = Harness::demo((120, 36)).unwrap();
        let data = h.app.data().unwrap();
        let e = data.account.lookup(name).unwrap();
        items(data, Timestamp::UNIX_EPOCH, Target::Entity(e))
    }

    #[test]
    fn group_lists_members_and_policies() {
        let items = items_of("Developers");
        assert!(
            items
                .iter()
                .any(|i| matches!(i, Item::Link { text, .. } if text == "user alice"))
        );
        assert!(items.contains(&Item::Section("Policies")), "{items:?}");
    }

    #[test]
    fn role_shows_who_can_assume_it_with_conditions() {
        let items = items_of("MyAppTaskRole");
        let at = items
            .iter()
            .position(|i| *i == Item::Section("Trusted by"))
            .unwrap();
        assert!(
            matches!(&items[at + 1], Item::Entry(t) if t.contains("service ecs-tasks.amazonaws.com")),
            "{items:#?}"
        );
        assert!(
            matches!(&items[at + 2], Item::Note(t) if t.contains("when ")),
            "{items:#?}"
        );
    }
}
