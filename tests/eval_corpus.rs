//! The evaluator against the corpus of decided cases (FORMATS.md §2): every line through the
//! batch function, agreement on the non-ambiguous cases at least 99.5%.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use iamscope::eval::evaluate_line;
use serde_json::Value;

const CASES: &str = include_str!("data/eval-cases.jsonl");

#[test]
fn corpus_agreement() {
    let mut scored = 0usize;
    let mut agree = 0usize;
    let mut mismatches = Vec::new();
    let mut outputs = String::new();
    for line in CASES.lines().filter(|l| !l.trim().is_empty()) {
        let case: Value = serde_json::from_str(line).unwrap();
        let out = evaluate_line(line);
        outputs.push_str(&out.to_string());
        outputs.push('\n');
        let ambiguous = case["tags"]
            .as_array()
            .is_some_and(|t| t.iter().any(|t| t == "ambiguous"));
        if ambiguous {
            continue;
        }
        scored += 1;
        let got = out["decision"].as_str().unwrap_or("<error>");
        let expected = case["expected"].as_str().unwrap();
        if got == expected {
            agree += 1;
        } else {
            mismatches.push(format!("{} expected {expected} got {got}", case["id"]));
        }
    }
    // `EVAL_OUT=/tmp/out.jsonl cargo test --test eval_corpus` keeps the outputs for
    // `compare_eval.py`.
    if let Ok(path) = std::env::var("EVAL_OUT") {
        std::fs::write(path, outputs).unwrap();
    }
    let ratio = agree as f64 / scored as f64;
    assert!(
        ratio >= 0.995,
        "agreement {agree}/{scored} ({:.2}%); mismatches:\n{}",
        100.0 * ratio,
        mismatches.join("\n")
    );
}

#[test]
fn bad_lines_are_errors_not_panics() {
    for line in [
        "",
        "not json",
        "[]",
        r#"{"id":"x"}"#,
        r#"{"id":"x","request":{"principal":1}}"#,
        r#"{"id":"x","request":{"principal":"p","action":"a","resource":"r","context":{"k":{"a":1}}}}"#,
        r#"{"id":"x","request":{"principal":"p","action":"a","resource":"r"},"identity_policies":[{"Statement":[{"Effect":"Permit","Action":"*"}]}]}"#,
        r#"{"id":"x","request":{"principal":"p","action":"a","resource":"r"},"scps":[{}]}"#,
    ] {
        let out = evaluate_line(line);
        assert!(out["error"].is_string(), "{line} -> {out}");
        assert!(out.get("decision").is_none());
    }
    let out = evaluate_line(
        r#"{"id":"x","request":{"principal":"p","action":"a","resource":"r"},"identity_policies":[{"Statement":[{"Effect":"Permit","Action":"*"}]}]}"#,
    );
    let e = out["error"].as_str().unwrap();
    assert!(
        e.contains("identity_policies[0]") && e.contains("Effect"),
        "{e}"
    );
    assert_eq!(out["id"], "x");
}

/// Partial evaluation agrees with the full evaluation: with nothing unknown the outcome is
/// `Always` exactly when the decision is `allow`; with every context key unknown, a request
/// that is allowed is never reported `Never` and one that is denied never `Always`.
#[test]
fn partial_evaluation_is_consistent_with_evaluation() {
    use iamscope::eval::{BatchCase, Decision, Outcome, evaluate_partial};
    for line in CASES.lines().filter(|l| !l.trim().is_empty()) {
        let v: Value = serde_json::from_str(line).unwrap();
        let case = BatchCase::from_value(&v).unwrap();
        let full = evaluate_partial(&case.policies, &case.request);
        let allowed = full.evaluation.decision == Decision::Allow;
        let expected = if allowed {
            Outcome::Always
        } else {
            Outcome::Never
        };
        assert_eq!(full.outcome, expected, "{}", v["id"]);

        let mut open = case.request.clone();
        let keys: Vec<String> = open.context.iter().map(|(k, _)| k.to_owned()).collect();
        for k in &keys {
            open.context.set_unknown(k);
        }
        let partial = evaluate_partial(&case.policies, &open);
        let wrong = if allowed {
            Outcome::Never
        } else {
            Outcome::Always
        };
        assert_ne!(partial.outcome, wrong, "{}", v["id"]);
    }
}
