//! The IAM policy language, typed.
//!
//! [`wire`] is the JSON as AWS writes it; [`Policy`] is what it means. [`Policy::parse`] turns one
//! into the other, rejecting what AWS would reject (with the statement and field that is wrong)
//! and keeping what is legal but questionable as [`PolicyWarning`]s. [`Policy::to_wire`] gives the
//! document back in its author's form, for display.

pub mod wire;

use std::collections::HashSet;
use std::fmt;

use serde_json::{Number, Value};

pub use wire::{
    EncodedDocument, OneOrMany, WireConditionKeys, WireConditions, WireDocument, WirePrincipal,
    WireScalar, WireStatement,
};

/// The policy language version. Only `2012-10-17` has policy variables: under any other version
/// `${...}` is literal text ("Policy variables" in the IAM User Guide).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyVersion {
    V2012_10_17,
    V2008_10_17,
    Missing,
    Other(String),
}

impl PolicyVersion {
    pub fn supports_variables(&self) -> bool {
        matches!(self, PolicyVersion::V2012_10_17)
    }

    fn as_wire(&self) -> Option<String> {
        match self {
            PolicyVersion::V2012_10_17 => Some("2012-10-17".into()),
            PolicyVersion::V2008_10_17 => Some("2008-10-17".into()),
            PolicyVersion::Missing => None,
            PolicyVersion::Other(v) => Some(v.clone()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Effect {
    Allow,
    Deny,
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        })
    }
}

/// `Action`/`NotAction` or `Resource`/`NotResource`: a list of patterns, possibly negated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patterns {
    /// `true` for `NotAction` / `NotResource`.
    pub negated: bool,
    pub values: Vec<String>,
    /// Written as a single string rather than a list.
    pub single: bool,
}

/// `Principal`/`NotPrincipal`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principals {
    /// `true` for `NotPrincipal`.
    pub negated: bool,
    pub set: PrincipalSet,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalSet {
    /// `"Principal": "*"`.
    Anyone,
    /// `"Principal": {"AWS": [...], "Service": ...}`, in document order.
    Entries(Vec<PrincipalEntry>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalEntry {
    pub kind: PrincipalKind,
    pub values: Vec<String>,
    pub single: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrincipalKind {
    Aws,
    Service,
    Federated,
    CanonicalUser,
}

impl PrincipalKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalKind::Aws => "AWS",
            PrincipalKind::Service => "Service",
            PrincipalKind::Federated => "Federated",
            PrincipalKind::CanonicalUser => "CanonicalUser",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "AWS" => Some(PrincipalKind::Aws),
            "Service" => Some(PrincipalKind::Service),
            "Federated" => Some(PrincipalKind::Federated),
            "CanonicalUser" => Some(PrincipalKind::CanonicalUser),
            _ => None,
        }
    }
}

/// A condition value as written: AWS accepts strings, numbers and booleans and compares them as
/// text, but we keep the JSON type so the document is shown faithfully.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConditionValue {
    String(String),
    Number(Number),
    Bool(bool),
}

impl ConditionValue {
    /// The value as the text AWS compares.
    pub fn as_text(&self) -> std::borrow::Cow<'_, str> {
        match self {
            ConditionValue::String(s) => std::borrow::Cow::Borrowed(s),
            ConditionValue::Number(n) => std::borrow::Cow::Owned(n.to_string()),
            ConditionValue::Bool(b) => {
                std::borrow::Cow::Borrowed(if *b { "true" } else { "false" })
            }
        }
    }

    fn to_wire(&self) -> WireScalar {
        match self {
            ConditionValue::String(s) => WireScalar::String(s.clone()),
            ConditionValue::Number(n) => WireScalar::Number(n.clone()),
            ConditionValue::Bool(b) => WireScalar::Bool(*b),
        }
    }
}

/// One `operator → key → values` entry of a `Condition` block. Entries are ANDed; the values of
/// one entry are ORed (for positive operators).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// The operator exactly as written, e.g. `ForAnyValue:StringLikeIfExists`.
    pub operator: String,
    pub key: String,
    pub values: Vec<ConditionValue>,
    pub single: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub sid: Option<String>,
    pub effect: Effect,
    pub principal: Option<Principals>,
    pub action: Patterns,
    /// `None` when the statement has neither `Resource` nor `NotResource` (trust policies).
    pub resource: Option<Patterns>,
    pub conditions: Vec<Condition>,
}

impl Statement {
    /// How a trace or a finding names this statement: its Sid, else its 0-based index.
    pub fn label(&self, index: usize) -> String {
        match &self.sid {
            Some(sid) if !sid.is_empty() => sid.clone(),
            _ => index.to_string(),
        }
    }
}

/// Something legal but questionable in a document; kept with the policy and shown to the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyWarning {
    /// Statement index, when the warning is about one statement.
    pub statement: Option<usize>,
    pub message: String,
}

impl fmt::Display for PolicyWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.statement {
            Some(i) => write!(f, "statement {i}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// A policy document that does not follow the IAM policy grammar.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {message}")]
pub struct PolicyError {
    /// Where, e.g. `Statement[2] (Sid "AllowS3").Effect`.
    pub location: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub version: PolicyVersion,
    pub id: Option<String>,
    pub statements: Vec<Statement>,
    /// `Statement` written as one object rather than a list.
    pub single_statement: bool,
    pub warnings: Vec<PolicyWarning>,
}

impl Policy {
    /// Parses JSON text (not URL-encoded).
    pub fn from_json(text: &str) -> Result<Policy, PolicyError> {
        let mut de = serde_json::Deserializer::from_str(text);
        let wire: WireDocument = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let at = format!("line {}, column {}", inner.line(), inner.column());
            PolicyError {
                location: if path.is_empty() || path == "." {
                    at
                } else {
                    format!("{path} ({at})")
                },
                message: format!(
                    "not a policy document: {}",
                    strip_position(&inner.to_string())
                ),
            }
        })?;
        de.end().map_err(|e| PolicyError {
            location: format!("line {}, column {}", e.line(), e.column()),
            message: "unexpected text after the end of the policy document".into(),
        })?;
        Policy::from_wire(wire)
    }

    /// Parses a JSON value (an object, or a URL-encoded string as the IAM API sends).
    pub fn from_value(value: &Value) -> Result<Policy, PolicyError> {
        let wire: EncodedDocument =
            serde_path_to_error::deserialize(value).map_err(|e| PolicyError {
                location: path_or_document(&e.path().to_string()),
                message: e.inner().to_string(),
            })?;
        Policy::from_wire(wire.0)
    }

    pub fn parse(doc: &WireDocument) -> Result<Policy, PolicyError> {
        Policy::from_wire(doc.clone())
    }

    /// Like [`Policy::parse`], taking the wire form by value so that no text is copied.
    pub fn from_wire(doc: WireDocument) -> Result<Policy, PolicyError> {
        let mut warnings = Vec::new();
        let version = match doc.version.as_deref() {
            Some("2012-10-17") => PolicyVersion::V2012_10_17,
            Some("2008-10-17") => PolicyVersion::V2008_10_17,
            None => {
                warnings.push(PolicyWarning {
                    statement: None,
                    message: "no `Version`: policy variables are not substituted; add \"Version\": \"2012-10-17\"".into(),
                });
                PolicyVersion::Missing
            }
            Some(other) => {
                warnings.push(PolicyWarning {
                    statement: None,
                    message: format!("unknown `Version` `{other}`: expected `2012-10-17`"),
                });
                PolicyVersion::Other(other.to_owned())
            }
        };
        for key in &doc.unknown {
            warnings.push(PolicyWarning {
                statement: None,
                message: format!("unknown top-level element `{key}` is ignored"),
            });
        }
        let (wire_statements, single_statement) = match doc.statement {
            None => (Vec::new(), false),
            Some(s) => {
                let one = s.is_one();
                (s.into_vec(), one)
            }
        };
        if wire_statements.is_empty() {
            warnings.push(PolicyWarning {
                statement: None,
                message: "the policy has no statements: it allows and denies nothing".into(),
            });
        }
        let mut statements = Vec::with_capacity(wire_statements.len());
        let mut sids = HashSet::new();
        for (index, ws) in wire_statements.into_iter().enumerate() {
            let statement = parse_statement(index, ws, &mut warnings)?;
            if let Some(sid) = &statement.sid
                && !sids.insert(sid.clone())
            {
                warnings.push(PolicyWarning {
                    statement: Some(index),
                    message: format!("duplicate Sid `{sid}`"),
                });
            }
            statements.push(statement);
        }
        Ok(Policy {
            version,
            id: doc.id,
            statements,
            single_statement,
            warnings,
        })
    }

    /// The document in its author's form (one-or-many choices and value types preserved).
    pub fn to_wire(&self) -> WireDocument {
        let statements: Vec<WireStatement> =
            self.statements.iter().map(statement_to_wire).collect();
        let statement = if self.single_statement && statements.len() == 1 {
            statements.into_iter().next().map(OneOrMany::One)
        } else if statements.is_empty() {
            None
        } else {
            Some(OneOrMany::Many(statements))
        };
        WireDocument {
            version: self.version.as_wire(),
            id: self.id.clone(),
            statement,
            unknown: Vec::new(),
        }
    }

    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(&self.to_wire()).unwrap_or_default()
    }
}

fn strip_position(message: &str) -> &str {
    message
        .rfind(" at line ")
        .map_or(message, |i| &message[..i])
}

fn path_or_document(path: &str) -> String {
    if path.is_empty() || path == "." {
        "document".into()
    } else {
        path.to_owned()
    }
}

fn statement_location(index: usize, ws: &WireStatement) -> String {
    match &ws.sid {
        Some(sid) => format!("Statement[{index}] (Sid `{sid}`)"),
        None => format!("Statement[{index}]"),
    }
}

fn parse_statement(
    index: usize,
    ws: WireStatement,
    warnings: &mut Vec<PolicyWarning>,
) -> Result<Statement, PolicyError> {
    let location = statement_location(index, &ws);
    let err = |field: &str, message: String| PolicyError {
        location: format!("{location}.{field}"),
        message,
    };
    let effect = match ws.effect.as_deref() {
        Some("Allow") => Effect::Allow,
        Some("Deny") => Effect::Deny,
        Some(other) => {
            return Err(err(
                "Effect",
                format!("`{other}` is not an effect: use `Allow` or `Deny`"),
            ));
        }
        None => {
            return Err(err(
                "Effect",
                "missing: every statement needs `Allow` or `Deny`".into(),
            ));
        }
    };
    let action = match (ws.action, ws.not_action.map(|b| *b)) {
        (Some(a), None) => patterns(a, false),
        (None, Some(a)) => patterns(a, true),
        (Some(_), Some(_)) => {
            return Err(err(
                "Action",
                "a statement has `Action` or `NotAction`, not both".into(),
            ));
        }
        (None, None) => {
            return Err(err(
                "Action",
                "missing: a statement needs `Action` or `NotAction`".into(),
            ));
        }
    };
    let resource = match (ws.resource, ws.not_resource.map(|b| *b)) {
        (Some(r), None) => Some(patterns(r, false)),
        (None, Some(r)) => Some(patterns(r, true)),
        (Some(_), Some(_)) => {
            return Err(err(
                "Resource",
                "a statement has `Resource` or `NotResource`, not both".into(),
            ));
        }
        (None, None) => None,
    };
    let principal = match (ws.principal.map(|b| *b), ws.not_principal.map(|b| *b)) {
        (Some(p), None) => Some(Principals {
            negated: false,
            set: parse_principals(p).map_err(|m| err("Principal", m))?,
        }),
        (None, Some(p)) => Some(Principals {
            negated: true,
            set: parse_principals(p).map_err(|m| err("NotPrincipal", m))?,
        }),
        (Some(_), Some(_)) => {
            return Err(err(
                "Principal",
                "a statement has `Principal` or `NotPrincipal`, not both".into(),
            ));
        }
        (None, None) => None,
    };
    let conditions = ws
        .condition
        .map(|b| parse_conditions(*b))
        .unwrap_or_default();
    for key in &ws.unknown {
        warnings.push(PolicyWarning {
            statement: Some(index),
            message: format!("unknown element `{key}` is ignored"),
        });
    }
    if action.values.is_empty() {
        warnings.push(PolicyWarning {
            statement: Some(index),
            message: "empty action list: the statement matches no request".into(),
        });
    }
    Ok(Statement {
        sid: ws.sid,
        effect,
        principal,
        action,
        resource,
        conditions,
    })
}

fn patterns(values: OneOrMany<String>, negated: bool) -> Patterns {
    let single = values.is_one();
    Patterns {
        negated,
        values: values.into_vec(),
        single,
    }
}

fn parse_principals(value: WirePrincipal) -> Result<PrincipalSet, String> {
    match value {
        WirePrincipal::Text(s) if s == "*" => Ok(PrincipalSet::Anyone),
        WirePrincipal::Text(s) => Err(format!(
            "`{s}` is not a principal: use \"*\" or an object such as {{\"AWS\": \"arn:...\"}}"
        )),
        WirePrincipal::Map(map) => {
            let mut entries = Vec::with_capacity(map.len());
            for (kind, values) in map {
                let kind = PrincipalKind::parse(&kind).ok_or_else(|| {
                    format!(
                        "unknown principal type `{kind}`: use AWS, Service, Federated or CanonicalUser"
                    )
                })?;
                let single = values.is_one();
                entries.push(PrincipalEntry {
                    kind,
                    values: values.into_vec(),
                    single,
                });
            }
            Ok(PrincipalSet::Entries(entries))
        }
    }
}

fn parse_conditions(block: WireConditions) -> Vec<Condition> {
    let mut out = Vec::new();
    for (operator, keys) in block.0 {
        for (key, values) in keys.0 {
            let single = values.is_one();
            out.push(Condition {
                operator: operator.clone(),
                key,
                values: values
                    .into_vec()
                    .into_iter()
                    .map(|v| match v {
                        WireScalar::String(s) => ConditionValue::String(s),
                        WireScalar::Number(n) => ConditionValue::Number(n),
                        WireScalar::Bool(b) => ConditionValue::Bool(b),
                    })
                    .collect(),
                single,
            });
        }
    }
    out
}

pub(crate) fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn statement_to_wire(s: &Statement) -> WireStatement {
    let list = |p: &Patterns| {
        if p.single && p.values.len() == 1 {
            OneOrMany::One(p.values[0].clone())
        } else {
            OneOrMany::Many(p.values.clone())
        }
    };
    let (action, not_action) = if s.action.negated {
        (None, Some(Box::new(list(&s.action))))
    } else {
        (Some(list(&s.action)), None)
    };
    let (resource, not_resource) = match &s.resource {
        None => (None, None),
        Some(r) if r.negated => (None, Some(Box::new(list(r)))),
        Some(r) => (Some(list(r)), None),
    };
    let principal_wire = |set: &PrincipalSet| match set {
        PrincipalSet::Anyone => WirePrincipal::Text("*".into()),
        PrincipalSet::Entries(entries) => WirePrincipal::Map(
            entries
                .iter()
                .map(|e| {
                    let v = if e.single && e.values.len() == 1 {
                        OneOrMany::One(e.values[0].clone())
                    } else {
                        OneOrMany::Many(e.values.clone())
                    };
                    (e.kind.as_str().to_owned(), v)
                })
                .collect(),
        ),
    };
    let (principal, not_principal) = match &s.principal {
        None => (None, None),
        Some(p) if p.negated => (None, Some(Box::new(principal_wire(&p.set)))),
        Some(p) => (Some(Box::new(principal_wire(&p.set))), None),
    };
    let condition = if s.conditions.is_empty() {
        None
    } else {
        let mut block: Vec<(String, WireConditionKeys)> = Vec::new();
        for c in &s.conditions {
            let v = if c.single && c.values.len() == 1 {
                OneOrMany::One(c.values[0].to_wire())
            } else {
                OneOrMany::Many(c.values.iter().map(ConditionValue::to_wire).collect())
            };
            match block.iter_mut().find(|(op, _)| *op == c.operator) {
                Some((_, keys)) => keys.0.push((c.key.clone(), v)),
                None => block.push((
                    c.operator.clone(),
                    WireConditionKeys(vec![(c.key.clone(), v)]),
                )),
            }
        }
        Some(Box::new(WireConditions(block)))
    };
    WireStatement {
        sid: s.sid.clone(),
        effect: Some(s.effect.to_string()),
        principal,
        not_principal,
        action,
        not_action,
        resource,
        not_resource,
        condition,
        unknown: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_single_statement_and_string_forms() {
        let p = Policy::from_json(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}"#,
        )
        .unwrap();
        assert_eq!(p.statements.len(), 1);
        assert!(p.single_statement);
        assert_eq!(p.statements[0].action.values, vec!["s3:GetObject"]);
        assert!(p.warnings.is_empty());
    }

    #[test]
    fn round_trips_the_authors_form() {
        let text = r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Deny","NotAction":["iam:*","sts:*"],"Resource":"*","Condition":{"NumericLessThan":{"aws:MultiFactorAuthAge":3600},"Bool":{"aws:SecureTransport":false}}},{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root","Service":["ec2.amazonaws.com"]},"Action":"sts:AssumeRole"}]}"#;
        let p = Policy::from_json(text).unwrap();
        let back = serde_json::to_value(p.to_wire()).unwrap();
        let orig: Value = serde_json::from_str(text).unwrap();
        assert_eq!(back, orig);
    }

    #[test]
    fn url_encoded_document_reads_like_the_object() {
        let text = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;
        let encoded: String =
            percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        let a = Policy::from_value(&Value::String(encoded)).unwrap();
        let b = Policy::from_json(text).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn errors_name_the_statement_and_field() {
        let e = Policy::from_json(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"Bad","Effect":"Permit","Action":"*"}]}"#)
            .unwrap_err();
        assert_eq!(e.location, "Statement[1] (Sid `Bad`).Effect");
        assert!(e.message.contains("Permit"), "{e}");

        let e =
            Policy::from_json(r#"{"Statement":[{"Effect":"Allow","Resource":"*"}]}"#).unwrap_err();
        assert_eq!(e.location, "Statement[0].Action");

        let e = Policy::from_json(r#"{"Statement":[{"Effect":"Allow","Action":"*","Condition":{"StringEquals":{"k":{"x":1}}}}]}"#)
            .unwrap_err();
        assert!(
            e.location
                .starts_with("Statement[0].Condition.StringEquals.k "),
            "{e}"
        );
        assert!(
            e.message.contains("a string, number, boolean or a list"),
            "{e}"
        );

        let e = Policy::from_json(
            r#"{"Statement":[{"Effect":"Allow","Action":"*","Principal":{"Bogus":"x"}}]}"#,
        )
        .unwrap_err();
        assert!(e.message.contains("Bogus"), "{e}");
    }

    #[test]
    fn wrong_json_types_are_errors_not_panics() {
        for text in [
            r#"{"Statement":[{"Effect":"Allow","Action":5}]}"#,
            r#"{"Statement":"garbage"}"#,
            r#"[]"#,
            r#""just a string""#,
            r#"{"Statement":[{"Effect":"Allow","Action":["a",{"b":1}]}]}"#,
        ] {
            assert!(Policy::from_json(text).is_err(), "{text}");
        }
        let e = Policy::from_value(
            &serde_json::json!({"Statement": [{"Effect": "Allow", "Action": 5}]}),
        )
        .unwrap_err();
        assert!(e.location.contains("Statement"), "{e}");
    }

    #[test]
    fn questionable_documents_warn() {
        let p = Policy::from_json(r#"{"Version":"2010-01-01","Statement":[{"Sid":"X","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"X","Effect":"Deny","Action":"*","Resource":"*"}]}"#)
            .unwrap();
        assert_eq!(p.warnings.len(), 2, "{:?}", p.warnings);
        assert!(p.warnings[0].message.contains("Version"));
        assert!(p.warnings[1].message.contains("duplicate Sid"));

        let p = Policy::from_json(r#"{"Version":"2012-10-17","Statement":[]}"#).unwrap();
        assert!(p.warnings[0].message.contains("no statements"));
    }

    #[test]
    fn condition_values_keep_their_json_type() {
        let p = Policy::from_json(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":true},"NumericLessThan":{"s3:max-keys":["10",20]}}}]}"#)
            .unwrap();
        let c = &p.statements[0].conditions;
        assert_eq!(c[0].values, vec![ConditionValue::Bool(true)]);
        assert_eq!(c[0].values[0].as_text(), "true");
        assert_eq!(c[1].values[1].as_text(), "20");
    }
}
