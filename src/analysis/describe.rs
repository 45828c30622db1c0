//! Evaluation traces in words. The CLI, the TUI and the explainer all say the same thing the
//! same way by going through these functions.

use crate::eval::{Cause, CauseKind, Decision, Evaluation, LayerKind, LayerStatus, MissReason};

/// `identity policies`, `SCP level 2`, ...
pub fn layer_name(layer: LayerKind, level: Option<usize>) -> String {
    let base = match layer {
        LayerKind::Identity => "identity policies",
        LayerKind::PermissionsBoundary => "permissions boundary",
        LayerKind::Scp => "SCP",
        LayerKind::Rcp => "RCP",
        LayerKind::Resource => "resource policy",
        LayerKind::Session => "session policy",
    };
    match level {
        Some(l) => format!("{base} level {l}"),
        None => base.to_owned(),
    }
}

pub fn decision_words(decision: Decision) -> &'static str {
    match decision {
        Decision::Allow => "ALLOWED",
        Decision::ExplicitDeny => "DENIED (explicit deny)",
        Decision::ImplicitDeny => "DENIED (no statement allows it)",
    }
}

pub fn status_words(status: LayerStatus) -> &'static str {
    match status {
        LayerStatus::Allow => "allows",
        LayerStatus::Deny => "denies",
        LayerStatus::NoAllow => "does not allow",
        LayerStatus::Absent => "not present",
    }
}

/// `statement 2 (Sid "DenyDelete") of policy X`.
pub fn statement_words(policy: &str, statement: usize, sid: Option<&str>) -> String {
    match sid {
        Some(sid) if !sid.is_empty() => {
            format!("statement {statement} (Sid `{sid}`) of `{policy}`")
        }
        _ => format!("statement {statement} of `{policy}`"),
    }
}

/// One cause of a deny, as a sentence.
pub fn cause_words(cause: &Cause) -> String {
    let layer = layer_name(cause.layer, cause.level);
    match cause.kind {
        CauseKind::ExplicitDeny => match (&cause.policy, cause.statement) {
            (Some(p), Some(s)) => format!(
                "explicit deny in the {layer}: {}",
                statement_words(p, s, cause.sid.as_deref())
            ),
            _ => format!("explicit deny in the {layer}"),
        },
        CauseKind::MissingAllow => match &cause.policy {
            Some(p) => format!("no statement of the {layer} `{p}` allows the request"),
            None => format!("nothing in the {layer} allows the request"),
        },
    }
}

/// Why a statement whose action matched did not apply, as a clause.
pub fn miss_words(reason: &MissReason) -> String {
    match reason {
        MissReason::Resource {
            resource,
            negated,
            patterns,
        } => {
            let which = if *negated { "NotResource" } else { "Resource" };
            format!("{which} {} does not cover `{resource}`", list(patterns))
        }
        MissReason::Principal {
            principal,
            negated,
            missing,
        } => {
            if *missing {
                "the statement names no principal".to_owned()
            } else if *negated {
                format!("NotPrincipal excludes `{principal}`")
            } else {
                format!("Principal does not name `{principal}`")
            }
        }
        MissReason::Condition {
            operator,
            key,
            request_values,
            policy_values,
            unknown,
        } => {
            let request = if *unknown {
                "is only known at request time".to_owned()
            } else {
                match request_values {
                    None => "is not in the request".to_owned(),
                    Some(v) => format!("is {}", list(v)),
                }
            };
            format!(
                "condition {operator} {key} {} failed: the request's {key} {request}",
                list(policy_values)
            )
        }
        MissReason::Error { message } => format!("the statement cannot be evaluated: {message}"),
    }
}

/// What a line of a rendered trace is, so that each front end can style it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// The decision itself.
    Decision,
    /// A section title (`Why`, `Layers`).
    Heading,
    /// A cause, or a layer and what it said.
    Item,
    /// A statement under a layer, or why it did not apply.
    Detail,
    /// A statement that could not be evaluated.
    Error,
}

/// A whole evaluation in words: decision, request, causes, then each layer with the statements
/// that applied and the near misses. `depth` is the indentation level under its heading.
pub fn trace_lines(ev: &Evaluation) -> Vec<(LineKind, usize, String)> {
    let t = &ev.trace;
    let mut out = vec![
        (
            LineKind::Decision,
            0,
            decision_words(ev.decision).to_owned(),
        ),
        (LineKind::Detail, 1, format!("principal  {}", t.principal)),
        (LineKind::Detail, 1, format!("action     {}", t.action)),
        (LineKind::Detail, 1, format!("resource   {}", t.resource)),
    ];
    if t.cross_account {
        out.push((
            LineKind::Detail,
            1,
            format!(
                "cross-account: the resource belongs to {}; both sides must allow",
                t.resource_account
            ),
        ));
    }
    if !t.causes.is_empty() {
        out.push((LineKind::Heading, 0, "Why".into()));
        for c in &t.causes {
            out.push((LineKind::Item, 1, format!("- {}", cause_words(c))));
        }
    }
    out.push((LineKind::Heading, 0, "Layers".into()));
    for layer in &t.layers {
        let name = if layer.layer == LayerKind::Resource && t.role_trust {
            "trust policy".to_owned()
        } else {
            layer_name(layer.layer, layer.level)
        };
        out.push((
            LineKind::Item,
            1,
            format!("{name:<26} {}", status_words(layer.status)),
        ));
        for m in &layer.matched {
            out.push((
                LineKind::Detail,
                3,
                format!(
                    "{} by {}",
                    m.effect,
                    statement_words(&m.policy, m.statement, m.sid.as_deref())
                ),
            ));
        }
        for miss in &layer.near_misses {
            out.push((
                LineKind::Detail,
                3,
                format!(
                    "{} {} did not apply:",
                    miss.effect,
                    statement_words(&miss.policy, miss.statement, miss.sid.as_deref())
                ),
            ));
            for r in &miss.reasons {
                out.push((LineKind::Detail, 4, miss_words(r)));
            }
        }
    }
    for e in &t.errors {
        out.push((
            LineKind::Error,
            1,
            format!(
                "error in {}: {}",
                statement_words(&e.policy, e.statement, e.sid.as_deref()),
                e.message
            ),
        ));
    }
    out
}

fn list(values: &[String]) -> String {
    match values {
        [one] => format!("`{one}`"),
        many => format!(
            "[{}]",
            many.iter()
                .map(|v| format!("`{v}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causes_read_as_sentences() {
        let c = Cause {
            kind: CauseKind::ExplicitDeny,
            layer: LayerKind::Scp,
            level: Some(2),
            policy: Some("p-123".into()),
            statement: Some(0),
            sid: Some("DenyRegions".into()),
        };
        assert_eq!(
            cause_words(&c),
            "explicit deny in the SCP level 2: statement 0 (Sid `DenyRegions`) of `p-123`"
        );
        let m = MissReason::Condition {
            operator: "IpAddress".into(),
            key: "aws:SourceIp".into(),
            request_values: None,
            policy_values: vec!["10.0.0.0/8".into()],
            unknown: false,
        };
        assert_eq!(
            miss_words(&m),
            "condition IpAddress aws:SourceIp `10.0.0.0/8` failed: the request's aws:SourceIp is not in the request"
        );
    }
}
