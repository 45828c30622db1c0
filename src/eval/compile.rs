//! Policies compiled for evaluation: lowercased action patterns, split ARN patterns, compiled
//! principals and parsed condition operators and values.

use std::sync::Arc;

use super::action_index::{ActionIndex, ActionMask};
use super::arn::{ArnPattern, SplitArn};
use super::condition::{CompiledCondition, ConditionError, Tri};
use super::context::Context;
use super::principal::PrincipalMatcher;
use super::variables::{Resolved, Template};
use super::wildcard::Pattern;
use crate::policy::{Effect, Policy};

/// A policy ready to be evaluated many times. Compiling never fails: a statement that cannot be
/// compiled (an unknown condition operator, a malformed value) is kept with its error, reported
/// in traces, and never applies.
#[derive(Debug, Clone)]
pub struct CompiledPolicy {
    pub(crate) label: Arc<str>,
    /// Shared, so that restricting a policy to some actions copies no statement, and a policy
    /// that is already restricted is copied by reference.
    pub(crate) statements: Arc<[Arc<CompiledStatement>]>,
    /// The index the statements' [`CompiledStatement::mask`]s refer to, if any.
    index: Option<&'static ActionIndex>,
}

#[derive(Debug, Clone)]
pub(crate) struct CompiledStatement {
    pub(crate) index: usize,
    /// `None` also for an empty `Sid`.
    pub(crate) sid: Option<Arc<str>>,
    pub(crate) effect: Effect,
    pub(crate) not_action: bool,
    pub(crate) actions: Vec<Pattern>,
    /// The actions of the policy's [`ActionIndex`] that `actions` covers (empty when the
    /// policy has no index).
    pub(crate) mask: ActionMask,
    /// `None`: no `Resource`/`NotResource` (trust policies): every resource.
    pub(crate) resources: Option<Resources>,
    /// `None`: no `Principal`/`NotPrincipal`.
    pub(crate) principal: Option<Principals>,
    pub(crate) conditions: Vec<CompiledCondition>,
    pub(crate) errors: Vec<ConditionError>,
}

#[derive(Debug, Clone)]
pub(crate) struct Resources {
    pub(crate) negated: bool,
    pub(crate) patterns: Vec<ResourcePattern>,
    /// The patterns as written (for traces).
    pub(crate) text: Arc<[String]>,
}

#[derive(Debug, Clone)]
pub(crate) enum ResourcePattern {
    Fixed(ArnPattern),
    Template(Template),
}

#[derive(Debug, Clone)]
pub(crate) struct Principals {
    pub(crate) negated: bool,
    pub(crate) matcher: PrincipalMatcher,
}

/// Actions to restrict policies to, with their mask in the index of the policies restricted
/// last: the policies of one set share an index, so the actions are looked up once.
pub(crate) struct Restriction<'x> {
    actions: &'x [&'x str],
    mask: Option<(&'static ActionIndex, Option<ActionMask>)>,
}

impl<'x> Restriction<'x> {
    pub(crate) fn new(actions: &'x [&'x str]) -> Restriction<'x> {
        Restriction {
            actions,
            mask: None,
        }
    }

    /// Whether a statement of a policy with `index` covers one of the actions.
    fn covers(
        &mut self,
        index: Option<&'static ActionIndex>,
    ) -> impl Fn(&CompiledStatement) -> bool + 'x {
        let actions = self.actions;
        let mask = self.mask(index);
        move |s| match &mask {
            Some(mask) => s.mask.intersects(mask),
            None => actions.iter().any(|a| s.action_matches(a)),
        }
    }

    fn mask(&mut self, index: Option<&'static ActionIndex>) -> Option<ActionMask> {
        let index = index?;
        match self.mask {
            Some((known, mask)) if std::ptr::eq(known, index) => mask,
            _ => {
                let mask = index.mask_of(self.actions);
                self.mask = Some((index, mask));
                mask
            }
        }
    }
}

impl CompiledPolicy {
    /// Compiles `policy`. Its label is empty; set one with [`CompiledPolicy::with_label`].
    pub fn compile(policy: &Policy) -> CompiledPolicy {
        let variables = policy.version.supports_variables();
        let statements = policy
            .statements
            .iter()
            .enumerate()
            .map(|(index, s)| {
                let mut conditions = Vec::with_capacity(s.conditions.len());
                let mut errors = Vec::new();
                for c in &s.conditions {
                    match CompiledCondition::compile(c, variables) {
                        Ok(c) => conditions.push(c),
                        Err(e) => errors.push(e),
                    }
                }
                Arc::new(CompiledStatement {
                    index,
                    // An empty `Sid` names nothing: traces and evidence use the position.
                    sid: s.sid.as_deref().filter(|s| !s.is_empty()).map(Arc::from),
                    effect: s.effect,
                    not_action: s.action.negated,
                    // Actions are case-insensitive: lowercase once here.
                    actions: s
                        .action
                        .values
                        .iter()
                        .map(|a| Pattern::new(a, true))
                        .collect(),
                    mask: ActionMask::default(),
                    resources: s.resource.as_ref().map(|r| Resources {
                        negated: r.negated,
                        patterns: r
                            .values
                            .iter()
                            .map(|v| match variables.then(|| Template::parse(v)).flatten() {
                                Some(t) => ResourcePattern::Template(t),
                                None => ResourcePattern::Fixed(ArnPattern::new(v)),
                            })
                            .collect(),
                        text: r.values.as_slice().into(),
                    }),
                    principal: s.principal.as_ref().map(|p| Principals {
                        negated: p.negated,
                        matcher: PrincipalMatcher::new(&p.set),
                    }),
                    conditions,
                    errors,
                })
            })
            .collect();
        CompiledPolicy {
            label: Arc::from(""),
            statements,
            index: None,
        }
    }

    /// The policy with each statement's actions looked up in `index`, so that restricting
    /// it to the index's actions ([`CompiledPolicy::for_actions`]) tests bits instead of
    /// matching patterns.
    pub fn indexed(mut self, index: &'static ActionIndex) -> CompiledPolicy {
        let mask = |s: &mut Arc<CompiledStatement>| {
            let m = index.statement_mask(s);
            // Freshly compiled statements are not shared yet: no copy.
            Arc::make_mut(s).mask = m;
        };
        match Arc::get_mut(&mut self.statements) {
            Some(statements) => statements.iter_mut().for_each(mask),
            None => {
                let mut statements: Vec<Arc<CompiledStatement>> = self.statements.to_vec();
                statements.iter_mut().for_each(mask);
                self.statements = statements.into();
            }
        }
        self.index = Some(index);
        self
    }

    /// The index the statements' masks refer to, if any.
    pub(crate) fn index(&self) -> Option<&'static ActionIndex> {
        self.index
    }

    /// The index actions some `Allow` statement covers; `None` when the policy has no
    /// index.
    pub fn allow_mask(&self) -> Option<ActionMask> {
        self.index?;
        Some(
            self.statements
                .iter()
                .filter(|s| s.effect == Effect::Allow)
                .fold(ActionMask::default(), |m, s| m.or(s.mask)),
        )
    }

    /// Compiles `policy` and names it `label` (a policy ARN, an inline policy name, or
    /// `scp level 1: name`); traces use the label.
    pub fn labeled(label: impl Into<String>, policy: &Policy) -> CompiledPolicy {
        CompiledPolicy::compile(policy).with_label(label)
    }

    /// Sets the label shown in traces.
    pub fn with_label(mut self, label: impl Into<String>) -> CompiledPolicy {
        self.label = Arc::from(label.into());
        self
    }

    /// The label shown in traces.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The policy with only the statements whose `Action`/`NotAction` covers `action`: the
    /// others cannot take part in a request for it, so evaluating the restriction gives the same
    /// decision and trace, faster. Statements keep their index and the policy its label.
    pub fn for_action(&self, action: &str) -> CompiledPolicy {
        self.for_actions(&[action])
    }

    /// The policy with only the statements that cover one of `actions`.
    pub fn for_actions(&self, actions: &[&str]) -> CompiledPolicy {
        let mut words = Vec::new();
        self.select(&mut Restriction::new(actions), &mut words);
        self.selected(&words).unwrap_or_else(|| self.emptied())
    }

    /// The policy with no statement left, label kept.
    pub(crate) fn emptied(&self) -> CompiledPolicy {
        CompiledPolicy {
            label: self.label.clone(),
            statements: Arc::new([]),
            index: self.index,
        }
    }

    /// Appends to `out` one bit per statement, 64 to a word, set for the statements that
    /// cover one of `r`'s actions (see [`CompiledPolicy::selected`]).
    pub(crate) fn select(&self, r: &mut Restriction<'_>, out: &mut Vec<u64>) {
        let start = out.len();
        out.resize(start + self.statements.len().div_ceil(64), 0);
        let covers = r.covers(self.index);
        for (i, s) in self.statements.iter().enumerate() {
            if covers(s) {
                out[start + i / 64] |= 1 << (i % 64);
            }
        }
    }

    /// The policy with the statements whose bits are set in `words`, from
    /// [`CompiledPolicy::select`]; `None` when none is.
    pub(crate) fn selected(&self, words: &[u64]) -> Option<CompiledPolicy> {
        let count: u32 = words.iter().map(|w| w.count_ones()).sum();
        if count == 0 {
            return None;
        }
        if count as usize == self.statements.len() {
            return Some(self.clone());
        }
        let kept = |i: usize| words.get(i / 64).is_some_and(|w| w >> (i % 64) & 1 == 1);
        Some(CompiledPolicy {
            label: self.label.clone(),
            statements: (self.statements.iter().enumerate())
                .filter(|(i, _)| kept(*i))
                .map(|(_, s)| s.clone())
                .collect(),
            index: self.index,
        })
    }

    /// Whether some `Deny` statement covers one of the restriction's actions.
    pub(crate) fn may_deny(&self, actions: &mut Restriction<'_>) -> bool {
        let covers = actions.covers(self.index);
        self.statements
            .iter()
            .any(|s| s.effect == Effect::Deny && covers(s))
    }

    /// The 0-based positions (in the document) of the statements the policy keeps.
    #[cfg(test)]
    pub(crate) fn statement_indexes(&self) -> Vec<usize> {
        self.statements.iter().map(|s| s.index).collect()
    }

    /// How many statements the policy has.
    pub fn len(&self) -> usize {
        self.statements.len()
    }

    /// Whether the policy has no statement.
    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }
}

impl Resources {
    /// The unknown keys read by this element's variables.
    pub(crate) fn unknown_keys(&self, ctx: &Context) -> Vec<String> {
        let mut keys: Vec<String> = Vec::new();
        for p in &self.patterns {
            if let ResourcePattern::Template(t) = p {
                for k in t.keys() {
                    if ctx.lookup_lower(k) == super::context::Lookup::Unknown
                        && !keys.iter().any(|x| x == k)
                    {
                        keys.push(k.to_owned());
                    }
                }
            }
        }
        keys
    }
}

impl CompiledStatement {
    /// Whether the request action is covered by `Action`/`NotAction` (case-insensitive).
    #[inline]
    pub(crate) fn action_matches(&self, action: &str) -> bool {
        let any = self.actions.iter().any(|p| p.matches_fold(action));
        any != self.not_action
    }

    /// Whether the request resource is covered by `Resource`/`NotResource`.
    pub(crate) fn resource_matches(&self, arn: &SplitArn<'_>, ctx: &Context) -> Tri {
        let Some(r) = &self.resources else {
            return Tri::True;
        };
        let mut any = Tri::False;
        for p in &r.patterns {
            let m = match p {
                ResourcePattern::Fixed(p) => Tri::from_bool(p.matches(arn)),
                ResourcePattern::Template(t) => match t.resolve_tokens(ctx) {
                    Resolved::Value(tokens) => {
                        Tri::from_bool(ArnPattern::from_tokens(tokens).matches(arn))
                    }
                    // Variables: "If a variable that has no value in the authorization context
                    // is used as part of the Resource or NotResource element of a policy, the
                    // resource that includes a policy variable with no value will not match
                    // any resource." For NotResource that entry then excludes nothing.
                    Resolved::NoValue => Tri::False,
                    Resolved::Unknown => Tri::Unknown,
                },
            };
            any = any.or(m);
            if any == Tri::True {
                break;
            }
        }
        if r.negated { !any } else { any }
    }

    /// [`CompiledStatement::resource_matches`] when it needs no context: `None` when a policy
    /// variable in `Resource`/`NotResource` would be read first.
    pub(crate) fn fixed_resource_match(&self, arn: &SplitArn<'_>) -> Option<bool> {
        let Some(r) = &self.resources else {
            return Some(true);
        };
        let mut any = false;
        for p in &r.patterns {
            match p {
                ResourcePattern::Fixed(p) if p.matches(arn) => {
                    any = true;
                    break;
                }
                ResourcePattern::Fixed(_) => {}
                ResourcePattern::Template(_) => return None,
            }
        }
        Some(any != r.negated)
    }

    /// Whether `Resource`/`NotResource` might cover `arn` in some context: `false` only when
    /// every `Resource` entry is a fixed pattern that does not match.
    pub(crate) fn may_cover_resource(&self, arn: &SplitArn<'_>) -> bool {
        let Some(r) = &self.resources else {
            return true;
        };
        r.negated
            || r.patterns.iter().any(|p| match p {
                ResourcePattern::Fixed(p) => p.matches(arn),
                ResourcePattern::Template(_) => true,
            })
    }

    /// The literal text every resource the statement may cover starts with, one per
    /// `Resource` entry; `None` when it may cover any resource (no `Resource`, `NotResource`,
    /// a policy variable, a leading wildcard). Resources are case-sensitive, so an index of
    /// sorted ARNs finds the candidates by prefix.
    pub(crate) fn resource_prefixes(&self) -> Option<Vec<&str>> {
        let r = self.resources.as_ref()?;
        if r.negated {
            return None;
        }
        r.patterns
            .iter()
            .zip(r.text.iter())
            .map(|(pattern, text)| match pattern {
                ResourcePattern::Template(_) => None,
                ResourcePattern::Fixed(_) => {
                    let end = super::wildcard::first_wildcard(text).unwrap_or(text.len());
                    (end > 0).then(|| &text[..end])
                }
            })
            .collect()
    }

    /// The label AWS shows: the Sid, else the index.
    pub(crate) fn sid(&self) -> Option<&str> {
        self.sid.as_deref()
    }
}
