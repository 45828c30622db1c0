//! Wildcard patterns: `*` matches any run of characters (including none), `?` exactly one.
//!
//! IAM uses the same two wildcards in `Action`, `Resource`, `StringLike` and `ArnLike` ("The
//! values can include a multi-character match wildcard (*) or a single-character match wildcard
//! (?) anywhere in the string", IAM User Guide, "Condition operators"). A [`Pattern`] is compiled
//! once; matching never allocates.

/// The byte position of the first `*` or `?` in `text`. A byte scan: both are ASCII, and
/// searching for a set of chars decodes every char first, which showed when compiling the
/// hundreds of thousands of patterns of a large account.
pub(crate) fn first_wildcard(text: &str) -> Option<usize> {
    text.bytes().position(|b| b == b'*' || b == b'?')
}

/// One piece of a compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Token {
    /// Literal text (already lowercased for a case-insensitive pattern).
    Lit(Box<str>),
    /// `*`: any run of characters.
    Star,
    /// `?`: exactly one character.
    One,
}

/// A compiled wildcard pattern, with fast paths for the shapes policies use most.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Pattern {
    /// `*` alone.
    Any,
    /// No wildcard.
    Exact(Box<str>),
    /// `abc*`.
    Prefix(Box<str>),
    /// `*abc`.
    Suffix(Box<str>),
    /// Anything else.
    General(Box<[Token]>),
}

impl Pattern {
    /// Compiles `text`, where every `*` and `?` is a wildcard. With `fold_case` the pattern
    /// matches ASCII-case-insensitively (Action: "The prefix and the action name are case
    /// insensitive").
    pub(crate) fn new(text: &str, fold_case: bool) -> Pattern {
        // Most patterns are a literal, a literal and a trailing `*`, or `*`: made with one
        // allocation, without tokens.
        let literal = |s: &str| -> Box<str> {
            if fold_case {
                s.to_ascii_lowercase().into_boxed_str()
            } else {
                s.into()
            }
        };
        match first_wildcard(text) {
            None => return Pattern::Exact(literal(text)),
            Some(i) if text[i..].bytes().all(|b| b == b'*') => {
                return if i == 0 {
                    Pattern::Any
                } else {
                    Pattern::Prefix(literal(&text[..i]))
                };
            }
            Some(_) => {}
        }
        Pattern::tokenized(text, fold_case)
    }

    /// [`Pattern::new`] by tokenizing the whole text.
    fn tokenized(text: &str, fold_case: bool) -> Pattern {
        Pattern::from_tokens(tokens(text), fold_case)
    }

    /// Builds a pattern from tokens (literal tokens may contain `*` and `?` as plain text, which
    /// is how the policy-variable escapes `${*}` and `${?}` arrive here).
    pub(crate) fn from_tokens(tokens: Vec<Token>, fold_case: bool) -> Pattern {
        let tokens: Vec<Token> = if fold_case {
            tokens
                .into_iter()
                .map(|t| match t {
                    Token::Lit(s) => Token::Lit(s.to_ascii_lowercase().into_boxed_str()),
                    t => t,
                })
                .collect()
        } else {
            tokens
        };
        match tokens.as_slice() {
            [] => Pattern::Exact("".into()),
            [Token::Star] => Pattern::Any,
            [Token::Lit(s)] => Pattern::Exact(s.clone()),
            [Token::Lit(s), Token::Star] => Pattern::Prefix(s.clone()),
            [Token::Star, Token::Lit(s)] => Pattern::Suffix(s.clone()),
            _ => Pattern::General(tokens.into_boxed_slice()),
        }
    }

    /// The literal text every match starts with.
    pub(crate) fn literal_prefix(&self) -> &str {
        match self {
            Pattern::Exact(p) | Pattern::Prefix(p) => p,
            Pattern::General(tokens) => match tokens.first() {
                Some(Token::Lit(p)) => p,
                _ => "",
            },
            Pattern::Any | Pattern::Suffix(_) => "",
        }
    }

    /// Case-sensitive match.
    #[inline]
    pub(crate) fn matches(&self, s: &str) -> bool {
        self.matches_with(s.as_bytes(), false)
    }

    /// ASCII-case-insensitive match; the pattern must have been compiled with `fold_case`.
    #[inline]
    pub(crate) fn matches_fold(&self, s: &str) -> bool {
        self.matches_with(s.as_bytes(), true)
    }

    #[inline]
    fn matches_with(&self, s: &[u8], fold: bool) -> bool {
        match self {
            Pattern::Any => true,
            Pattern::Exact(p) => eq_bytes(p.as_bytes(), s, fold),
            Pattern::Prefix(p) => s.len() >= p.len() && eq_bytes(p.as_bytes(), &s[..p.len()], fold),
            Pattern::Suffix(p) => {
                s.len() >= p.len() && eq_bytes(p.as_bytes(), &s[s.len() - p.len()..], fold)
            }
            Pattern::General(tokens) => match_tokens(tokens, s, fold),
        }
    }
}

/// `text`'s tokens, every `*` and `?` a wildcard, normalized (see [`normalize`]). Literals
/// are sliced out between wildcards, not built char by char.
pub(crate) fn tokens(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut start = 0;
    for (i, b) in text.bytes().enumerate() {
        if b != b'*' && b != b'?' {
            continue;
        }
        if i > start {
            tokens.push(Token::Lit(text[start..i].into()));
        }
        // `**` is the same as `*`.
        if b == b'?' || tokens.last() != Some(&Token::Star) {
            tokens.push(if b == b'*' { Token::Star } else { Token::One });
        }
        start = i + 1;
    }
    if start < text.len() {
        tokens.push(Token::Lit(text[start..].into()));
    }
    tokens
}

/// Merges adjacent literal tokens and collapses `**` (after variable substitution, literals can
/// end up next to each other).
pub(crate) fn normalize(tokens: Vec<Token>) -> Vec<Token> {
    let mut out: Vec<Token> = Vec::with_capacity(tokens.len());
    for t in tokens {
        match (out.last_mut(), t) {
            (Some(Token::Lit(prev)), Token::Lit(next)) => {
                let mut s = String::with_capacity(prev.len() + next.len());
                s.push_str(prev);
                s.push_str(&next);
                *prev = s.into_boxed_str();
            }
            (Some(Token::Star), Token::Star) => {}
            (_, Token::Lit(s)) if s.is_empty() => {}
            (_, t) => out.push(t),
        }
    }
    out
}

#[inline]
fn eq_bytes(pattern: &[u8], s: &[u8], fold: bool) -> bool {
    if fold {
        pattern.len() == s.len()
            && pattern
                .iter()
                .zip(s)
                .all(|(p, c)| *p == c.to_ascii_lowercase())
    } else {
        bytes_eq(pattern, s)
    }
}

/// Byte equality that stays inline for the short strings policies hold (a call to `memcmp`
/// per ARN component dominated the profile).
#[inline]
pub(crate) fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    if a.len() > 32 {
        return a == b;
    }
    let mut i = 0;
    while i + 8 <= a.len() {
        let x = u64::from_ne_bytes([
            a[i],
            a[i + 1],
            a[i + 2],
            a[i + 3],
            a[i + 4],
            a[i + 5],
            a[i + 6],
            a[i + 7],
        ]);
        let y = u64::from_ne_bytes([
            b[i],
            b[i + 1],
            b[i + 2],
            b[i + 3],
            b[i + 4],
            b[i + 5],
            b[i + 6],
            b[i + 7],
        ]);
        if x != y {
            return false;
        }
        i += 8;
    }
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Length of the UTF-8 character that starts with byte `b` (1 for a stray continuation byte,
/// which cannot occur in a `&str` at a character boundary).
#[inline]
fn char_len(b: u8) -> usize {
    match b {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xFF => 4,
        _ => 1,
    }
}

/// The classic greedy matcher with one backtrack point (the last `*`), over literal chunks.
/// It only ever stops on character boundaries: literals are whole UTF-8 sequences and `?` and
/// the backtrack step advance by a whole character.
fn match_tokens(tokens: &[Token], s: &[u8], fold: bool) -> bool {
    let (mut ti, mut si) = (0usize, 0usize);
    let mut back: Option<(usize, usize)> = None;
    loop {
        if let Some(token) = tokens.get(ti) {
            match token {
                Token::Star => {
                    back = Some((ti + 1, si));
                    ti += 1;
                    continue;
                }
                Token::One => {
                    if si < s.len() {
                        si += char_len(s[si]);
                        ti += 1;
                        continue;
                    }
                }
                Token::Lit(lit) => {
                    let lit = lit.as_bytes();
                    if s.len() - si >= lit.len() && eq_bytes(lit, &s[si..si + lit.len()], fold) {
                        si += lit.len();
                        ti += 1;
                        continue;
                    }
                }
            }
        } else if si >= s.len() {
            return true;
        }
        // Mismatch: let the last `*` swallow one more character and retry.
        match back {
            Some((bt, bs)) if bs < s.len() => {
                let next = bs + char_len(s[bs]);
                back = Some((bt, next));
                ti = bt;
                si = next;
            }
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn m(p: &str, s: &str) -> bool {
        Pattern::new(p, false).matches(s)
    }

    #[test]
    fn star_and_question_mark() {
        // Condition operators: "a multi-character match wildcard (*) or a single-character
        // match wildcard (?) anywhere in the string".
        assert!(m("s3:Get*", "s3:GetObject"));
        assert!(m("*Object", "s3:GetObject"));
        assert!(m("s3:*Obj*t", "s3:GetObject"));
        assert!(m("s3:GetO?ject", "s3:GetObject"));
        assert!(!m("s3:GetO?ject", "s3:GetOject"));
        assert!(m("*", ""));
        assert!(m("a*b*c", "abc"));
        assert!(!m("a*b*c", "acb"));
        assert!(m("??", "éx"), "? is one character, not one byte");
        assert!(!m("?", "éx"));
        assert!(!m("abc", "ab"));
        assert!(m("", ""));
        assert!(!m("", "a"));
    }

    proptest! {
        #[test]
        fn the_short_ways_build_the_tokenized_pattern(text in "[aB:*?]{0,6}", fold: bool) {
            prop_assert_eq!(Pattern::new(&text, fold), Pattern::tokenized(&text, fold));
        }
    }

    #[test]
    fn case_folding_is_for_actions_only() {
        // Action: "The prefix and the action name are case insensitive."
        let p = Pattern::new("S3:get*", true);
        assert!(p.matches_fold("s3:GetObject"));
        assert!(p.matches_fold("S3:GETOBJECT"));
        // Resource ARNs are case-sensitive (IAM User Guide, "Resource").
        assert!(!Pattern::new("arn:aws:s3:::Bucket", false).matches("arn:aws:s3:::bucket"));
    }

    #[test]
    fn escaped_wildcards_stay_literal() {
        // Policy variables: `${*}` stands for a literal `*`.
        let p = Pattern::from_tokens(vec![Token::Lit("a*".into()), Token::Star], false);
        assert!(p.matches("a*xyz"));
        assert!(!p.matches("abxyz"));
    }

    #[test]
    fn bytes_eq_all_lengths() {
        let a: Vec<u8> = (0..40u8).collect();
        for n in 0..40 {
            assert!(bytes_eq(&a[..n], &a[..n]));
            if n > 0 {
                let mut b = a[..n].to_vec();
                b[n - 1] ^= 1;
                assert!(!bytes_eq(&a[..n], &b));
                b[n - 1] ^= 1;
                b[0] ^= 1;
                assert!(!bytes_eq(&a[..n], &b));
                assert!(!bytes_eq(&a[..n], &a[..n - 1]));
            }
        }
    }

    fn regex_for(pattern: &str) -> regex::Regex {
        let mut re = String::from("(?s)^");
        for c in pattern.chars() {
            match c {
                '*' => re.push_str(".*"),
                '?' => re.push('.'),
                c => re.push_str(&regex::escape(&c.to_string())),
            }
        }
        re.push('$');
        regex::Regex::new(&re).unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        // Oracle test (as in cedar-spec): the matcher agrees with a regex built from the
        // same pattern, `*` → `.*`, `?` → `.`, everything else escaped, anchored.
        #[test]
        fn agrees_with_regex(pattern in "[ab*?/:é.]{0,8}", s in "[ab/:é.]{0,10}") {
            let ours = m(&pattern, &s);
            let theirs = regex_for(&pattern).is_match(&s);
            prop_assert_eq!(ours, theirs, "pattern {:?} on {:?}", pattern, s);
        }

        #[test]
        fn agrees_with_regex_on_any_text(pattern in "\\PC{0,6}", s in "\\PC{0,8}") {
            prop_assert_eq!(m(&pattern, &s), regex_for(&pattern).is_match(&s));
        }
    }
}
