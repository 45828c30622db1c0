//! Policy lint against the catalog: an action IAM does not know is silently ignored by AWS, so a
//! typo quietly removes a grant (or, in a Deny, a protection).

use std::fmt;

use super::{Catalog, glob_match, has_wildcard};
use crate::model::edit_distance;
use crate::policy::Policy;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LintKind {
    /// Not `service:action` and not `*`.
    Malformed,
    UnknownService,
    UnknownAction,
    /// A wildcard pattern of a known service that matches none of its actions.
    MatchesNothing,
}

/// One problem with one action pattern of one statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lint {
    pub kind: LintKind,
    /// Statement index.
    pub statement: usize,
    /// `Action` or `NotAction`.
    pub field: &'static str,
    /// The pattern as written.
    pub value: String,
    /// The closest known spelling, for "did you mean".
    pub suggestion: Option<String>,
}

impl fmt::Display for Lint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            LintKind::Malformed => "is not an action: write `service:Action`",
            LintKind::UnknownService => "names a service IAM does not know",
            LintKind::UnknownAction => "is not an action of its service",
            LintKind::MatchesNothing => "matches no action of its service",
        };
        write!(
            f,
            "statement {}: {} `{}` {what}",
            self.statement, self.field, self.value
        )?;
        if let Some(s) = &self.suggestion {
            write!(f, "; did you mean `{s}`?")?;
        }
        Ok(())
    }
}

pub(super) fn lint(catalog: &Catalog, policy: &Policy) -> Vec<Lint> {
    let mut out = Vec::new();
    for (index, statement) in policy.statements.iter().enumerate() {
        let field = if statement.action.negated {
            "NotAction"
        } else {
            "Action"
        };
        for value in &statement.action.values {
            if let Some((kind, suggestion)) = check(catalog, value) {
                out.push(Lint {
                    kind,
                    statement: index,
                    field,
                    value: value.clone(),
                    suggestion,
                });
            }
        }
    }
    out
}

fn check(catalog: &Catalog, value: &str) -> Option<(LintKind, Option<String>)> {
    if value.chars().all(|c| c == '*') && !value.is_empty() {
        return None;
    }
    let Some((prefix, name)) = value.split_once(':') else {
        return Some((LintKind::Malformed, None));
    };
    if prefix.is_empty() || name.is_empty() {
        return Some((LintKind::Malformed, None));
    }
    if has_wildcard(prefix) {
        let p = prefix.to_ascii_lowercase();
        let known = catalog
            .services()
            .iter()
            .any(|s| glob_match(&p, &s.prefix.to_ascii_lowercase()));
        return (!known).then_some((LintKind::UnknownService, None));
    }
    let Some(service) = catalog.service(prefix) else {
        let suggestion = closest(prefix, catalog.services().iter().map(|s| s.prefix.as_str()))
            .map(|s| format!("{s}:{name}"));
        return Some((LintKind::UnknownService, suggestion));
    };
    if has_wildcard(name) {
        return (!catalog.matches_any(value)).then_some((LintKind::MatchesNothing, None));
    }
    if service.action(name).is_some() {
        return None;
    }
    let suggestion = closest(name, service.actions.iter().map(|a| a.name.as_str()))
        .map(|a| format!("{}:{a}", service.prefix));
    Some((LintKind::UnknownAction, suggestion))
}

/// The candidate nearest to `word` by edit distance, if near enough to be a plausible typo:
/// within a quarter of the word's length (at least 2 edits allowed).
fn closest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let lower = word.to_ascii_lowercase();
    let limit = (lower.chars().count() / 4).max(2);
    candidates
        .map(|c| (edit_distance(&c.to_ascii_lowercase(), &lower), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, c.len()))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::super::catalog;
    use super::*;

    fn lints(doc: &str) -> Vec<Lint> {
        catalog().lint(&Policy::from_json(doc).unwrap())
    }

    #[test]
    fn clean_policy_has_no_lints() {
        let l = lints(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:get*","ec2:Describe*","*","iam:PassRole"],"Resource":"*"},{"Effect":"Deny","NotAction":"sts:*","Resource":"*"}]}"#,
        );
        assert!(l.is_empty(), "{l:?}");
    }

    #[test]
    fn unknown_action_suggests_the_nearest() {
        let l = lints(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObjekt","iam:PassRoles"],"Resource":"*"}]}"#,
        );
        assert_eq!(l.len(), 2, "{l:?}");
        assert_eq!(l[0].kind, LintKind::UnknownAction);
        assert_eq!(l[0].suggestion.as_deref(), Some("s3:GetObject"));
        assert_eq!(l[1].suggestion.as_deref(), Some("iam:PassRole"));
        assert!(
            l[0].to_string().contains("did you mean `s3:GetObject`"),
            "{}",
            l[0]
        );
    }

    #[test]
    fn unknown_service_suggests_the_nearest() {
        let l = lints(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotAction":["dynamdb:GetItem","zzzzzzzz:Foo","nope*:Get"],"Resource":"*"}]}"#,
        );
        assert_eq!(l.len(), 3, "{l:?}");
        assert_eq!(l[0].kind, LintKind::UnknownService);
        assert_eq!(l[0].field, "NotAction");
        assert_eq!(l[0].suggestion.as_deref(), Some("dynamodb:GetItem"));
        assert_eq!(l[1].suggestion, None);
        assert_eq!(l[2].kind, LintKind::UnknownService);
    }

    #[test]
    fn malformed_and_empty_matches() {
        let l = lints(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["GetObject","s3:","s3:Zz*"],"Resource":"*"}]}"#,
        );
        let kinds: Vec<LintKind> = l.iter().map(|l| l.kind).collect();
        assert_eq!(
            kinds,
            vec![
                LintKind::Malformed,
                LintKind::Malformed,
                LintKind::MatchesNothing
            ]
        );
    }
}
