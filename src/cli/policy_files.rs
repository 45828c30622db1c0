//! Policy documents given on the command line (`--resource-policy`, `--scps`, `--rcps`,
//! `--session-policy`), shared by `simulate` and `explain`.

use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::Value;

use super::CliError;
use crate::analysis::explain::LabeledPolicy;
use crate::policy::Policy;

/// The policy layers a snapshot cannot hold, or that the user wants to try other versions of.
#[derive(Debug, Clone, Default, Args)]
pub struct PolicyFileArgs {
    /// The resource's resource-based policy (bucket, key, queue, trust policy, ...): a JSON
    /// document, or the output of `aws iam get-policy-version` around one.
    #[arg(long, value_name = "FILE")]
    pub resource_policy: Option<PathBuf>,
    /// SCPs: a JSON list of levels from the root to the account, each a list of documents
    /// (or `aws organizations describe-policy` outputs). Default: the snapshot's SCPs.
    #[arg(long, value_name = "FILE")]
    pub scps: Option<PathBuf>,
    /// RCPs, in the same shape as `--scps`.
    #[arg(long, value_name = "FILE")]
    pub rcps: Option<PathBuf>,
    /// The session policy passed when the role session was created.
    #[arg(long, value_name = "FILE")]
    pub session_policy: Option<PathBuf>,
}

fn read_json(path: &Path) -> Result<Value, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::from(format!("cannot read `{}`: {e}", path.display())))?;
    serde_json::from_str(&text)
        .map_err(|e| CliError::from(format!("`{}` is not JSON: {e}", path.display())))
}

/// A policy document, or the output of `aws organizations describe-policy` /
/// `aws iam get-policy-version` around one.
fn unwrap_document(value: &Value) -> (&Value, Option<String>, Option<String>) {
    let policy = value.get("Policy").unwrap_or(value);
    if let Some(content) = policy.get("Content") {
        let summary = policy.get("PolicySummary");
        let field = |k: &str| {
            summary
                .and_then(|s| s.get(k))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        return (content, field("Arn"), field("Id"));
    }
    if let Some(doc) = value.pointer("/PolicyVersion/Document") {
        return (doc, None, None);
    }
    (value, None, None)
}

fn parse_document(value: &Value, place: &str) -> Result<Policy, CliError> {
    // Organizations returns the document as a JSON string.
    let parsed;
    let value = match value {
        Value::String(s) if s.trim_start().starts_with('{') => {
            parsed = serde_json::from_str::<Value>(s)
                .map_err(|e| CliError::from(format!("{place}: {e}")))?;
            &parsed
        }
        other => other,
    };
    Policy::from_value(value).map_err(|e| CliError::from(format!("{place}: {e}")))
}

pub fn read_policy(path: &Path) -> Result<LabeledPolicy, CliError> {
    let value = read_json(path)?;
    let (doc, arn, id) = unwrap_document(&value);
    let document = parse_document(doc, &format!("`{}`", path.display()))?;
    Ok(LabeledPolicy {
        label: arn.unwrap_or_else(|| path.display().to_string()),
        id,
        document,
    })
}

/// `[[root level docs], [OU docs], ...]`; labels follow `simulate` (`scp level 1: FILE[0][0]`)
/// unless a document carries its ARN (`describe-policy` output).
pub fn read_levels(path: &Path, what: &str) -> Result<Vec<Vec<LabeledPolicy>>, CliError> {
    let value = read_json(path)?;
    let Value::Array(levels) = value else {
        return Err(CliError::from(format!(
            "`{}`: expected a list of levels (root first), each a list of policy documents",
            path.display()
        )));
    };
    let mut out = Vec::with_capacity(levels.len());
    for (i, level) in levels.iter().enumerate() {
        let docs: Vec<&Value> = match level {
            Value::Array(docs) => docs.iter().collect(),
            // A level given as a single document.
            Value::Object(_) => vec![level],
            _ => {
                return Err(CliError::from(format!(
                    "`{}`, at [{i}]: expected a list of policy documents",
                    path.display()
                )));
            }
        };
        let mut list = Vec::with_capacity(docs.len());
        for (j, doc) in docs.into_iter().enumerate() {
            let (doc, arn, id) = unwrap_document(doc);
            let document = parse_document(doc, &format!("`{}`, at [{i}][{j}]", path.display()))?;
            list.push(LabeledPolicy {
                label: arn.unwrap_or_else(|| {
                    format!("{what} level {}: {}[{i}][{j}]", i + 1, path.display())
                }),
                id,
                document,
            });
        }
        out.push(list);
    }
    Ok(out)
}
