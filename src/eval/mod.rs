//! The policy evaluation engine: decide an IAM request and say why.
//!
//! Compile each policy once ([`CompiledPolicy::compile`]), group them by layer in a
//! [`PolicySet`], then decide many [`Request`]s: [`decide`] for just the [`Decision`] (no
//! allocation unless a policy uses variables), [`evaluate`] for the decision and its [`Trace`],
//! [`evaluate_partial`] when some context keys are only known at request time.
//! [`evaluate_line`] is `simulate --batch` for one line (FORMATS.md §2).
//!
//! Semantics follow the IAM User Guide ("Policy evaluation logic", "Condition operators",
//! "Policy variables", ...); each rule's code cites the sentence it implements.

mod arn;
mod batch;
mod compile;
mod condition;
mod context;
mod engine;
mod partial;
mod principal;
mod trace;
mod variables;
mod wildcard;

pub use batch::{BatchCase, BatchError, evaluate_line};
pub use compile::CompiledPolicy;
pub use condition::Tri;
pub use context::{Context, ContextValue, Lookup};
pub use engine::{Evaluation, PolicySet, Request, ResourcePolicyKind, decide, evaluate};
pub use partial::{Formula, Literal, Outcome, PartialEvaluation, Requirement, evaluate_partial};
pub use principal::{CallerKind, PrincipalMatch};
pub use trace::{
    Cause, CauseKind, Decision, LayerKind, LayerStatus, LayerTrace, MissReason, NearMiss,
    StatementRef, Trace, TraceError,
};
