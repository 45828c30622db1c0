//! Risk rules. Each rule is one small type with an id, a kind, a severity and a one-line
//! summary (the "warnings" pattern of tokio-console), and a check that turns the account into
//! findings. [`scan`] runs every rule and the privilege-escalation analysis.
//!
//! Rules are pure: ages are measured against [`Scan::now`], which the caller chooses (the
//! snapshot's fetch time, so a scan of a saved account says the same thing tomorrow).

mod credentials;
mod hygiene;
mod permissions;
mod trust;

use std::cell::OnceCell;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, TryRecvError};

use jiff::Timestamp;

use super::effective::Effective;
use super::findings::{self, Finding, Kind, Severity};
use super::principal::CompiledAccount;
use super::trust::TrustGraph;
use super::turns::Turns;
use crate::model::Account;

/// Days after which a credential or a role counts as stale (AWS Security Hub IAM.3, IAM.8 and
/// the CIS AWS Foundations Benchmark use 90).
pub const STALE_DAYS: i64 = 90;

/// What the rules look at.
pub struct Scan<'a> {
    pub account: &'a Account,
    /// The clock ages are measured against.
    pub now: Timestamp,
    compiled: Option<Arc<CompiledAccount>>,
    effective: OnceCell<Effective<'a>>,
    action_classes: permissions::ActionClasses,
}

impl<'a> Scan<'a> {
    pub fn new(account: &'a Account, now: Timestamp) -> Scan<'a> {
        Scan {
            account,
            now,
            compiled: None,
            effective: OnceCell::new(),
            action_classes: Default::default(),
        }
    }

    /// [`Scan::new`] with the account's policies already compiled.
    pub fn with_compiled(
        account: &'a Account,
        now: Timestamp,
        compiled: Arc<CompiledAccount>,
    ) -> Scan<'a> {
        Scan {
            compiled: Some(compiled),
            ..Scan::new(account, now)
        }
    }

    /// Effective permissions of the account's principals, compiled on first use.
    pub fn effective(&self) -> &Effective<'a> {
        self.effective.get_or_init(|| match &self.compiled {
            Some(c) => Effective::with_compiled(self.account, self.now, c.clone()),
            None => Effective::new(self.account, self.now),
        })
    }

    /// Lets go of `self`, its answers on another thread (see [`Effective::let_go`]).
    pub fn let_go(self) {
        if let Some(eff) = self.effective.into_inner() {
            eff.let_go();
        }
    }

    /// Whole days from `t` to [`Scan::now`].
    pub fn days_since(&self, t: Timestamp) -> i64 {
        (self.now.as_second() - t.as_second()).div_euclid(86_400)
    }

    pub fn root_arn(&self) -> String {
        format!(
            "arn:{}:iam::{}:root",
            partition(self.account),
            self.account.info.account_id
        )
    }
}

pub(crate) fn partition(account: &Account) -> &str {
    if account.info.partition.is_empty() {
        "aws"
    } else {
        &account.info.partition
    }
}

/// One risk rule.
pub trait Rule: Sync {
    /// Stable id, `kind.name`, e.g. `credentials.access-key-old`.
    fn id(&self) -> &'static str;
    fn kind(&self) -> Kind;
    fn severity(&self) -> Severity;
    /// What the rule looks for, in one line.
    fn summary(&self) -> &'static str;
    /// Appends this rule's findings.
    fn check(&self, scan: &Scan<'_>, out: &mut Vec<Finding>);

    /// Whether the check asks which principals are administrators, which [`scan`] learns
    /// from its privilege-escalation analysis: such rules run once that has shared them.
    fn reads_administrators(&self) -> bool {
        false
    }

    /// A finding of this rule about `subject`.
    fn finding(&self, subject: &str, title: String) -> Finding {
        Finding::new(self.id(), self.kind(), self.severity(), subject, title)
    }
}

/// Declares a rule type: `rule!(Name, "id", Kind, Severity, "summary")`, with
/// `, reads_administrators` after the summary for [`Rule::reads_administrators`]. The type
/// implements [`Rule`] by calling its inherent `run(&self, scan, out)`.
macro_rules! rule {
    ($(#[$meta:meta])* $name:ident, $id:literal, $kind:ident, $severity:ident, $summary:literal, reads_administrators) => {
        $crate::analysis::rules::rule!($(#[$meta])* $name, $id, $kind, $severity, $summary, true);
    };
    ($(#[$meta:meta])* $name:ident, $id:literal, $kind:ident, $severity:ident, $summary:literal) => {
        $crate::analysis::rules::rule!($(#[$meta])* $name, $id, $kind, $severity, $summary, false);
    };
    ($(#[$meta:meta])* $name:ident, $id:literal, $kind:ident, $severity:ident, $summary:literal, $reads_administrators:literal) => {
        $(#[$meta])*
        pub struct $name;

        impl $crate::analysis::rules::Rule for $name {
            fn id(&self) -> &'static str {
                $id
            }
            fn kind(&self) -> $crate::analysis::findings::Kind {
                $crate::analysis::findings::Kind::$kind
            }
            fn severity(&self) -> $crate::analysis::findings::Severity {
                $crate::analysis::findings::Severity::$severity
            }
            fn summary(&self) -> &'static str {
                $summary
            }
            fn check(
                &self,
                scan: &$crate::analysis::rules::Scan<'_>,
                out: &mut Vec<$crate::analysis::findings::Finding>,
            ) {
                self.run(scan, out)
            }
            fn reads_administrators(&self) -> bool {
                $reads_administrators
            }
        }
    };
}
pub(crate) use rule;

/// Actions the rules ask the evaluator about (for its prefilter).
pub fn asked_actions() -> &'static [&'static str] {
    permissions::ASKED
}

/// Every rule, in the order their findings are produced.
pub fn all() -> &'static [&'static dyn Rule] {
    &[
        &permissions::AdminAccess,
        &permissions::ActionResourceStar,
        &permissions::ServiceWildcard,
        &permissions::NotActionAllow,
        &permissions::NotResourceAllow,
        &permissions::PassRoleAnyRole,
        &permissions::PassRoleAnyService,
        &permissions::DataExfiltration,
        &permissions::ResourceExposure,
        &permissions::CredentialsExposure,
        &permissions::InfrastructureModification,
        &permissions::EcsRoleMixup,
        &trust::TrustAnyone,
        &trust::TrustAnyoneWithConditions,
        &trust::TrustCrossAccountNoExternalId,
        &trust::TrustOidcNoAudience,
        &trust::TrustOidcWildcardSubject,
        &trust::TrustServiceNoSource,
        &trust::TrustManyServices,
        &credentials::AccessKeyOld,
        &credentials::AccessKeyUnused,
        &credentials::TwoActiveKeys,
        &credentials::ConsoleWithoutMfa,
        &credentials::AccessKeysWhereRoleWouldDo,
        &credentials::RootMfaOff,
        &credentials::RootAccessKeys,
        &hygiene::UntaggedRole,
        &hygiene::UserDirectPolicies,
        &hygiene::RoleUnused,
        &hygiene::RoleNeverUsed,
    ]
}

/// Every finding for the account: the rules, then privilege escalation; sorted most severe
/// first, one finding per id.
pub fn scan(account: &Account, now: Timestamp) -> Vec<Finding> {
    scan_with(account, now, TrustGraph::build)
}

/// [`scan`], with the trust graph built by `build_graph`.
fn scan_with(
    account: &Account,
    now: Timestamp,
    build_graph: impl Fn(&Account) -> TrustGraph + Sync,
) -> Vec<Finding> {
    // The privilege-escalation analysis takes longest: it keeps the calling thread (with its
    // own answer caches), which outlives the scan, so letting go of a thread's heap is not
    // left for the end. It compiles the account's policies while the other thread builds the
    // trust graph (which compiles what it needs itself, and which the analysis needs only
    // after its administrators). The rules are taken in turns: by the other thread until the
    // administrators are known (those that do not ask them) and after it helps with the
    // analysis' per-principal passes, while the analysis searches backwards on its own; and by
    // the analysis' thread while it waits for the graph (those that do not ask them). The
    // other thread then makes escalations the analysis hands out into findings.
    let sharing = super::privesc::Sharing::default();
    let rule_turns = RuleTurns::default();
    let (findings, compiled) = std::thread::scope(|s| {
        let (graph_out, graph_in) = std::sync::mpsc::sync_channel(1);
        let (compiled_out, compiled_in) = std::sync::mpsc::sync_channel::<Arc<CompiledAccount>>(1);
        let (helped_out, helped_in) = std::sync::mpsc::sync_channel(1);
        let (ruled_out, ruled_in) = std::sync::mpsc::sync_channel::<Vec<Finding>>(1);
        let (found_out, found_in) = std::sync::mpsc::sync_channel(1);
        let promise = sharing.promise_admins();
        let rules = s.spawn(|| {
            // Owned here, so a failure on this thread closes them and the analysis, waiting
            // on the other end, goes on without.
            let (graph_out, helped_out, compiled_in, ruled_in, found_out) =
                (graph_out, helped_out, compiled_in, ruled_in, found_out);
            let graph = Arc::new(build_graph(account));
            graph_out.send(graph.clone()).ok();
            // Closed only if the analysis failed, which the scan reports.
            let Ok(compiled) = compiled_in.recv() else {
                return;
            };
            let scan = Scan::with_compiled(account, now, compiled);
            let mut out = Vec::new();
            while !sharing.admins_settled()
                && let Some(rule) = rule_turns.take_plain()
            {
                rule.check(&scan, &mut out);
            }
            helped_out
                .send(super::privesc::help(scan.effective(), graph, &sharing))
                .ok();
            while let Some(rule) = rule_turns.take_any() {
                rule.check(&scan, &mut out);
            }
            // Those the analysis' thread ran: sent once it has the graph, or closed.
            out.extend(ruled_in.recv().unwrap_or_default());
            // Sorted while the analysis searches; then the escalations it hands out are made
            // into findings here too, with this thread's answers, until it is done (or failed,
            // which the scan reports).
            findings::dedupe(&mut out);
            findings::sort(&mut out);
            let escalations = super::privesc::findings_handed_out(scan.effective(), &sharing);
            out = findings::merge_disjoint(out, escalations);
            // Sent, not returned: joining would also wait for the thread's exit, which hands
            // its allocator's pages back.
            found_out.send(out).ok();
            scan.let_go();
        });
        let compiled = Arc::new(CompiledAccount::on_this_thread(account));
        compiled_out.send(compiled.clone()).ok();
        let (for_rules, turns, build_graph) = (compiled.clone(), &rule_turns, &build_graph);
        let findings = super::privesc::findings_with(
            Effective::with_compiled(account, now, compiled.clone()),
            move || {
                // Not the rules that read the administrators: they ask effective permissions,
                // which the other thread's answers share with its passes.
                let scan = Scan::with_compiled(account, now, for_rules);
                let mut ruled = Vec::new();
                let graph = rules_until_graph(&graph_in, turns, &scan, &mut ruled);
                ruled_out.send(ruled).ok();
                scan.let_go();
                // The sender is gone only if the other thread failed: built here.
                graph.unwrap_or_else(|| Arc::new(build_graph(account)))
            },
            &sharing,
            move || helped_in.recv().unwrap_or_default(),
            move || {
                // Closed without findings only if the other thread failed: its panic goes on
                // here.
                found_in.recv().unwrap_or_else(|_| match rules.join() {
                    Err(panic) => std::panic::resume_unwind(panic),
                    Ok(()) => Vec::new(),
                })
            },
        );
        drop(promise);
        (findings, compiled)
    });
    super::let_go_elsewhere(compiled);
    findings
}

/// The rules of [`all`] taken in turns by threads: those that do not read the administrators
/// first, then those that do.
#[derive(Default)]
struct RuleTurns {
    plain: Turns,
    reading_administrators: Turns,
}

impl RuleTurns {
    /// The next rule that does not read the administrators, if any is left.
    fn take_plain(&self) -> Option<&'static dyn Rule> {
        let (plain, _) = rules_by_reading();
        self.plain.take(plain.len(), 1).map(|i| plain[i.start])
    }

    /// The next rule, if any is left: for threads that know the administrators.
    fn take_any(&self) -> Option<&'static dyn Rule> {
        let (_, reading) = rules_by_reading();
        self.take_plain().or_else(|| {
            self.reading_administrators
                .take(reading.len(), 1)
                .map(|i| reading[i.start])
        })
    }
}

/// The rules of [`all`] that do not read the administrators, and those that do.
type RulesByReading = (Vec<&'static dyn Rule>, Vec<&'static dyn Rule>);

fn rules_by_reading() -> &'static RulesByReading {
    static SPLIT: std::sync::OnceLock<RulesByReading> = std::sync::OnceLock::new();
    SPLIT.get_or_init(|| {
        all()
            .iter()
            .copied()
            .partition(|r| !r.reads_administrators())
    })
}

/// Runs rules that do not read the administrators on `scan`, in turns with other threads, until
/// the trust graph arrives; then waits for it. `None` if its sender is gone.
fn rules_until_graph(
    graph_in: &Receiver<Arc<TrustGraph>>,
    turns: &RuleTurns,
    scan: &Scan<'_>,
    out: &mut Vec<Finding>,
) -> Option<Arc<TrustGraph>> {
    loop {
        match graph_in.try_recv() {
            Ok(graph) => return Some(graph),
            Err(TryRecvError::Disconnected) => return None,
            Err(TryRecvError::Empty) => match turns.take_plain() {
                Some(rule) => rule.check(scan, out),
                None => return graph_in.recv().ok(),
            },
        }
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Small accounts for rule tests, built from snapshot JSON.

    use jiff::Timestamp;

    use super::*;
    use crate::source;

    pub const NOW: &str = "2026-11-01T09:00:00Z";

    pub fn now() -> Timestamp {
        NOW.parse().unwrap()
    }

    /// An account from the AWS CLI form (FORMATS.md §1), with any iamscope snapshot extras.
    pub fn account(json: serde_json::Value) -> Account {
        let text = json.to_string();
        let snapshot = source::parse_snapshot(text.as_bytes(), "test").unwrap();
        source::convert::to_account(snapshot, crate::model::SourceKind::Demo, "test").unwrap()
    }

    /// The account with a principal per known technique and the traps (`tests/data/privesc`).
    pub fn every_technique_account() -> Account {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/privesc/account.json");
        source::read_file(&path).unwrap()
    }

    pub fn run(rule: &dyn Rule, account: &Account) -> Vec<Finding> {
        let scan = Scan::new(account, now());
        let mut out = Vec::new();
        rule.check(&scan, &mut out);
        out
    }

    /// A role in the CLI form.
    pub fn role(name: &str, trust: serde_json::Value) -> serde_json::Value {
        serde_json::json!({
            "RoleName": name, "RoleId": format!("AROA{name}"), "Path": "/",
            "Arn": format!("arn:aws:iam::123456789012:role/{name}"),
            "CreateDate": "2024-01-01T00:00:00Z",
            "AssumeRolePolicyDocument": trust,
            "RolePolicyList": [], "AttachedManagedPolicies": [], "InstanceProfileList": [],
            "Tags": [{"Key": "team", "Value": "x"}],
            "RoleLastUsed": {"LastUsedDate": "2026-10-30T00:00:00Z", "Region": "us-east-1"}
        })
    }

    pub fn user(name: &str) -> serde_json::Value {
        serde_json::json!({
            "UserName": name, "UserId": format!("AIDA{name}"), "Path": "/",
            "Arn": format!("arn:aws:iam::123456789012:user/{name}"),
            "CreateDate": "2024-01-01T00:00:00Z",
            "GroupList": [], "UserPolicyList": [], "AttachedManagedPolicies": [], "Tags": []
        })
    }

    pub fn trust_service(service: &str) -> serde_json::Value {
        serde_json::json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]})
    }

    pub fn accounts(users: Vec<serde_json::Value>, roles: Vec<serde_json::Value>) -> Account {
        account(serde_json::json!({
            "iamscope": {"format_version": 1, "account_id": "123456789012", "partition": "aws",
                         "fetched_at": NOW},
            "UserDetailList": users, "GroupDetailList": [], "RoleDetailList": roles, "Policies": []
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn only_rules_that_read_administrators_ask_effective_permissions() {
        let accounts = [
            test_support::every_technique_account(),
            crate::source::demo::account().unwrap(),
        ];
        for rule in all() {
            let asked = accounts.iter().any(|a| {
                let scan = Scan::new(a, test_support::now());
                rule.check(&scan, &mut Vec::new());
                scan.effective.get().is_some()
            });
            assert_eq!(asked, rule.reads_administrators(), "{}", rule.id());
        }
    }

    #[test]
    fn rule_turns_hand_out_every_rule_once_and_those_reading_administrators_once_known() {
        let turns = RuleTurns::default();
        let mut taken = Vec::new();
        while let Some(rule) = turns.take_plain() {
            assert!(!rule.reads_administrators(), "{}", rule.id());
            taken.push(rule.id());
        }
        while let Some(rule) = turns.take_any() {
            taken.push(rule.id());
        }
        assert!(turns.take_any().is_none());
        taken.sort_unstable();
        let mut every: Vec<&str> = all().iter().map(|r| r.id()).collect();
        every.sort_unstable();
        assert_eq!(taken, every);
    }

    #[test]
    fn scan_finds_what_the_rules_and_the_analysis_find_one_after_the_other() {
        let accounts = [
            test_support::every_technique_account(),
            crate::source::demo::account().unwrap(),
        ];
        for account in &accounts {
            let one = Scan::new(account, test_support::now());
            let mut found = Vec::new();
            for rule in all() {
                rule.check(&one, &mut found);
            }
            findings::dedupe(&mut found);
            findings::sort(&mut found);
            let escalations = super::super::privesc::findings(one.effective());
            let expected = findings::merge(found, escalations);
            assert_eq!(scan(account, test_support::now()), expected);
            // With the graph late, the analysis' thread takes rules while it waits.
            let late = |a: &Account| {
                std::thread::sleep(std::time::Duration::from_millis(300));
                TrustGraph::build(a)
            };
            assert_eq!(scan_with(account, test_support::now(), late), expected);
        }
    }

    #[test]
    fn rule_ids_are_unique_and_kinded() {
        let mut ids = HashSet::new();
        for r in all() {
            assert!(ids.insert(r.id()), "duplicate {}", r.id());
            let prefix = r.id().split('.').next().unwrap();
            assert!(
                [
                    "admin",
                    "wildcard",
                    "permissions",
                    "trust",
                    "credentials",
                    "hygiene"
                ]
                .contains(&prefix),
                "{}",
                r.id()
            );
            assert!(!r.summary().is_empty());
        }
    }
}
