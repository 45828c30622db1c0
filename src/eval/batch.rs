//! `simulate --batch`: one JSON line in, one JSON object out (FORMATS.md §2). Pure: the CLI
//! reads the file and writes the lines.

use serde_json::{Map, Value, json};

use super::compile::CompiledPolicy;
use super::context::{Context, ContextValue};
use super::engine::{PolicySet, Request, ResourcePolicyKind, evaluate};
use crate::policy::{Policy, json_type};

/// One parsed batch case.
#[derive(Debug, Clone)]
pub struct BatchCase {
    /// The case's `id`, echoed in the output (any JSON value; usually a string).
    pub id: Value,
    pub request: Request,
    pub policies: PolicySet,
}

/// A batch line that cannot be evaluated: what is wrong and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {message}")]
pub struct BatchError {
    /// Where in the line, e.g. `identity_policies[1]: Statement[0].Effect`.
    pub location: String,
    pub message: String,
}

fn err(location: impl Into<String>, message: impl Into<String>) -> BatchError {
    BatchError {
        location: location.into(),
        message: message.into(),
    }
}

/// Evaluates one input line and returns the output object: `{"id","decision","trace"}`, or
/// `{"id","error"}` for a line that cannot be evaluated. Never panics.
pub fn evaluate_line(line: &str) -> Value {
    let value: Value = match serde_json::from_str(line) {
        Ok(v) => v,
        Err(e) => {
            return json!({
                "id": Value::Null,
                "error": format!("line is not JSON: {e} (line {}, column {})", e.line(), e.column()),
            });
        }
    };
    let id = value.get("id").cloned().unwrap_or(Value::Null);
    match BatchCase::from_value(&value) {
        Ok(case) => {
            let ev = evaluate(&case.policies, &case.request);
            json!({"id": id, "decision": ev.decision.as_str(), "trace": ev.trace})
        }
        Err(e) => json!({"id": id, "error": e.to_string()}),
    }
}

impl BatchCase {
    /// Reads a case object. Keys other than those of FORMATS.md §2 are ignored; `rcps` (same
    /// shape as `scps`) and `role_trust` (bool) are accepted as extensions. Without
    /// `role_trust`, a resource policy is read as a trust policy when the action is
    /// `sts:AssumeRole*` on a role ARN.
    pub fn from_value(v: &Value) -> Result<BatchCase, BatchError> {
        let obj = v.as_object().ok_or_else(|| {
            err(
                "line",
                format!("expected an object, found {}", json_type(v)),
            )
        })?;
        let id = obj.get("id").cloned().unwrap_or(Value::Null);
        let request = read_request(obj)?;
        let identity = match obj.get("identity_policies") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(docs)) => docs
                .iter()
                .enumerate()
                .map(|(i, d)| policy(&format!("identity_policies[{i}]"), d))
                .collect::<Result<_, _>>()?,
            Some(other) => {
                return Err(err(
                    "identity_policies",
                    format!(
                        "expected a list of policy documents, found {}",
                        json_type(other)
                    ),
                ));
            }
        };
        let permission_boundary = optional_policy(obj, "permission_boundary")?;
        let resource_policy = optional_policy(obj, "resource_policy")?;
        let session_policy = optional_policy(obj, "session_policy")?;
        let scps = levels(obj, "scps")?;
        let rcps = levels(obj, "rcps")?;
        let role_trust = match obj.get("role_trust") {
            None | Some(Value::Null) => is_assume_role(&request),
            Some(Value::Bool(b)) => *b,
            Some(other) => {
                return Err(err(
                    "role_trust",
                    format!("expected true or false, found {}", json_type(other)),
                ));
            }
        };
        Ok(BatchCase {
            id,
            request,
            policies: PolicySet {
                identity,
                permission_boundary,
                scps,
                rcps,
                resource_policy,
                session_policy,
                resource_policy_kind: if role_trust {
                    ResourcePolicyKind::RoleTrust
                } else {
                    ResourcePolicyKind::Resource
                },
            },
        })
    }
}

fn is_assume_role(r: &Request) -> bool {
    let action = r.action.to_ascii_lowercase();
    let is_role = r
        .resource
        .split(':')
        .nth(5)
        .is_some_and(|res| res.starts_with("role/"));
    action.starts_with("sts:assumerole") && is_role
}

fn read_request(obj: &Map<String, Value>) -> Result<Request, BatchError> {
    let r = match obj.get("request") {
        Some(Value::Object(r)) => r,
        Some(other) => {
            return Err(err(
                "request",
                format!("expected an object, found {}", json_type(other)),
            ));
        }
        None => return Err(err("request", "missing")),
    };
    let string = |key: &str, required: bool| -> Result<String, BatchError> {
        match r.get(key) {
            Some(Value::String(s)) => Ok(s.clone()),
            None | Some(Value::Null) if !required => Ok(String::new()),
            None | Some(Value::Null) => Err(err(format!("request.{key}"), "missing")),
            Some(other) => Err(err(
                format!("request.{key}"),
                format!("expected a string, found {}", json_type(other)),
            )),
        }
    };
    let mut context = Context::new();
    match r.get("context") {
        None | Some(Value::Null) => {}
        Some(Value::Object(c)) => {
            for (k, v) in c {
                let value = match v {
                    Value::Array(items) => ContextValue::Multi(
                        items
                            .iter()
                            .enumerate()
                            .map(|(i, item)| {
                                scalar_text(item).ok_or_else(|| {
                                    err(
                                        format!("request.context.{k}[{i}]"),
                                        format!("expected a string, found {}", json_type(item)),
                                    )
                                })
                            })
                            .collect::<Result<_, _>>()?,
                    ),
                    other => ContextValue::Single(scalar_text(other).ok_or_else(|| {
                        err(
                            format!("request.context.{k}"),
                            format!(
                                "expected a string or a list of strings, found {}",
                                json_type(other)
                            ),
                        )
                    })?),
                };
                context.insert(k, value);
            }
        }
        Some(other) => {
            return Err(err(
                "request.context",
                format!(
                    "expected an object of condition keys, found {}",
                    json_type(other)
                ),
            ));
        }
    }
    Ok(Request {
        principal: string("principal", true)?,
        action: string("action", true)?,
        resource: string("resource", true)?,
        resource_account: string("resource_account", false)?,
        context,
    })
}

/// Strings as they are; numbers and booleans as their text (AWS compares text).
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn policy(label: &str, doc: &Value) -> Result<CompiledPolicy, BatchError> {
    let p =
        Policy::from_value(doc).map_err(|e| err(format!("{label}: {}", e.location), e.message))?;
    Ok(CompiledPolicy::labeled(label, &p))
}

fn optional_policy(
    obj: &Map<String, Value>,
    key: &str,
) -> Result<Option<CompiledPolicy>, BatchError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(doc) => policy(key, doc).map(Some),
    }
}

fn levels(obj: &Map<String, Value>, key: &str) -> Result<Vec<Vec<CompiledPolicy>>, BatchError> {
    let kind = if key == "scps" { "scp" } else { "rcp" };
    match obj.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(levels)) => levels
            .iter()
            .enumerate()
            .map(|(i, level)| match level {
                Value::Array(docs) => docs
                    .iter()
                    .enumerate()
                    .map(|(j, d)| {
                        let p = Policy::from_value(d).map_err(|e| {
                            err(format!("{key}[{i}][{j}]: {}", e.location), e.message)
                        })?;
                        Ok(CompiledPolicy::labeled(
                            format!("{kind} level {}: {key}[{i}][{j}]", i + 1),
                            &p,
                        ))
                    })
                    .collect(),
                other => Err(err(
                    format!("{key}[{i}]"),
                    format!(
                        "expected a list of policy documents (one level), found {}",
                        json_type(other)
                    ),
                )),
            })
            .collect(),
        Some(other) => Err(err(
            key,
            format!("expected a list of levels, found {}", json_type(other)),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALLOW_S3: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;

    fn line(extra: &str) -> String {
        format!(
            r#"{{"id":"c1","request":{{"principal":"arn:aws:iam::111122223333:user/alice","action":"s3:GetObject","resource":"arn:aws:s3:::b/k","resource_account":"111122223333","context":{{"aws:TagKeys":["a","b"],"aws:SecureTransport":"true"}}}}{extra}}}"#
        )
    }

    #[test]
    fn output_shape() {
        // FORMATS.md §2: `{"id","decision","trace"}`, decision in snake_case.
        let out = evaluate_line(&line(&format!(
            r#","identity_policies":[{ALLOW_S3}],"expected":"allow","tags":[]"#
        )));
        assert_eq!(out["id"], "c1");
        assert_eq!(out["decision"], "allow");
        assert_eq!(
            out["trace"]["layers"][0]["matched"][0]["policy"],
            "identity_policies[0]"
        );
        let out = evaluate_line(&line(""));
        assert_eq!(out["decision"], "implicit_deny");
    }

    #[test]
    fn scp_labels_and_levels() {
        let out = evaluate_line(&line(&format!(
            r#","identity_policies":[{ALLOW_S3}],"scps":[[{ALLOW_S3}],[]]"#
        )));
        assert_eq!(out["decision"], "implicit_deny");
        let layers = out["trace"]["layers"].as_array().unwrap();
        let scp1 = layers
            .iter()
            .find(|l| l["layer"] == "scp" && l["level"] == 1)
            .unwrap();
        assert_eq!(scp1["matched"][0]["policy"], "scp level 1: scps[0][0]");
        assert_eq!(out["trace"]["causes"][0]["layer"], "scp");
        assert_eq!(out["trace"]["causes"][0]["level"], 2);
    }

    #[test]
    fn errors_say_what_and_where() {
        let out = evaluate_line(&line(
            r#","session_policy":{"Statement":[{"Effect":"Allow"}]}"#,
        ));
        let e = out["error"].as_str().unwrap();
        assert!(e.starts_with("session_policy: Statement[0].Action"), "{e}");
        let out = evaluate_line(r#"{"id":7,"request":{"principal":"p","action":"a"}}"#);
        assert_eq!(out["id"], 7);
        assert_eq!(out["error"], "request.resource: missing");
        let out = evaluate_line("{");
        assert!(
            out["error"]
                .as_str()
                .unwrap()
                .starts_with("line is not JSON")
        );
    }

    #[test]
    fn assume_role_on_a_role_reads_the_resource_policy_as_trust_policy() {
        let l = r#"{"id":"t","request":{"principal":"arn:aws:iam::111122223333:user/alice","action":"sts:AssumeRole","resource":"arn:aws:iam::111122223333:role/r","resource_account":"111122223333","context":{}},
            "identity_policies":[{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}]}"#;
        let case = BatchCase::from_value(&serde_json::from_str(l).unwrap()).unwrap();
        assert_eq!(
            case.policies.resource_policy_kind,
            ResourcePolicyKind::RoleTrust
        );
        assert_eq!(evaluate_line(l)["decision"], "implicit_deny");
    }
}
