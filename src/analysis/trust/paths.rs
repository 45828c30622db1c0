//! Queries over the trust graph: who can assume a role, and what a principal can assume,
//! directly and by role chaining, with every shortest path per pair (FORMATS.md §5).

use std::collections::{HashMap, VecDeque};

use serde::Serialize;

use super::{
    AssumeAction, AssumerKind, Conditions, Edge, Node, NodeId, Note, RequiredCondition, Status,
    TrustGraph,
};
use crate::model::{Account, RoleId};

/// How much of the graph a query reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathOptions {
    /// At most this many shortest paths per (source, role) pair. The graph keeps them all;
    /// a dense account can have thousands between two nodes, which no one reads.
    pub max_paths: usize,
    /// Only direct edges, no role chaining.
    pub direct_only: bool,
    /// Keep `never` edges (explanations).
    pub include_never: bool,
}

impl Default for PathOptions {
    fn default() -> Self {
        PathOptions {
            max_paths: 8,
            direct_only: false,
            include_never: true,
        }
    }
}

/// One hop of a chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// Who assumes: a principal ARN (or service, provider, account id, `*`).
    pub from: String,
    pub role_arn: String,
    pub action: AssumeAction,
    pub status: Status,
    pub conditions: Vec<RequiredCondition>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub any_of: Vec<Vec<RequiredCondition>>,
}

/// A source that can assume the role (FORMATS.md §5 `assumers[]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assumer {
    pub principal: String,
    /// The user or role name, for principals of the account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub kind: AssumerKind,
    pub status: Status,
    pub conditions: Vec<RequiredCondition>,
    /// When the trust allows in several ways: the conditions of each way (one must hold, in
    /// addition to `conditions`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub any_of: Vec<Vec<RequiredCondition>>,
    /// Intermediate roles, in order; empty for a direct assumer.
    pub via: Vec<String>,
    pub reason: String,
    /// The STS action of the first hop.
    pub action: AssumeAction,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
    /// Each hop of a chain (empty for a direct assumer).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<Step>,
}

/// `iamscope who-can-assume ROLE --format json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WhoCanAssume {
    pub role_arn: String,
    pub role_name: String,
    pub assumers: Vec<Assumer>,
    /// Pairs with more shortest paths than [`PathOptions::max_paths`] (only that many are
    /// listed).
    #[serde(skip_serializing_if = "is_zero")]
    pub truncated_pairs: usize,
}

/// A role a principal can reach (FORMATS.md §5 `roles[]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reachable {
    pub role_arn: String,
    pub role_name: String,
    pub status: Status,
    pub conditions: Vec<RequiredCondition>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub any_of: Vec<Vec<RequiredCondition>>,
    pub via: Vec<String>,
    pub reason: String,
    pub action: AssumeAction,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<Step>,
}

/// `iamscope can-assume PRINCIPAL --format json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CanAssume {
    pub principal_arn: String,
    pub kind: AssumerKind,
    pub roles: Vec<Reachable>,
    #[serde(skip_serializing_if = "is_zero")]
    pub truncated_pairs: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

const INF: u32 = u32::MAX;

/// What a path (one or more edges, in order) amounts to.
struct PathSummary {
    status: Status,
    conditions: Conditions,
    notes: Vec<Note>,
    steps: Vec<Step>,
    via: Vec<String>,
    reason: String,
    action: AssumeAction,
}

/// Conditions of several hops, all required: `all`s joined, `any_of`s multiplied out (up to a
/// bound; beyond it each hop's alternatives stay in its step).
fn join(parts: &[&Conditions]) -> Conditions {
    let mut all: Vec<RequiredCondition> = Vec::new();
    let mut any_of: Vec<Vec<RequiredCondition>> = Vec::new();
    for c in parts {
        for x in &c.all {
            if !all.contains(x) {
                all.push(x.clone());
            }
        }
        if c.any_of.is_empty() {
            continue;
        }
        if any_of.is_empty() {
            any_of = c.any_of.clone();
            continue;
        }
        if any_of.len() * c.any_of.len() > 32 {
            continue;
        }
        let mut next = Vec::new();
        for a in &any_of {
            for b in &c.any_of {
                let mut v = a.clone();
                v.extend(b.iter().filter(|x| !a.contains(x)).cloned());
                next.push(v);
            }
        }
        any_of = next;
    }
    Conditions { all, any_of }
}

/// Hop reasons already written during one query: chains share hops.
type Reasons = HashMap<(NodeId, RoleId), String>;

fn summarize(
    g: &TrustGraph,
    account: &Account,
    path: &[Edge],
    reasons: &mut Reasons,
) -> PathSummary {
    let mut status = Status::Always;
    let mut notes: Vec<Note> = Vec::new();
    let mut steps = Vec::with_capacity(path.len());
    let mut parts = Vec::with_capacity(path.len());
    for e in path {
        let info = g.info(e);
        status = status.max(info.status);
        for n in &info.notes {
            if !notes.contains(n) {
                notes.push(n.clone());
            }
        }
        parts.push(&info.conditions);
        steps.push(Step {
            from: g.node_label(account, e.from).to_owned(),
            role_arn: account.role(e.role).arn.clone(),
            action: info.action,
            status: info.status,
            conditions: info.conditions.all.clone(),
            any_of: info.conditions.any_of.clone(),
        });
    }
    let via: Vec<String> = path
        .iter()
        .take(path.len().saturating_sub(1))
        .map(|e| account.role(e.role).arn.clone())
        .collect();
    let action = path
        .first()
        .map_or(AssumeAction::AssumeRole, |e| g.info(e).action);
    let mut hop_reason = |e: &Edge| -> String {
        reasons
            .entry((e.from, e.role))
            .or_insert_with(|| g.explain(account, e))
            .clone()
    };
    let reason = match path {
        [] => String::new(),
        [one] => hop_reason(one),
        [first, ..] => {
            let mut names = vec![g.node_name(account, first.from).to_owned()];
            names.extend(path.iter().map(|e| account.role(e.role).name.clone()));
            let hops: Vec<String> = path.iter().map(&mut hop_reason).collect();
            format!("role chaining {}: {}", names.join(" → "), hops.join("; "))
        }
    };
    PathSummary {
        status,
        conditions: join(&parts),
        notes,
        steps,
        via,
        reason,
        action,
    }
}

fn kind_rank(k: AssumerKind) -> u8 {
    match k {
        AssumerKind::Anyone => 0,
        AssumerKind::Account => 1,
        AssumerKind::Federated => 2,
        AssumerKind::Service => 3,
        AssumerKind::User => 4,
        AssumerKind::Role => 5,
    }
}

/// Enumerates up to `max` paths from `from` to the target along edges that each bring the
/// distance down by one (so every path found is a shortest one). `next` lists the usable
/// edges out of a node towards the target. Returns whether more paths exist than were kept.
fn enumerate(
    from: NodeId,
    max: usize,
    next: &dyn Fn(NodeId) -> Vec<Edge>,
    is_target: &dyn Fn(NodeId) -> bool,
    hop: &dyn Fn(&Edge) -> NodeId,
    out: &mut Vec<Vec<Edge>>,
) -> bool {
    let mut truncated = false;
    let mut stack: Vec<(NodeId, Vec<Edge>)> = vec![(from, Vec::new())];
    while let Some((node, path)) = stack.pop() {
        if is_target(node) && !path.is_empty() {
            if out.len() >= max {
                truncated = true;
                break;
            }
            out.push(path);
            continue;
        }
        // Reverse so the first edge is explored first (stable, readable order).
        for e in next(node).into_iter().rev() {
            let mut p = path.clone();
            p.push(e);
            stack.push((hop(&e), p));
        }
    }
    truncated
}

pub(crate) fn who_can_assume(
    g: &TrustGraph,
    account: &Account,
    role: RoleId,
    opts: &PathOptions,
) -> WhoCanAssume {
    let target = g.role_node(role);
    let mut reasons = Reasons::new();
    let mut assumers = Vec::new();
    let mut direct: Vec<&Edge> = g
        .assumers_of(role)
        .iter()
        .filter(|e| opts.include_never || g.info(e).status != Status::Never)
        .collect();
    direct.sort_by(|a, b| {
        let (ia, ib) = (g.info(a), g.info(b));
        (
            ia.status,
            kind_rank(g.node_kind(a.from)),
            g.node_label(account, a.from),
        )
            .cmp(&(
                ib.status,
                kind_rank(g.node_kind(b.from)),
                g.node_label(account, b.from),
            ))
    });
    for e in direct {
        assumers.push(assumer(g, account, std::slice::from_ref(e), &mut reasons));
    }
    let mut truncated_pairs = 0;
    if !opts.direct_only {
        // Distances to the target over usable edges, walking edges backwards.
        let mut dist = vec![INF; g.node_count()];
        dist[target.0 as usize] = 0;
        let mut queue = VecDeque::from([role]);
        while let Some(r) = queue.pop_front() {
            let d = dist[g.role_node(r).0 as usize];
            for e in g.assumers_of(r) {
                if g.info(e).status == Status::Never {
                    continue;
                }
                let u = e.from.0 as usize;
                if dist[u] == INF {
                    dist[u] = d + 1;
                    if let Some(ur) = g.node_role(e.from) {
                        queue.push_back(ur);
                    }
                }
            }
        }
        let mut sources: Vec<NodeId> = (0..g.node_count() as u32)
            .map(NodeId)
            .filter(|n| {
                let d = dist[n.0 as usize];
                d != INF && d >= 2
            })
            .collect();
        sources.sort_by(|a, b| {
            (
                dist[a.0 as usize],
                kind_rank(g.node_kind(*a)),
                g.node_label(account, *a),
            )
                .cmp(&(
                    dist[b.0 as usize],
                    kind_rank(g.node_kind(*b)),
                    g.node_label(account, *b),
                ))
        });
        let next = |n: NodeId| -> Vec<Edge> {
            let d = dist[n.0 as usize];
            g.assumed_by(n)
                .filter(|e| {
                    g.info(e).status != Status::Never
                        && d != INF
                        && d > 0
                        && dist[g.role_node(e.role).0 as usize] == d - 1
                })
                .copied()
                .collect()
        };
        let hop = |e: &Edge| g.role_node(e.role);
        let is_target = |n: NodeId| n == target;
        for s in sources {
            let mut paths = Vec::new();
            if enumerate(s, opts.max_paths, &next, &is_target, &hop, &mut paths) {
                truncated_pairs += 1;
            }
            for p in paths {
                assumers.push(assumer(g, account, &p, &mut reasons));
            }
        }
    }
    WhoCanAssume {
        role_arn: account.role(role).arn.clone(),
        role_name: account.role(role).name.clone(),
        assumers,
        truncated_pairs,
    }
}

fn assumer(g: &TrustGraph, account: &Account, path: &[Edge], reasons: &mut Reasons) -> Assumer {
    let from = path.first().map_or(NodeId(0), |e| e.from);
    let s = summarize(g, account, path, reasons);
    Assumer {
        principal: g.node_label(account, from).to_owned(),
        name: match g.node(from) {
            Node::External(_) => None,
            _ => Some(g.node_name(account, from).to_owned()),
        },
        kind: g.node_kind(from),
        status: s.status,
        conditions: s.conditions.all,
        any_of: s.conditions.any_of,
        via: s.via,
        reason: s.reason,
        action: s.action,
        notes: s.notes,
        steps: if path.len() > 1 { s.steps } else { Vec::new() },
    }
}

pub(crate) fn can_assume(
    g: &TrustGraph,
    account: &Account,
    source: NodeId,
    opts: &PathOptions,
) -> CanAssume {
    let mut roles = Vec::new();
    let mut reasons = Reasons::new();
    let mut reachable = |g: &TrustGraph, account: &Account, path: &[Edge]| -> Reachable {
        let last = path.last().map_or(RoleId(0), |e| e.role);
        let s = summarize(g, account, path, &mut reasons);
        Reachable {
            role_arn: account.role(last).arn.clone(),
            role_name: account.role(last).name.clone(),
            status: s.status,
            conditions: s.conditions.all,
            any_of: s.conditions.any_of,
            via: s.via,
            reason: s.reason,
            action: s.action,
            notes: s.notes,
            steps: if path.len() > 1 { s.steps } else { Vec::new() },
        }
    };
    let mut direct: Vec<&Edge> = g
        .assumed_by(source)
        .filter(|e| opts.include_never || g.info(e).status != Status::Never)
        .collect();
    direct.sort_by(|a, b| {
        (g.info(a).status, &account.role(a.role).name)
            .cmp(&(g.info(b).status, &account.role(b.role).name))
    });
    for e in direct {
        roles.push(reachable(g, account, std::slice::from_ref(e)));
    }
    let mut truncated_pairs = 0;
    if !opts.direct_only {
        let mut dist = vec![INF; g.node_count()];
        dist[source.0 as usize] = 0;
        let mut queue = VecDeque::from([source]);
        while let Some(x) = queue.pop_front() {
            let d = dist[x.0 as usize];
            for e in g.assumed_by(x) {
                if g.info(e).status == Status::Never {
                    continue;
                }
                let y = g.role_node(e.role);
                if dist[y.0 as usize] == INF {
                    dist[y.0 as usize] = d + 1;
                    queue.push_back(y);
                }
            }
        }
        let mut targets: Vec<RoleId> = (0..account.roles.len() as u32)
            .map(RoleId)
            .filter(|r| {
                let d = dist[g.role_node(*r).0 as usize];
                d != INF && d >= 2
            })
            .collect();
        targets.sort_by(|a, b| {
            (dist[g.role_node(*a).0 as usize], &account.role(*a).name)
                .cmp(&(dist[g.role_node(*b).0 as usize], &account.role(*b).name))
        });
        // Walk backwards from each target to the source along edges that come one step
        // closer to it.
        let prev = |n: NodeId| -> Vec<Edge> {
            let Some(r) = g.node_role(n) else {
                return Vec::new();
            };
            let d = dist[n.0 as usize];
            g.assumers_of(r)
                .iter()
                .filter(|e| {
                    g.info(e).status != Status::Never
                        && d != INF
                        && d > 0
                        && dist[e.from.0 as usize] == d - 1
                })
                .copied()
                .collect()
        };
        let hop = |e: &Edge| e.from;
        let is_source = |n: NodeId| n == source;
        for t in targets {
            let mut paths = Vec::new();
            if enumerate(
                g.role_node(t),
                opts.max_paths,
                &prev,
                &is_source,
                &hop,
                &mut paths,
            ) {
                truncated_pairs += 1;
            }
            for mut p in paths {
                p.reverse();
                roles.push(reachable(g, account, &p));
            }
        }
    }
    CanAssume {
        principal_arn: g.node_label(account, source).to_owned(),
        kind: g.node_kind(source),
        roles,
        truncated_pairs,
    }
}
