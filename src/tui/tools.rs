//! The simulator and the AccessDenied explainer: a small form, and its result in words with the
//! deciding statement marked in the policy pane. Deciding is the evaluator's and the
//! explainer's work (`crate::eval`, `crate::analysis`); this file gathers the inputs and lays
//! out what they answer.

use jiff::Timestamp;

use super::app::Data;
use super::documents::{self, Document};
use crate::analysis::describe::{self, LineKind};
use crate::analysis::explain::{ExplainOptions, explain, message::parse_message};
use crate::analysis::principal::{CompiledAccount, Principal};
use crate::analysis::simulate::{self, Simulation};
use crate::eval::{CauseKind, Decision, Evaluation, LayerKind};
use crate::model::{Account, EntityRef};
use crate::policy::Effect;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToolKind {
    Simulate,
    Explain,
}

/// One input of the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub label: &'static str,
    pub value: String,
    pub hint: &'static str,
}

/// How a result line reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Allowed,
    Denied,
    Heading,
    Text,
    Detail,
    Error,
}

/// What the last run answered.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub lines: Vec<(Tone, String)>,
    /// The user or role whose policies the policy pane shows.
    pub principal: Option<EntityRef>,
    /// The statement that decided: its document (index into the principal's documents) and
    /// statement index.
    pub deciding: Option<(usize, usize)>,
}

impl Outcome {
    fn error(message: impl Into<String>) -> Outcome {
        Outcome {
            lines: vec![(Tone::Error, message.into())],
            principal: None,
            deciding: None,
        }
    }
}

pub fn fields(kind: ToolKind, principal: &str) -> Vec<Field> {
    match kind {
        ToolKind::Simulate => vec![
            Field {
                label: "principal",
                value: principal.to_owned(),
                hint: "user or role, name or ARN",
            },
            Field {
                label: "action",
                value: String::new(),
                hint: "e.g. s3:GetObject",
            },
            Field {
                label: "resource",
                value: "*".into(),
                hint: "ARN, or * for actions without one",
            },
            Field {
                label: "context",
                value: String::new(),
                hint: "KEY=VALUE … e.g. aws:SourceIp=203.0.113.5",
            },
        ],
        ToolKind::Explain => vec![
            Field {
                label: "message",
                value: String::new(),
                hint: "paste the AccessDenied error",
            },
            Field {
                label: "principal",
                value: String::new(),
                hint: "only when the message names no caller",
            },
        ],
    }
}

pub fn run(kind: ToolKind, data: &Data, fields: &[Field], now: Timestamp) -> Outcome {
    let value = |label: &str| {
        fields
            .iter()
            .find(|f| f.label == label)
            .map(|f| f.value.trim())
            .unwrap_or_default()
    };
    match kind {
        ToolKind::Simulate => simulate(
            data,
            value("principal"),
            value("action"),
            value("resource"),
            value("context"),
            now,
        ),
        ToolKind::Explain => explain_message(data, value("message"), value("principal"), now),
    }
}

fn simulate(
    data: &Data,
    name: &str,
    action: &str,
    resource: &str,
    context: &str,
    now: Timestamp,
) -> Outcome {
    let account = &data.account;
    if name.is_empty() || action.is_empty() {
        return Outcome::error("fill in the principal and the action, then press Enter");
    }
    let entity = match account.lookup(name) {
        Ok(e) => e,
        Err(e) => return Outcome::error(e.to_string()),
    };
    let principal = match Principal::try_from((&**account, entity)) {
        Ok(p) => p,
        Err(e) => return Outcome::error(e.to_string()),
    };
    let mut overrides = Vec::new();
    for entry in context.split_whitespace() {
        match crate::cli::simulate::parse_context_arg(entry) {
            Ok(kv) => overrides.push(kv),
            Err(e) => return Outcome::error(e.message.replace("--context ", "context ")),
        }
    }
    // The trust graph keeps the compiled policies (compiled once, on first use).
    let fresh;
    let compiled = match &data.trust {
        Some(g) => g.compiled(account),
        None => {
            fresh = CompiledAccount::new(account);
            &fresh
        }
    };
    let sim = Simulation {
        action: action.to_owned(),
        resource: resource.to_owned(),
        context: overrides,
        ..Simulation::default()
    };
    let evaluation = simulate::simulate(account, compiled, principal, sim, now);
    let docs = documents::documents(account, entity);
    Outcome {
        deciding: deciding(&evaluation, &docs),
        lines: trace_lines(&evaluation),
        principal: Some(entity),
    }
}

/// The statement that decided: the first explicit deny, else the first allow of the identity
/// layer; as (document index, statement index) among the principal's documents.
fn deciding(ev: &Evaluation, docs: &[Document]) -> Option<(usize, usize)> {
    let t = &ev.trace;
    let (policy, statement) = match ev.decision {
        Decision::ExplicitDeny => t.causes.iter().find_map(|c| {
            (c.kind == CauseKind::ExplicitDeny)
                .then(|| Some((c.policy.clone()?, c.statement?)))
                .flatten()
        })?,
        _ => t
            .layers
            .iter()
            .find(|l| l.layer == LayerKind::Identity)
            .and_then(|l| {
                l.matched
                    .iter()
                    .find(|m| m.effect == Effect::Allow)
                    .map(|m| (m.policy.clone(), m.statement))
            })?,
    };
    let doc = docs.iter().position(|d| d.evidence_name == policy)?;
    Some((doc, statement))
}

fn decision_line(d: Decision) -> (Tone, String) {
    let tone = if d == Decision::Allow {
        Tone::Allowed
    } else {
        Tone::Denied
    };
    (tone, describe::decision_words(d).to_owned())
}

fn trace_lines(ev: &Evaluation) -> Vec<(Tone, String)> {
    describe::trace_lines(ev)
        .into_iter()
        .map(|(kind, depth, text)| {
            let tone = match kind {
                LineKind::Decision => decision_line(ev.decision).0,
                LineKind::Heading => Tone::Heading,
                LineKind::Item => Tone::Text,
                LineKind::Detail => Tone::Detail,
                LineKind::Error => Tone::Error,
            };
            let indent = depth.saturating_sub(1) * 2;
            (tone, format!("{:indent$}{text}", ""))
        })
        .collect()
}

fn explain_message(data: &Data, message: &str, principal: &str, now: Timestamp) -> Outcome {
    let account: &Account = &data.account;
    if message.is_empty() {
        return Outcome::error("paste an AccessDenied message, then press Enter");
    }
    let parsed = match parse_message(message) {
        Ok(p) => p,
        Err(e) => return Outcome::error(e.to_string()),
    };
    let options = ExplainOptions {
        principal: (!principal.is_empty()).then(|| principal.to_owned()),
        // The snapshot's time, not the wall clock: the account is as it was then.
        now: account.info.fetched_at.or(Some(now)),
        ..ExplainOptions::default()
    };
    let e = match explain(account, &parsed, &options) {
        Ok(e) => e,
        Err(e) => return Outcome::error(e.to_string()),
    };
    let mut lines = vec![decision_line(e.decision)];
    lines.push((Tone::Detail, format!("caller    {}", e.principal_arn)));
    lines.push((Tone::Detail, format!("action    {}", e.action)));
    lines.push((Tone::Detail, format!("resource  {}", e.resource)));
    lines.push((Tone::Text, e.summary.clone()));
    if !e.causes.is_empty() {
        lines.push((Tone::Heading, "Why".into()));
        for c in &e.causes {
            lines.push((Tone::Text, c.detail.clone()));
        }
    }
    if !e.conditions.is_empty() {
        lines.push((Tone::Heading, "Conditions".into()));
        for c in &e.conditions {
            lines.push((Tone::Text, c.text.clone()));
        }
    }
    lines.push((Tone::Heading, "The message".into()));
    lines.push((Tone::Text, e.message.note.clone()));
    if !e.likely_reasons.is_empty() {
        lines.push((Tone::Heading, "Likely reasons AWS denied it".into()));
        for r in &e.likely_reasons {
            lines.push((Tone::Text, r.clone()));
        }
    }
    for f in &e.fixes {
        lines.push((Tone::Heading, "Fix".into()));
        lines.push((Tone::Text, f.summary.clone()));
        lines.push((
            Tone::Detail,
            serde_json::to_string(&f.statement).unwrap_or_default(),
        ));
        for c in &f.cli {
            lines.push((Tone::Detail, format!("$ {c}")));
        }
    }
    if !e.assumptions.is_empty() {
        lines.push((Tone::Heading, "Assumed".into()));
        for a in &e.assumptions {
            lines.push((Tone::Detail, a.clone()));
        }
    }
    let entity = account.by_arn(&e.principal_arn);
    let deciding = entity.and_then(|who| {
        let docs = documents::documents(account, who);
        e.causes.iter().find_map(|c| {
            let doc = docs
                .iter()
                .position(|d| Some(&d.evidence_name) == c.policy.as_ref())?;
            Some((doc, c.statement_index?))
        })
    });
    Outcome {
        lines,
        principal: entity,
        deciding: deciding.or_else(|| {
            let docs = documents::documents(account, entity?);
            self::deciding(&e.evaluation, &docs)
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::harness::Harness;

    fn data() -> Harness {
        Harness::demo((120, 36)).unwrap()
    }

    #[test]
    fn simulates_and_points_at_the_deciding_statement() {
        let h = data();
        let d = h.app.data().unwrap();
        let mut f = fields(ToolKind::Simulate, "alice");
        f[1].value = "s3:DeleteObject".into();
        f[2].value = "arn:aws:s3:::my-app-prod-data/x".into();
        let o = run(ToolKind::Simulate, d, &f, Timestamp::UNIX_EPOCH);
        assert_eq!(o.lines[0].0, Tone::Denied, "{:?}", o.lines);
        let (doc, statement) = o.deciding.expect("the deny statement");
        let docs = documents::documents(&d.account, o.principal.unwrap());
        assert_eq!(docs[doc].evidence_name, "DenyProdDataDelete");
        assert_eq!(statement, 0);
    }

    #[test]
    fn bad_input_is_a_message_not_a_panic() {
        let h = data();
        let d = h.app.data().unwrap();
        let mut f = fields(ToolKind::Simulate, "nobody");
        f[1].value = "s3:GetObject".into();
        let o = run(ToolKind::Simulate, d, &f, Timestamp::UNIX_EPOCH);
        assert_eq!(o.lines[0].0, Tone::Error);
        let mut f = fields(ToolKind::Explain, "");
        f[0].value = "not an error message at all".into();
        let o = run(ToolKind::Explain, d, &f, Timestamp::UNIX_EPOCH);
        assert_eq!(o.lines[0].0, Tone::Error, "{:?}", o.lines);
    }
}
