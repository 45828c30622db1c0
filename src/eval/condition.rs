//! Condition operators, compiled once and evaluated in three-valued (Kleene) logic.
//!
//! `Unknown` only arises when the context marks a key unknown (partial evaluation); a full
//! context always gives `True` or `False`.

use std::net::IpAddr;
use std::str::FromStr;
use std::sync::Arc;

use base64::Engine as _;
use ipnet::IpNet;
use serde::Serialize;

use super::arn::{ArnPattern, SplitArn};
use super::context::{Context, Lookup};
use super::variables::{Resolved, Template};
use super::wildcard::Pattern;
use crate::policy::Condition;

/// Three-valued truth: `Unknown` when the answer depends on a key not known yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tri {
    False,
    True,
    Unknown,
}

impl Tri {
    #[inline]
    pub fn from_bool(b: bool) -> Tri {
        if b { Tri::True } else { Tri::False }
    }
    #[inline]
    pub fn and(self, o: Tri) -> Tri {
        match (self, o) {
            (Tri::False, _) | (_, Tri::False) => Tri::False,
            (Tri::True, Tri::True) => Tri::True,
            _ => Tri::Unknown,
        }
    }
    #[inline]
    pub fn or(self, o: Tri) -> Tri {
        match (self, o) {
            (Tri::True, _) | (_, Tri::True) => Tri::True,
            (Tri::False, Tri::False) => Tri::False,
            _ => Tri::Unknown,
        }
    }
    /// `true` only for `True` (the "unknown = false" reading).
    #[inline]
    pub fn is_true(self) -> bool {
        self == Tri::True
    }
}

impl std::ops::Not for Tri {
    type Output = Tri;
    #[inline]
    fn not(self) -> Tri {
        match self {
            Tri::True => Tri::False,
            Tri::False => Tri::True,
            Tri::Unknown => Tri::Unknown,
        }
    }
}

/// `ForAllValues:` / `ForAnyValue:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SetQualifier {
    None,
    ForAllValues,
    ForAnyValue,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    #[inline]
    fn test<T: PartialOrd>(self, request: T, policy: T) -> bool {
        match self {
            Cmp::Eq => request == policy,
            Cmp::Lt => request < policy,
            Cmp::Le => request <= policy,
            Cmp::Gt => request > policy,
            Cmp::Ge => request >= policy,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StrOp {
    Equals,
    EqualsIgnoreCase,
    Like,
}

/// A string (or ARN) condition value: fixed, or with policy variables.
#[derive(Debug, Clone)]
enum StrValue {
    Text(Box<str>),
    Like(Pattern),
    Arn(ArnPattern),
    Template(Template),
}

#[derive(Debug, Clone)]
enum Kind {
    Str { op: StrOp, values: Vec<StrValue> },
    Num { cmp: Cmp, values: Vec<f64> },
    Date { cmp: Cmp, values: Vec<(i64, u32)> },
    Bool { values: Vec<bool> },
    Binary { values: Vec<Vec<u8>> },
    Ip { values: Vec<IpNet> },
    Arn { values: Vec<StrValue> },
    Null { values: Vec<bool> },
}

/// One compiled `operator → key → values` entry.
#[derive(Debug, Clone)]
pub(crate) struct CompiledCondition {
    /// The operator as written.
    pub(crate) operator: Arc<str>,
    /// The key as written.
    pub(crate) key: Arc<str>,
    key_lower: Box<str>,
    /// The values as written (for traces).
    pub(crate) values: Arc<[String]>,
    set: SetQualifier,
    if_exists: bool,
    negated: bool,
    kind: Kind,
}

/// Why a condition could not be compiled; the statement holding it never applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConditionError {
    pub(crate) operator: String,
    pub(crate) key: String,
    pub(crate) message: String,
}

impl CompiledCondition {
    /// Compiles one entry. `variables` is whether the policy version substitutes `${...}`.
    pub(crate) fn compile(
        c: &Condition,
        variables: bool,
    ) -> Result<CompiledCondition, ConditionError> {
        let err = |message: String| ConditionError {
            operator: c.operator.clone(),
            key: c.key.clone(),
            message,
        };
        let values: Vec<String> = c.values.iter().map(|v| v.as_text().into_owned()).collect();
        let (set, rest) = if let Some(r) = c.operator.strip_prefix("ForAllValues:") {
            (SetQualifier::ForAllValues, r)
        } else if let Some(r) = c.operator.strip_prefix("ForAnyValue:") {
            (SetQualifier::ForAnyValue, r)
        } else {
            (SetQualifier::None, c.operator.as_str())
        };
        let (base, if_exists) = match rest.strip_suffix("IfExists") {
            Some(b) if b != "Null" => (b, true),
            _ => (rest, false),
        };
        use Cmp::*;
        let (negated, family) = match base {
            "StringEquals" => (false, Fam::Str(StrOp::Equals)),
            "StringNotEquals" => (true, Fam::Str(StrOp::Equals)),
            "StringEqualsIgnoreCase" => (false, Fam::Str(StrOp::EqualsIgnoreCase)),
            "StringNotEqualsIgnoreCase" => (true, Fam::Str(StrOp::EqualsIgnoreCase)),
            "StringLike" => (false, Fam::Str(StrOp::Like)),
            "StringNotLike" => (true, Fam::Str(StrOp::Like)),
            "NumericEquals" => (false, Fam::Num(Eq)),
            "NumericNotEquals" => (true, Fam::Num(Eq)),
            "NumericLessThan" => (false, Fam::Num(Lt)),
            "NumericLessThanEquals" => (false, Fam::Num(Le)),
            "NumericGreaterThan" => (false, Fam::Num(Gt)),
            "NumericGreaterThanEquals" => (false, Fam::Num(Ge)),
            "DateEquals" => (false, Fam::Date(Eq)),
            "DateNotEquals" => (true, Fam::Date(Eq)),
            "DateLessThan" => (false, Fam::Date(Lt)),
            "DateLessThanEquals" => (false, Fam::Date(Le)),
            "DateGreaterThan" => (false, Fam::Date(Gt)),
            "DateGreaterThanEquals" => (false, Fam::Date(Ge)),
            "Bool" => (false, Fam::Bool),
            "BinaryEquals" => (false, Fam::Binary),
            "IpAddress" => (false, Fam::Ip),
            "NotIpAddress" => (true, Fam::Ip),
            "ArnEquals" | "ArnLike" => (false, Fam::Arn),
            "ArnNotEquals" | "ArnNotLike" => (true, Fam::Arn),
            "Null" if set == SetQualifier::None => (false, Fam::Null),
            _ => {
                return Err(err(format!(
                    "unknown condition operator `{}`{}",
                    c.operator,
                    did_you_mean(base)
                )));
            }
        };
        let kind = match family {
            Fam::Str(op) => Kind::Str {
                op,
                values: values.iter().map(|v| str_value(v, op, variables)).collect(),
            },
            Fam::Arn => Kind::Arn {
                values: values
                    .iter()
                    .map(|v| match variables.then(|| Template::parse(v)).flatten() {
                        Some(t) => StrValue::Template(t),
                        None => StrValue::Arn(ArnPattern::new(v)),
                    })
                    .collect(),
            },
            Fam::Num(cmp) => Kind::Num {
                cmp,
                values: values
                    .iter()
                    .map(|v| parse_number(v).ok_or_else(|| err(format!("`{v}` is not a number"))))
                    .collect::<Result<_, _>>()?,
            },
            Fam::Date(cmp) => Kind::Date {
                cmp,
                values: values
                    .iter()
                    .map(|v| {
                        parse_date(v).ok_or_else(|| {
                            err(format!("`{v}` is not an ISO 8601 date or epoch seconds"))
                        })
                    })
                    .collect::<Result<_, _>>()?,
            },
            Fam::Bool => Kind::Bool {
                values: values
                    .iter()
                    .map(|v| {
                        parse_bool(v).ok_or_else(|| err(format!("`{v}` is not `true` or `false`")))
                    })
                    .collect::<Result<_, _>>()?,
            },
            Fam::Null => Kind::Null {
                values: values
                    .iter()
                    .map(|v| {
                        parse_bool(v).ok_or_else(|| err(format!("`{v}` is not `true` or `false`")))
                    })
                    .collect::<Result<_, _>>()?,
            },
            Fam::Binary => Kind::Binary {
                values: values
                    .iter()
                    .map(|v| {
                        base64::engine::general_purpose::STANDARD_PAD_INDIFFERENT
                            .decode(v.trim())
                            .map_err(|e| err(format!("`{v}` is not base64: {e}")))
                    })
                    .collect::<Result<_, _>>()?,
            },
            Fam::Ip => Kind::Ip {
                values: values
                    .iter()
                    .map(|v| {
                        parse_net(v)
                            .ok_or_else(|| err(format!("`{v}` is not an IP address or CIDR")))
                    })
                    .collect::<Result<_, _>>()?,
            },
        };
        Ok(CompiledCondition {
            operator: c.operator.as_str().into(),
            key: c.key.as_str().into(),
            key_lower: c.key.to_lowercase().into_boxed_str(),
            values: values.into(),
            set,
            if_exists,
            negated,
            kind,
        })
    }

    /// The context value this condition reads (for traces).
    pub(crate) fn request_values<'c>(&self, ctx: &'c Context) -> Option<&'c [String]> {
        match ctx.lookup_lower(&self.key_lower) {
            Lookup::Present(v) => Some(v.as_slice()),
            _ => None,
        }
    }

    /// Evaluates against the request context.
    pub(crate) fn eval(&self, ctx: &Context) -> Tri {
        let value = match ctx.lookup_lower(&self.key_lower) {
            Lookup::Unknown => return Tri::Unknown,
            Lookup::Absent => None,
            Lookup::Present(v) => Some(v),
        };
        if let Kind::Null { values } = &self.kind {
            // Null: "true (the key doesn't exist — it is null) or false (the key exists and
            // its value is not null)". An empty multivalued key counts as null: the Guide
            // offers `Null: false` to guard against "missing context keys or context keys
            // with empty values" ("Multivalued context key examples").
            let is_null = match value {
                None => true,
                Some(v) => v.as_slice().is_empty(),
            };
            return Tri::from_bool(values.contains(&is_null));
        }
        let Some(value) = value else {
            // "If the key that you specify in a policy condition is not present in the
            // request context, the values do not match and the condition is false. If the
            // policy condition requires that the key is not matched, such as StringNotLike or
            // ArnNotLike, and the right key is not present, the condition is true."
            // (Condition operators). `...IfExists`: "If the key is not present, evaluate the
            // condition element as true." ForAllValues "also returns true if there are no
            // context keys in the request"; ForAnyValue: "if the key does not exist, the
            // condition returns false" (Single-valued vs. multivalued context keys).
            return Tri::from_bool(
                self.if_exists
                    || match self.set {
                        SetQualifier::ForAllValues => true,
                        SetQualifier::ForAnyValue => false,
                        SetQualifier::None => self.negated,
                    },
            );
        };
        let requests = value.as_slice();
        match self.set {
            // Without a set operator several request values (a multivalued key) match like
            // ForAnyValue for a positive operator and, for a negated one, the negation of
            // that: none of the request values may match any policy value (NOR).
            SetQualifier::None => {
                let mut any = Tri::False;
                for r in requests {
                    any = any.or(self.positive(r, ctx));
                    if any == Tri::True {
                        break;
                    }
                }
                if self.negated { !any } else { any }
            }
            // ForAllValues: "true if every context key value in the request matches a context
            // key value in the policy"; an empty set gives true.
            SetQualifier::ForAllValues => {
                let mut all = Tri::True;
                for r in requests {
                    all = all.and(self.single(r, ctx));
                    if all == Tri::False {
                        break;
                    }
                }
                all
            }
            // ForAnyValue: "true if any one of the context key values in the request matches
            // any one of the context key values in the policy"; an empty set gives false.
            SetQualifier::ForAnyValue => {
                let mut any = Tri::False;
                for r in requests {
                    any = any.or(self.single(r, ctx));
                    if any == Tri::True {
                        break;
                    }
                }
                any
            }
        }
    }

    /// One request value against the operator, negation included: "values for one key OR
    /// together, or NOR for negated operators".
    #[inline]
    fn single(&self, r: &str, ctx: &Context) -> Tri {
        let p = self.positive(r, ctx);
        if self.negated { !p } else { p }
    }

    /// Whether one request value matches any policy value (the un-negated operator).
    fn positive(&self, r: &str, ctx: &Context) -> Tri {
        match &self.kind {
            Kind::Str { op, values } => {
                let mut acc = Tri::False;
                for v in values {
                    acc = acc.or(str_match(*op, v, r, ctx));
                    if acc == Tri::True {
                        break;
                    }
                }
                acc
            }
            Kind::Arn { values } => {
                let arn = SplitArn::new(r);
                let mut acc = Tri::False;
                for v in values {
                    let m = match v {
                        StrValue::Arn(p) => Tri::from_bool(p.matches(&arn)),
                        StrValue::Template(t) => match t.resolve_tokens(ctx) {
                            Resolved::Value(tokens) => {
                                Tri::from_bool(ArnPattern::from_tokens(tokens).matches(&arn))
                            }
                            // A variable with no value: "There is no equal or like value."
                            Resolved::NoValue => Tri::False,
                            Resolved::Unknown => Tri::Unknown,
                        },
                        StrValue::Text(_) | StrValue::Like(_) => Tri::False,
                    };
                    acc = acc.or(m);
                    if acc == Tri::True {
                        break;
                    }
                }
                acc
            }
            Kind::Num { cmp, values } => match parse_number(r) {
                Some(x) => Tri::from_bool(values.iter().any(|v| cmp.test(x, *v))),
                None => Tri::False,
            },
            Kind::Date { cmp, values } => match parse_date(r) {
                Some(x) => Tri::from_bool(values.iter().any(|v| cmp.test(x, *v))),
                None => Tri::False,
            },
            Kind::Bool { values } => match parse_bool(r) {
                Some(x) => Tri::from_bool(values.contains(&x)),
                None => Tri::False,
            },
            Kind::Binary { values } => Tri::from_bool(binary_match(r, values)),
            Kind::Ip { values } => match parse_ip(r) {
                Some(ip) => Tri::from_bool(values.iter().any(|n| n.contains(&ip))),
                None => Tri::False,
            },
            Kind::Null { .. } => Tri::False,
        }
    }
}

enum Fam {
    Str(StrOp),
    Num(Cmp),
    Date(Cmp),
    Bool,
    Binary,
    Ip,
    Arn,
    Null,
}

const OPERATORS: [&str; 32] = [
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
    "Null",
    "ForAllValues:",
    "ForAnyValue:",
    "IfExists",
    "StringEqualsIfExists",
    "StringLikeIfExists",
];

fn did_you_mean(base: &str) -> String {
    let lower = base.to_ascii_lowercase();
    OPERATORS
        .iter()
        .find(|o| o.to_ascii_lowercase() == lower)
        .map(|o| format!(": did you mean `{o}`?"))
        .unwrap_or_default()
}

fn str_value(v: &str, op: StrOp, variables: bool) -> StrValue {
    if variables && let Some(t) = Template::parse(v) {
        return StrValue::Template(t);
    }
    match op {
        StrOp::Like => StrValue::Like(Pattern::new(v, false)),
        _ => StrValue::Text(v.into()),
    }
}

fn str_match(op: StrOp, v: &StrValue, r: &str, ctx: &Context) -> Tri {
    match (op, v) {
        (StrOp::Equals, StrValue::Text(t)) => Tri::from_bool(**t == *r),
        (StrOp::EqualsIgnoreCase, StrValue::Text(t)) => Tri::from_bool(eq_ignore_case(t, r)),
        (StrOp::Like, StrValue::Like(p)) => Tri::from_bool(p.matches(r)),
        (op, StrValue::Template(t)) => {
            let resolved = if op == StrOp::Like {
                match t.resolve_tokens(ctx) {
                    Resolved::Value(tokens) => {
                        return Tri::from_bool(Pattern::from_tokens(tokens, false).matches(r));
                    }
                    Resolved::NoValue => Resolved::NoValue,
                    Resolved::Unknown => Resolved::Unknown,
                }
            } else {
                t.resolve_string(ctx)
            };
            match resolved {
                Resolved::Value(s) => Tri::from_bool(match op {
                    StrOp::EqualsIgnoreCase => eq_ignore_case(&s, r),
                    _ => s == r,
                }),
                // Variables with no value: "condition operators like StringEquals or
                // StringLike do not match ... Inverted condition operators like
                // StringNotEquals or StringNotLike do match against a null value" — this
                // value matches nothing, and the negation is applied by the caller.
                Resolved::NoValue => Tri::False,
                Resolved::Unknown => Tri::Unknown,
            }
        }
        _ => Tri::False,
    }
}

fn eq_ignore_case(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

fn parse_bool(s: &str) -> Option<bool> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

fn parse_number(s: &str) -> Option<f64> {
    let s = s.trim();
    if s.is_empty()
        || !s
            .bytes()
            .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b))
    {
        return None;
    }
    s.parse::<f64>().ok().filter(|x| x.is_finite())
}

fn parse_net(s: &str) -> Option<IpNet> {
    let s = s.trim();
    if let Ok(n) = IpNet::from_str(s) {
        return Some(n);
    }
    // "If you specify an IP address without the associated routing prefix, IAM uses the
    // default prefix value of /32" (and /128 for IPv6).
    IpAddr::from_str(s).ok().map(IpNet::from)
}

fn parse_ip(s: &str) -> Option<IpAddr> {
    let s = s.trim();
    IpAddr::from_str(s)
        .ok()
        .or_else(|| IpNet::from_str(s).ok().map(|n| n.addr()))
}

fn binary_match(r: &str, values: &[Vec<u8>]) -> bool {
    let engine = &base64::engine::general_purpose::STANDARD_PAD_INDIFFERENT;
    let mut buf = [0u8; 512];
    match engine.decode_slice(r.trim(), &mut buf) {
        Ok(n) => values.iter().any(|v| v[..] == buf[..n]),
        Err(_) => match engine.decode(r.trim()) {
            Ok(bytes) => values.contains(&bytes),
            // Not base64: compare the text byte for byte.
            Err(_) => values.iter().any(|v| v[..] == *r.as_bytes()),
        },
    }
}

/// Parses a date "with one of the W3C implementations of the ISO 8601 date formats or in epoch
/// (UNIX) time" (Condition operators, Date) into (seconds, nanoseconds) since the epoch.
pub(crate) fn parse_date(s: &str) -> Option<(i64, u32)> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.is_empty() {
        return None;
    }
    // Epoch seconds: digits, optionally signed, optionally with a fraction.
    if b.iter()
        .all(|c| c.is_ascii_digit() || *c == b'-' || *c == b'.')
        && !s[1..].contains('-')
    {
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        let secs: i64 = int.parse().ok()?;
        let nanos = parse_fraction(frac)?;
        return Some(if secs < 0 && nanos > 0 {
            (secs - 1, 1_000_000_000 - nanos)
        } else {
            (secs, nanos)
        });
    }
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = b.get(from..from + len)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(part).ok()?.parse().ok()
    };
    let year = num(0, 4)?;
    let (mut month, mut day) = (1, 1);
    let mut i = 4;
    if b.get(i) == Some(&b'-') {
        month = num(i + 1, 2)?;
        i += 3;
        if b.get(i) == Some(&b'-') {
            day = num(i + 1, 2)?;
            i += 3;
        }
    }
    let (mut h, mut m, mut sec, mut nanos) = (0, 0, 0, 0u32);
    if matches!(b.get(i), Some(b'T' | b't' | b' ')) {
        h = num(i + 1, 2)?;
        if b.get(i + 3) != Some(&b':') {
            return None;
        }
        m = num(i + 4, 2)?;
        i += 6;
        if b.get(i) == Some(&b':') {
            sec = num(i + 1, 2)?;
            i += 3;
            if b.get(i) == Some(&b'.') {
                let start = i + 1;
                let mut end = start;
                while b.get(end).is_some_and(u8::is_ascii_digit) {
                    end += 1;
                }
                nanos = parse_fraction(&s[start..end])?;
                i = end;
            }
        }
    }
    let offset = match b.get(i) {
        None => 0,
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(sign @ (b'+' | b'-')) => {
            let oh = num(i + 1, 2)?;
            let om = match b.get(i + 3) {
                Some(b':') => num(i + 4, 2)?,
                Some(_) => num(i + 3, 2)?,
                None => 0,
            };
            let o = oh * 3600 + om * 60;
            if *sign == b'+' { o } else { -o }
        }
        _ => return None,
    };
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || h > 24 || m > 59 || sec > 60 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some((days * 86_400 + h * 3600 + m * 60 + sec - offset, nanos))
}

fn parse_fraction(frac: &str) -> Option<u32> {
    if frac.is_empty() {
        return Some(0);
    }
    if !frac.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut nanos: u32 = 0;
    for (k, c) in frac.bytes().take(9).enumerate() {
        nanos += u32::from(c - b'0') * 10u32.pow(8 - k as u32);
    }
    Some(nanos)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::ConditionValue;

    fn cond(op: &str, key: &str, values: &[&str]) -> CompiledCondition {
        let c = Condition {
            operator: op.into(),
            key: key.into(),
            values: values
                .iter()
                .map(|v| ConditionValue::String(v.to_string()))
                .collect(),
            single: values.len() == 1,
        };
        CompiledCondition::compile(&c, true).unwrap()
    }

    fn ev(op: &str, key: &str, values: &[&str], ctx: &Context) -> Tri {
        cond(op, key, values).eval(ctx)
    }

    fn ctx() -> Context {
        Context::new()
            .with("aws:username", "alice")
            .with("aws:SourceIp", "203.0.113.5")
            .with("aws:CurrentTime", "2024-06-15T12:00:00Z")
            .with("aws:EpochTime", "1718452800")
            .with("aws:SecureTransport", "true")
            .with("aws:MultiFactorAuthAge", "300")
            .with("aws:TagKeys", vec!["env", "owner"])
            .with("aws:CalledVia", Vec::<String>::new())
            .with("aws:PrincipalTag/blob", "AAECAw==")
            .with(
                "aws:SourceArn",
                "arn:aws:sns:us-east-1:111122223333:topic/a:b",
            )
            .with("aws:PrincipalTag/team", "data")
    }

    use Tri::{False as F, True as T};

    #[test]
    fn string_operators() {
        // Condition operators, String: StringEquals "Exact matching, case sensitive",
        // StringEqualsIgnoreCase "Exact matching, ignoring case", StringLike "Case-sensitive
        // matching ... multi-character match wildcard (*) or a single-character match
        // wildcard (?)".
        let c = ctx();
        assert_eq!(ev("StringEquals", "aws:username", &["alice"], &c), T);
        assert_eq!(ev("StringEquals", "aws:username", &["Alice"], &c), F);
        assert_eq!(
            ev("StringEqualsIgnoreCase", "aws:username", &["ALICE"], &c),
            T
        );
        assert_eq!(
            ev("StringNotEqualsIgnoreCase", "aws:username", &["ALICE"], &c),
            F
        );
        assert_eq!(ev("StringLike", "aws:username", &["al*"], &c), T);
        assert_eq!(ev("StringLike", "aws:username", &["Al*"], &c), F);
        assert_eq!(ev("StringNotLike", "aws:username", &["b*"], &c), T);
    }

    #[test]
    fn values_or_and_negated_operators_nor() {
        // Condition: "If you specify multiple values for a single key, the condition is
        // evaluated using a logical OR"; for negated operators the values are NORed
        // ("Creating a condition with multiple keys or values").
        let c = ctx();
        assert_eq!(ev("StringEquals", "aws:username", &["bob", "alice"], &c), T);
        assert_eq!(
            ev("StringNotEquals", "aws:username", &["bob", "alice"], &c),
            F
        );
        assert_eq!(
            ev("StringNotEquals", "aws:username", &["bob", "carol"], &c),
            T
        );
    }

    #[test]
    fn keys_match_case_insensitively() {
        // Condition: "Condition key names are not case-sensitive."
        assert_eq!(ev("StringEquals", "AWS:UserName", &["alice"], &ctx()), T);
    }

    #[test]
    fn missing_keys() {
        // Condition operators: "If the key ... is not present in the request context, the
        // values do not match and the condition is false. If the policy condition requires
        // that the key is not matched, such as StringNotLike ... the condition is true."
        let c = ctx();
        assert_eq!(ev("StringEquals", "aws:userid", &["x"], &c), F);
        assert_eq!(ev("StringNotEquals", "aws:userid", &["x"], &c), T);
        assert_eq!(ev("ArnNotLike", "aws:PrincipalArn", &["arn:*"], &c), T);
        assert_eq!(ev("NumericLessThan", "s3:max-keys", &["10"], &c), F);
        assert_eq!(
            ev("NotIpAddress", "aws:VpcSourceIp", &["10.0.0.0/8"], &c),
            T
        );
        // ...IfExists: "If the key is not present, evaluate the condition element as true."
        assert_eq!(ev("StringEqualsIfExists", "aws:userid", &["x"], &c), T);
        assert_eq!(ev("StringEqualsIfExists", "aws:username", &["x"], &c), F);
        assert_eq!(ev("BoolIfExists", "aws:ViaAWSService", &["true"], &c), T);
    }

    #[test]
    fn numeric_operators() {
        // Condition operators, Numeric: NumericLessThan "Less than" matching, etc.
        let c = ctx();
        assert_eq!(
            ev("NumericLessThan", "aws:MultiFactorAuthAge", &["3600"], &c),
            T
        );
        assert_eq!(
            ev(
                "NumericLessThanEquals",
                "aws:MultiFactorAuthAge",
                &["300"],
                &c
            ),
            T
        );
        assert_eq!(
            ev("NumericGreaterThan", "aws:MultiFactorAuthAge", &["300"], &c),
            F
        );
        assert_eq!(
            ev(
                "NumericGreaterThanEquals",
                "aws:MultiFactorAuthAge",
                &["300.0"],
                &c
            ),
            T
        );
        assert_eq!(
            ev("NumericEquals", "aws:MultiFactorAuthAge", &["300"], &c),
            T
        );
        assert_eq!(
            ev("NumericNotEquals", "aws:MultiFactorAuthAge", &["300"], &c),
            F
        );
        assert_eq!(ev("NumericEquals", "aws:username", &["300"], &c), F);
        let bad = Condition {
            operator: "NumericEquals".into(),
            key: "k".into(),
            values: vec![ConditionValue::String("ten".into())],
            single: true,
        };
        assert!(CompiledCondition::compile(&bad, true).is_err());
    }

    #[test]
    fn date_operators_accept_iso_and_epoch_on_both_sides() {
        // Condition operators, Date: "You must specify date/time values with one of the W3C
        // implementations of the ISO 8601 date formats or in epoch (UNIX) time."
        let c = ctx();
        assert_eq!(
            ev(
                "DateGreaterThan",
                "aws:CurrentTime",
                &["2024-01-01T00:00:00Z"],
                &c
            ),
            T
        );
        assert_eq!(
            ev("DateGreaterThan", "aws:CurrentTime", &["1718452800"], &c),
            F
        );
        assert_eq!(
            ev(
                "DateGreaterThanEquals",
                "aws:CurrentTime",
                &["1718452800"],
                &c
            ),
            T
        );
        assert_eq!(
            ev("DateEquals", "aws:EpochTime", &["2024-06-15T12:00:00Z"], &c),
            T
        );
        assert_eq!(
            ev(
                "DateNotEquals",
                "aws:EpochTime",
                &["2024-06-15T12:00:00Z"],
                &c
            ),
            F
        );
        assert_eq!(
            ev(
                "DateLessThan",
                "aws:EpochTime",
                &["2024-06-15T14:00:00+02:00"],
                &c
            ),
            F
        );
        assert_eq!(
            ev(
                "DateLessThanEquals",
                "aws:EpochTime",
                &["2024-06-15T14:00:00+02:00"],
                &c
            ),
            T
        );
        assert_eq!(
            ev("DateLessThan", "aws:CurrentTime", &["2025"], &c),
            F,
            "bare digits are epoch"
        );
        assert_eq!(ev("DateLessThan", "aws:CurrentTime", &["2024-07"], &c), T);
        assert_eq!(parse_date("1970-01-01T00:00:00.5Z"), Some((0, 500_000_000)));
        assert_eq!(parse_date("2024-06-15"), parse_date("2024-06-15T00:00Z"));
        assert_eq!(parse_date("not a date"), None);
    }

    #[test]
    fn bool_binary_ip() {
        // Bool: "Boolean matching"; BinaryEquals compares "byte for byte against a base-64
        // encoded representation"; IpAddress: "The specified IP address or range".
        let c = ctx();
        assert_eq!(ev("Bool", "aws:SecureTransport", &["true"], &c), T);
        assert_eq!(ev("Bool", "aws:SecureTransport", &["false"], &c), F);
        assert_eq!(
            ev("BinaryEquals", "aws:PrincipalTag/blob", &["AAECAw=="], &c),
            T
        );
        assert_eq!(
            ev("BinaryEquals", "aws:PrincipalTag/blob", &["AAECAw"], &c),
            T
        );
        assert_eq!(
            ev("BinaryEquals", "aws:PrincipalTag/blob", &["QUJD"], &c),
            F
        );
        assert_eq!(ev("IpAddress", "aws:SourceIp", &["203.0.113.0/24"], &c), T);
        assert_eq!(ev("IpAddress", "aws:SourceIp", &["203.0.113.5"], &c), T);
        assert_eq!(ev("IpAddress", "aws:SourceIp", &["2001:db8::/32"], &c), F);
        assert_eq!(
            ev(
                "NotIpAddress",
                "aws:SourceIp",
                &["10.0.0.0/8", "192.0.2.0/24"],
                &c
            ),
            T
        );
        let v6 = Context::new().with("aws:SourceIp", "2001:db8:1234:5678::9");
        assert_eq!(
            ev(
                "IpAddress",
                "aws:SourceIp",
                &["2001:DB8:1234:5678::/64"],
                &v6
            ),
            T
        );
        assert_eq!(ev("IpAddress", "aws:SourceIp", &["203.0.113.0/24"], &v6), F);
    }

    #[test]
    fn arn_operators() {
        // ARN: "Each of the six colon-delimited components of the ARN is checked separately";
        // ArnEquals and ArnLike "behave identically".
        let c = ctx();
        assert_eq!(
            ev(
                "ArnLike",
                "aws:SourceArn",
                &["arn:aws:sns:*:111122223333:*"],
                &c
            ),
            T
        );
        assert_eq!(
            ev(
                "ArnEquals",
                "aws:SourceArn",
                &["arn:aws:sns:*:111122223333:*"],
                &c
            ),
            T
        );
        assert_eq!(
            ev(
                "ArnLike",
                "aws:SourceArn",
                &["arn:aws:sns:*:444455556666:*"],
                &c
            ),
            F
        );
        assert_eq!(ev("ArnNotLike", "aws:SourceArn", &["arn:aws:sqs:*"], &c), T);
        assert_eq!(
            ev(
                "ArnNotEquals",
                "aws:SourceArn",
                &["arn:aws:sns:us-east-1:111122223333:topic/a:b"],
                &c
            ),
            F
        );
    }

    #[test]
    fn null_checks_existence() {
        // Null: "true (the key doesn't exist — it is null) or false (the key exists and its
        // value is not null)".
        let c = ctx();
        assert_eq!(ev("Null", "aws:TokenIssueTime", &["true"], &c), T);
        assert_eq!(ev("Null", "aws:username", &["false"], &c), T);
        assert_eq!(ev("Null", "aws:username", &["true"], &c), F);
        // "You can prevent missing context keys or context keys with empty values from
        // evaluating to true by including a Null condition operator ... with a value of false"
        assert_eq!(ev("Null", "aws:CalledVia", &["false"], &c), F);
    }

    #[test]
    fn set_operators() {
        // ForAllValues: "true if every context key value in the request matches a context key
        // value in the policy. It also returns true if there are no context keys in the
        // request." ForAnyValue: "true if any one of the context key values in the request
        // matches any one ... For no matching context key or if the key does not exist, the
        // condition returns false."
        let c = ctx();
        assert_eq!(
            ev(
                "ForAllValues:StringEquals",
                "aws:TagKeys",
                &["env", "owner", "x"],
                &c
            ),
            T
        );
        assert_eq!(
            ev("ForAllValues:StringEquals", "aws:TagKeys", &["env"], &c),
            F
        );
        assert_eq!(
            ev("ForAnyValue:StringEquals", "aws:TagKeys", &["env"], &c),
            T
        );
        assert_eq!(ev("ForAnyValue:StringEquals", "aws:TagKeys", &["x"], &c), F);
        // Missing and empty keys.
        assert_eq!(
            ev("ForAllValues:StringEquals", "aws:Missing", &["x"], &c),
            T
        );
        assert_eq!(ev("ForAnyValue:StringEquals", "aws:Missing", &["x"], &c), F);
        assert_eq!(
            ev("ForAllValues:StringEquals", "aws:CalledVia", &["x"], &c),
            T
        );
        assert_eq!(
            ev("ForAnyValue:StringEquals", "aws:CalledVia", &["x"], &c),
            F
        );
        assert_eq!(
            ev("ForAnyValue:StringNotEquals", "aws:Missing", &["x"], &c),
            F
        );
        assert_eq!(
            ev(
                "ForAnyValue:StringEqualsIfExists",
                "aws:Missing",
                &["x"],
                &c
            ),
            T
        );
        // An empty set is present for IfExists: ForAnyValue over it stays false.
        assert_eq!(
            ev(
                "ForAnyValue:StringEqualsIfExists",
                "aws:CalledVia",
                &["x"],
                &c
            ),
            F
        );
        // Negated operators apply per request value.
        assert_eq!(
            ev("ForAllValues:StringNotEquals", "aws:TagKeys", &["x"], &c),
            T
        );
        assert_eq!(
            ev("ForAllValues:StringNotEquals", "aws:TagKeys", &["env"], &c),
            F
        );
        assert_eq!(
            ev("ForAnyValue:StringNotEquals", "aws:TagKeys", &["env"], &c),
            T
        );
        assert_eq!(
            ev("ForAnyValue:StringNotLike", "aws:TagKeys", &["*"], &c),
            F
        );
        // A single-valued key under a set operator is a set of one.
        assert_eq!(
            ev("ForAnyValue:StringEquals", "aws:username", &["alice"], &c),
            T
        );
        assert_eq!(
            ev("ForAllValues:StringLike", "aws:username", &["b*"], &c),
            F
        );
    }

    #[test]
    fn multivalued_key_without_set_operator() {
        // "Multivalued context keys require a condition set operator" (Single-valued vs.
        // multivalued context keys); without one we read a positive operator as "any request
        // value matches" and a negated one as "no request value matches".
        let c = ctx();
        assert_eq!(ev("StringEquals", "aws:TagKeys", &["owner"], &c), T);
        assert_eq!(ev("StringNotEquals", "aws:TagKeys", &["owner"], &c), F);
        assert_eq!(ev("StringNotEquals", "aws:TagKeys", &["x"], &c), T);
        assert_eq!(ev("StringEquals", "aws:CalledVia", &["x"], &c), F);
    }

    #[test]
    fn variables_in_condition_values() {
        // Variables: "When you use a variable with no value in the condition element ...
        // StringEquals or StringLike do not match ... Inverted condition operators like
        // StringNotEquals or StringNotLike do match against a null value".
        let c = ctx();
        assert_eq!(
            ev("StringEquals", "aws:username", &["${aws:username}"], &c),
            T
        );
        assert_eq!(
            ev(
                "StringLike",
                "aws:SourceArn",
                &["*${aws:PrincipalTag/team}*"],
                &c
            ),
            F
        );
        assert_eq!(
            ev("StringEquals", "aws:username", &["${aws:userid}"], &c),
            F
        );
        assert_eq!(
            ev("StringNotEquals", "aws:username", &["${aws:userid}"], &c),
            T
        );
        assert_eq!(ev("StringLike", "aws:username", &["${aws:userid}"], &c), F);
        assert_eq!(
            ev("StringNotLike", "aws:username", &["${aws:userid}"], &c),
            T
        );
        assert_eq!(
            ev(
                "StringEquals",
                "aws:username",
                &["${aws:userid, 'alice'}"],
                &c
            ),
            T
        );
        assert_eq!(
            ev(
                "ArnLike",
                "aws:SourceArn",
                &["arn:aws:sns:*:*:topic/${aws:username}"],
                &c
            ),
            F
        );
        // Without `Version: 2012-10-17` the text is literal.
        let lit = Condition {
            operator: "StringEquals".into(),
            key: "k".into(),
            values: vec![ConditionValue::String("${aws:username}".into())],
            single: true,
        };
        let lit = CompiledCondition::compile(&lit, false).unwrap();
        assert_eq!(lit.eval(&Context::new().with("k", "${aws:username}")), T);
    }

    #[test]
    fn unknown_operators_are_errors() {
        // An operator AWS does not define makes the statement not apply.
        let c = Condition {
            operator: "StringEqualz".into(),
            key: "k".into(),
            values: vec![],
            single: false,
        };
        let e = CompiledCondition::compile(&c, true).unwrap_err();
        assert!(e.message.contains("unknown condition operator"), "{e:?}");
        let c = Condition {
            operator: "stringequals".into(),
            ..c
        };
        let e = CompiledCondition::compile(&c, true).unwrap_err();
        assert!(e.message.contains("did you mean `StringEquals`"), "{e:?}");
        let c = Condition {
            operator: "NullIfExists".into(),
            ..c
        };
        assert!(CompiledCondition::compile(&c, true).is_err());
        let c = Condition {
            operator: "ForAnyValue:Null".into(),
            ..c
        };
        assert!(CompiledCondition::compile(&c, true).is_err());
    }

    #[test]
    fn unknown_keys_are_unknown() {
        // Partial evaluation: a condition on a key known only at request time is Unknown,
        // also through IfExists and set operators (Kleene logic).
        let mut c = ctx();
        c.set_unknown("token:sub");
        assert_eq!(ev("StringLike", "token:sub", &["repo:*"], &c), Tri::Unknown);
        assert_eq!(
            ev("StringNotLikeIfExists", "token:sub", &["repo:*"], &c),
            Tri::Unknown
        );
        assert_eq!(
            ev("ForAllValues:StringEquals", "token:sub", &["a"], &c),
            Tri::Unknown
        );
        assert_eq!(ev("Null", "token:sub", &["true"], &c), Tri::Unknown);
        // A known key compared with an unknown variable: OR with a true value is true.
        c.set_unknown("aws:userid");
        assert_eq!(
            ev(
                "StringEquals",
                "aws:username",
                &["alice", "${aws:userid}"],
                &c
            ),
            T
        );
        assert_eq!(
            ev(
                "StringEquals",
                "aws:username",
                &["bob", "${aws:userid}"],
                &c
            ),
            Tri::Unknown
        );
        assert_eq!(Tri::Unknown.and(F), F);
        assert_eq!(Tri::Unknown.or(T), T);
        assert_eq!(!Tri::Unknown, Tri::Unknown);
    }
}
