//! The trust views as tree lines: who can assume a role, what a principal can assume, and
//! every role's direct assumers. The answers come from the trust graph
//! (`crate::analysis::trust`); this file only lays them out.

use crate::analysis::principal::Principal;
use crate::analysis::trust::{
    AssumeAction, Note, PathOptions, RequiredCondition, Severity as NoteSeverity, Status, Step,
    TrustGraph,
};
use crate::model::{Account, EntityRef, RoleId};

use super::insights::Severity;

/// What a tree line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    /// A section title: "Who can assume X", "What X can assume".
    Heading,
    /// The role or principal a section is about (`:trust` lists every role).
    Subject,
    /// Someone who can assume, or a role that can be assumed, with how.
    Edge(Status),
    /// Conditions, chains, reasons.
    Detail,
    /// A judgement of the trust analysis on an edge.
    Note(Severity),
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

fn severity(s: NoteSeverity) -> Severity {
    match s {
        NoteSeverity::Critical => Severity::Critical,
        NoteSeverity::High => Severity::High,
        NoteSeverity::Medium => Severity::Medium,
        NoteSeverity::Low => Severity::Low,
        NoteSeverity::Info => Severity::Info,
    }
}

/// One edge's lines: the edge, then its chain, conditions, notes and reason below it.
struct EdgeLines<'a> {
    status: Status,
    title: String,
    target: Option<EntityRef>,
    action: AssumeAction,
    steps: &'a [Step],
    conditions: &'a [RequiredCondition],
    any_of: &'a [Vec<RequiredCondition>],
    notes: &'a [Note],
    reason: &'a str,
}

fn push_edge(out: &mut Vec<Node>, e: &EdgeLines<'_>, last: bool) {
    let (branch, stem) = if last {
        ("└─ ", "   ")
    } else {
        ("├─ ", "│  ")
    };
    let action = match e.action {
        AssumeAction::AssumeRole => String::new(),
        other => format!("  ({})", other.as_str()),
    };
    out.push(Node {
        kind: NodeKind::Edge(e.status),
        prefix: branch.into(),
        text: format!("{:<11} {}{action}", e.status.as_str(), e.title),
        target: e.target,
    });
    let mut details: Vec<(NodeKind, String)> = Vec::new();
    if e.steps.len() > 1 {
        let chain: Vec<&str> = e
            .steps
            .iter()
            .map(|s| s.role_arn.rsplit('/').next().unwrap_or(&s.role_arn))
            .collect();
        details.push((NodeKind::Detail, format!("via {}", chain.join(" → "))));
    }
    for (i, c) in e.conditions.iter().enumerate() {
        let joint = if i == 0 { "when" } else { "and" };
        details.push((NodeKind::Detail, format!("{joint} {}", c.description)));
    }
    for (i, group) in e.any_of.iter().enumerate() {
        let words: Vec<&str> = group.iter().map(|c| c.description.as_str()).collect();
        let joint = if i == 0 { "and either" } else { "or" };
        details.push((NodeKind::Detail, format!("{joint} {}", words.join(" and "))));
    }
    for n in e.notes {
        details.push((
            NodeKind::Note(severity(n.severity)),
            format!("! {}", n.message),
        ));
    }
    if e.status == Status::Never && !e.reason.is_empty() {
        details.push((NodeKind::Detail, format!("why not: {}", e.reason)));
    }
    let n = details.len();
    for (i, (kind, text)) in details.into_iter().enumerate() {
        let joint = if i + 1 == n { "└ " } else { "├ " };
        out.push(Node {
            kind,
            prefix: format!("{stem}{joint}"),
            text,
            target: None,
        });
    }
}

fn heading(out: &mut Vec<Node>, text: String, target: Option<EntityRef>) {
    out.push(Node {
        kind: NodeKind::Heading,
        prefix: String::new(),
        text,
        target,
    });
}

fn none(out: &mut Vec<Node>, text: &str) {
    out.push(Node {
        kind: NodeKind::Detail,
        prefix: "└─ ".into(),
        text: text.into(),
        target: None,
    });
}

/// Who can assume `role`, directly and by role chaining.
pub fn who_can_assume(account: &Account, graph: &TrustGraph, role: RoleId) -> Vec<Node> {
    let mut out = Vec::new();
    let report = graph.who_can_assume(account, role, &PathOptions::default());
    heading(
        &mut out,
        format!("Who can assume {}", report.role_name),
        Some(EntityRef::Role(role)),
    );
    if report.assumers.is_empty() {
        none(&mut out, "no one: no trust policy lets anyone assume it");
    }
    let n = report.assumers.len();
    for (i, a) in report.assumers.iter().enumerate() {
        let name = a.name.as_deref().unwrap_or(&a.principal);
        push_edge(
            &mut out,
            &EdgeLines {
                status: a.status,
                title: format!("{} {name}", a.kind.as_str()),
                target: account.by_arn(&a.principal),
                action: a.action,
                steps: &a.steps,
                conditions: &a.conditions,
                any_of: &a.any_of,
                notes: &a.notes,
                reason: &a.reason,
            },
            i + 1 == n,
        );
    }
    out
}

/// The roles a user or role can assume, directly and by role chaining.
pub fn can_assume(account: &Account, graph: &TrustGraph, principal: Principal) -> Vec<Node> {
    let mut out = Vec::new();
    let node = graph.principal_node(principal);
    let report = graph.can_assume(account, node, &PathOptions::default());
    heading(
        &mut out,
        format!("What {} can assume", principal.name(account)),
        Some(principal.entity()),
    );
    if report.roles.is_empty() {
        none(&mut out, "no role");
    }
    let n = report.roles.len();
    for (i, r) in report.roles.iter().enumerate() {
        push_edge(
            &mut out,
            &EdgeLines {
                status: r.status,
                title: format!("role {}", r.role_name),
                target: account.by_arn(&r.role_arn),
                action: r.action,
                steps: &r.steps,
                conditions: &r.conditions,
                any_of: &r.any_of,
                notes: &r.notes,
                reason: &r.reason,
            },
            i + 1 == n,
        );
    }
    out
}

/// `:trust`: every role with its direct assumers (role chains are one `t` away).
pub fn every_role(account: &Account, graph: &TrustGraph, roles: &[RoleId]) -> Vec<Node> {
    let mut out = Vec::new();
    for role in roles {
        out.push(Node {
            kind: NodeKind::Subject,
            prefix: String::new(),
            text: account.role(*role).name.clone(),
            target: Some(EntityRef::Role(*role)),
        });
        let edges = graph.assumers_of(*role);
        if edges.is_empty() {
            none(&mut out, "no one");
        }
        for (i, edge) in edges.iter().enumerate() {
            let info = graph.info(edge);
            let from = graph.node_name(account, edge.from);
            let kind = graph.node_kind(edge.from);
            let label = graph.node_label(account, edge.from);
            push_edge(
                &mut out,
                &EdgeLines {
                    status: info.status,
                    title: format!("{} {from}", kind.as_str()),
                    target: account.by_arn(label),
                    action: info.action,
                    steps: &[],
                    conditions: &info.conditions.all,
                    any_of: &info.conditions.any_of,
                    notes: &info.notes,
                    reason: info.reason.as_deref().unwrap_or_default(),
                },
                i + 1 == edges.len(),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(nodes: &[Node]) -> Vec<String> {
        nodes
            .iter()
            .map(|n| format!("{}{}", n.prefix, n.text))
            .collect()
    }

    #[test]
    fn task_role_is_assumed_by_ecs_under_conditions() {
        let a = crate::source::demo::account().unwrap();
        let g = TrustGraph::build(&a);
        let EntityRef::Role(id) = a.lookup("MyAppTaskRole").unwrap() else {
            panic!()
        };
        let t = text(&who_can_assume(&a, &g, id));
        assert_eq!(t[0], "Who can assume MyAppTaskRole");
        assert!(
            t.iter()
                .any(|l| l.contains("service ecs-tasks.amazonaws.com")),
            "{t:#?}"
        );
        assert!(t.iter().any(|l| l.contains("when ")), "{t:#?}");
    }

    #[test]
    fn every_role_lists_direct_assumers() {
        let a = crate::source::demo::account().unwrap();
        let g = TrustGraph::build(&a);
        let roles: Vec<RoleId> = (0..a.roles.len() as u32).map(RoleId).collect();
        let nodes = every_role(&a, &g, &roles);
        let subjects = nodes.iter().filter(|n| n.kind == NodeKind::Subject).count();
        assert_eq!(subjects, a.roles.len());
    }
}
