//! `iamscope explain` end to end: the message from arguments or stdin, policy files, JSON per
//! FORMATS.md §4, and exit codes (2 denied, 0 allowed, 1 error).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn iamscope(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_iamscope"))
        .args(args)
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_REGION")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run iamscope");
    {
        let mut pipe = child.stdin.take().unwrap();
        if let Some(text) = stdin {
            pipe.write_all(text.as_bytes()).unwrap();
        }
    }
    child.wait_with_output().unwrap()
}

fn data(name: &str) -> String {
    let p: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/explain")
        .join(name);
    p.display().to_string()
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

const DENY_DEMO: &str = "An error occurred (AccessDenied) when calling the DeleteObject operation: User: arn:aws:iam::123456789012:user/alice is not authorized to perform: s3:DeleteObject on resource: \"arn:aws:s3:::my-app-prod-data/a.csv\" with an explicit deny in an identity-based policy";

#[test]
fn explicit_deny_exits_2_with_formats_json() {
    let o = iamscope(&["explain", "--demo", "--format", "json", DENY_DEMO], None);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v = json(&o);
    assert_eq!(v["principal_arn"], "arn:aws:iam::123456789012:user/alice");
    assert_eq!(v["action"], "s3:DeleteObject");
    assert_eq!(v["resource"], "arn:aws:s3:::my-app-prod-data/a.csv");
    assert_eq!(v["decision"], "explicit_deny");
    assert_eq!(v["causes"][0]["kind"], "explicit_deny");
    assert_eq!(v["causes"][0]["layer"], "identity");
    assert_eq!(v["causes"][0]["policy"], "DenyProdDataDelete");
    assert_eq!(v["causes"][0]["statement"], "DenyProdDataDelete");
    assert_eq!(v["fix"]["layer"], "identity");
    assert_eq!(v["fix"]["target"], "DenyProdDataDelete");
    assert_eq!(v["fix"]["statement"]["Effect"], "Deny");
}

#[test]
fn message_from_stdin_and_text_output() {
    let o = iamscope(&["explain", "--demo"], Some(&format!("{DENY_DEMO}\n")));
    assert_eq!(o.status.code(), Some(2));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.starts_with("DENIED (explicit deny)"), "{text}");
    assert!(text.contains("DenyProdDataDelete"), "{text}");
    assert!(text.contains("$ aws iam delete-group-policy"), "{text}");
}

#[test]
fn unquoted_words_are_one_message() {
    let words: Vec<&str> = DENY_DEMO.split(' ').collect();
    let mut args = vec!["explain", "--demo", "--format", "json"];
    args.extend(words);
    let o = iamscope(&args, None);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(json(&o)["decision"], "explicit_deny");
}

#[test]
fn allowed_request_exits_0() {
    let o = iamscope(
        &[
            "explain",
            "--demo",
            "--format",
            "json",
            "--principal",
            "bob",
            "--resource",
            "arn:aws:s3:::my-app-uploads/a.png",
            "An error occurred (AccessDenied) when calling the GetObject operation: Access Denied",
        ],
        None,
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v = json(&o);
    assert_eq!(v["decision"], "allow");
    assert_eq!(v["fix"], Value::Null);
    assert!(!v["likely_reasons"].as_array().unwrap().is_empty());
}

#[test]
fn unparseable_message_exits_1_and_lists_the_shapes() {
    let o = iamscope(&["explain", "--demo", "it works on my machine"], None);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("is not authorized to perform"), "{err}");
    assert!(err.contains("Access Denied"), "{err}");
    let o = iamscope(&["explain", "--demo"], Some(""));
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("empty"));
}

#[test]
fn missing_caller_and_bad_flags_exit_1() {
    let o = iamscope(
        &[
            "explain",
            "--demo",
            "An error occurred (AccessDenied) when calling the GetObject operation: Access Denied",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--principal"));
    let o = iamscope(
        &[
            "explain",
            "--demo",
            "--context",
            "no-equals-sign",
            DENY_DEMO,
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(1));
    let o = iamscope(
        &[
            "explain",
            "--demo",
            "--scps",
            "/nonexistent/scps.json",
            DENY_DEMO,
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("/nonexistent/scps.json"));
}

#[test]
fn policy_files_from_flags() {
    let snapshot = data("account.json");
    let session = data("session-policy.json");
    let o = iamscope(
        &[
            "explain",
            "--snapshot",
            &snapshot,
            "--session-policy",
            &session,
            "--format",
            "json",
            "User: arn:aws:sts::111122223333:assumed-role/AppRole/task-1 is not authorized to perform: sqs:SendMessage on resource: arn:aws:sqs:eu-west-1:111122223333:jobs because no session policy allows the sqs:SendMessage action",
        ],
        None,
    );
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v = json(&o);
    assert_eq!(v["causes"][0]["layer"], "session");
    assert_eq!(
        v["session_arn"],
        "arn:aws:sts::111122223333:assumed-role/AppRole/task-1"
    );

    let rcps = data("rcps.json");
    let o = iamscope(
        &[
            "explain",
            "--snapshot",
            &snapshot,
            "--rcps",
            &rcps,
            "--format",
            "json",
            "User: arn:aws:sts::111122223333:assumed-role/AppRole/task-1 is not authorized to perform: s3:PutObject on resource: \"arn:aws:s3:::app-bucket/k\" with an explicit deny in a resource control policy",
        ],
        None,
    );
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v = json(&o);
    assert_eq!(v["causes"][0]["layer"], "rcp");
    assert_eq!(v["causes"][0]["statement"], "DenyUnencryptedUploads");
    assert!(
        v["causes"][0]["policy"]
            .as_str()
            .unwrap()
            .starts_with("rcp level 1: ")
    );
}

#[test]
fn context_flag_changes_the_answer() {
    let snapshot = data("account.json");
    let msg = "User: arn:aws:iam::111122223333:user/engineering/dev is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:eu-west-1:111122223333:table/orders because no identity-based policy allows the dynamodb:PutItem action";
    let o = iamscope(&["explain", "--snapshot", &snapshot, msg], None);
    assert_eq!(o.status.code(), Some(2));
    let o = iamscope(
        &[
            "explain",
            "--snapshot",
            &snapshot,
            "--context",
            "aws:SourceIp=10.9.8.7",
            msg,
        ],
        None,
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}

#[test]
fn decoded_authorization_message_from_a_file() {
    let decoded = data("decoded-runinstances.json");
    let o = iamscope(
        &[
            "explain",
            "--demo",
            "--decoded",
            &decoded,
            "--format",
            "json",
            "An error occurred (UnauthorizedOperation) when calling the RunInstances operation: You are not authorized to perform this operation. Encoded authorization failure message: 4GIOHlTkIaWHQD0Q0m6XSnuUMCm",
        ],
        None,
    );
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v = json(&o);
    assert_eq!(v["principal_arn"], "arn:aws:iam::123456789012:user/alice");
    assert_eq!(
        v["resource"],
        "arn:aws:ec2:us-east-1:123456789012:instance/*"
    );
    assert_eq!(v["message"]["agreement"], "agrees");
}
