//! The request context: condition keys and their values.
//!
//! "Condition key names are not case-sensitive" (IAM User Guide, "IAM JSON policy elements:
//! Condition"), so keys are stored lowercased and looked up by a lowercased name.

use std::borrow::Cow;

use serde::Serialize;

/// The value of one context key: single-valued (`aws:SourceIp`) or multivalued (`aws:TagKeys`,
/// possibly empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ContextValue {
    Single(String),
    Multi(Vec<String>),
}

impl ContextValue {
    /// The values as a slice (one element for a single value).
    pub fn as_slice(&self) -> &[String] {
        match self {
            ContextValue::Single(s) => std::slice::from_ref(s),
            ContextValue::Multi(v) => v,
        }
    }

    /// Whether this is a multivalued key (even with one element).
    pub fn is_multi(&self) -> bool {
        matches!(self, ContextValue::Multi(_))
    }
}

impl From<&str> for ContextValue {
    fn from(s: &str) -> Self {
        ContextValue::Single(s.to_owned())
    }
}

impl From<String> for ContextValue {
    fn from(s: String) -> Self {
        ContextValue::Single(s)
    }
}

impl From<Vec<String>> for ContextValue {
    fn from(v: Vec<String>) -> Self {
        ContextValue::Multi(v)
    }
}

impl From<Vec<&str>> for ContextValue {
    fn from(v: Vec<&str>) -> Self {
        ContextValue::Multi(v.into_iter().map(str::to_owned).collect())
    }
}

/// What the context says about one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup<'a> {
    /// The key is not in the request.
    Absent,
    /// The key is in the request with this value.
    Present(&'a ContextValue),
    /// The key's value is not known until request time (partial evaluation).
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Entry {
    Known(ContextValue),
    Unknown,
}

/// Condition keys of a request, matched case-insensitively. Keys can also be marked *unknown*
/// for partial evaluation ([`crate::eval::evaluate_partial`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    /// Lowercased key → entry. A short vector: contexts hold a dozen keys, and a linear scan
    /// over them beats hashing.
    entries: Vec<(Box<str>, Entry)>,
}

/// What [`Context::push_overrides`] changed.
#[derive(Debug)]
pub struct Overrides {
    len: usize,
    replaced: Vec<(usize, Entry)>,
}

impl Context {
    /// An empty context: every key is absent.
    pub fn new() -> Context {
        Context::default()
    }

    /// Sets `key` (any case) to `value`, replacing an earlier value.
    pub fn insert(&mut self, key: &str, value: impl Into<ContextValue>) {
        self.put(key, Entry::Known(value.into()));
    }

    /// Builder form of [`Context::insert`].
    pub fn with(mut self, key: &str, value: impl Into<ContextValue>) -> Context {
        self.insert(key, value);
        self
    }

    /// Marks `key` as unknown: its value, and whether it is present at all, is decided at
    /// request time.
    pub fn set_unknown(&mut self, key: &str) {
        self.put(key, Entry::Unknown);
    }

    /// Marks `key` as unknown unless the context holds it already (known or unknown): one
    /// pass over the entries, for marking every condition key of a principal's policies.
    pub fn set_unknown_if_absent(&mut self, key: &str) {
        // Keys are kept lowercased. Policies repeat their keys, so most are here already: an
        // ASCII key is compared without making a lowercased copy first.
        let present = if key.is_ascii() {
            self.entries
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case(key))
        } else {
            !matches!(self.lookup_lower(&lowercase(key)), Lookup::Absent)
        };
        if !present {
            self.entries.push((lowercase(key).into(), Entry::Unknown));
        }
    }

    /// Removes `key`, making it absent.
    pub fn remove(&mut self, key: &str) {
        let key = key.to_lowercase();
        self.entries.retain(|(k, _)| **k != *key);
    }

    /// Sets the `extra` keys for a while, without copying the context: undo with
    /// [`Context::pop_overrides`].
    pub fn push_overrides(&mut self, extra: &[(&str, ContextValue)]) -> Overrides {
        let mut saved = Overrides {
            len: self.entries.len(),
            replaced: Vec::new(),
        };
        for (key, value) in extra {
            let key = key.to_lowercase();
            let entry = Entry::Known(value.clone());
            match self.entries.iter().position(|(k, _)| **k == *key) {
                Some(i) => saved
                    .replaced
                    .push((i, std::mem::replace(&mut self.entries[i].1, entry))),
                None => self.entries.push((key.into_boxed_str(), entry)),
            }
        }
        saved
    }

    /// Puts the context back as it was before [`Context::push_overrides`].
    pub fn pop_overrides(&mut self, saved: Overrides) {
        // Later overrides of a key first, so that the oldest value is restored last.
        for (i, entry) in saved.replaced.into_iter().rev() {
            if let Some(slot) = self.entries.get_mut(i) {
                slot.1 = entry;
            }
        }
        self.entries.truncate(saved.len);
    }

    fn put(&mut self, key: &str, entry: Entry) {
        let key = key.to_lowercase();
        if let Some(slot) = self.entries.iter_mut().find(|(k, _)| **k == *key) {
            slot.1 = entry;
        } else {
            self.entries.push((key.into_boxed_str(), entry));
        }
    }

    /// Looks up a key given in lowercase (compiled policies lowercase their keys once).
    #[inline]
    pub(crate) fn lookup_lower(&self, key_lower: &str) -> Lookup<'_> {
        for (k, e) in &self.entries {
            if super::wildcard::bytes_eq(k.as_bytes(), key_lower.as_bytes()) {
                return match e {
                    Entry::Known(v) => Lookup::Present(v),
                    Entry::Unknown => Lookup::Unknown,
                };
            }
        }
        Lookup::Absent
    }

    /// Looks up a key in any case.
    pub fn lookup(&self, key: &str) -> Lookup<'_> {
        self.lookup_lower(&lowercase(key))
    }

    /// The value of a key in any case, if it is present and known.
    pub fn get(&self, key: &str) -> Option<&ContextValue> {
        match self.lookup(key) {
            Lookup::Present(v) => Some(v),
            _ => None,
        }
    }

    /// Whether any key is marked unknown.
    pub fn has_unknown(&self) -> bool {
        self.entries.iter().any(|(_, e)| *e == Entry::Unknown)
    }

    /// The keys (lowercased) and their values, in insertion order; unknown keys have `None`.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Option<&ContextValue>)> {
        self.entries.iter().map(|(k, e)| {
            (
                &**k,
                match e {
                    Entry::Known(v) => Some(v),
                    Entry::Unknown => None,
                },
            )
        })
    }
}

/// `key` in lowercase, copied only when it is not already.
fn lowercase(key: &str) -> Cow<'_, str> {
    if key.bytes().any(|b| b.is_ascii_uppercase()) || !key.is_ascii() {
        Cow::Owned(key.to_lowercase())
    } else {
        Cow::Borrowed(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marking_unknown_keeps_what_is_there() {
        let mut c = Context::new().with("aws:username", "alice");
        c.set_unknown("aws:SourceIp");
        for key in [
            "AWS:UserName",
            "aws:sourceip",
            "aws:PrincipalTag/Team",
            "aws:principaltag/team",
        ] {
            c.set_unknown_if_absent(key);
        }
        assert_eq!(c.get("aws:username"), Some(&ContextValue::from("alice")));
        assert!(matches!(c.lookup("aws:SourceIp"), Lookup::Unknown));
        assert!(matches!(c.lookup("AWS:PRINCIPALTAG/TEAM"), Lookup::Unknown));
        assert_eq!(c.iter().count(), 3, "{c:?}");
    }

    #[test]
    fn overrides_are_undone() {
        let mut c = Context::new().with("aws:username", "alice");
        c.set_unknown("aws:SourceIp");
        let before = c.clone();
        let saved = c.push_overrides(&[
            ("AWS:SourceIp", ContextValue::from("10.0.0.1")),
            (
                "iam:PassedToService",
                ContextValue::from("ec2.amazonaws.com"),
            ),
            ("aws:sourceip", ContextValue::from("10.0.0.2")),
        ]);
        assert_eq!(c.get("aws:SourceIp"), Some(&ContextValue::from("10.0.0.2")));
        assert_eq!(
            c.get("iam:passedtoservice"),
            Some(&ContextValue::from("ec2.amazonaws.com"))
        );
        c.pop_overrides(saved);
        assert_eq!(c, before);
    }

    #[test]
    fn keys_are_case_insensitive() {
        // Condition: "Condition key names are not case-sensitive."
        let c = Context::new().with("aws:SourceIp", "203.0.113.5");
        assert_eq!(
            c.get("AWS:SOURCEIP"),
            Some(&ContextValue::Single("203.0.113.5".into()))
        );
        assert_eq!(
            c.lookup_lower("aws:sourceip"),
            Lookup::Present(&"203.0.113.5".into())
        );
        assert_eq!(c.lookup("aws:username"), Lookup::Absent);
    }

    #[test]
    fn unknown_and_replace() {
        let mut c = Context::new().with("a", "1");
        c.insert("A", "2");
        assert_eq!(c.get("a"), Some(&ContextValue::Single("2".into())));
        c.set_unknown("a");
        assert_eq!(c.lookup("a"), Lookup::Unknown);
        assert!(c.has_unknown());
        c.remove("A");
        assert_eq!(c.lookup("a"), Lookup::Absent);
    }
}
