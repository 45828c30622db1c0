//! What the analysis says about the account, in the shape the views need: findings per entity
//! with a short badge, and a severity summary.
//!
//! The TUI has no risk rules of its own: every finding comes from `crate::analysis::rules::scan`
//! (the same findings as `iamscope scan`); this file only names each rule shortly for a badge
//! and indexes findings by the entity they are about.

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::Arc;

use jiff::Timestamp;

pub use crate::analysis::findings::Severity;
use crate::analysis::findings::{
    Evidence, Finding as AnalysisFinding, Kind as FindingKind, StatementId,
};
use crate::analysis::trust::TrustGraph;
use crate::model::{Account, EntityRef};
use crate::policy::Policy;

/// One part of the analysis of a loaded account. The parts run at once, off the UI thread,
/// after the account is on screen; each shows up when it is done (the trust graph is quick,
/// the findings take longer on a large account).
#[derive(Debug, Clone)]
pub enum Analysis {
    Trust(Arc<TrustGraph>),
    Findings(Insights),
}

/// The parts, by name (for logs and failure messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Trust,
    Findings,
}

impl Part {
    pub const ALL: [Part; 2] = [Part::Trust, Part::Findings];

    pub fn name(self) -> &'static str {
        match self {
            Part::Trust => "trust analysis",
            Part::Findings => "risk analysis",
        }
    }

    pub fn run(self, account: &Account, now: Timestamp) -> Analysis {
        match self {
            Part::Trust => Analysis::Trust(Arc::new(TrustGraph::build(account))),
            Part::Findings => Analysis::Findings(Insights::compute(account, now)),
        }
    }
}

/// Severities, most severe first (the order of the summary).
pub const SEVERITIES: [Severity; 5] = [
    Severity::Critical,
    Severity::High,
    Severity::Medium,
    Severity::Low,
    Severity::Info,
];

/// A finding of the analysis, with what the views add: its badge and the entity it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The short label shown inline in lists, e.g. `ADMIN`, `KEY 504d`.
    pub badge: String,
    /// The principal (else the policy) the finding is about, when it is in the account.
    pub entity: Option<EntityRef>,
    pub finding: AnalysisFinding,
}

impl Deref for Finding {
    type Target = AnalysisFinding;
    fn deref(&self) -> &AnalysisFinding {
        &self.finding
    }
}

/// The statement index evidence names, in `policy` (evidence names a statement by Sid when it
/// has one).
pub fn statement_index(e: &Evidence, policy: &Policy) -> Option<usize> {
    match &e.statement {
        StatementId::Index(i) => Some(*i),
        StatementId::Sid(sid) => policy
            .statements
            .iter()
            .position(|s| s.sid.as_deref() == Some(&**sid)),
    }
}

/// A rule's short name for a badge. Ages come from the finding's title, which the analysis
/// wrote with the same clock.
fn badge(f: &AnalysisFinding) -> String {
    let days = || {
        let words: Vec<&str> = f.title.split_whitespace().collect();
        words
            .windows(2)
            .find(|w| w[1].starts_with("day"))
            .and_then(|w| w[0].parse::<u64>().ok())
    };
    let with_days = |label: &str| match days() {
        Some(d) => format!("{label} {d}d"),
        None => label.to_owned(),
    };
    let rule = f.rule.as_str();
    match rule {
        "wildcard.action-resource-star" => "*:*".into(),
        "permissions.passrole-any-role" => "PASSROLE *".into(),
        "trust.anyone" => "PUBLIC TRUST".into(),
        "trust.anyone-with-conditions" => "PUBLIC IF".into(),
        "trust.cross-account-no-external-id" => "X-ACCOUNT".into(),
        "trust.oidc-wildcard-subject" => "OIDC sub:*".into(),
        "trust.oidc-no-audience" => "OIDC NO AUD".into(),
        "trust.service-no-source" => "NO SOURCE".into(),
        "trust.many-services" => "SERVICES".into(),
        "credentials.console-without-mfa" => "NO-MFA".into(),
        "credentials.access-key-old" => with_days("KEY"),
        "credentials.access-key-unused" => with_days("KEY UNUSED"),
        "credentials.two-active-keys" => "2 KEYS".into(),
        "credentials.access-keys-where-role-would-do" => "KEYS".into(),
        "credentials.root-mfa-off" => "ROOT NO-MFA".into(),
        "credentials.root-access-keys" => "ROOT KEYS".into(),
        "hygiene.untagged-role" => "UNTAGGED".into(),
        "hygiene.user-direct-policies" => "DIRECT".into(),
        "hygiene.role-unused" => with_days("UNUSED"),
        "hygiene.role-never-used" => "NEVER USED".into(),
        _ if rule.starts_with("admin.") => "ADMIN".into(),
        _ if rule.starts_with("privesc.") => "PRIVESC".into(),
        // A rule added later still gets a badge: its kind.
        _ => match f.kind {
            FindingKind::PrivilegeEscalation => "PRIVESC".into(),
            other => other.as_str().to_uppercase(),
        },
    }
}

/// Whether analysis ran, and what it found.
#[derive(Debug, Clone, Default)]
pub struct Insights {
    /// `None`: analysis ran. `Some(why)`: it did not, and the views say why.
    pub unavailable: Option<String>,
    pub findings: Vec<Finding>,
    by_entity: HashMap<EntityRef, Vec<usize>>,
}

impl Insights {
    /// Before the analysis has run.
    pub fn pending() -> Insights {
        Insights {
            unavailable: Some("analysis running…".into()),
            ..Insights::default()
        }
    }

    /// Runs the risk rules on `account` as of `now` (ages such as `KEY 504d` are relative to
    /// it).
    pub fn compute(account: &Account, now: Timestamp) -> Insights {
        let findings = crate::analysis::rules::scan(account, now)
            .into_iter()
            .map(|finding| Finding {
                badge: badge(&finding),
                entity: finding
                    .principal_arn
                    .as_deref()
                    .or(finding.policy_arn.as_deref())
                    .and_then(|arn| account.by_arn(arn)),
                finding,
            })
            .collect();
        Insights::from_findings(findings)
    }

    /// Indexes findings by entity; they come sorted most severe first.
    pub fn from_findings(findings: Vec<Finding>) -> Insights {
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

    /// Number of findings per severity, most severe first.
    pub fn summary(&self) -> [(Severity, usize); 5] {
        SEVERITIES.map(|s| (s, self.findings.iter().filter(|f| f.severity == s).count()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_get_badges_and_entities() {
        let a = crate::source::demo::account().unwrap();
        let now = a.info.fetched_at.unwrap();
        let i = Insights::compute(&a, now);
        let ci = a.lookup("ci-deploy").unwrap();
        let badges: Vec<&str> = i.of(ci).map(|f| f.badge.as_str()).collect();
        assert!(badges.contains(&"ADMIN"), "{badges:?}");
        assert!(
            badges
                .iter()
                .any(|b| b.starts_with("KEY ") && b.ends_with('d')),
            "{badges:?}"
        );
        let wide = a.lookup("GitHubActionsWideRole").unwrap();
        assert_eq!(i.worst(wide), Some(Severity::Critical));
        let erin = a.lookup("erin").unwrap();
        assert!(i.of(erin).any(|f| f.badge == "NO-MFA"));
    }
}
