//! The policy evaluation engine: decide an IAM request and say why.
//!
//! Compile each policy once ([`CompiledPolicy::compile`]), group them by layer in a
//! [`PolicySet`], then decide many [`Request`]s: [`decide`] for just the [`Decision`] (no
//! allocation unless a policy uses variables), [`evaluate`] for the decision and its [`Trace`],
//! [`evaluate_partial`] when some context keys are only known at request time.
//! [`evaluate_line`] is `simulate --batch` for one line (FORMATS.md §2).
//!
//! ```
//! use iamscope::eval::{CompiledPolicy, Context, Decision, PolicySet, Request, decide, evaluate};
//! use iamscope::policy::Policy;
//!
//! let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*",
//!   "Resource":"arn:aws:s3:::reports/${aws:username}/*"}]}"#;
//! let set = PolicySet {
//!     identity: vec![CompiledPolicy::labeled("inline: reports", &Policy::from_json(doc).unwrap())],
//!     ..PolicySet::default()
//! };
//! let request = Request::new(
//!     "arn:aws:iam::111122223333:user/alice",
//!     "s3:GetObject",
//!     "arn:aws:s3:::reports/alice/q1.csv",
//! )
//! .with_resource_account("111122223333")
//! .with_context(Context::new().with("aws:username", "alice"));
//! assert_eq!(decide(&set, &request), Decision::Allow);
//! let ev = evaluate(&set, &request);
//! assert_eq!(ev.trace.layers[0].matched[0].policy, "inline: reports");
//! ```
//!
//! Semantics follow the IAM User Guide ("Policy evaluation logic", "Condition operators",
//! "Policy variables", ...); each rule's code cites the sentence it implements.

mod action_index;
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

pub use action_index::{ActionIndex, ActionMask, MAX_ACTIONS};
pub use batch::{BatchCase, BatchError, evaluate_line};
pub use compile::CompiledPolicy;
pub use condition::Tri;
pub use context::{Context, ContextValue, Lookup, Overrides};
pub use engine::{
    AllowStatement, Evaluation, MatchedAllow, PolicySet, Request, ResourcePolicyKind, decide,
    evaluate,
};
pub use partial::{
    Formula, Literal, Outcome, PartialEvaluation, Requirement, evaluate_partial, partial_outcome,
    partial_outcome_with_allows,
};
pub use principal::{CallerKind, PrincipalMatch};
pub use trace::{
    Cause, CauseKind, Decision, LayerKind, LayerStatus, LayerTrace, MissReason, NearMiss,
    StatementRef, Trace, TraceError,
};
