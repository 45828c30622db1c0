#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Privilege escalation against a purpose-built account (tests/data/privesc/build.py): one
//! principal per known technique, the false-positive traps (allow and deny together, deny only,
//! the AWS-managed namespace, a condition that never holds, ...) and the false-negative traps
//! (actions split across policies, an exploitable resource constraint, a condition that always
//! holds, NotAction).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use iamscope::analysis::findings::{Finding, Kind, Severity};
use iamscope::analysis::rules;

fn scan() -> (iamscope::model::Account, Vec<Finding>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/privesc");
    let account = iamscope::source::read_file(&dir.join("account.json")).unwrap();
    let now = account.info.fetched_at.unwrap();
    let findings = rules::scan(&account, now);
    (account, findings)
}

fn expected() -> BTreeMap<String, Vec<String>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/privesc");
    let text = std::fs::read_to_string(dir.join("expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn name_of(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap()
}

#[test]
fn every_technique_is_found_and_no_trap_fires() {
    let (_, findings) = scan();
    let mut by_principal: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for f in findings
        .iter()
        .filter(|f| f.kind == Kind::PrivilegeEscalation)
    {
        by_principal
            .entry(name_of(f.principal_arn.as_deref().unwrap()))
            .or_default()
            .insert(f.rule.as_str());
    }
    let expected = expected();
    let mut problems = Vec::new();
    let (mut tp, mut fn_, mut fp) = (0, 0, 0);
    for (name, rules) in &expected {
        let got = by_principal.get(name.as_str()).cloned().unwrap_or_default();
        if rules.is_empty() {
            if !got.is_empty() {
                fp += 1;
                problems.push(format!("{name}: expected none, got {got:?}"));
            }
        } else if rules.iter().any(|r| got.contains(r.as_str())) {
            tp += 1;
        } else {
            fn_ += 1;
            problems.push(format!("{name}: expected one of {rules:?}, got {got:?}"));
        }
    }
    for name in by_principal.keys() {
        if !expected.contains_key(*name) {
            problems.push(format!("{name}: unexpected principal with findings"));
        }
    }
    let recall = tp as f64 / (tp + fn_) as f64;
    eprintln!("recall {recall:.3} ({tp}/{}), false alarms {fp}", tp + fn_);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn one_finding_per_principal_and_technique_with_path_and_fix() {
    let (account, findings) = scan();
    let mut seen = BTreeSet::new();
    for f in findings
        .iter()
        .filter(|f| f.kind == Kind::PrivilegeEscalation)
    {
        let principal = f.principal_arn.clone().unwrap();
        assert!(seen.insert((principal.clone(), f.rule.clone())), "{}", f.id);
        assert_eq!(f.id, format!("{}:{principal}", f.rule));
        assert_eq!(f.path.first(), Some(&principal), "{}", f.id);
        assert!(f.path.len() >= 3, "{:?}", f.path);
        assert!(!f.fix.is_empty() && !f.detail.is_empty());
        assert!(
            account.by_arn(f.path.last().unwrap()).is_some(),
            "{:?}",
            f.path
        );
    }
}

#[test]
fn chains_carry_their_whole_path() {
    let (_, findings) = scan();
    let start = findings
        .iter()
        .find(|f| {
            f.id == "privesc.sts-assume-role:arn:aws:iam::111122223333:role/pe-chain-start-role"
        })
        .unwrap();
    assert_eq!(
        start.path,
        vec![
            "arn:aws:iam::111122223333:role/pe-chain-start-role",
            "sts:AssumeRole",
            "arn:aws:iam::111122223333:role/pe-chain-middle-role",
            "sts:AssumeRole",
            "arn:aws:iam::111122223333:role/pe-chain-end-role",
        ]
    );
    assert_eq!(start.severity, Severity::Critical);
}

#[test]
fn split_policies_show_both_statements() {
    let (_, findings) = scan();
    let f = findings
        .iter()
        .find(|f| {
            f.id == "privesc.passrole-ec2-run-instances:arn:aws:iam::111122223333:user/fn-split-across-policies"
        })
        .unwrap();
    let policies: BTreeSet<&str> = f.evidence.iter().map(|e| &*e.policy).collect();
    assert!(
        policies.contains("arn:aws:iam::111122223333:policy/fn-split-run")
            && policies.contains("arn:aws:iam::111122223333:policy/fn-split-pass"),
        "{policies:?}"
    );
    assert_eq!(
        f.path.last().map(String::as_str),
        Some("arn:aws:iam::111122223333:role/target-admin-service-role")
    );
}

#[test]
fn undecidable_conditions_are_reported_as_conditional() {
    let (_, findings) = scan();
    let f = findings
        .iter()
        .find(|f| {
            f.id == "privesc.iam-put-user-policy:arn:aws:iam::111122223333:user/fn-mfa-conditional"
        })
        .unwrap();
    assert_eq!(f.severity, Severity::High);
    assert!(
        f.conditions
            .iter()
            .any(|c| c.contains("aws:MultiFactorAuthPresent")),
        "{:?}",
        f.conditions
    );
    // An existing resource cannot be seen in IAM: conditional too.
    let f = findings
        .iter()
        .find(|f| f.id == "privesc.lambda-update-function-code:arn:aws:iam::111122223333:user/pe-lambda-update-function-code")
        .unwrap();
    assert_eq!(f.severity, Severity::High);
    assert!(
        f.conditions[0].contains("Lambda function"),
        "{:?}",
        f.conditions
    );
}
