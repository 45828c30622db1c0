#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! `iamscope who-can-assume` and `iamscope can-assume` end to end: the JSON of FORMATS.md §5,
//! the text tree, exit codes.

use serde_json::Value;

mod support;
use support::iamscope;

fn json(args: &[&str]) -> Value {
    let o = iamscope(args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

fn keys(v: &Value) -> Vec<&str> {
    v.as_object().unwrap().keys().map(String::as_str).collect()
}

/// Every key FORMATS.md §5 lists is there, with its type.
fn check_assumer(a: &Value) {
    for k in ["principal", "kind", "status", "conditions", "via", "reason"] {
        assert!(a.get(k).is_some(), "missing `{k}` in {a}");
    }
    assert!(a["principal"].is_string());
    assert!(
        ["user", "role", "service", "federated", "account", "anyone"]
            .contains(&a["kind"].as_str().unwrap())
    );
    assert!(["always", "conditional", "never"].contains(&a["status"].as_str().unwrap()));
    assert!(a["via"].as_array().unwrap().iter().all(Value::is_string));
    assert!(!a["reason"].as_str().unwrap().is_empty());
    for c in a["conditions"].as_array().unwrap() {
        assert!(c["operator"].is_string() && c["key"].is_string(), "{c}");
        assert!(
            c["values"].as_array().unwrap().iter().all(Value::is_string),
            "{c}"
        );
    }
}

#[test]
fn who_can_assume_json_is_formats_section_5() {
    let v = json(&[
        "who-can-assume",
        "GitHubActionsDeployRole",
        "--demo",
        "--format",
        "json",
    ]);
    assert_eq!(
        v["role_arn"],
        "arn:aws:iam::123456789012:role/GitHubActionsDeployRole"
    );
    let assumers = v["assumers"].as_array().unwrap();
    assert_eq!(assumers.len(), 1);
    let a = &assumers[0];
    check_assumer(a);
    assert_eq!(a["kind"], "federated");
    assert_eq!(a["status"], "conditional");
    assert_eq!(a["via"], Value::Array(vec![]));
    let sub = a["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == "token.actions.githubusercontent.com:sub")
        .unwrap();
    assert_eq!(sub["operator"], "StringLike");
    assert_eq!(
        sub["values"],
        serde_json::json!(["repo:your-org/your-repo:ref:refs/heads/main"])
    );
}

#[test]
fn chains_list_the_intermediate_roles_in_via() {
    let v = json(&[
        "who-can-assume",
        "LegacyPartnerRole",
        "--demo",
        "--format",
        "json",
    ]);
    let assumers = v["assumers"].as_array().unwrap();
    assumers.iter().for_each(check_assumer);
    let chained = assumers
        .iter()
        .find(|a| a["principal"] == "ecs-tasks.amazonaws.com")
        .unwrap();
    assert_eq!(
        chained["via"][0],
        "arn:aws:iam::123456789012:role/MyAppTaskRole"
    );
    // --direct leaves chains out.
    let v = json(&[
        "who-can-assume",
        "LegacyPartnerRole",
        "--demo",
        "--format",
        "json",
        "--direct",
    ]);
    assert!(
        v["assumers"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["via"].as_array().unwrap().is_empty())
    );
}

#[test]
fn can_assume_json_is_formats_section_5() {
    let v = json(&[
        "can-assume",
        "ecs-tasks.amazonaws.com",
        "--demo",
        "--format",
        "json",
    ]);
    assert_eq!(v["principal_arn"], "ecs-tasks.amazonaws.com");
    let roles = v["roles"].as_array().unwrap();
    for r in roles {
        for k in ["role_arn", "status", "conditions", "via"] {
            assert!(r.get(k).is_some(), "missing `{k}` in {r}");
        }
    }
    let direct: Vec<&str> = roles
        .iter()
        .filter(|r| r["via"].as_array().unwrap().is_empty())
        .map(|r| r["role_arn"].as_str().unwrap())
        .collect();
    assert!(direct.contains(&"arn:aws:iam::123456789012:role/MyAppTaskRole"));
    // A user by name.
    let v = json(&["can-assume", "alice", "--demo", "--format", "json"]);
    assert_eq!(v["principal_arn"], "arn:aws:iam::123456789012:user/alice");
    assert!(keys(&v).contains(&"roles"));
}

#[test]
fn text_is_a_tree_with_conditions_in_words() {
    let o = iamscope(&["who-can-assume", "GitHubActionsDeployRole", "--demo"]);
    assert_eq!(o.status.code(), Some(0));
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.contains("CONDITIONAL"), "{text}");
    assert!(
        text.contains("the GitHub Actions token's subject (sub) matches `repo:your-org/your-repo:ref:refs/heads/main`"),
        "{text}"
    );
    assert!(text.contains("└─"), "{text}");
}

#[test]
fn wrong_names_are_errors_with_exit_code_1() {
    let o = iamscope(&["who-can-assume", "alice", "--demo"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("is a user, not a role") && err.contains("can-assume alice"),
        "{err}"
    );
    let o = iamscope(&["who-can-assume", "NoSuchRole", "--demo"]);
    assert_eq!(o.status.code(), Some(1));
    let o = iamscope(&["can-assume", "nobody.amazonaws.com", "--demo"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no trust policy"));
}
