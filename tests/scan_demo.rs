#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! `iamscope scan` on the demo account: every planted mistake of assets/demo/README.md is found
//! on the entity that carries it, nothing is found on the well-scoped roles, and the output
//! formats and exit codes follow FORMATS.md §3 and §6.

use std::collections::BTreeSet;
use std::process::Output;

use serde_json::Value;

mod support;
use support::iamscope;

fn demo_json() -> Value {
    let o = iamscope(&["scan", "--demo", "--format", "json"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

const ACCT: &str = "arn:aws:iam::123456789012";

fn has(findings: &[Value], rule: &str, field: &str, arn: &str) -> bool {
    findings
        .iter()
        .any(|f| f["rule"] == rule && f[field].as_str() == Some(arn))
}

#[test]
fn finds_every_planted_mistake() {
    let v = demo_json();
    assert_eq!(v["account_id"], "123456789012");
    let f = v["findings"].as_array().unwrap();
    let user = |n: &str| format!("{ACCT}:user/{n}");
    let role = |n: &str| format!("{ACCT}:role/{n}");
    let policy = |n: &str| format!("{ACCT}:policy/{n}");
    let expected = [
        // 1: AdministratorAccess directly on ci-deploy, an old key, two active keys.
        ("admin.full-access", "principal_arn", user("ci-deploy")),
        (
            "hygiene.user-direct-policies",
            "principal_arn",
            user("ci-deploy"),
        ),
        (
            "credentials.access-key-old",
            "principal_arn",
            user("ci-deploy"),
        ),
        (
            "credentials.two-active-keys",
            "principal_arn",
            user("ci-deploy"),
        ),
        // 2-4: trust policies.
        ("trust.anyone", "principal_arn", role("LegacyPartnerRole")),
        (
            "trust.oidc-wildcard-subject",
            "principal_arn",
            role("GitHubActionsWideRole"),
        ),
        (
            "trust.cross-account-no-external-id",
            "principal_arn",
            role("VendorAuditRole"),
        ),
        // 5: privilege escalation.
        (
            "privesc.iam-create-policy-version",
            "principal_arn",
            user("dave"),
        ),
        // 6: PassRole on *.
        (
            "permissions.passrole-any-role",
            "policy_arn",
            policy("DeployHelpers"),
        ),
        // 7: Action * on Resource *, and the role that holds it.
        (
            "wildcard.action-resource-star",
            "policy_arn",
            policy("LegacyFullAccess"),
        ),
        (
            "admin.full-access",
            "principal_arn",
            role("LegacyAdminRole"),
        ),
        // 8: console without MFA.
        (
            "credentials.console-without-mfa",
            "principal_arn",
            user("erin"),
        ),
        // 9, 10: unused roles.
        (
            "hygiene.role-unused",
            "principal_arn",
            role("OldReportingRole"),
        ),
        (
            "hygiene.role-never-used",
            "principal_arn",
            role("DataMigrationRole"),
        ),
        // 11: untagged roles.
        (
            "hygiene.untagged-role",
            "principal_arn",
            role("LegacyPartnerRole"),
        ),
        (
            "hygiene.untagged-role",
            "principal_arn",
            role("VendorAuditRole"),
        ),
        (
            "hygiene.untagged-role",
            "principal_arn",
            role("LegacyAdminRole"),
        ),
        (
            "hygiene.untagged-role",
            "principal_arn",
            role("OldReportingRole"),
        ),
    ];
    let missing: Vec<String> = expected
        .iter()
        .filter(|(rule, field, arn)| !has(f, rule, field, arn))
        .map(|(rule, _, arn)| format!("{rule} on {arn}"))
        .collect();
    assert!(missing.is_empty(), "missing: {missing:?}");
    // The planted evidence: dave's statement and the PassAnyRole Sid.
    let dave = f
        .iter()
        .find(|x| x["rule"] == "privesc.iam-create-policy-version")
        .unwrap();
    assert_eq!(dave["evidence"][0]["policy"], "ManageOwnTools");
    assert_eq!(dave["kind"], "privilege_escalation");
    assert_eq!(dave["severity"], "critical");
    let pass = f
        .iter()
        .find(|x| x["rule"] == "permissions.passrole-any-role")
        .unwrap();
    assert_eq!(pass["evidence"][0]["statement"], "PassAnyRole");
}

#[test]
fn nothing_on_the_well_scoped_roles() {
    let v = demo_json();
    let f = v["findings"].as_array().unwrap();
    let well_scoped = [
        "MyAppTaskRole",
        "ecsTaskExecutionRole",
        "WebTaskRole",
        "WorkerTaskRole",
        "CronTaskRole",
        "GitHubActionsDeployRole",
        "ImageProcessingLambdaRole",
        "StagingCrossAccountRole",
    ];
    // Their policies: inline ones, and the customer policies only they hold.
    let their_policies = [
        format!("{ACCT}:policy/GitHubDeployPolicy"),
        format!("{ACCT}:policy/AppConfigAccess"),
    ];
    for finding in f {
        let text = finding.to_string();
        for name in well_scoped {
            let arn = format!("{ACCT}:role/{name}");
            assert!(
                finding["principal_arn"].as_str() != Some(&arn)
                    && !finding["path"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|p| p.as_str() == Some(&arn)),
                "{name}: {text}"
            );
        }
        for p in &their_policies {
            assert!(finding["policy_arn"].as_str() != Some(p), "{p}: {text}");
        }
    }
    // The service-linked role is AWS's.
    assert!(
        !f.iter()
            .any(|x| x.to_string().contains("AWSServiceRoleForECS")),
        "service-linked role reported"
    );
    // Root has MFA and no keys.
    assert!(
        !f.iter()
            .any(|x| x["rule"].as_str().unwrap().starts_with("credentials.root"))
    );
}

#[test]
fn json_follows_formats_section_3() {
    let v = demo_json();
    let kinds: BTreeSet<&str> = [
        "privilege_escalation",
        "admin",
        "wildcard",
        "permissions",
        "trust",
        "credentials",
        "hygiene",
    ]
    .into();
    let severities: BTreeSet<&str> = ["critical", "high", "medium", "low", "info"].into();
    let mut ids = BTreeSet::new();
    for f in v["findings"].as_array().unwrap() {
        let id = f["id"].as_str().unwrap();
        assert!(ids.insert(id.to_owned()), "duplicate id {id}");
        assert!(id.starts_with(f["rule"].as_str().unwrap()), "{id}");
        assert!(kinds.contains(f["kind"].as_str().unwrap()), "{f}");
        assert!(severities.contains(f["severity"].as_str().unwrap()), "{f}");
        assert!(!f["title"].as_str().unwrap().is_empty());
        assert!(f["detail"].as_str().unwrap().ends_with('.'), "{f}");
        assert!(
            f["principal_arn"].is_string()
                || f["policy_arn"].is_string()
                || f["id"].as_str().unwrap().contains('#'),
            "{f}"
        );
        for e in f["evidence"].as_array().unwrap() {
            assert!(e["policy"].is_string(), "{e}");
            assert!(e["statement"].is_string() || e["statement"].is_u64(), "{e}");
        }
        assert!(f["path"].is_array());
    }
    // Stable: a second run is byte-identical.
    let again = iamscope(&["scan", "--demo", "--format", "json"]);
    let first = iamscope(&["scan", "--demo", "--format", "json"]);
    assert_eq!(again.stdout, first.stdout);
}

#[test]
fn fail_on_sets_exit_code_3() {
    let o = iamscope(&["scan", "--demo", "--fail-on", "critical"]);
    assert_eq!(o.status.code(), Some(3));
    let o = iamscope(&["scan", "--demo", "--fail-on", "high", "--format", "json"]);
    assert_eq!(o.status.code(), Some(3));
    // Showing only critical findings still fails on them.
    let o = iamscope(&[
        "scan",
        "--demo",
        "--min-severity",
        "critical",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["severity"] == "critical")
    );
    // A clean account passes.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clean.json");
    std::fs::write(
        &path,
        r#"{"UserDetailList":[],"GroupDetailList":[],"RoleDetailList":[],"Policies":[]}"#,
    )
    .unwrap();
    let o = iamscope(&[
        "scan",
        "--snapshot",
        path.to_str().unwrap(),
        "--fail-on",
        "info",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("0 findings"));
    // A bad severity is a usage error.
    let o = iamscope(&["scan", "--demo", "--fail-on", "severe"]);
    assert_ne!(o.status.code(), Some(0));
    assert_ne!(o.status.code(), Some(3));
}

#[test]
fn sarif_markdown_and_table() {
    let o = iamscope(&["scan", "--demo", "--format", "sarif"]);
    assert_eq!(o.status.code(), Some(0));
    let s: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(s["version"], "2.1.0");
    let run = &s["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "iamscope");
    let rules: BTreeSet<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let results = run["results"].as_array().unwrap();
    assert_eq!(
        results.len(),
        demo_json()["findings"].as_array().unwrap().len()
    );
    for r in results {
        let id = r["ruleId"].as_str().unwrap();
        assert!(rules.contains(id), "{id}");
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(run["tool"]["driver"]["rules"][index]["id"], id);
        assert!(["error", "warning", "note"].contains(&r["level"].as_str().unwrap()));
        assert!(r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].is_string());
    }

    let o = iamscope(&["scan", "--demo", "--format", "markdown"]);
    let md = String::from_utf8_lossy(&o.stdout);
    assert!(
        md.starts_with("# iamscope scan of account 123456789012"),
        "{md}"
    );
    assert!(
        md.contains("| critical | `privesc.iam-create-policy-version` | dave |"),
        "{md}"
    );
    assert!(md.contains("**Fix:**"));

    let o = iamscope(&["scan", "--demo"]);
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(table.starts_with("SEVERITY"), "{table}");
    assert!(
        table.lines().last().unwrap().contains("findings:"),
        "{table}"
    );
}

#[test]
fn scans_an_account_file_given_as_source() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/privesc/account.json"
    );
    let positional = iamscope(&["scan", path, "--format", "json"]);
    let flag = iamscope(&["scan", "--snapshot", path, "--format", "json"]);
    assert_eq!(positional.status.code(), Some(0));
    let ids = |o: &Output| -> Vec<String> {
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(!ids(&positional).is_empty());
    assert_eq!(ids(&positional), ids(&flag));

    // Two sources, or a source that is not there: a clear error and exit 1.
    let both = iamscope(&["scan", path, "--demo"]);
    assert_eq!(both.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&both.stderr).contains("--demo"));
    let missing = iamscope(&["scan", "/nonexistent/account.json"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/account.json"));
}

#[test]
fn usage_errors_exit_1_not_the_denied_code() {
    let o = iamscope(&["scan", "--demo", "--fail-on", "severe"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("severe"));
    let help = iamscope(&["scan", "--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&help.stdout).contains("SOURCE"));
}
