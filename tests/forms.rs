//! The AWS CLI form (documents as JSON objects) and the raw API form (documents as URL-encoded
//! JSON strings) of the same account load to the same model.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use iamscope::model::SourceKind;
use iamscope::source::{convert, demo, parse_snapshot};
use serde_json::Value;

const DOCUMENT_KEYS: [&str; 3] = ["PolicyDocument", "AssumeRolePolicyDocument", "Document"];

/// Rewrites every policy document as the IAM API sends it.
fn url_encode_documents(v: &mut Value) -> usize {
    let mut n = 0;
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                if DOCUMENT_KEYS.contains(&k.as_str()) && child.is_object() {
                    let json = serde_json::to_string(child).unwrap();
                    let encoded = percent_encoding::utf8_percent_encode(
                        &json,
                        percent_encoding::NON_ALPHANUMERIC,
                    )
                    .to_string();
                    *child = Value::String(encoded);
                    n += 1;
                } else {
                    n += url_encode_documents(child);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                n += url_encode_documents(item);
            }
        }
        _ => {}
    }
    n
}

#[test]
fn cli_form_and_raw_api_form_give_identical_models() {
    let cli_text = demo::snapshot_json();
    let mut raw: Value = serde_json::from_str(cli_text).unwrap();
    let encoded = url_encode_documents(&mut raw);
    assert!(encoded > 20, "only {encoded} documents were encoded");
    let raw_text = serde_json::to_vec(&raw).unwrap();
    assert!(!raw_text.windows(11).any(|w| w == b"\"Statement\""));

    let load = |bytes: &[u8]| {
        let snap = parse_snapshot(bytes, "test").unwrap();
        convert::to_account(snap, SourceKind::Demo, "test").unwrap()
    };
    let from_cli = load(cli_text.as_bytes());
    let from_raw = load(&raw_text);
    assert_eq!(from_cli, from_raw);
    assert!(from_cli.roles.iter().all(|r| r.trust_policy.is_some()));
}

#[test]
fn plain_json_text_documents_are_accepted_too() {
    // Some servers send the document as JSON text that is not URL-encoded.
    let text = r#"{"RoleDetailList":[{"RoleName":"r","Arn":"arn:aws:iam::123456789012:role/r","AssumeRolePolicyDocument":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"ec2.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}"}]}"#;
    let snap = parse_snapshot(text.as_bytes(), "test").unwrap();
    let account = convert::to_account(snap, SourceKind::Demo, "test").unwrap();
    let trust = account.roles[0].trust_policy.as_ref().unwrap();
    assert_eq!(trust.statements[0].action.values, vec!["sts:AssumeRole"]);
}
