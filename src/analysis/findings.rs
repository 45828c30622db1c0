//! Findings: one risk about one principal or policy, with the evidence and a fix.
//!
//! The wire shape is FORMATS.md §3 (`scan --format json`); the TUI shows the same values as
//! badges (title) and detail panes (detail, evidence, path, fix).

use rustc_hash::FxHashSet as HashSet;
use std::fmt;
use std::sync::Arc;

use serde::Serialize;

/// How bad a finding is. Ordered from least to most severe, so `>=` means "at least as bad".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The fixed set of finding kinds (FORMATS.md §3 `kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A principal can gain more permissions than it has (to administrator).
    PrivilegeEscalation,
    /// A principal is administrator-equivalent.
    Admin,
    /// A policy grants with wildcards (`*` actions or resources, service wildcards, `NotAction`).
    Wildcard,
    /// A policy grants a sensitive class of actions without resource constraints (PassRole, data
    /// exfiltration, resource exposure, credentials exposure, infrastructure modification).
    Permissions,
    /// A role trust policy admits too much.
    Trust,
    /// Passwords, access keys and MFA.
    Credentials,
    /// Best-practice hygiene: tags, unused roles, attachment style, role purpose.
    Hygiene,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::PrivilegeEscalation => "privilege_escalation",
            Kind::Admin => "admin",
            Kind::Wildcard => "wildcard",
            Kind::Permissions => "permissions",
            Kind::Trust => "trust",
            Kind::Credentials => "credentials",
            Kind::Hygiene => "hygiene",
        }
    }

    pub const ALL: [Kind; 7] = [
        Kind::PrivilegeEscalation,
        Kind::Admin,
        Kind::Wildcard,
        Kind::Permissions,
        Kind::Trust,
        Kind::Credentials,
        Kind::Hygiene,
    ];
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A statement named the way FORMATS.md does: its Sid when it has one, else its 0-based index.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(untagged)]
pub enum StatementId {
    Index(usize),
    /// Shared with the compiled statement: evidence is copied along every route it is on.
    Sid(Arc<str>),
}

impl StatementId {
    pub fn new(index: usize, sid: Option<&str>) -> StatementId {
        StatementId::shared(index, sid.filter(|s| !s.is_empty()).map(Arc::from).as_ref())
    }

    /// [`StatementId::new`] with a Sid already shared.
    pub fn shared(index: usize, sid: Option<&Arc<str>>) -> StatementId {
        match sid {
            Some(s) if !s.is_empty() => StatementId::Sid(s.clone()),
            _ => StatementId::Index(index),
        }
    }
}

impl fmt::Display for StatementId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StatementId::Index(i) => write!(f, "{i}"),
            StatementId::Sid(s) => f.write_str(s),
        }
    }
}

/// A statement that grants (or denies) what the finding is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Evidence {
    /// A managed policy ARN, an inline policy name, or `ROLE_ARN trust policy`. Shared with
    /// the compiled policy's label, as the Sid is.
    pub policy: Arc<str>,
    pub statement: StatementId,
}

impl Evidence {
    pub fn new(policy: impl Into<Arc<str>>, index: usize, sid: Option<&str>) -> Evidence {
        Evidence {
            policy: policy.into(),
            statement: StatementId::new(index, sid),
        }
    }

    /// Evidence for a compiled statement, sharing its policy's label and its Sid.
    pub fn shared(policy: &Arc<str>, index: usize, sid: Option<&Arc<str>>) -> Evidence {
        Evidence {
            policy: policy.clone(),
            statement: StatementId::shared(index, sid),
        }
    }
}

impl fmt::Display for Evidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} statement {}", self.policy, self.statement)
    }
}

/// One finding. `id` is stable across runs for the same account: it is built from the rule and
/// the subject (principal or policy ARN, plus a qualifier where one subject can have several).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub id: String,
    pub rule: String,
    pub kind: Kind,
    pub severity: Severity,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_arn: Option<String>,
    pub title: String,
    pub detail: String,
    pub evidence: Vec<Evidence>,
    pub path: Vec<String>,
    /// One line: what to change.
    pub fix: String,
    /// For grants that hold only under conditions iamscope cannot decide from the account
    /// (source IP, MFA, tags on the request, ...): those conditions, as written.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<String>,
}

impl Finding {
    /// A finding of `rule` about `subject` (an ARN); fill in the rest with the builder methods.
    pub fn new(
        rule: &str,
        kind: Kind,
        severity: Severity,
        subject: &str,
        title: impl Into<String>,
    ) -> Finding {
        Finding {
            id: [rule, ":", subject].concat(),
            rule: rule.to_owned(),
            kind,
            severity,
            principal_arn: None,
            policy_arn: None,
            title: title.into(),
            detail: String::new(),
            evidence: Vec::new(),
            path: Vec::new(),
            fix: String::new(),
            conditions: Vec::new(),
        }
    }

    /// Adds a qualifier to the id, for subjects with several findings of one rule (e.g. one per
    /// access key).
    pub fn qualified(mut self, qualifier: &str) -> Finding {
        self.id.push(':');
        self.id.push_str(qualifier);
        self
    }

    pub fn principal(mut self, arn: &str) -> Finding {
        self.principal_arn = Some(arn.to_owned());
        self
    }

    pub fn policy(mut self, arn: &str) -> Finding {
        self.policy_arn = Some(arn.to_owned());
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Finding {
        self.detail = detail.into();
        self
    }

    pub fn evidence(mut self, evidence: impl IntoIterator<Item = Evidence>) -> Finding {
        for e in evidence {
            if !self.evidence.contains(&e) {
                self.evidence.push(e);
            }
        }
        self
    }

    pub fn path(mut self, path: Vec<String>) -> Finding {
        self.path = path;
        self
    }

    pub fn fix(mut self, fix: impl Into<String>) -> Finding {
        self.fix = fix.into();
        self
    }

    pub fn conditions(mut self, conditions: Vec<String>) -> Finding {
        self.conditions = conditions;
        self
    }

    pub fn severity(mut self, severity: Severity) -> Finding {
        self.severity = severity;
        self
    }
}

/// Orders findings for output: most severe first, then by rule and id, so runs are identical.
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(output_order);
}

pub(crate) fn output_order(a: &Finding, b: &Finding) -> std::cmp::Ordering {
    b.severity
        .cmp(&a.severity)
        .then_with(|| a.rule.cmp(&b.rule))
        .then_with(|| a.id.cmp(&b.id))
}

/// Keeps the first finding of each id.
pub fn dedupe(findings: &mut Vec<Finding>) {
    let keep: Vec<bool> = {
        let mut seen = HashSet::with_capacity_and_hasher(findings.len(), Default::default());
        findings
            .iter()
            .map(|f| seen.insert(f.id.as_str()))
            .collect()
    };
    let mut keep = keep.into_iter();
    findings.retain(|_| keep.next().unwrap_or(true));
}

/// Two lists each deduplicated ([`dedupe`]) and sorted ([`sort`]) as one: `second`'s
/// findings whose id `first` has are left out.
pub fn merge(first: Vec<Finding>, second: Vec<Finding>) -> Vec<Finding> {
    let second: Vec<Finding> = {
        let taken: HashSet<&str> = first.iter().map(|f| f.id.as_str()).collect();
        second
            .into_iter()
            .filter(|f| !taken.contains(f.id.as_str()))
            .collect()
    };
    merge_disjoint(first, second)
}

/// [`merge`] of two lists that have no id in common.
pub fn merge_disjoint(first: Vec<Finding>, second: Vec<Finding>) -> Vec<Finding> {
    debug_assert!(
        {
            let ids: HashSet<&str> = first.iter().map(|f| f.id.as_str()).collect();
            second.iter().all(|f| !ids.contains(f.id.as_str()))
        },
        "merge_disjoint: an id in both lists"
    );
    let mut out = Vec::with_capacity(first.len() + second.len());
    let mut first = first.into_iter();
    let mut second = second.into_iter();
    // The lists of two analyses interleave in long runs (one rule's findings sit between
    // another's): each run is found by a galloping search and moved whole.
    loop {
        let Some(b) = second.as_slice().first() else {
            out.extend(first);
            break;
        };
        let run = leading(first.as_slice(), |a| output_order(a, b).is_le());
        out.extend(first.by_ref().take(run));
        let Some(a) = first.as_slice().first() else {
            out.extend(second);
            break;
        };
        let run = leading(second.as_slice(), |b| output_order(b, a).is_lt());
        out.extend(second.by_ref().take(run));
    }
    out
}

/// How many items at the start of `items` satisfy `holds`, which holds for a prefix: probed
/// at 1, 2, 4, ... items, then bisected, so a short run costs few comparisons.
fn leading<T>(items: &[T], holds: impl Fn(&T) -> bool) -> usize {
    let mut bound = 1;
    while bound <= items.len() && holds(&items[bound - 1]) {
        bound *= 2;
    }
    let known = bound / 2;
    known + items[known..bound.min(items.len())].partition_point(holds)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(rule: &str, subject: &str, severity: Severity, title: &str) -> Finding {
        Finding::new(rule, Kind::Hygiene, severity, subject, title)
    }

    #[test]
    fn merging_two_sorted_lists_is_sorting_their_concatenation() {
        let mut first = vec![
            finding("b.rule", "arn:2", Severity::High, "first b2"),
            finding("a.rule", "arn:1", Severity::Low, "first a1"),
            finding("a.rule", "arn:1", Severity::High, "first a1 again"),
            finding("c.rule", "arn:9", Severity::Critical, "first c9"),
        ];
        let mut second = vec![
            finding("a.rule", "arn:3", Severity::High, "second a3"),
            finding(
                "b.rule",
                "arn:2",
                Severity::Medium,
                "second b2, an id first has",
            ),
            finding("d.rule", "arn:0", Severity::Info, "second d0"),
        ];
        let mut expected: Vec<Finding> = first.iter().chain(&second).cloned().collect();
        dedupe(&mut expected);
        sort(&mut expected);
        for list in [&mut first, &mut second] {
            dedupe(list);
            sort(list);
        }
        assert_eq!(first.len(), 3, "the repeated id is dropped");
        let titles = |v: &[Finding]| v.iter().map(|f| f.title.clone()).collect::<Vec<_>>();
        let merged = merge(first, second);
        assert_eq!(titles(&merged), titles(&expected));
        assert_eq!(
            titles(&merged),
            ["first c9", "second a3", "first b2", "first a1", "second d0"]
        );
    }

    #[test]
    fn leading_counts_the_prefix_that_holds() {
        for len in 0..40 {
            let items: Vec<usize> = (0..len).collect();
            for cut in 0..=len {
                assert_eq!(leading(&items, |&i| i < cut), cut, "len {len}, cut {cut}");
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn merging_disjoint_lists_is_sorting_their_concatenation(
            items in proptest::collection::vec((0usize..3, 0usize..4, proptest::bool::ANY), 0..60)
        ) {
            let severities = [Severity::Critical, Severity::High, Severity::Low];
            let (mut first, mut second) = (Vec::new(), Vec::new());
            for (i, (severity, rule, in_first)) in items.into_iter().enumerate() {
                let f = finding(&format!("r{rule}.rule"), &format!("arn:{i:03}"), severities[severity], &i.to_string());
                if in_first { first.push(f) } else { second.push(f) }
            }
            sort(&mut first);
            sort(&mut second);
            let mut expected: Vec<Finding> = first.iter().chain(&second).cloned().collect();
            sort(&mut expected);
            let titles = |v: &[Finding]| v.iter().map(|f| f.title.clone()).collect::<Vec<_>>();
            proptest::prop_assert_eq!(titles(&merge_disjoint(first, second)), titles(&expected));
        }
    }

    #[test]
    fn serializes_the_formats_shape() {
        let f = Finding::new(
            "privesc.iam-create-policy-version",
            Kind::PrivilegeEscalation,
            Severity::Critical,
            "arn:aws:iam::1:user/dave",
            "dave can rewrite a policy attached to itself",
        )
        .principal("arn:aws:iam::1:user/dave")
        .detail("d.")
        .evidence([
            Evidence::new("ManageOwnTools", 0, Some("MaintainToolsPolicy")),
            Evidence::new("ManageOwnTools", 0, Some("MaintainToolsPolicy")),
            Evidence::new("X", 2, None),
        ])
        .path(vec!["a".into(), "t".into(), "a".into()])
        .fix("f");
        let v = serde_json::to_value(&f).unwrap();
        assert_eq!(
            v["id"],
            "privesc.iam-create-policy-version:arn:aws:iam::1:user/dave"
        );
        assert_eq!(v["kind"], "privilege_escalation");
        assert_eq!(v["severity"], "critical");
        assert_eq!(v["evidence"][0]["statement"], "MaintainToolsPolicy");
        assert_eq!(v["evidence"][1]["statement"], 2);
        assert_eq!(v["evidence"].as_array().unwrap().len(), 2);
        assert!(v.get("policy_arn").is_none());
        assert!(v.get("conditions").is_none());
    }

    #[test]
    fn sorts_most_severe_first() {
        let mk = |rule: &str, s| Finding::new(rule, Kind::Hygiene, s, "x", "t");
        let mut v = vec![
            mk("b", Severity::Low),
            mk("a", Severity::Critical),
            mk("a", Severity::Low),
        ];
        sort(&mut v);
        let got: Vec<(&str, Severity)> = v.iter().map(|f| (f.rule.as_str(), f.severity)).collect();
        assert_eq!(
            got,
            vec![
                ("a", Severity::Critical),
                ("a", Severity::Low),
                ("b", Severity::Low)
            ]
        );
        assert!(Severity::Critical > Severity::High && Severity::Low > Severity::Info);
    }
}
