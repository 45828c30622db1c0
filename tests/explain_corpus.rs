//! A frozen corpus of messages against the demo account: AccessDenied texts as AWS prints them,
//! wrapped the ways users paste them (AWS CLI, boto3, Go and Java SDKs, terminal line wraps,
//! JSON-escaped, markdown quotes), with the expected caller, request, decision and causes taken
//! from the evaluation engine alone (`simulate`), so the corpus checks the explainer's reading
//! of messages and its resolution of callers, not the engine against itself.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use iamscope::analysis::explain::{ExplainOptions, explain, parse_message};
use serde_json::Value;

#[test]
fn demo_messages_are_explained_as_the_engine_decides() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/explain/demo-messages.jsonl");
    let text = std::fs::read_to_string(path).unwrap();
    let account = iamscope::source::demo::account().unwrap();
    let mut failures = Vec::new();
    let mut total = 0;
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        total += 1;
        let case: Value = serde_json::from_str(line).unwrap();
        let message = case["message"].as_str().unwrap();
        let expect = &case["expect"];
        let got = parse_message(message)
            .map_err(|e| e.to_string())
            .and_then(|m| {
                explain(&account, &m, &ExplainOptions::default()).map_err(|e| e.to_string())
            });
        let e = match got {
            Ok(e) => serde_json::to_value(&e).unwrap(),
            Err(err) => {
                failures.push(format!("line {}: {err}\n  {message:?}", n + 1));
                continue;
            }
        };
        let mut causes: Vec<Value> = e["causes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let explicit = c["kind"] == "explicit_deny";
                serde_json::json!({
                    "kind": c["kind"],
                    "layer": c["layer"],
                    "policy": if explicit { c["policy"].clone() } else { Value::Null },
                    "statement": if explicit { c["statement"].clone() } else { Value::Null },
                })
            })
            .collect();
        let mut want = expect["causes"].as_array().unwrap().clone();
        let key = |v: &Value| v.to_string();
        causes.sort_by_key(key);
        want.sort_by_key(key);
        let resource_ok = expect["resource"] == "*" || e["resource"] == expect["resource"];
        if e["principal_arn"] != expect["principal_arn"]
            || e["action"] != expect["action"]
            || !resource_ok
            || e["decision"] != expect["decision"]
            || causes != want
        {
            failures.push(format!(
                "line {}: {message:?}\n  want {} {} {} {} {:?}\n  got  {} {} {} {} {:?}",
                n + 1,
                expect["principal_arn"],
                expect["action"],
                expect["resource"],
                expect["decision"],
                want,
                e["principal_arn"],
                e["action"],
                e["resource"],
                e["decision"],
                causes
            ));
        }
    }
    assert!(total >= 100, "the corpus has {total} cases");
    assert!(
        failures.is_empty(),
        "{} of {total} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
