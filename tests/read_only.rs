#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! iamscope only reads from AWS, provably: every AWS operation named anywhere in `src/` is a
//! read (`Get*`, `List*`, `Describe*`, `Simulate*`, `GenerateCredentialReport`, and of STS only
//! `GetCallerIdentity`).
//!
//! The operations are not guessed from a list of verbs: each SDK crate has one module per
//! operation (`src/operation/<name>.rs`), so the full list of every client's operations comes
//! from the SDK's own source, found through `cargo metadata`. Any of those names used after
//! `.` or `::` in our source (a fluent call `.create_user()`, a path
//! `operation::create_user::...`, a mock `Client::create_user`) counts. The scan must find the
//! calls the fetch really makes, so it cannot pass by finding nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

const SDKS: &[&str] = &["aws-sdk-iam", "aws-sdk-sts", "aws-sdk-organizations"];

/// Whether `op` of SDK crate `sdk` only reads.
fn is_read(sdk: &str, op: &str) -> bool {
    if sdk == "aws-sdk-sts" {
        // Every other STS operation (AssumeRole*, GetSessionToken, GetFederationToken, ...)
        // mints credentials.
        return op == "get_caller_identity";
    }
    ["get_", "list_", "describe_", "simulate_"]
        .iter()
        .any(|p| op.starts_with(p))
        || op == "generate_credential_report"
}

/// Operation names of each SDK crate, from its `src/operation/` directory.
fn sdk_operations() -> BTreeMap<&'static str, BTreeSet<String>> {
    // Only this platform's packages: the others (Windows-only crates, ...) need not be
    // downloaded, and the test runs offline.
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = Command::new(rustc)
        .arg("-vV")
        .output()
        .expect("run rustc -vV");
    let host = String::from_utf8_lossy(&version.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
        .expect("rustc -vV names the host");
    let out = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--offline"])
        .args(["--filter-platform", &host])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo metadata");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut ops = BTreeMap::new();
    for sdk in SDKS {
        let manifest = meta["packages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == *sdk)
            .and_then(|p| p["manifest_path"].as_str())
            .unwrap_or_else(|| panic!("{sdk} is not a dependency"));
        let dir = Path::new(manifest).parent().unwrap().join("src/operation");
        let names: BTreeSet<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "rs"))
            .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
            .collect();
        ops.insert(*sdk, names);
    }
    // Sanity: the listing found the operations, not an empty or unrelated directory.
    assert!(
        ops["aws-sdk-iam"].len() > 100,
        "{:?}",
        ops["aws-sdk-iam"].len()
    );
    assert!(ops["aws-sdk-iam"].contains("create_user"));
    assert!(ops["aws-sdk-sts"].contains("assume_role"));
    assert!(ops["aws-sdk-organizations"].contains("create_account"));
    ops
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// One use of an operation name in our source.
#[derive(Debug)]
struct Use {
    file: String,
    line: usize,
    op: String,
}

/// Every identifier that follows `.` or `::` and names an operation of any SDK.
fn uses(all_ops: &BTreeSet<&str>) -> Vec<Use> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(files.len() > 10, "found only {} source files", files.len());
    let ident = regex::Regex::new(r"(?:\.|::)\s*([a-z][a-z0-9_]*)").unwrap();
    let mut found = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let rel = path
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        for (i, line) in text.lines().enumerate() {
            // Comments may name operations (this file's own docs do); code is what runs.
            let code = match line.find("//") {
                Some(at) if !line[..at].contains('"') => &line[..at],
                _ => line,
            };
            for cap in ident.captures_iter(code) {
                let name = &cap[1];
                if all_ops.contains(name) {
                    found.push(Use {
                        file: rel.clone(),
                        line: i + 1,
                        op: name.to_owned(),
                    });
                }
            }
        }
    }
    found
}

#[test]
fn the_crate_calls_only_read_operations() {
    let ops = sdk_operations();
    let all: BTreeSet<&str> = ops.values().flatten().map(String::as_str).collect();
    let found = uses(&all);

    let writes: Vec<String> = found
        .iter()
        .filter(|u| {
            ops.iter()
                .any(|(sdk, names)| names.contains(&u.op) && !is_read(sdk, &u.op))
        })
        .map(|u| format!("src/{}:{}: {}", u.file, u.line, u.op))
        .collect();
    assert!(
        writes.is_empty(),
        "iamscope must only read from AWS, but src/ uses these operations:\n{}",
        writes.join("\n")
    );

    // Not vacuous: the calls the fetch makes are all seen.
    let seen: BTreeSet<&str> = found.iter().map(|u| u.op.as_str()).collect();
    for op in [
        "get_caller_identity",
        "get_account_authorization_details",
        "list_roles",
        "get_policy",
        "get_policy_version",
        "list_open_id_connect_providers",
        "get_open_id_connect_provider",
        "list_saml_providers",
        "get_account_summary",
        "generate_credential_report",
        "get_credential_report",
        "list_access_keys",
        "get_access_key_last_used",
        "list_mfa_devices",
        "describe_organization",
        "list_roots",
        "list_parents",
        "list_policies_for_target",
        "describe_policy",
    ] {
        assert!(seen.contains(op), "the scan did not find the call `{op}`");
    }
    assert!(seen.len() >= 19, "{seen:?}");
    assert!(
        found
            .iter()
            .filter(|u| u.file.starts_with("source/aws/"))
            .count()
            >= 25,
        "{found:?}"
    );
}

#[test]
fn the_scan_would_catch_a_write() {
    let ops = sdk_operations();
    for (sdk, op) in [
        ("aws-sdk-iam", "create_user"),
        ("aws-sdk-iam", "delete_role"),
        ("aws-sdk-iam", "put_user_policy"),
        ("aws-sdk-iam", "attach_role_policy"),
        ("aws-sdk-iam", "update_assume_role_policy"),
        ("aws-sdk-iam", "generate_service_last_accessed_details"),
        ("aws-sdk-sts", "assume_role"),
        ("aws-sdk-sts", "get_session_token"),
        ("aws-sdk-sts", "get_federation_token"),
        ("aws-sdk-organizations", "create_policy"),
        ("aws-sdk-organizations", "attach_policy"),
        ("aws-sdk-organizations", "leave_organization"),
    ] {
        assert!(ops[sdk].contains(op), "{sdk} has no {op}");
        assert!(!is_read(sdk, op), "{op} passes as a read");
    }
    for (sdk, op) in [
        ("aws-sdk-iam", "get_account_authorization_details"),
        ("aws-sdk-iam", "simulate_principal_policy"),
        ("aws-sdk-iam", "generate_credential_report"),
        ("aws-sdk-sts", "get_caller_identity"),
        ("aws-sdk-organizations", "describe_policy"),
    ] {
        assert!(ops[sdk].contains(op), "{sdk} has no {op}");
        assert!(is_read(sdk, op), "{op} does not pass as a read");
    }
    // The pattern sees fluent calls, paths and mocks.
    let all: BTreeSet<&str> = ["create_user"].into_iter().collect();
    let ident = regex::Regex::new(r"(?:\.|::)\s*([a-z][a-z0-9_]*)").unwrap();
    for code in [
        "client.create_user().send()",
        "client\n    .create_user()",
        "aws_sdk_iam::operation::create_user::CreateUserInput",
        "mock!(Client::create_user)",
    ] {
        let hit = code.lines().any(|l| {
            ident
                .captures_iter(l.trim_start())
                .any(|c| all.contains(&c[1]))
        });
        assert!(hit, "not seen: {code}");
    }
}
