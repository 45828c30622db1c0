//! Policy variables: `${aws:username}`, `${aws:PrincipalTag/team, 'default'}`, and the escapes
//! `${*}`, `${?}`, `${$}` (IAM User Guide, "IAM policy elements: Variables and tags").
//!
//! A [`Template`] is parsed once at compile time and resolved against the request context at
//! evaluation time. Only policies with `"Version": "2012-10-17"` are parsed for variables.

use super::context::{Context, ContextValue, Lookup};
use super::wildcard::Token;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    /// Text as written; in a pattern, its `*` and `?` are wildcards.
    Text(Box<str>),
    /// `${*}`, `${?}` or `${$}`: the character itself, never a wildcard.
    Escaped(char),
    /// `${key}` or `${key, 'default'}`; `key` lowercased ("Key names are case-insensitive").
    Var {
        key: Box<str>,
        default: Option<Box<str>>,
    },
}

/// A string with at least one `${...}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template {
    parts: Vec<Part>,
}

/// The result of substituting variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Resolved<T> {
    Value(T),
    /// A variable has no value and no default ("the value is effectively null").
    NoValue,
    /// A variable names a key marked unknown.
    Unknown,
}

impl Template {
    /// Parses `text`; `None` when it holds no `${...}` construct (the common case).
    pub(crate) fn parse(text: &str) -> Option<Template> {
        if !text.contains("${") {
            return None;
        }
        let mut parts = Vec::new();
        let mut text_run = String::new();
        let mut rest = text;
        let mut any = false;
        while let Some(at) = rest.find("${") {
            text_run.push_str(&rest[..at]);
            let after = &rest[at + 2..];
            match parse_var(after) {
                Some((part, used)) => {
                    if !text_run.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut text_run).into_boxed_str()));
                    }
                    parts.push(part);
                    any = true;
                    rest = &after[used..];
                }
                None => {
                    // Not a variable: keep `${` as text.
                    text_run.push_str("${");
                    rest = after;
                }
            }
        }
        text_run.push_str(rest);
        if !text_run.is_empty() {
            parts.push(Part::Text(text_run.into_boxed_str()));
        }
        any.then_some(Template { parts })
    }

    /// The lowercased keys this template reads.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Var { key, .. } => Some(&**key),
            _ => None,
        })
    }

    /// Substitutes into a plain string (escapes become their character).
    pub(crate) fn resolve_string(&self, ctx: &Context) -> Resolved<String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Escaped(c) => out.push(*c),
                Part::Var { key, default } => match var_value(ctx, key, default.as_deref()) {
                    Resolved::Value(v) => out.push_str(v),
                    Resolved::NoValue => return Resolved::NoValue,
                    Resolved::Unknown => return Resolved::Unknown,
                },
            }
        }
        Resolved::Value(out)
    }

    /// Substitutes into wildcard tokens: text keeps its wildcards; escapes and substituted
    /// values are literal. (The Guide does not say whether a `*` inside a substituted value is
    /// a wildcard; treating request data as literal never widens a statement.)
    pub(crate) fn resolve_tokens(&self, ctx: &Context) -> Resolved<Vec<Token>> {
        let mut out = Vec::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => push_pattern_text(&mut out, t),
                Part::Escaped(c) => out.push(Token::Lit(c.to_string().into_boxed_str())),
                Part::Var { key, default } => match var_value(ctx, key, default.as_deref()) {
                    Resolved::Value(v) => out.push(Token::Lit(v.into())),
                    Resolved::NoValue => return Resolved::NoValue,
                    Resolved::Unknown => return Resolved::Unknown,
                },
            }
        }
        Resolved::Value(super::wildcard::normalize(out))
    }
}

fn push_pattern_text(out: &mut Vec<Token>, text: &str) {
    let mut lit = String::new();
    for c in text.chars() {
        match c {
            '*' | '?' => {
                if !lit.is_empty() {
                    out.push(Token::Lit(std::mem::take(&mut lit).into_boxed_str()));
                }
                out.push(if c == '*' { Token::Star } else { Token::One });
            }
            c => lit.push(c),
        }
    }
    if !lit.is_empty() {
        out.push(Token::Lit(lit.into_boxed_str()));
    }
}

/// The value of one variable. A multivalued key has no value as a variable ("you cannot use a
/// multivalued context key as a policy variable", "Single-valued vs. multivalued context keys").
fn var_value<'a>(ctx: &'a Context, key: &str, default: Option<&'a str>) -> Resolved<&'a str> {
    match ctx.lookup_lower(key) {
        Lookup::Present(ContextValue::Single(v)) => Resolved::Value(v),
        Lookup::Unknown => Resolved::Unknown,
        Lookup::Present(ContextValue::Multi(_)) | Lookup::Absent => match default {
            Some(d) => Resolved::Value(d),
            None => Resolved::NoValue,
        },
    }
}

/// Parses what follows `${`; returns the part and the bytes used (through the closing `}`).
fn parse_var(s: &str) -> Option<(Part, usize)> {
    for (esc, c) in [("*}", '*'), ("?}", '?'), ("$}", '$')] {
        if s.starts_with(esc) {
            return Some((Part::Escaped(c), 2));
        }
    }
    let end_name = s.find([',', '}'])?;
    let name = s[..end_name].trim();
    if name.is_empty() || name.contains(char::is_whitespace) || name.contains("${") {
        return None;
    }
    let key = name.to_lowercase().into_boxed_str();
    if s.as_bytes()[end_name] == b'}' {
        return Some((Part::Var { key, default: None }, end_name + 1));
    }
    // `, 'default'`: a quote inside the default is written twice.
    let after_comma = &s[end_name + 1..];
    let trimmed = after_comma.trim_start();
    let mut pos = end_name + 1 + (after_comma.len() - trimmed.len());
    let body = trimmed.strip_prefix('\'')?;
    pos += 1;
    let mut default = String::new();
    let mut chars = body.char_indices().peekable();
    let close;
    loop {
        let (i, c) = chars.next()?;
        if c == '\'' {
            if let Some(&(_, '\'')) = chars.peek() {
                chars.next();
                default.push('\'');
                continue;
            }
            close = i;
            break;
        }
        default.push(c);
    }
    pos += close + 1;
    let tail = &s[pos..];
    let tail_trim = tail.trim_start();
    if !tail_trim.starts_with('}') {
        return None;
    }
    pos += tail.len() - tail_trim.len() + 1;
    Some((
        Part::Var {
            key,
            default: Some(default.into_boxed_str()),
        },
        pos,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::wildcard::Pattern;

    fn ctx() -> Context {
        Context::new()
            .with("aws:username", "alice")
            .with("aws:PrincipalTag/team", "data")
            .with("aws:TagKeys", vec!["a", "b"])
    }

    fn s(t: &str) -> Resolved<String> {
        Template::parse(t).unwrap().resolve_string(&ctx())
    }

    #[test]
    fn substitutes_case_insensitive_names() {
        // Variables: "Key names are case-insensitive" — `${AWS:UserName}` is `aws:username`.
        assert_eq!(
            s("home/${aws:username}/"),
            Resolved::Value("home/alice/".into())
        );
        assert_eq!(s("${AWS:UserName}"), Resolved::Value("alice".into()));
        assert_eq!(
            s("${aws:principaltag/TEAM}"),
            Resolved::Value("data".into())
        );
        assert!(Template::parse("no variables").is_none());
    }

    #[test]
    fn defaults_apply_when_there_is_no_value() {
        // Variables, "Specifying default values": `${aws:PrincipalTag/team, 'company-wide'}`.
        assert_eq!(
            s("${aws:PrincipalTag/dept, 'shared'}"),
            Resolved::Value("shared".into())
        );
        assert_eq!(s("${aws:username,'x'}"), Resolved::Value("alice".into()));
        assert_eq!(
            s("${ aws:userid , 'it''s' }"),
            Resolved::Value("it's".into())
        );
    }

    #[test]
    fn missing_and_multivalued_keys_have_no_value() {
        // Variables: "the value is effectively null"; "you cannot use a multivalued context
        // key as a policy variable".
        assert_eq!(s("${aws:userid}"), Resolved::NoValue);
        assert_eq!(s("${aws:TagKeys}"), Resolved::NoValue);
        let mut c = ctx();
        c.set_unknown("aws:userid");
        assert_eq!(
            Template::parse("${aws:userid}").unwrap().resolve_string(&c),
            Resolved::Unknown
        );
    }

    #[test]
    fn escapes_are_literal_characters() {
        // Variables, "Special characters": `${*}`, `${?}`, `${$}` stand for `*`, `?`, `$`.
        assert_eq!(s("a${*}b${?}c${$}"), Resolved::Value("a*b?c$".into()));
        let Resolved::Value(tokens) = Template::parse("x${*}*").unwrap().resolve_tokens(&ctx())
        else {
            panic!()
        };
        let p = Pattern::from_tokens(tokens, false);
        assert!(p.matches("x*anything"));
        assert!(!p.matches("xyz"));
    }

    #[test]
    fn substituted_values_are_literal_in_patterns() {
        let c = Context::new().with("aws:username", "a*");
        let Resolved::Value(tokens) = Template::parse("u/${aws:username}")
            .unwrap()
            .resolve_tokens(&c)
        else {
            panic!()
        };
        let p = Pattern::from_tokens(tokens, false);
        assert!(p.matches("u/a*"));
        assert!(!p.matches("u/abc"));
    }

    #[test]
    fn malformed_constructs_are_text() {
        assert!(Template::parse("${unclosed").is_none());
        assert!(Template::parse("${}").is_none());
        assert_eq!(
            s("${a b} ${aws:username}"),
            Resolved::Value("${a b} alice".into())
        );
    }
}
