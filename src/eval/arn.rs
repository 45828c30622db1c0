//! ARN patterns, as used by `Resource`/`NotResource` and the `Arn*` condition operators.
//!
//! An ARN is `arn:partition:service:region:account-id:resource`; the resource part may itself
//! contain colons and slashes. A pattern is split at its first five colons and "each of the six
//! colon-delimited components of the ARN is checked separately" (IAM User Guide, "Condition
//! operators", ARN), so a `*` in the region cannot swallow the account, while a `*` in the
//! resource part spans `/` and `:`.

use super::wildcard::{Pattern, Token};

/// A request ARN split once per evaluation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SplitArn<'a> {
    pub(crate) whole: &'a str,
    parts: [&'a str; 6],
    /// How many components were found (6 for a well-formed ARN).
    n: usize,
    /// Where the resource component starts (after the fifth colon).
    head_len: usize,
}

impl<'a> SplitArn<'a> {
    pub(crate) fn new(s: &'a str) -> SplitArn<'a> {
        // One pass over the bytes: called for every question, on ARNs of a few dozen bytes,
        // where a search per component costs more than the scan.
        let mut parts = [""; 6];
        let mut n = 0;
        let mut start = 0;
        for (i, b) in s.bytes().enumerate() {
            if b == b':' {
                parts[n] = &s[start..i];
                start = i + 1;
                n += 1;
                if n == 5 {
                    break;
                }
            }
        }
        parts[n] = &s[start..];
        SplitArn {
            whole: s,
            parts,
            n: n + 1,
            head_len: start,
        }
    }

    /// The account component, when this is a well-formed ARN.
    pub(crate) fn account(&self) -> Option<&'a str> {
        (self.n == 6).then_some(self.parts[4])
    }
}

/// A compiled ARN pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ArnPattern {
    /// `*`: every resource.
    Any,
    /// The first five components have no wildcard (`arn:aws:s3:::bucket/*`): `head` is them
    /// with their colons (`arn:aws:s3:::`), one comparison instead of five, and `resource`
    /// matches the sixth.
    Head { head: Box<str>, resource: Pattern },
    /// Six components matched one by one.
    Parts(Box<[Pattern; 6]>),
    /// Fewer than six components: not an ARN pattern; matched against the whole string. (The
    /// Guide does not define it; AWS rejects such resources in most services.)
    Whole(Pattern),
}

impl ArnPattern {
    pub(crate) fn new(text: &str) -> ArnPattern {
        // Most patterns have literal first five components: split them directly, without
        // tokenizing the whole text.
        let arn = SplitArn::new(text);
        if arn.n == 6 && super::wildcard::first_wildcard(&arn.whole[..arn.head_len]).is_none() {
            return ArnPattern::Head {
                head: text[..arn.head_len].into(),
                resource: Pattern::new(arn.parts[5], false),
            };
        }
        ArnPattern::tokenized(text)
    }

    /// [`ArnPattern::new`] by tokenizing the whole text.
    fn tokenized(text: &str) -> ArnPattern {
        ArnPattern::from_tokens(super::wildcard::tokens(text))
    }

    /// Builds a pattern from wildcard tokens; the components are separated by the first five
    /// colons found in literal text.
    pub(crate) fn from_tokens(tokens: Vec<Token>) -> ArnPattern {
        if tokens == [Token::Star] {
            return ArnPattern::Any;
        }
        let mut comps: Vec<Vec<Token>> = vec![Vec::new()];
        for t in tokens {
            match t {
                Token::Lit(s) if comps.len() < 6 && s.contains(':') => {
                    let mut rest: &str = &s;
                    while comps.len() < 6 {
                        let Some(i) = rest.find(':') else { break };
                        if i > 0
                            && let Some(last) = comps.last_mut()
                        {
                            last.push(Token::Lit(rest[..i].into()));
                        }
                        comps.push(Vec::new());
                        rest = &rest[i + 1..];
                    }
                    if !rest.is_empty()
                        && let Some(last) = comps.last_mut()
                    {
                        last.push(Token::Lit(rest.into()));
                    }
                }
                t => {
                    if let Some(last) = comps.last_mut() {
                        last.push(t);
                    }
                }
            }
        }
        if comps.len() < 6 {
            let flat: Vec<Token> = comps.into_iter().flatten().collect();
            return ArnPattern::Whole(Pattern::from_tokens(
                super::wildcard::normalize(flat),
                false,
            ));
        }
        let mut it = comps
            .into_iter()
            .map(|c| Pattern::from_tokens(super::wildcard::normalize(c), false));
        let mut next = || it.next().unwrap_or(Pattern::Any);
        let parts = [next(), next(), next(), next(), next(), next()];
        let head = parts[..5]
            .iter()
            .map(|p| match p {
                Pattern::Exact(s) => Some(format!("{s}:")),
                _ => None,
            })
            .collect::<Option<String>>();
        match head {
            Some(head) => {
                let [.., resource] = parts;
                ArnPattern::Head {
                    head: head.into_boxed_str(),
                    resource,
                }
            }
            None => ArnPattern::Parts(Box::new(parts)),
        }
    }

    #[inline]
    pub(crate) fn matches(&self, arn: &SplitArn<'_>) -> bool {
        match self {
            ArnPattern::Any => true,
            ArnPattern::Whole(p) => p.matches(arn.whole),
            ArnPattern::Head { head, resource } => {
                arn.n == 6
                    && super::wildcard::bytes_eq(
                        head.as_bytes(),
                        &arn.whole.as_bytes()[..arn.head_len],
                    )
                    && resource.matches(arn.parts[5])
            }
            ArnPattern::Parts(parts) => {
                arn.n == 6
                    && parts
                        .iter()
                        .zip(arn.parts.iter())
                        .all(|(p, s)| p.matches(s))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, s: &str) -> bool {
        ArnPattern::new(p).matches(&SplitArn::new(s))
    }

    #[test]
    fn literal_heads_compile_as_the_general_way_does() {
        for p in [
            "arn:aws:s3:::bucket/*",
            "arn:aws:s3:::bucket",
            "arn:aws:iam::123456789012:role/a-*-b?",
            "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/app:*",
            "arn:aws:sqs:us-east-1:123456789012:queue**name",
            "arn:aws:dynamodb:us-east-1:123456789012:table/t",
            "arn:aws:ssm:us-east-1::document/AWS-RunShellScript",
            "arn:aws:s3:::",
        ] {
            assert_eq!(ArnPattern::new(p), ArnPattern::tokenized(p), "{p}");
        }
    }

    #[test]
    fn components_are_matched_separately() {
        // Condition operators, ARN: "Each of the six colon-delimited components of the ARN is
        // checked separately and each can include ... wildcard".
        assert!(m("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b:c"));
        assert!(m(
            "arn:aws:dynamodb:*:111122223333:table/*",
            "arn:aws:dynamodb:us-east-1:111122223333:table/T"
        ));
        assert!(!m(
            "arn:aws:dynamodb:*:111122223333:table/*",
            "arn:aws:dynamodb:us-east-1:444455556666:table/T"
        ));
        // A `*` in the region does not span into the account.
        assert!(!m(
            "arn:aws:sqs:*:q",
            "arn:aws:sqs:us-east-1:111122223333:q"
        ));
        assert!(m(
            "arn:aws:logs:*:*:log-group:*",
            "arn:aws:logs:eu-west-1:1:log-group:a:log-stream:b"
        ));
        assert!(m(
            "arn:aws:ec2:us-east-?:*:instance/i-*",
            "arn:aws:ec2:us-east-1:1:instance/i-0"
        ));
    }

    #[test]
    fn resources_are_case_sensitive() {
        // Resource: ARNs are case-sensitive ("arn:aws:s3:::Bucket" is another bucket).
        assert!(!m("arn:aws:s3:::Bucket/*", "arn:aws:s3:::bucket/x"));
    }

    #[test]
    fn star_matches_everything_but_arn_patterns_need_an_arn() {
        assert!(m("*", "*"));
        assert!(m("*", "arn:aws:s3:::b"));
        assert!(!m("arn:aws:s3:::*", "*"));
        assert_eq!(
            SplitArn::new("arn:aws:iam::123:user/a").account(),
            Some("123")
        );
        assert_eq!(SplitArn::new("*").account(), None);
    }

    #[test]
    fn splitting_gives_the_first_five_components_and_the_rest() {
        for s in [
            "arn:aws:iam::123:user/a",
            "arn:aws:s3:::bucket/key:with:colons",
            "arn:aws:logs:us-east-1:123:log-group:/x:*",
            "arn:aws",
            "*",
            "",
            ":::::",
            "a:b:c:d:e:f:g",
        ] {
            let arn = SplitArn::new(s);
            let expected: Vec<&str> = s.splitn(6, ':').collect();
            assert_eq!(&arn.parts[..arn.n], &expected[..], "{s}");
            let rest = expected.last().unwrap();
            assert_eq!(arn.head_len, s.len() - rest.len(), "{s}");
        }
    }

    #[test]
    fn literal_colons_from_variables_split_components() {
        let toks = vec![
            Token::Lit("arn:aws:iam::".into()),
            Token::Lit("123".into()),
            Token::Lit(":user/".into()),
            Token::Star,
        ];
        let p = ArnPattern::from_tokens(toks);
        assert!(p.matches(&SplitArn::new("arn:aws:iam::123:user/x")));
        assert!(!p.matches(&SplitArn::new("arn:aws:iam::124:user/x")));
    }
}
