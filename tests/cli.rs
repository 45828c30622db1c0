//! The `iamscope` binary end to end: listings, detail, exit codes, and hostile input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

mod support;
use support::iamscope;

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn hostile(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/hostile")
        .join(name)
}

#[test]
fn ls_roles_json_lists_the_demo_roles() {
    let o = iamscope(&["ls", "roles", "--demo", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let roles: Value = serde_json::from_slice(&o.stdout).unwrap();
    let names: Vec<&str> = roles
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    for expected in [
        "MyAppTaskRole",
        "ecsTaskExecutionRole",
        "GitHubActionsDeployRole",
        "LegacyPartnerRole",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
    let task = roles
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "MyAppTaskRole")
        .unwrap();
    assert_eq!(task["arn"], "arn:aws:iam::123456789012:role/MyAppTaskRole");
    assert_eq!(task["trusted_principals"][0], "ecs-tasks.amazonaws.com");
}

#[test]
fn ls_table_has_a_header_and_a_row_per_user() {
    let o = iamscope(&["ls", "users", "--demo"]);
    assert_eq!(o.status.code(), Some(0));
    let text = stdout(&o);
    let mut lines = text.lines();
    assert!(lines.next().unwrap().starts_with("NAME"));
    let json = iamscope(&["ls", "users", "--demo", "--format", "json"]);
    let users: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(lines.count(), users.as_array().unwrap().len());
}

#[test]
fn show_role_has_trust_permissions_and_relations() {
    let o = iamscope(&["show", "MyAppTaskRole", "--demo"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("Trust policy"), "{text}");
    assert!(text.contains("ecs-tasks.amazonaws.com"), "{text}");
    assert!(text.contains("arn:aws:s3:::my-app-uploads/*"), "{text}");
    assert!(text.contains("table/my-app-*"), "{text}");

    let o = iamscope(&["show", "MyAppTaskRole", "--demo", "--format", "json"]);
    let d: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(d["kind"], "role");
    assert_eq!(
        d["trust_policy"]["Statement"][0]["Principal"]["Service"],
        "ecs-tasks.amazonaws.com"
    );
    assert!(!d["inline_policies"].as_array().unwrap().is_empty());
}

#[test]
fn show_policy_lists_who_has_it() {
    let o = iamscope(&[
        "show",
        "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
        "--demo",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let d: Value = serde_json::from_slice(&o.stdout).unwrap();
    let attached: Vec<&str> = d["attached_to"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert!(attached.contains(&"Developers"), "{attached:?}");
}

#[test]
fn unknown_name_suggests_and_exits_1() {
    let o = iamscope(&["show", "alcie", "--demo"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("did you mean `alice`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn missing_snapshot_file_is_named() {
    let o = iamscope(&["ls", "users", "--snapshot", "/nonexistent/account.json"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("/nonexistent/account.json"),
        "{}",
        stderr(&o)
    );
}

/// Each hostile file exits 1 (never a panic, which exits 101) and the message names where.
#[test]
fn hostile_inputs_fail_cleanly_with_a_location() {
    let cases: &[(&str, &[&str])] = &[
        ("malformed.json", &["line 1, column"]),
        ("truncated.json", &["line ", "EOF"]),
        ("empty.json", &["is empty"]),
        (
            "wrong-type-list.json",
            &["UserDetailList", "expected a sequence"],
        ),
        (
            "wrong-type-document.json",
            &[
                "RoleDetailList[0].AssumeRolePolicyDocument",
                "policy document",
            ],
        ),
        (
            "wrong-type-action.json",
            &["Statement[0].Action[1]", "expected a string"],
        ),
        (
            "bad-encoded-effect.json",
            &[
                "RoleDetailList[0] (role `r`).AssumeRolePolicyDocument.Statement[0].Effect",
                "Sure",
            ],
        ),
        (
            "garbage-policy.json",
            &["UserDetailList[0].UserPolicyList[0].PolicyDocument"],
        ),
        (
            "bad-arn.json",
            &["UserDetailList[0] (user `a`).Arn", "not an ARN"],
        ),
        ("unknown-group.json", &["GroupList[0]", "Ghosts"]),
        ("bad-date.json", &["CreateDate", "yesterday"]),
        ("lone-surrogate.json", &["line 1, column"]),
        (
            "top-level-array.json",
            &["top level", "expected a JSON object"],
        ),
        ("future-version.json", &["format version 99", "upgrade"]),
        ("binary.json", &["not valid JSON"]),
        ("trailing-text.json", &["after the end"]),
    ];
    for (file, needles) in cases {
        let path = hostile(file);
        let o = iamscope(&["ls", "users", "--snapshot", path.to_str().unwrap()]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{file}: {err}");
        assert!(
            err.contains(file),
            "{file}: message does not name the file: {err}"
        );
        for n in *needles {
            assert!(err.contains(n), "{file}: expected `{n}` in: {err}");
        }
    }
}

#[test]
fn deeply_nested_and_huge_documents_do_not_crash() {
    let dir = tempfile::tempdir().unwrap();
    // 10,000 nested arrays where a condition value belongs: an error that says where.
    let nested = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
    let deep = |element: &str| {
        format!(
            r#"{{"UserDetailList":[{{"UserName":"d","Arn":"arn:aws:iam::123456789012:user/d","UserPolicyList":[{{"PolicyName":"deep","PolicyDocument":{{"Statement":[{{"Effect":"Allow","Action":"*","Resource":"*",{element}}}]}}}}]}}]}}"#
        )
    };
    let path = dir.path().join("deep.json");
    std::fs::write(
        &path,
        deep(&format!(
            r#""Condition":{{"StringEquals":{{"k":{nested}}}}}"#
        )),
    )
    .unwrap();
    let o = iamscope(&["ls", "users", "--snapshot", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("Condition.StringEquals.k[0]"),
        "{}",
        stderr(&o)
    );

    // The same nesting in an element iamscope does not read is skipped without recursion.
    std::fs::write(&path, deep(&format!(r#""Skipped":{nested}"#))).unwrap();
    let o = iamscope(&["ls", "users", "--snapshot", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    // A policy with 50,000 statements loads and is listed.
    let statements: Vec<String> = (0..50_000)
        .map(|i| format!(r#"{{"Sid":"S{i}","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b{i}/*"}}"#))
        .collect();
    let huge = format!(
        r#"{{"UserDetailList":[{{"UserName":"h","Arn":"arn:aws:iam::123456789012:user/h","UserPolicyList":[{{"PolicyName":"huge","PolicyDocument":{{"Version":"2012-10-17","Statement":[{}]}}}}]}}]}}"#,
        statements.join(",")
    );
    let path = dir.path().join("huge.json");
    std::fs::write(&path, huge).unwrap();
    let o = iamscope(&[
        "show",
        "h",
        "--snapshot",
        path.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let d: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        d["inline_policies"][0]["document"]["Statement"]
            .as_array()
            .unwrap()
            .len(),
        50_000
    );
}

#[test]
fn unicode_names_load_and_print() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("unicode.json");
    std::fs::write(
        &path,
        r#"{"UserDetailList":[{"UserName":"zoë-测试-👩‍💻","Arn":"arn:aws:iam::123456789012:user/zoë-测试-👩‍💻","UserPolicyList":[{"PolicyName":"ποლიτική","PolicyDocument":{"Version":"2012-10-17","Statement":[{"Sid":"Ünïcödé","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bücket/*"}]}}]}]}"#,
    )
    .unwrap();
    let o = iamscope(&["show", "zoë-测试-👩‍💻", "--snapshot", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("ποლიτική"));
    assert!(stdout(&o).contains("bücket"));
}

#[test]
fn simulate_reports_the_decision_and_exits_2_on_deny() {
    let o = iamscope(&[
        "simulate",
        "--demo",
        "--principal",
        "alice",
        "--action",
        "s3:DeleteObject",
        "--resource",
        "arn:aws:s3:::my-app-prod-data/report.csv",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["decision"], "explicit_deny");
    assert_eq!(v["trace"]["causes"][0]["sid"], "DenyProdDataDelete");

    let o = iamscope(&[
        "simulate",
        "--demo",
        "--principal",
        "alice",
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::my-app-uploads/a.png",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("ALLOWED"), "{}", stdout(&o));
}

#[test]
fn simulate_assume_role_uses_the_trust_policy() {
    let o = iamscope(&[
        "simulate",
        "--demo",
        "--principal",
        "ci-deploy",
        "--action",
        "sts:AssumeRole",
        "--resource",
        "arn:aws:iam::123456789012:role/MyAppTaskRole",
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["trace"]["role_trust"], true, "{v}");
    // ci-deploy is an administrator, but MyAppTaskRole trusts only ecs-tasks.
    assert_eq!(v["decision"], "implicit_deny", "{v}");
}

#[test]
fn simulate_context_overrides_and_bad_context_is_an_error() {
    let o = iamscope(&[
        "simulate",
        "--demo",
        "--principal",
        "alice",
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::b/k",
        "--context",
        "aws:SourceIp",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("expected KEY=VALUE"), "{}", stderr(&o));
}

#[test]
fn simulate_batch_answers_each_line_and_survives_bad_ones() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("batch.jsonl");
    let good = r#"{"id":"a","request":{"principal":"arn:aws:iam::111122223333:user/alice","action":"s3:GetObject","resource":"arn:aws:s3:::b/k","resource_account":"111122223333","context":{}},"identity_policies":[{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::b/*"}]}],"permission_boundary":null,"scps":[],"resource_policy":null,"session_policy":null}"#;
    let bad_policy = r#"{"id":"b","request":{"principal":"arn:aws:iam::111122223333:user/alice","action":"s3:GetObject","resource":"arn:aws:s3:::b/k","context":{}},"identity_policies":[{"Statement":[{"Effect":"Maybe","Action":"*","Resource":"*"}]}]}"#;
    let deny = good
        .replace("\"id\":\"a\"", "\"id\":\"c\"")
        .replace("s3:Get*", "s3:Put*");
    std::fs::write(&path, format!("{good}\nnot json\n{bad_policy}\n{deny}\n")).unwrap();
    let o = iamscope(&["simulate", "--batch", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let lines: Vec<Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["id"], "a");
    assert_eq!(lines[0]["decision"], "allow");
    assert!(lines[1]["error"].as_str().unwrap().contains("not JSON"));
    assert_eq!(lines[2]["id"], "b");
    assert!(
        lines[2]["error"].as_str().unwrap().contains("Effect"),
        "{}",
        lines[2]
    );
    assert_eq!(lines[3]["decision"], "implicit_deny");
}
