//! What the analysis says about the account, in the shape the views need: findings per entity,
//! badges, a severity summary.
//!
//! The TUI has no risk rules of its own: every badge and finding comes from the analysis module
//! (`crate::analysis`). Until that module is part of the build, [`Insights::compute`] reports
//! that analysis is unavailable and the views show no badges; this file is the one place to
//! connect it.

use std::collections::HashMap;
use std::sync::Arc;

use jiff::Timestamp;

use crate::analysis::trust::TrustGraph;
use crate::model::{Account, EntityRef};

/// Everything the analysis works out about one loaded account. Built off the UI thread after
/// the account is on screen: on a large account it takes a moment.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub trust: Arc<TrustGraph>,
    pub insights: Insights,
}

impl Analysis {
    pub fn run(account: &Account, now: Timestamp) -> Analysis {
        Analysis {
            trust: Arc::new(TrustGraph::build(account)),
            insights: Insights::compute(account, now),
        }
    }
}

/// How bad a finding is; ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Info => "info",
        }
    }
}

/// A statement a finding rests on: the policy (managed policy ARN or inline policy name) and
/// the statement's 0-based index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    pub policy: String,
    pub statement: usize,
}

/// One finding, as the views show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    /// The short label shown inline in lists, e.g. `ADMIN`, `KEY 412d`.
    pub badge: String,
    pub title: String,
    pub detail: String,
    /// The one-line fix.
    pub fix: Option<String>,
    /// The principal or policy the finding is about.
    pub entity: Option<EntityRef>,
    pub evidence: Vec<Evidence>,
}

/// Whether analysis ran, and what it found.
#[derive(Debug, Clone, Default)]
pub struct Insights {
    /// `None`: analysis ran. `Some(why)`: it did not, and the views say why.
    pub unavailable: Option<String>,
    pub findings: Vec<Finding>,
    by_entity: HashMap<EntityRef, Vec<usize>>,
}

/// Shown wherever a badge, a finding or the risk summary would be.
pub const ANALYSIS_UNAVAILABLE: &str = "risk analysis is not in this build yet";

impl Insights {
    /// Before the analysis has run.
    pub fn pending() -> Insights {
        Insights {
            unavailable: Some("analysis running…".into()),
            ..Insights::default()
        }
    }

    /// Runs the analysis on `account` as of `now` (ages such as `KEY 412d` are relative to it).
    pub fn compute(_account: &Account, _now: Timestamp) -> Insights {
        // The analysis module (`crate::analysis`) is not part of the build yet. When it lands,
        // map its findings here with `Insights::from_findings`.
        Insights {
            unavailable: Some(ANALYSIS_UNAVAILABLE.into()),
            ..Insights::default()
        }
    }

    /// Indexes findings by entity; findings are sorted most severe first.
    pub fn from_findings(mut findings: Vec<Finding>) -> Insights {
        findings.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.title.cmp(&b.title)));
        let mut by_entity: HashMap<EntityRef, Vec<usize>> = HashMap::new();
        for (i, f) in findings.iter().enumerate() {
            if let Some(e) = f.entity {
                by_entity.entry(e).or_default().push(i);
            }
        }
        Insights {
            unavailable: None,
            findings,
            by_entity,
        }
    }

    /// The findings about one entity, most severe first.
    pub fn of(&self, entity: EntityRef) -> impl Iterator<Item = &Finding> {
        self.by_entity
            .get(&entity)
            .into_iter()
            .flatten()
            .filter_map(|i| self.findings.get(*i))
    }

    pub fn worst(&self, entity: EntityRef) -> Option<Severity> {
        self.of(entity).map(|f| f.severity).max()
    }

    /// Number of findings per severity, in [`Severity::ALL`] order.
    pub fn summary(&self) -> [(Severity, usize); 5] {
        Severity::ALL.map(|s| (s, self.findings.iter().filter(|f| f.severity == s).count()))
    }
}
