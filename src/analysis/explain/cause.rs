//! From the engine's trace to causes, the conditions that decided, and a verdict on what the
//! message claimed.
//!
//! The request is evaluated twice at most. First with the context iamscope can stand behind:
//! the caller's keys from the account, `--context`, and plain assumptions (a key the message
//! does not give is absent). When that does not reproduce what AWS said, it is evaluated again
//! with every condition key the user did not fix marked *unknown*: a statement that then
//! depends only on unknown keys is one that AWS's real request context may well have made
//! apply. If the message blames that statement's layer, it is the likely cause, reported with
//! the assumption that makes it so.

use std::collections::HashSet;

use serde::Serialize;

use super::message::{Claim, ClaimKind, ClaimLayer, MessageShape, ParsedMessage};
use super::{
    ContextEntry, ExplainCause, Explanation, Owner, PolicySource, Setup, SubjectKind, fix, request,
};
use crate::eval::{
    Cause, CauseKind, Decision, Evaluation, LayerKind, MissReason, NearMiss, evaluate,
};
use crate::model::Account;
use crate::policy::{Effect, OneOrMany};

/// Whether the snapshot reproduces what the message said.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Agreement {
    /// The snapshot, with the assumed context, denies for the reason the message gives.
    Agrees,
    /// It does for some values of context keys the message does not give (see
    /// `assumptions`).
    AgreesIfContext,
    /// It does not.
    Differs,
    /// The message blames something no snapshot holds (a VPC endpoint policy, S3 Block Public
    /// Access).
    Unverifiable,
    /// The message gives no reason (S3's `Access Denied`, an encoded message).
    NoReason,
}

/// What the message said, and the verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MessageCheck {
    pub shape: MessageShape,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claim: Option<Claim>,
    pub agreement: Agreement,
    /// The verdict as a sentence.
    pub note: String,
    /// The encoded authorization message, which only `sts:DecodeAuthorizationMessage` (live)
    /// can read; iamscope explains the request from the snapshot instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoded_message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorization_id: Option<String>,
}

/// A condition that decided, or that would with another request context.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConditionNote {
    pub layer: LayerKind,
    pub policy: String,
    /// Sid, else 0-based index.
    pub statement: String,
    pub effect: Effect,
    pub operator: String,
    pub key: String,
    pub policy_values: Vec<String>,
    /// The request's values; `None`: the key is not in the request context.
    pub request_values: Option<Vec<String>>,
    /// Whether the condition held for the request as evaluated.
    pub holds: bool,
    pub text: String,
}

/// The layer a claim blames, as the engine names layers; `None` for what no snapshot holds.
pub(crate) fn claim_layer(layer: ClaimLayer) -> Option<LayerKind> {
    match layer {
        ClaimLayer::Identity => Some(LayerKind::Identity),
        ClaimLayer::Resource | ClaimLayer::RoleTrust => Some(LayerKind::Resource),
        ClaimLayer::PermissionsBoundary => Some(LayerKind::PermissionsBoundary),
        ClaimLayer::Scp => Some(LayerKind::Scp),
        ClaimLayer::Rcp => Some(LayerKind::Rcp),
        ClaimLayer::Session => Some(LayerKind::Session),
        ClaimLayer::VpcEndpoint
        | ClaimLayer::BlockPublicAccess
        | ClaimLayer::Other
        | ClaimLayer::Unspecified => None,
    }
}

/// Whether an evaluation says what the claim says.
fn reproduces(ev: &Evaluation, claim: &Claim) -> bool {
    let causes = &ev.trace.causes;
    if claim.layer == ClaimLayer::Unspecified {
        return match claim.kind {
            ClaimKind::ExplicitDeny => ev.decision == Decision::ExplicitDeny,
            ClaimKind::ImplicitDeny => ev.decision == Decision::ImplicitDeny,
            ClaimKind::Unspecified => ev.decision != Decision::Allow,
        };
    }
    let Some(layer) = claim_layer(claim.layer) else {
        return ev.decision != Decision::Allow;
    };
    let at = |kind: Option<CauseKind>| {
        causes
            .iter()
            .any(|c| c.layer == layer && kind.is_none_or(|k| c.kind == k))
    };
    match claim.kind {
        // "When an SCP denies access, the error message always includes the phrase `due to an
        // explicit deny in a Service Control Policy`, even if the denial is implicit" (IAM
        // User Guide, earlier editions): an SCP without an allow reproduces it too.
        ClaimKind::ExplicitDeny if layer == LayerKind::Scp => {
            ev.decision != Decision::Allow && at(None)
        }
        ClaimKind::ExplicitDeny => {
            ev.decision == Decision::ExplicitDeny && at(Some(CauseKind::ExplicitDeny))
        }
        ClaimKind::ImplicitDeny => {
            ev.decision == Decision::ImplicitDeny && at(Some(CauseKind::MissingAllow))
        }
        ClaimKind::Unspecified => ev.decision != Decision::Allow && at(None),
    }
}

/// A `Deny` near miss that only unknown context keys kept from applying.
fn context_dependent(n: &NearMiss) -> bool {
    !n.reasons.is_empty()
        && n.reasons
            .iter()
            .all(|r| matches!(r, MissReason::Condition { unknown: true, .. }))
}

/// The outcome of reconciling the evaluation with the message.
struct Chosen {
    evaluation: Evaluation,
    /// Denies the snapshot reproduces only under an assumption: (layer, level, near miss).
    assumed: Vec<(LayerKind, Option<usize>, NearMiss)>,
    agreement: Agreement,
    /// Keys marked unknown in the second evaluation (empty when the first was kept).
    unknown_keys: Vec<String>,
}

fn choose(setup: &Setup, message: &ParsedMessage) -> Chosen {
    let first = evaluate(&setup.set, &request(setup, setup.context.clone()));
    let claim = message.claim.as_ref();
    match claim {
        Some(c) if claim_layer(c.layer).is_none() && c.layer != ClaimLayer::Unspecified => {
            return Chosen {
                evaluation: first,
                assumed: Vec::new(),
                agreement: Agreement::Unverifiable,
                unknown_keys: Vec::new(),
            };
        }
        Some(c) if reproduces(&first, c) => {
            let assumed = named_policy_denies(setup, &first, c);
            let mut evaluation = first;
            if !assumed.is_empty() {
                evaluation.decision = Decision::ExplicitDeny;
            }
            return Chosen {
                evaluation,
                assumed,
                agreement: Agreement::Agrees,
                unknown_keys: Vec::new(),
            };
        }
        None if first.decision != Decision::Allow => {
            return Chosen {
                evaluation: first,
                assumed: Vec::new(),
                agreement: Agreement::NoReason,
                unknown_keys: Vec::new(),
            };
        }
        _ => {}
    }
    // Second evaluation: every condition key nobody fixed is unknown.
    let unknown_keys = open_keys(setup);
    let mut ctx = setup.context.clone();
    for k in &unknown_keys {
        ctx.set_unknown(k);
    }
    let second = evaluate(&setup.set, &request(setup, ctx));
    let fallback = |first: Evaluation| Chosen {
        evaluation: first,
        assumed: Vec::new(),
        agreement: if claim.is_some() {
            Agreement::Differs
        } else {
            Agreement::NoReason
        },
        unknown_keys: Vec::new(),
    };
    if unknown_keys.is_empty() {
        return fallback(first);
    }
    let deny_candidates = |layer: Option<LayerKind>, policy: Option<&str>| {
        let mut out: Vec<(LayerKind, Option<usize>, NearMiss)> = Vec::new();
        for l in &second.trace.layers {
            if layer.is_some_and(|k| k != l.layer) {
                continue;
            }
            for n in &l.near_misses {
                if n.effect == Effect::Deny && context_dependent(n) {
                    out.push((l.layer, l.level, n.clone()));
                }
            }
        }
        // AWS named the policy: prefer its statements when the snapshot has them.
        if let Some(p) = policy
            && out.iter().any(|(_, _, n)| n.policy == p)
        {
            out.retain(|(_, _, n)| n.policy == p);
        }
        out
    };
    let with_assumed = |second: Evaluation, assumed: Vec<(LayerKind, Option<usize>, NearMiss)>| {
        let mut evaluation = second;
        evaluation.decision = Decision::ExplicitDeny;
        Chosen {
            evaluation,
            assumed,
            agreement: if claim.is_some() {
                Agreement::AgreesIfContext
            } else {
                Agreement::NoReason
            },
            unknown_keys: unknown_keys.clone(),
        }
    };
    match claim {
        Some(c) if matches!(c.kind, ClaimKind::ExplicitDeny | ClaimKind::Unspecified) => {
            if reproduces(&second, c) {
                return Chosen {
                    evaluation: second,
                    assumed: Vec::new(),
                    agreement: Agreement::AgreesIfContext,
                    unknown_keys,
                };
            }
            let candidates = deny_candidates(claim_layer(c.layer), c.policy_arn.as_deref());
            if !candidates.is_empty() {
                return with_assumed(second, candidates);
            }
            if c.kind == ClaimKind::Unspecified && second.decision != Decision::Allow {
                return Chosen {
                    evaluation: second,
                    assumed: Vec::new(),
                    agreement: Agreement::AgreesIfContext,
                    unknown_keys,
                };
            }
            fallback(first)
        }
        Some(c) => {
            if reproduces(&second, c) {
                Chosen {
                    evaluation: second,
                    assumed: Vec::new(),
                    agreement: Agreement::AgreesIfContext,
                    unknown_keys,
                }
            } else {
                fallback(first)
            }
        }
        None => {
            // No reason given, and the snapshot allows: a deny that depends on the context is
            // the likeliest explanation, then an allow that does.
            let candidates = deny_candidates(None, None);
            if !candidates.is_empty() {
                return with_assumed(second, candidates);
            }
            if second.decision != Decision::Allow {
                return Chosen {
                    evaluation: second,
                    assumed: Vec::new(),
                    agreement: Agreement::NoReason,
                    unknown_keys,
                };
            }
            fallback(first)
        }
    }
}

/// When AWS names the denying policy and the snapshot's deny is in another one: the named
/// policy's denies that the context the message does not give would make apply. AWS reports
/// one policy; both deny.
fn named_policy_denies(
    setup: &Setup,
    first: &Evaluation,
    claim: &Claim,
) -> Vec<(LayerKind, Option<usize>, NearMiss)> {
    let Some(named) = claim.policy_arn.as_deref() else {
        return Vec::new();
    };
    if claim.kind != ClaimKind::ExplicitDeny
        || first
            .trace
            .causes
            .iter()
            .any(|c| c.policy.as_deref() == Some(named))
        || !setup.sources.iter().any(|s| s.label == named)
    {
        return Vec::new();
    }
    let mut ctx = setup.context.clone();
    for k in open_keys(setup) {
        ctx.set_unknown(&k);
    }
    let second = evaluate(&setup.set, &request(setup, ctx));
    second
        .trace
        .layers
        .iter()
        .flat_map(|l| {
            l.near_misses
                .iter()
                .filter(|n| n.policy == named && n.effect == Effect::Deny && context_dependent(n))
                .map(move |n| (l.layer, l.level, n.clone()))
        })
        .collect()
}

/// Condition keys used by the policies that nobody fixed (lowercased, sorted).
fn open_keys(setup: &Setup) -> Vec<String> {
    let mut keys: Vec<String> = setup
        .sources
        .iter()
        .flat_map(|s| s.document.statements.iter())
        .flat_map(|st| st.conditions.iter())
        .map(|c| c.key.to_ascii_lowercase())
        .filter(|k| !setup.fixed_keys.contains(k))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    keys.sort();
    keys
}

pub(crate) fn explain_setup(
    account: &Account,
    message: &ParsedMessage,
    mut setup: Setup,
) -> Explanation {
    let chosen = choose(&setup, message);
    let mut causes: Vec<ExplainCause> = chosen
        .evaluation
        .trace
        .causes
        .iter()
        .map(|c| engine_cause(&setup, c))
        .collect();
    // When the second evaluation added denies, the engine's implicit causes no longer apply.
    if !chosen.assumed.is_empty() {
        causes.retain(|c| c.kind == CauseKind::ExplicitDeny);
        for (layer, level, n) in &chosen.assumed {
            causes.push(assumed_cause(&setup, *layer, *level, n));
        }
    }
    if !chosen.unknown_keys.is_empty() {
        setup.assumptions.push(format!(
            "the snapshot reproduces the message only when context keys the message does not give take other values than iamscope assumed: {}; see `conditions`, and pass --context KEY=VALUE to settle them",
            chosen.unknown_keys.join(", ")
        ));
    }
    let decision = chosen.evaluation.decision;
    let conditions = condition_notes(&setup, &chosen);
    let check = message_check(&setup, message, &chosen, &causes);
    let likely_reasons = if decision == Decision::Allow {
        likely_reasons(&setup, message)
    } else {
        Vec::new()
    };
    let fixes = fix::fixes(account, &setup, &causes, &chosen.evaluation);
    let summary = summary(&setup, decision, &causes);
    Explanation {
        principal_arn: setup.subject.principal_arn.clone(),
        session_arn: setup.subject.session_arn.clone(),
        action: setup.action.clone(),
        resource: setup.resource.clone(),
        decision,
        fix: fixes.first().cloned(),
        causes,
        summary,
        fixes,
        message: check,
        conditions,
        assumptions: setup.assumptions.clone(),
        likely_reasons,
        resource_account: chosen.evaluation.trace.resource_account.clone(),
        cross_account: chosen.evaluation.trace.cross_account,
        context: context_entries(&setup, &chosen),
        evaluation: chosen.evaluation,
    }
}

fn context_entries(setup: &Setup, chosen: &Chosen) -> Vec<ContextEntry> {
    let mut out = setup.context_sources.clone();
    for k in &chosen.unknown_keys {
        out.retain(|e| e.key != *k);
        out.push(ContextEntry {
            key: k.clone(),
            value: None,
            source: "assumed",
        });
    }
    out
}

/// The source of a policy label in a layer.
pub(crate) fn source<'a>(
    setup: &'a Setup,
    layer: LayerKind,
    label: &str,
) -> Option<&'a PolicySource> {
    setup
        .sources
        .iter()
        .find(|s| s.layer == layer && s.label == label)
        .or_else(|| setup.sources.iter().find(|s| s.label == label))
}

/// The statement as written, as JSON.
pub(crate) fn statement_json(src: &PolicySource, index: usize) -> Option<serde_json::Value> {
    let wire = src.document.to_wire();
    let statements = match wire.statement? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    };
    let s = statements.into_iter().nth(index)?;
    serde_json::to_value(s).ok()
}

/// Who holds a policy, for sentences.
pub(crate) fn owner_text(owner: &Owner) -> String {
    match owner {
        Owner::Inline(kind, name) => format!("inline policy of {kind} {name}"),
        Owner::Managed {
            aws_managed, via, ..
        } => format!(
            "{} managed policy attached to {} {}",
            if *aws_managed { "AWS" } else { "customer" },
            via.0,
            via.1
        ),
        Owner::Boundary { holder, .. } => {
            format!("permissions boundary of {} {}", holder.0, holder.1)
        }
        Owner::Org { kind, level, .. } => {
            format!("{}, level {level} from the root", kind.to_ascii_uppercase())
        }
        Owner::Resource {
            trust_role: Some(role),
        } => format!("trust policy of role {role}"),
        Owner::Resource { trust_role: None } => "resource-based policy".into(),
        Owner::Session => "session policy".into(),
    }
}

fn layer_text(layer: LayerKind) -> &'static str {
    match layer {
        LayerKind::Identity => "identity-based policy",
        LayerKind::PermissionsBoundary => "permissions boundary",
        LayerKind::Scp => "service control policy",
        LayerKind::Rcp => "resource control policy",
        LayerKind::Resource => "resource-based policy",
        LayerKind::Session => "session policy",
    }
}

fn statement_label(sid: Option<&str>, index: usize) -> String {
    match sid {
        Some(s) if !s.is_empty() => s.to_owned(),
        _ => index.to_string(),
    }
}

fn holder_text(setup: &Setup) -> String {
    match setup.subject.kind {
        SubjectKind::User => format!("user {}", name_of_arn(&setup.subject.principal_arn)),
        SubjectKind::RoleSession => format!("role {}", name_of_arn(&setup.subject.principal_arn)),
        SubjectKind::FederatedUser => format!(
            "federated user {} (user {})",
            name_of_arn(setup.subject.session_arn.as_deref().unwrap_or_default()),
            name_of_arn(&setup.subject.principal_arn)
        ),
        SubjectKind::IdentityProvider => {
            format!("identity provider {}", setup.subject.principal_arn)
        }
        SubjectKind::Root => "the account root user".into(),
        SubjectKind::Anonymous => "an anonymous caller".into(),
    }
}

fn name_of_arn(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

fn engine_cause(setup: &Setup, c: &Cause) -> ExplainCause {
    let request = format!("{} on {}", setup.action, setup.resource);
    match c.kind {
        CauseKind::ExplicitDeny => {
            let policy = c.policy.clone().unwrap_or_default();
            let index = c.statement.unwrap_or_default();
            let src = source(setup, c.layer, &policy);
            let statement = statement_label(c.sid.as_deref(), index);
            let attached_to = src.map(|s| owner_text(&s.owner));
            ExplainCause {
                kind: CauseKind::ExplicitDeny,
                layer: c.layer,
                detail: format!(
                    "statement {statement} of {} `{policy}`{} denies {request}",
                    layer_text(c.layer),
                    attached_to
                        .as_deref()
                        .map(|o| format!(" ({o})"))
                        .unwrap_or_default(),
                ),
                policy: Some(policy),
                statement: Some(statement),
                level: c.level,
                statement_index: Some(index),
                attached_to,
                document: src.and_then(|s| statement_json(s, index)),
                assumed: false,
            }
        }
        CauseKind::MissingAllow => missing_cause(setup, c.layer, c.level, &request),
    }
}

fn missing_cause(
    setup: &Setup,
    layer: LayerKind,
    level: Option<usize>,
    request: &str,
) -> ExplainCause {
    let holder = holder_text(setup);
    let (policy, attached_to, detail) = match layer {
        LayerKind::Identity => (
            None,
            Some(holder.clone()),
            match setup.subject.kind {
                SubjectKind::User => format!(
                    "no identity-based policy of {holder} (its own or its groups') allows {request}"
                ),
                _ => format!("no identity-based policy of {holder} allows {request}"),
            },
        ),
        LayerKind::PermissionsBoundary => {
            let b = setup
                .sources
                .iter()
                .find(|s| s.layer == LayerKind::PermissionsBoundary);
            (
                b.map(|s| s.label.clone()),
                Some(holder.clone()),
                format!(
                    "the permissions boundary{} of {holder} does not allow {request}: the boundary caps what identity-based policies can grant",
                    b.map(|s| format!(" `{}`", s.label)).unwrap_or_default()
                ),
            )
        }
        LayerKind::Scp | LayerKind::Rcp => {
            let kind = if layer == LayerKind::Scp {
                "scp"
            } else {
                "rcp"
            };
            let n = level.unwrap_or(1);
            let names: Vec<&str> = setup
                .sources
                .iter()
                .filter(|s| {
                    s.layer == layer && matches!(s.owner, Owner::Org { level: l, .. } if l == n)
                })
                .map(|s| s.label.as_str())
                .collect();
            (
                Some(format!("{kind} level {n}")),
                Some(format!("organization, level {n} (root = 1)")),
                format!(
                    "no {} at level {n} (root = 1){} allows {request}: every level from the root to the {} must allow",
                    layer_text(layer),
                    if names.is_empty() {
                        String::new()
                    } else {
                        format!(" — {}", names.join(", "))
                    },
                    if layer == LayerKind::Scp {
                        "account"
                    } else {
                        "resource's account"
                    }
                ),
            )
        }
        LayerKind::Resource => {
            let r = setup
                .sources
                .iter()
                .find(|s| s.layer == LayerKind::Resource);
            let why = if setup.set.resource_policy_kind
                == crate::eval::ResourcePolicyKind::RoleTrust
            {
                if setup.action.to_ascii_lowercase().starts_with("kms:") {
                    "a KMS key policy must allow the caller (or delegate to its account)"
                } else {
                    "a role's trust policy must allow the caller"
                }
            } else if r.is_none() {
                "the resource is in another account, so its resource-based policy must allow the caller too, and iamscope was not given it (--resource-policy FILE)"
            } else {
                "the resource is in another account, so its resource-based policy must allow the caller too"
            };
            (
                r.map(|s| s.label.clone()),
                r.map(|s| owner_text(&s.owner)),
                format!(
                    "{} does not allow {holder} {request}: {why}",
                    r.map(|s| format!("`{}`", s.label))
                        .unwrap_or_else(|| "the resource's policy".into()),
                ),
            )
        }
        LayerKind::Session => {
            let s = setup.sources.iter().find(|s| s.layer == LayerKind::Session);
            (
                s.map(|s| s.label.clone()),
                Some("session".into()),
                format!(
                    "the session policy does not allow {request}: a session can do only what both its identity-based policies and its session policy allow"
                ),
            )
        }
    };
    ExplainCause {
        kind: CauseKind::MissingAllow,
        layer,
        policy,
        statement: None,
        level,
        statement_index: None,
        attached_to,
        document: None,
        assumed: false,
        detail,
    }
}

fn assumed_cause(
    setup: &Setup,
    layer: LayerKind,
    level: Option<usize>,
    n: &NearMiss,
) -> ExplainCause {
    let src = source(setup, layer, &n.policy);
    let statement = statement_label(n.sid.as_deref(), n.statement);
    let conditions: Vec<String> = n
        .reasons
        .iter()
        .filter_map(|r| match r {
            MissReason::Condition {
                operator,
                key,
                policy_values,
                ..
            } => Some(format!("{key} {}", operator_text(operator, policy_values))),
            _ => None,
        })
        .collect();
    let attached_to = src.map(|s| owner_text(&s.owner));
    ExplainCause {
        kind: CauseKind::ExplicitDeny,
        layer,
        detail: format!(
            "statement {statement} of {} `{}`{} denies {} on {} when {} — which the message does not show; pass --context to confirm",
            layer_text(layer),
            n.policy,
            attached_to
                .as_deref()
                .map(|o| format!(" ({o})"))
                .unwrap_or_default(),
            setup.action,
            setup.resource,
            conditions.join(" and ")
        ),
        policy: Some(n.policy.clone()),
        statement: Some(statement),
        level,
        statement_index: Some(n.statement),
        attached_to,
        document: src.and_then(|s| statement_json(s, n.statement)),
        assumed: true,
    }
}

/// `IpAddress` `["10.0.0.0/8"]` → `is in 10.0.0.0/8`.
pub(crate) fn operator_text(operator: &str, values: &[String]) -> String {
    let base = operator
        .trim_start_matches("ForAllValues:")
        .trim_start_matches("ForAnyValue:")
        .trim_end_matches("IfExists");
    let list = match values {
        [one] => one.clone(),
        many => format!("one of {}", many.join(", ")),
    };
    let verb = match base {
        "StringEquals"
        | "StringEqualsIgnoreCase"
        | "ArnEquals"
        | "Bool"
        | "NumericEquals"
        | "DateEquals"
        | "BinaryEquals" => "is",
        "StringNotEquals"
        | "StringNotEqualsIgnoreCase"
        | "ArnNotEquals"
        | "NumericNotEquals"
        | "DateNotEquals" => "is not",
        "StringLike" | "ArnLike" => "matches",
        "StringNotLike" | "ArnNotLike" => "does not match",
        "IpAddress" => "is in",
        "NotIpAddress" => "is not in",
        "NumericLessThan" => "<",
        "NumericLessThanEquals" => "<=",
        "NumericGreaterThan" => ">",
        "NumericGreaterThanEquals" => ">=",
        "DateLessThan" => "is before",
        "DateLessThanEquals" => "is at or before",
        "DateGreaterThan" => "is after",
        "DateGreaterThanEquals" => "is at or after",
        "Null" => {
            return if values.iter().all(|v| v == "true") {
                "is absent".into()
            } else {
                "is present".into()
            };
        }
        other => return format!("{other} {list}"),
    };
    let mut text = format!("{verb} {list}");
    if operator.ends_with("IfExists") {
        text.push_str(" (or is absent)");
    }
    text
}

fn request_text(key: &str, values: Option<&Vec<String>>) -> String {
    match values {
        None => format!("your request context has no {key}"),
        Some(v) if v.is_empty() => format!("your request context has {key} empty"),
        Some(v) => format!("your request context has {key} = {}", v.join(", ")),
    }
}

fn condition_notes(setup: &Setup, chosen: &Chosen) -> Vec<ConditionNote> {
    let mut out = Vec::new();
    let ev = &chosen.evaluation;
    // Conditions of the denies that applied: why they applied.
    for c in ev
        .trace
        .causes
        .iter()
        .filter(|c| c.kind == CauseKind::ExplicitDeny)
    {
        let (Some(policy), Some(index)) = (&c.policy, c.statement) else {
            continue;
        };
        let Some(src) = source(setup, c.layer, policy) else {
            continue;
        };
        let Some(st) = src.document.statements.get(index) else {
            continue;
        };
        for cond in &st.conditions {
            let values: Vec<String> = cond
                .values
                .iter()
                .map(|v| v.as_text().into_owned())
                .collect();
            let request = setup.context.get(&cond.key).map(|v| v.as_slice().to_vec());
            let settle = if setup.fixed_keys.contains(&cond.key.to_ascii_lowercase()) {
                String::new()
            } else {
                format!(
                    " — iamscope assumed this; pass --context {}=VALUE if your request differed",
                    cond.key
                )
            };
            out.push(ConditionNote {
                layer: c.layer,
                policy: policy.clone(),
                statement: statement_label(c.sid.as_deref(), index),
                effect: Effect::Deny,
                operator: cond.operator.clone(),
                text: format!(
                    "`{policy}` statement {} denies when {} {}: {}{settle}",
                    statement_label(c.sid.as_deref(), index),
                    cond.key,
                    operator_text(&cond.operator, &values),
                    request_text(&cond.key, request.as_ref())
                ),
                key: cond.key.clone(),
                policy_values: values,
                request_values: request,
                holds: true,
            });
        }
    }
    // Statements that matched the action and resource but not their conditions.
    for l in &ev.trace.layers {
        for n in &l.near_misses {
            if !n
                .reasons
                .iter()
                .all(|r| matches!(r, MissReason::Condition { .. }))
            {
                continue;
            }
            // A deny that fails on keys whose value is certain (the caller's, the resource's
            // region, --context) cannot apply: not worth a line.
            let certain = n.reasons.iter().all(|r| match r {
                MissReason::Condition { key, unknown, .. } => {
                    !unknown && setup.fixed_keys.contains(&key.to_ascii_lowercase())
                }
                _ => true,
            });
            if n.effect == Effect::Deny && certain {
                continue;
            }
            for r in &n.reasons {
                let MissReason::Condition {
                    operator,
                    key,
                    request_values,
                    policy_values,
                    unknown,
                } = r
                else {
                    continue;
                };
                let statement = statement_label(n.sid.as_deref(), n.statement);
                let settle = if *unknown || request_values.is_none() {
                    format!(" — pass --context {key}=VALUE if your request had it")
                } else {
                    String::new()
                };
                let request = if *unknown {
                    format!("the message does not say what {key} was")
                } else {
                    request_text(key, request_values.as_ref())
                };
                let text = match n.effect {
                    Effect::Allow => format!(
                        "`{}` statement {statement} allows {} only when {key} {}; {request}{settle}",
                        n.policy,
                        setup.action,
                        operator_text(operator, policy_values),
                    ),
                    Effect::Deny => format!(
                        "`{}` statement {statement} denies {} when {key} {}; {request}{settle}",
                        n.policy,
                        setup.action,
                        operator_text(operator, policy_values),
                    ),
                };
                out.push(ConditionNote {
                    layer: l.layer,
                    policy: n.policy.clone(),
                    statement,
                    effect: n.effect,
                    operator: operator.clone(),
                    key: key.clone(),
                    policy_values: policy_values.clone(),
                    request_values: request_values.clone(),
                    holds: false,
                    text,
                });
            }
        }
    }
    out
}

fn message_check(
    setup: &Setup,
    message: &ParsedMessage,
    chosen: &Chosen,
    causes: &[ExplainCause],
) -> MessageCheck {
    let decision = chosen.evaluation.decision;
    let claim = message.claim.clone();
    let note = match (&claim, chosen.agreement) {
        (None, _) if message.encoded_message.is_some() => format!(
            "the message gives its reason only encoded: `aws sts decode-authorization-message --encoded-message <message>` reads it with live credentials (pass its output with --decoded FILE); {}",
            decision_phrase(decision)
        ),
        (None, _) => format!("the message gives no reason; {}", decision_phrase(decision)),
        (Some(c), Agreement::Unverifiable) => format!(
            "the message blames {}, which no snapshot holds; leaving it aside, {}",
            c.layer.describe(),
            decision_phrase(decision)
        ),
        (Some(c), Agreement::Agrees) => {
            let mut s = format!(
                "the snapshot agrees: {} {}",
                claim_kind_text(c.kind),
                c.layer.describe()
            );
            if let Some(p) = &c.policy_arn
                && !causes.iter().any(|x| x.policy.as_deref() == Some(p))
                && c.kind == ClaimKind::ExplicitDeny
            {
                s.push_str(&format!(
                    "; AWS names `{p}`, the snapshot's denying statement is in {}",
                    causes
                        .iter()
                        .filter(|x| x.kind == CauseKind::ExplicitDeny)
                        .filter_map(|x| x.policy.clone())
                        .map(|p| format!("`{p}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            s
        }
        (Some(c), Agreement::AgreesIfContext) => format!(
            "the snapshot agrees ({} {}) only if the request context differed from what iamscope assumed: see `assumptions` and `conditions`",
            claim_kind_text(c.kind),
            c.layer.describe()
        ),
        (Some(c), _) => {
            let missing = claim_layer(c.layer)
                .and_then(|l| missing_layer_hint(setup, l))
                .or_else(|| unknown_policy_hint(setup, c));
            format!(
                "the message says {} {}, but {}{}",
                claim_kind_text(c.kind),
                c.layer.describe(),
                decision_phrase(decision),
                missing.map(|m| format!(" ({m})")).unwrap_or_default()
            )
        }
    };
    MessageCheck {
        shape: message.shape,
        error_code: message.error_code.clone(),
        operation: message.operation.clone(),
        claim,
        agreement: chosen.agreement,
        note,
        encoded_message: message.encoded_message.clone(),
        authorization_id: message.authorization_id.clone(),
    }
}

fn claim_kind_text(kind: ClaimKind) -> &'static str {
    match kind {
        ClaimKind::ExplicitDeny => "an explicit deny in",
        ClaimKind::ImplicitDeny => "no allow in",
        ClaimKind::Unspecified => "a denial by",
    }
}

fn decision_phrase(decision: Decision) -> &'static str {
    match decision {
        Decision::Allow => "the snapshot would allow the request",
        Decision::ExplicitDeny => "the snapshot denies it explicitly",
        Decision::ImplicitDeny => "the snapshot denies it implicitly (nothing allows it)",
    }
}

/// When AWS names a denying policy the snapshot does not have.
fn unknown_policy_hint(setup: &Setup, claim: &Claim) -> Option<String> {
    let arn = claim.policy_arn.as_deref()?;
    (!setup.sources.iter().any(|s| s.label == arn)).then(|| {
        format!(
            "AWS names `{arn}`, which the snapshot does not have for this caller: it was attached since, or its document was not fetched"
        )
    })
}

/// When the input lacks a policy type the message blames: what to pass.
fn missing_layer_hint(setup: &Setup, layer: LayerKind) -> Option<String> {
    match layer {
        LayerKind::Scp if !setup.has_scps => {
            Some("the snapshot has no SCPs: pass --scps FILE".into())
        }
        LayerKind::Rcp if !setup.has_rcps => {
            Some("iamscope was given no RCPs: pass --rcps FILE".into())
        }
        LayerKind::Resource if !setup.has_resource_policy => Some(format!(
            "iamscope was given no resource-based policy: pass --resource-policy FILE{}",
            if setup.resource.starts_with("arn:aws:s3:::") {
                ", and --resource-account ACCOUNT_ID if the bucket belongs to another account"
            } else {
                ""
            }
        )),
        LayerKind::Session if !setup.has_session_policy => {
            Some("iamscope was given no session policy: pass --session-policy FILE".into())
        }
        LayerKind::PermissionsBoundary
            if !setup
                .sources
                .iter()
                .any(|s| s.layer == LayerKind::PermissionsBoundary) =>
        {
            Some("the caller has no permissions boundary in the snapshot: it may have been added since".into())
        }
        _ => None,
    }
}

fn likely_reasons(setup: &Setup, message: &ParsedMessage) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(c) = &message.claim {
        if let Some(hint) = unknown_policy_hint(setup, c) {
            out.push(hint);
        }
        match claim_layer(c.layer) {
            Some(l) => {
                if let Some(hint) = missing_layer_hint(setup, l) {
                    out.push(format!("the message blames {}; {hint}", c.layer.describe()));
                }
            }
            None => out.push(format!(
                "the message blames {}, which iamscope cannot see",
                c.layer.describe()
            )),
        }
    }
    out.push(
        "the message is older than the snapshot: a policy changed since (IAM changes take effect within seconds to minutes)".into(),
    );
    let keys = open_keys(setup);
    if !keys.is_empty() {
        out.push(format!(
            "the request context differed from what iamscope assumed: conditions on {} decide; pass --context KEY=VALUE",
            keys.join(", ")
        ));
    }
    if !setup.has_session_policy
        && matches!(
            setup.subject.kind,
            SubjectKind::RoleSession | SubjectKind::FederatedUser
        )
    {
        out.push(
            "the session was created with a session policy: pass --session-policy FILE".into(),
        );
    }
    if !setup.has_scps {
        out.push("an SCP denies it and the snapshot has none: pass --scps FILE".into());
    }
    if !setup.has_resource_policy {
        out.push("a resource-based policy denies it: pass --resource-policy FILE".into());
    }
    out.push(
        "a control no snapshot holds: a VPC endpoint policy, S3 Block Public Access or ACLs, a KMS grant, or a service-specific check".into(),
    );
    out
}

fn summary(setup: &Setup, decision: Decision, causes: &[ExplainCause]) -> String {
    let request = format!(
        "{} {} on {}",
        holder_text(setup),
        setup.action,
        setup.resource
    );
    match decision {
        Decision::Allow => format!(
            "The snapshot allows {request}: AWS's denial came from something the snapshot does not show (see likely_reasons)."
        ),
        Decision::ExplicitDeny => {
            let denies: Vec<String> = causes
                .iter()
                .filter(|c| c.kind == CauseKind::ExplicitDeny)
                .map(|c| {
                    format!(
                        "statement {} of `{}`{}",
                        c.statement.as_deref().unwrap_or("?"),
                        c.policy.as_deref().unwrap_or("?"),
                        c.attached_to
                            .as_deref()
                            .map(|o| format!(" ({o})"))
                            .unwrap_or_default()
                    )
                })
                .collect();
            format!("Explicitly denied: {} denies {request}.", denies.join("; "))
        }
        Decision::ImplicitDeny => {
            let layers: Vec<String> = causes
                .iter()
                .map(|c| match c.level {
                    Some(n) => format!("{} (level {n})", layer_text(c.layer)),
                    None => layer_text(c.layer).to_owned(),
                })
                .collect();
            format!(
                "Implicitly denied: nothing allows {request} in: {}.",
                layers.join(", ")
            )
        }
    }
}
