//! The evaluation trace: plain data for a TUI or an explainer to render (never text).

use serde::Serialize;

use super::principal::PrincipalMatch;
use crate::policy::Effect;

/// The final answer. Serialized exactly as `allow`, `explicit_deny`, `implicit_deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Allow,
    ExplicitDeny,
    ImplicitDeny,
}

impl Decision {
    /// The serialized name.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::ExplicitDeny => "explicit_deny",
            Decision::ImplicitDeny => "implicit_deny",
        }
    }
}

/// A kind of policy taking part in a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LayerKind {
    Identity,
    PermissionsBoundary,
    Scp,
    Rcp,
    Resource,
    Session,
}

/// What one layer said.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LayerStatus {
    /// An applicable `Allow` and no applicable `Deny`.
    Allow,
    /// An applicable `Deny`.
    Deny,
    /// Present, but nothing applicable allows.
    NoAllow,
    /// Not part of this request (no boundary, no organization, no resource policy, ...).
    Absent,
}

/// One layer of the evaluation (an SCP or RCP level is a layer of its own).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayerTrace {
    pub layer: LayerKind,
    /// 1-based level, from the root, for SCPs and RCPs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<usize>,
    pub status: LayerStatus,
    /// Statements that applied to the request.
    pub matched: Vec<StatementRef>,
    /// Statements whose action matched but that did not apply, with why.
    pub near_misses: Vec<NearMiss>,
}

/// A statement that applied.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatementRef {
    /// The policy's label (policy ARN, inline policy name, `scp level 1: name`, ...).
    pub policy: String,
    /// 0-based statement index.
    pub statement: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    pub effect: Effect,
    /// For a resource-based policy: how its `Principal` named the caller.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal_match: Option<PrincipalMatch>,
}

/// A statement whose action matched but that did not apply.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NearMiss {
    pub policy: String,
    pub statement: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    pub effect: Effect,
    /// Every check that failed (or, in partial evaluation, could not be decided).
    pub reasons: Vec<MissReason>,
}

/// Why a statement did not apply.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MissReason {
    /// `Resource`/`NotResource` did not cover the resource.
    Resource {
        resource: String,
        negated: bool,
        patterns: Vec<String>,
    },
    /// `Principal`/`NotPrincipal` did not name the caller (or a resource-based statement had
    /// neither).
    Principal {
        principal: String,
        negated: bool,
        missing: bool,
    },
    /// A condition was false.
    Condition {
        operator: String,
        key: String,
        /// The request's values; `None` when the key is absent (or unknown).
        request_values: Option<Vec<String>>,
        policy_values: Vec<String>,
        /// `true` when the key is marked unknown (partial evaluation).
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        unknown: bool,
    },
    /// The statement could not be compiled; it never applies.
    Error { message: String },
}

/// Why the decision came out as it did (the input an explainer turns into sentences).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cause {
    pub kind: CauseKind,
    pub layer: LayerKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CauseKind {
    /// This `Deny` statement applied.
    ExplicitDeny,
    /// This layer needed an applicable `Allow` and had none.
    MissingAllow,
}

/// A statement that could not be compiled.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TraceError {
    pub layer: LayerKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<usize>,
    pub policy: String,
    pub statement: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    pub message: String,
}

/// The whole story of one decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trace {
    pub principal: String,
    pub action: String,
    pub resource: String,
    /// The caller's account (from its ARN), if it has one.
    pub principal_account: Option<String>,
    pub resource_account: String,
    /// Principal and resource accounts differ: both sides must allow.
    pub cross_account: bool,
    /// The resource policy was evaluated as a role trust policy (it must allow).
    pub role_trust: bool,
    pub layers: Vec<LayerTrace>,
    /// Empty for `allow`.
    pub causes: Vec<Cause>,
    pub errors: Vec<TraceError>,
}
