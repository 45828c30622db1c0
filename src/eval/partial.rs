//! Partial evaluation: decide with some context keys unknown until request time.
//!
//! A condition on an unknown key is `Unknown` (Kleene logic within the condition: through
//! `IfExists`, set operators and negation). Above the conditions the evaluation is symbolic: each
//! statement contributes the conjunction of its unknown conditions, and the layers combine those
//! with the same rule [`super::evaluate`] uses, giving a [`Formula`] that says exactly which
//! conditions must (or must not) hold for the request to be allowed. The trust graph reads it
//! as `always` / `conditional` / `never` plus the conditions.

use std::sync::Arc;

use serde::Serialize;

use super::compile::{CompiledPolicy, CompiledStatement};
use super::condition::Tri;
use super::engine::{
    Evaluation, Logic, MatchedAllow, MatchedAllows, NoTrace, PolicySet, Prepared, Request, Tracer,
    allowed, collect, evaluate,
};
use super::trace::LayerKind;
use crate::policy::Effect;

/// Whether a request is allowed whatever the unknown keys turn out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Allowed for every value of the unknown keys.
    Always,
    /// Allowed for some values only: see [`PartialEvaluation::allow_when`].
    Conditional,
    /// Denied for every value of the unknown keys.
    Never,
}

/// One condition (or a `Resource` with an unknown variable) that the outcome depends on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Requirement {
    /// The operator as written (`StringLike`), or `Resource` / `NotResource`.
    pub operator: Arc<str>,
    /// The condition key (for a resource: the unknown variable keys, comma-separated).
    pub key: Arc<str>,
    /// The policy values (for a resource: the patterns).
    pub values: Arc<[String]>,
    /// Where it is written.
    pub policy: Arc<str>,
    pub statement: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<Arc<str>>,
    pub effect: Effect,
    pub layer: LayerKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<usize>,
}

/// A condition with a polarity: it must hold (`holds: true`) or must not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Literal {
    pub holds: bool,
    pub requirement: Requirement,
}

/// A boolean formula over [`Requirement`]s: when the request is allowed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "op", content = "of", rename_all = "snake_case")]
pub enum Formula {
    True,
    False,
    /// Boxed: formulas are moved around a lot, and a requirement is large.
    Require(Box<Requirement>),
    Not(Box<Formula>),
    All(Vec<Formula>),
    Any(Vec<Formula>),
}

impl Logic for Formula {
    fn t() -> Formula {
        Formula::True
    }
    fn f() -> Formula {
        Formula::False
    }
    fn and(self, o: Formula) -> Formula {
        match (self, o) {
            (Formula::False, _) | (_, Formula::False) => Formula::False,
            (Formula::True, x) | (x, Formula::True) => x,
            (Formula::All(mut a), Formula::All(b)) => {
                a.extend(b);
                Formula::All(a)
            }
            (Formula::All(mut a), x) | (x, Formula::All(mut a)) => {
                if !a.contains(&x) {
                    a.push(x);
                }
                Formula::All(a)
            }
            (a, b) if a == b => a,
            (a, b) => Formula::All(vec![a, b]),
        }
    }
    fn or(self, o: Formula) -> Formula {
        match (self, o) {
            (Formula::True, _) | (_, Formula::True) => Formula::True,
            (Formula::False, x) | (x, Formula::False) => x,
            (Formula::Any(mut a), Formula::Any(b)) => {
                a.extend(b);
                Formula::Any(a)
            }
            (Formula::Any(mut a), x) | (x, Formula::Any(mut a)) => {
                if !a.contains(&x) {
                    a.push(x);
                }
                Formula::Any(a)
            }
            (a, b) if a == b => a,
            (a, b) => Formula::Any(vec![a, b]),
        }
    }
    fn not(self) -> Formula {
        match self {
            Formula::True => Formula::False,
            Formula::False => Formula::True,
            Formula::Not(x) => *x,
            x => Formula::Not(Box::new(x)),
        }
    }
}

impl Formula {
    /// Evaluates the formula with `value` giving each requirement's truth.
    pub fn eval(&self, value: &dyn Fn(&Requirement) -> bool) -> bool {
        match self {
            Formula::True => true,
            Formula::False => false,
            Formula::Require(r) => value(r),
            Formula::Not(x) => !x.eval(value),
            Formula::All(xs) => xs.iter().all(|x| x.eval(value)),
            Formula::Any(xs) => xs.iter().any(|x| x.eval(value)),
        }
    }

    /// The distinct requirements, in order of appearance.
    pub fn requirements(&self) -> Vec<&Requirement> {
        let mut out: Vec<&Requirement> = Vec::new();
        fn walk<'a>(f: &'a Formula, out: &mut Vec<&'a Requirement>) {
            match f {
                Formula::Require(r) => {
                    let r: &Requirement = r;
                    if !out.contains(&r) {
                        out.push(r);
                    }
                }
                Formula::Not(x) => walk(x, out),
                Formula::All(xs) | Formula::Any(xs) => xs.iter().for_each(|x| walk(x, out)),
                Formula::True | Formula::False => {}
            }
        }
        walk(self, &mut out);
        out
    }

    /// The formula as alternatives (disjunctive normal form): the request is allowed when
    /// every literal of some alternative holds. `None` when there would be more than `limit`
    /// alternatives.
    pub fn alternatives(&self, limit: usize) -> Option<Vec<Vec<Literal>>> {
        dnf(self, false, limit)
    }
}

fn dnf(f: &Formula, negate: bool, limit: usize) -> Option<Vec<Vec<Literal>>> {
    match (f, negate) {
        (Formula::True, false) | (Formula::False, true) => Some(vec![Vec::new()]),
        (Formula::True, true) | (Formula::False, false) => Some(Vec::new()),
        (Formula::Require(r), n) => Some(vec![vec![Literal {
            holds: !n,
            requirement: (**r).clone(),
        }]]),
        (Formula::Not(x), n) => dnf(x, !n, limit),
        // ¬(a ∧ b) = ¬a ∨ ¬b, and a ∨ b: union of alternatives.
        (Formula::All(xs), true) | (Formula::Any(xs), false) => {
            let mut out = Vec::new();
            for x in xs {
                out.extend(dnf(x, negate, limit)?);
                if out.len() > limit {
                    return None;
                }
            }
            Some(out)
        }
        // a ∧ b, and ¬(a ∨ b) = ¬a ∧ ¬b: product of alternatives.
        (Formula::All(xs), false) | (Formula::Any(xs), true) => {
            let mut out: Vec<Vec<Literal>> = vec![Vec::new()];
            for x in xs {
                let d = dnf(x, negate, limit)?;
                let mut next = Vec::new();
                for a in &out {
                    for b in &d {
                        let mut alt = a.clone();
                        for l in b {
                            if !alt.contains(l) {
                                alt.push(l.clone());
                            }
                        }
                        // An alternative asking a requirement to both hold and not is void.
                        let void = alt.iter().any(|l| {
                            alt.iter().any(|m| {
                                m.holds != l.holds && m.requirement.same_condition(&l.requirement)
                            })
                        });
                        if !void {
                            next.push(alt);
                        }
                        if next.len() > limit {
                            return None;
                        }
                    }
                }
                out = next;
            }
            Some(out)
        }
    }
}

/// A decision with unknowns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartialEvaluation {
    /// The decision and trace when every unknown condition is taken as false.
    pub evaluation: Evaluation,
    pub outcome: Outcome,
    /// When the request is allowed: `True` for [`Outcome::Always`], `False` for
    /// [`Outcome::Never`].
    pub allow_when: Formula,
}

/// Up to this many distinct requirements, the outcome is decided exactly by trying every
/// assignment; beyond it, only a formula that simplifies to a constant is `Always`/`Never`.
const EXACT_LIMIT: usize = 14;

/// Evaluates `request` with the context's unknown keys left open (see [`crate::eval::Context::set_unknown`]).
pub fn evaluate_partial(set: &PolicySet, request: &Request) -> PartialEvaluation {
    let (outcome, allow_when) = partial_outcome(set, request);
    PartialEvaluation {
        evaluation: evaluate(set, request),
        outcome,
        allow_when,
    }
}

/// [`evaluate_partial`] without the trace: the outcome and the formula that allows. Cheaper;
/// [`partial_outcome_with_allows`] adds the statements evidence is made of.
pub fn partial_outcome(set: &PolicySet, request: &Request) -> (Outcome, Formula) {
    partial_outcome_traced(set, request, &mut NoTrace)
}

/// [`partial_outcome`] and, in the same pass, the identity and resource `Allow` statements
/// that apply (those a trace lists as matched in those layers).
pub fn partial_outcome_with_allows(
    set: &PolicySet,
    request: &Request,
) -> (Outcome, Formula, Vec<MatchedAllow>) {
    let mut tracer = MatchedAllows::default();
    let (outcome, allow_when) = partial_outcome_traced(set, request, &mut tracer);
    (outcome, allow_when, tracer.found)
}

fn partial_outcome_traced<T: Tracer>(
    set: &PolicySet,
    request: &Request,
    tracer: &mut T,
) -> (Outcome, Formula) {
    let p = Prepared::new(set, request);
    let mut value = |t: Tri, policy: &CompiledPolicy, st: &CompiledStatement, layer, level| match t
    {
        Tri::True => Formula::True,
        Tri::False => Formula::False,
        Tri::Unknown => statement_formula(policy, st, &p, layer, level),
    };
    let sums = collect(set, &p, tracer, &mut value);
    let allowed = allowed(&sums, &p);
    let allow_when = sums.deny.not().and(allowed);
    let outcome = match &allow_when {
        Formula::True => Outcome::Always,
        Formula::False => Outcome::Never,
        f => classify(f),
    };
    let allow_when = match outcome {
        Outcome::Always => Formula::True,
        Outcome::Never => Formula::False,
        Outcome::Conditional => allow_when,
    };
    (outcome, allow_when)
}

impl Requirement {
    /// Whether two requirements state the same condition (wherever they are written): the
    /// same operator, key and values are the same proposition.
    pub fn same_condition(&self, other: &Requirement) -> bool {
        self.operator == other.operator && self.key == other.key && self.values == other.values
    }
}

fn classify(f: &Formula) -> Outcome {
    let mut reqs: Vec<&Requirement> = Vec::new();
    for r in f.requirements() {
        if !reqs.iter().any(|x| x.same_condition(r)) {
            reqs.push(r);
        }
    }
    if reqs.len() > EXACT_LIMIT {
        return Outcome::Conditional;
    }
    let (mut any_true, mut any_false) = (false, false);
    for bits in 0u32..(1u32 << reqs.len()) {
        let v = |r: &Requirement| {
            reqs.iter()
                .position(|x| x.same_condition(r))
                .is_some_and(|i| bits & (1 << i) != 0)
        };
        if f.eval(&v) {
            any_true = true;
        } else {
            any_false = true;
        }
        if any_true && any_false {
            return Outcome::Conditional;
        }
    }
    if any_true {
        Outcome::Always
    } else {
        Outcome::Never
    }
}

/// The conjunction of a statement's unknown parts.
fn statement_formula(
    policy: &CompiledPolicy,
    st: &CompiledStatement,
    p: &Prepared<'_>,
    layer: LayerKind,
    level: Option<usize>,
) -> Formula {
    // Shared with the compiled statement: partial evaluation makes these by the hundred
    // thousand.
    let req = |operator: Arc<str>, key: Arc<str>, values: Arc<[String]>| {
        Formula::Require(Box::new(Requirement {
            operator,
            key,
            values,
            policy: policy.label.clone(),
            statement: st.index,
            sid: st.sid.clone(),
            effect: st.effect,
            layer,
            level,
        }))
    };
    let mut f = Formula::True;
    if let Some(r) = &st.resources
        && st.resource_matches(&p.resource, p.ctx) == Tri::Unknown
    {
        let keys = r
            .unknown_keys(p.ctx)
            .into_iter()
            .collect::<Vec<_>>()
            .join(",");
        let op = if r.negated { "NotResource" } else { "Resource" };
        f = f.and(req(op.into(), keys.into(), r.text.clone()));
    }
    for c in &st.conditions {
        if c.eval(p.ctx) == Tri::Unknown {
            f = f.and(req(c.operator.clone(), c.key.clone(), c.values.clone()));
        }
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::{CompiledPolicy, Context, Decision, ResourcePolicyKind};
    use crate::policy::Policy;

    fn pol(json: &str) -> CompiledPolicy {
        CompiledPolicy::labeled("p", &Policy::from_json(json).unwrap())
    }

    const ROLE: &str = "arn:aws:iam::111122223333:role/deploy";

    fn trust(json: &str) -> PolicySet {
        PolicySet {
            resource_policy: Some(pol(json)),
            resource_policy_kind: ResourcePolicyKind::RoleTrust,
            ..PolicySet::default()
        }
    }

    fn github_request(unknown: &[&str]) -> Request {
        let mut ctx = Context::new();
        for k in unknown {
            ctx.set_unknown(k);
        }
        Request::new(
            "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com",
            "sts:AssumeRoleWithWebIdentity",
            ROLE,
        )
        .with_context(ctx)
    }

    const GITHUB_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
        "Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},
        "Action":"sts:AssumeRoleWithWebIdentity",
        "Condition":{"StringLike":{"token.actions.githubusercontent.com:sub":"repo:org/repo:*"},
                     "StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"}}}]}"#;

    #[test]
    fn unknown_conditions_make_the_outcome_conditional_with_the_exact_conditions() {
        // A condition on a key known only at request time is Unknown; the allow then depends
        // exactly on the statement's conditions (operator, key, values).
        let set = trust(GITHUB_TRUST);
        let r = evaluate_partial(
            &set,
            &github_request(&[
                "token.actions.githubusercontent.com:sub",
                "token.actions.githubusercontent.com:aud",
            ]),
        );
        assert_eq!(r.outcome, Outcome::Conditional);
        assert_eq!(
            r.evaluation.decision,
            Decision::ImplicitDeny,
            "unknown = false"
        );
        let alts = r.allow_when.alternatives(10).unwrap();
        assert_eq!(alts.len(), 1);
        let ops: Vec<(&str, &str, bool)> = alts[0]
            .iter()
            .map(|l| (&*l.requirement.operator, &*l.requirement.key, l.holds))
            .collect();
        assert!(ops.contains(&(
            "StringLike",
            "token.actions.githubusercontent.com:sub",
            true
        )));
        assert!(ops.contains(&(
            "StringEquals",
            "token.actions.githubusercontent.com:aud",
            true
        )));
        assert_eq!(
            alts[0][0].requirement.values[..],
            ["repo:org/repo:*".to_string()]
        );
    }

    #[test]
    fn known_false_condition_makes_it_never_and_all_known_makes_it_always() {
        let set = trust(GITHUB_TRUST);
        let mut req = github_request(&["token.actions.githubusercontent.com:sub"]);
        req.context
            .insert("token.actions.githubusercontent.com:aud", "other");
        assert_eq!(evaluate_partial(&set, &req).outcome, Outcome::Never);
        let mut req = github_request(&[]);
        req.context.insert(
            "token.actions.githubusercontent.com:aud",
            "sts.amazonaws.com",
        );
        req.context.insert(
            "token.actions.githubusercontent.com:sub",
            "repo:org/repo:ref:main",
        );
        let r = evaluate_partial(&set, &req);
        assert_eq!(r.outcome, Outcome::Always);
        assert_eq!(r.evaluation.decision, Decision::Allow);
    }

    #[test]
    fn unknown_deny_conditions_must_not_hold() {
        // Explicit deny wins: a Deny with an unknown condition turns into "that condition
        // must not hold".
        let set = PolicySet {
            identity: vec![pol(r#"{"Version":"2012-10-17","Statement":[
                {"Effect":"Allow","Action":"s3:*","Resource":"*"},
                {"Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}}]}"#)],
            ..PolicySet::default()
        };
        let mut ctx = Context::new();
        ctx.set_unknown("aws:MultiFactorAuthPresent");
        let req = Request::new(
            "arn:aws:iam::111122223333:user/alice",
            "s3:GetObject",
            "arn:aws:s3:::b/k",
        )
        .with_context(ctx);
        let r = evaluate_partial(&set, &req);
        assert_eq!(r.outcome, Outcome::Conditional);
        assert_eq!(
            r.evaluation.decision,
            Decision::Allow,
            "the deny is unknown = false"
        );
        let alts = r.allow_when.alternatives(10).unwrap();
        assert_eq!(alts.len(), 1);
        assert!(!alts[0][0].holds);
        assert_eq!(&*alts[0][0].requirement.operator, "Bool");
    }

    #[test]
    fn contradictions_are_found_exactly() {
        // Allow if A, Deny if A: never allowed, whatever A is.
        let set = PolicySet {
            identity: vec![pol(r#"{"Version":"2012-10-17","Statement":[
                {"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"k":"v"}}},
                {"Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"k":"v"}}}]}"#)],
            ..PolicySet::default()
        };
        let mut ctx = Context::new();
        ctx.set_unknown("k");
        let req = Request::new("arn:aws:iam::111122223333:user/alice", "s3:GetObject", "*")
            .with_context(ctx);
        let r = evaluate_partial(&set, &req);
        // The same operator, key and values in two statements are one proposition.
        assert_eq!(r.outcome, Outcome::Never);
        assert_eq!(r.allow_when, Formula::False);
    }

    #[test]
    fn unknown_variable_in_resource() {
        // Variables in Resource referring to an unknown key make the resource match unknown.
        let set = PolicySet {
            identity: vec![pol(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username}/*"}]}"#,
            )],
            ..PolicySet::default()
        };
        let mut ctx = Context::new();
        ctx.set_unknown("aws:username");
        let req = Request::new(
            "arn:aws:iam::111122223333:user/alice",
            "s3:GetObject",
            "arn:aws:s3:::b/alice/x",
        )
        .with_context(ctx);
        let r = evaluate_partial(&set, &req);
        assert_eq!(r.outcome, Outcome::Conditional);
        let reqs = r.allow_when.requirements();
        assert_eq!(&*reqs[0].operator, "Resource");
        assert_eq!(&*reqs[0].key, "aws:username");
    }

    #[test]
    fn an_empty_sid_names_nothing() {
        let named = |sid: &str| {
            let set = trust(&GITHUB_TRUST.replacen(
                r#""Effect":"Allow","#,
                &format!(r#""Sid":"{sid}","Effect":"Allow","#),
                1,
            ));
            let request = github_request(&[
                "token.actions.githubusercontent.com:sub",
                "token.actions.githubusercontent.com:aud",
            ]);
            let (outcome, allow_when, matched) = partial_outcome_with_allows(&set, &request);
            assert_eq!(outcome, Outcome::Conditional);
            assert!(matched.is_empty(), "only a condition-dependent statement");
            allow_when.requirements()[0].sid.clone()
        };
        assert_eq!(named("").as_deref(), None);
        assert_eq!(named("Github").as_deref(), Some("Github"));
    }

    #[test]
    fn formula_simplification_and_dnf() {
        let r = |k: &str| {
            Formula::Require(Box::new(Requirement {
                operator: "StringEquals".into(),
                key: k.into(),
                values: Arc::new([]),
                policy: "p".into(),
                statement: 0,
                sid: None,
                effect: Effect::Allow,
                layer: LayerKind::Identity,
                level: None,
            }))
        };
        assert_eq!(Formula::True.and(r("a")), r("a"));
        assert_eq!(Formula::False.or(r("a")), r("a"));
        assert_eq!(r("a").not().not(), r("a"));
        let f = r("a").or(r("b")).and(r("c").not());
        let alts = f.alternatives(10).unwrap();
        assert_eq!(alts.len(), 2);
        assert!(alts.iter().all(|a| a.len() == 2));
        assert_eq!(classify(&r("a").and(r("a").not())), Outcome::Never);
        assert_eq!(classify(&r("a").or(r("a").not())), Outcome::Always);
        assert_eq!(r("a").and(r("a").not()).alternatives(10).unwrap().len(), 0);
    }
}
