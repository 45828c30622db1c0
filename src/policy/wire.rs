//! The JSON wire form of an IAM policy document, exactly as AWS writes it.
//!
//! These types only describe the shape of the JSON; the meaning lives in the typed form in
//! [`super`]. Keeping the two apart lets the typed form be strict (an `Effect` is `Allow` or
//! `Deny`) while the wire form reproduces a document faithfully for display.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// A policy document as JSON: `{"Version": ..., "Statement": ...}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct WireDocument {
    #[serde(rename = "Version", skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(rename = "Id", skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "Statement", skip_serializing_if = "Option::is_none")]
    pub statement: Option<OneOrMany<WireStatement>>,
    /// Names of elements AWS does not define, so that a warning can name them.
    #[serde(skip)]
    pub unknown: Vec<String>,
}

// The rarely used elements are boxed: a large account has hundreds of thousands of statements,
// and each unused inline slot would cost its full size in every one of them.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct WireStatement {
    #[serde(rename = "Sid", skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    #[serde(rename = "Effect", skip_serializing_if = "Option::is_none")]
    pub effect: Option<String>,
    #[serde(rename = "Principal", skip_serializing_if = "Option::is_none")]
    pub principal: Option<Box<WirePrincipal>>,
    #[serde(rename = "NotPrincipal", skip_serializing_if = "Option::is_none")]
    pub not_principal: Option<Box<WirePrincipal>>,
    #[serde(rename = "Action", skip_serializing_if = "Option::is_none")]
    pub action: Option<OneOrMany<String>>,
    #[serde(rename = "NotAction", skip_serializing_if = "Option::is_none")]
    pub not_action: Option<Box<OneOrMany<String>>>,
    #[serde(rename = "Resource", skip_serializing_if = "Option::is_none")]
    pub resource: Option<OneOrMany<String>>,
    #[serde(rename = "NotResource", skip_serializing_if = "Option::is_none")]
    pub not_resource: Option<Box<OneOrMany<String>>>,
    #[serde(rename = "Condition", skip_serializing_if = "Option::is_none")]
    pub condition: Option<Box<WireConditions>>,
    #[serde(skip)]
    pub unknown: Vec<String>,
}

// Hand-written rather than derived: `#[serde(flatten)]` (the derive's only way to collect
// unknown keys) buffers every statement before reading it, which made loading large accounts
// several times slower.
impl<'de> Deserialize<'de> for WireDocument {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(DocumentFields)
    }
}

struct DocumentFields;

impl<'de> Visitor<'de> for DocumentFields {
    type Value = WireDocument;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a policy document object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<WireDocument, A::Error> {
        let mut doc = WireDocument::default();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match &*key {
                "Version" => doc.version = map.next_value()?,
                "Id" => doc.id = map.next_value()?,
                "Statement" => doc.statement = map.next_value()?,
                _ => {
                    map.next_value::<de::IgnoredAny>()?;
                    doc.unknown.push(key.into_owned());
                }
            }
        }
        Ok(doc)
    }
}

impl<'de> Deserialize<'de> for WireStatement {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(StatementFields)
    }
}

struct StatementFields;

impl<'de> Visitor<'de> for StatementFields {
    type Value = WireStatement;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a statement object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<WireStatement, A::Error> {
        let mut s = WireStatement::default();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match &*key {
                "Sid" => s.sid = map.next_value()?,
                "Effect" => s.effect = map.next_value()?,
                "Principal" => s.principal = map.next_value()?,
                "NotPrincipal" => s.not_principal = map.next_value()?,
                "Action" => s.action = map.next_value()?,
                "NotAction" => s.not_action = map.next_value()?,
                "Resource" => s.resource = map.next_value()?,
                "NotResource" => s.not_resource = map.next_value()?,
                "Condition" => s.condition = map.next_value()?,
                _ => {
                    map.next_value::<de::IgnoredAny>()?;
                    s.unknown.push(key.into_owned());
                }
            }
        }
        Ok(s)
    }
}

/// `Principal` / `NotPrincipal`: `"*"` or `{"AWS": ..., "Service": ...}` in document order.
/// Kept as small vectors rather than JSON maps: an account has tens of thousands of them.
#[derive(Debug, Clone, PartialEq)]
pub enum WirePrincipal {
    Text(String),
    Map(Vec<(String, OneOrMany<String>)>),
}

/// A `Condition` block: operator → key → one or many values, in document order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WireConditions(pub Vec<(String, WireConditionKeys)>);

#[derive(Debug, Clone, PartialEq, Default)]
pub struct WireConditionKeys(pub Vec<(String, OneOrMany<WireScalar>)>);

/// A condition value as written: AWS accepts strings, numbers and booleans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WireScalar {
    String(String),
    Number(serde_json::Number),
    Bool(bool),
}

impl Serialize for WirePrincipal {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self {
            WirePrincipal::Text(t) => serializer.serialize_str(t),
            WirePrincipal::Map(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for WirePrincipal {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PrincipalVisitor;
        impl<'de> Visitor<'de> for PrincipalVisitor {
            type Value = WirePrincipal;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("\"*\" or an object of principal types such as {\"AWS\": \"arn:...\"}")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(WirePrincipal::Text(v.to_owned()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(1).min(8));
                while let Some((k, v)) = map.next_entry::<String, OneOrMany<String>>()? {
                    entries.push((k, v));
                }
                Ok(WirePrincipal::Map(entries))
            }
        }
        deserializer.deserialize_any(PrincipalVisitor)
    }
}

impl Serialize for WireConditions {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl Serialize for WireConditionKeys {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl Serialize for WireScalar {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            WireScalar::String(s) => serializer.serialize_str(s),
            WireScalar::Number(n) => n.serialize(serializer),
            WireScalar::Bool(b) => serializer.serialize_bool(*b),
        }
    }
}

impl<'de> Deserialize<'de> for WireConditions {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct BlockVisitor;
        impl<'de> Visitor<'de> for BlockVisitor {
            type Value = WireConditions;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of condition operators")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::with_capacity(map.size_hint().unwrap_or(1).min(8));
                while let Some((k, v)) = map.next_entry::<String, WireConditionKeys>()? {
                    out.push((k, v));
                }
                Ok(WireConditions(out))
            }
        }
        deserializer.deserialize_map(BlockVisitor)
    }
}

impl<'de> Deserialize<'de> for WireConditionKeys {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeysVisitor;
        impl<'de> Visitor<'de> for KeysVisitor {
            type Value = WireConditionKeys;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of condition keys")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::with_capacity(map.size_hint().unwrap_or(1).min(8));
                while let Some((k, v)) = map.next_entry::<String, OneOrMany<WireScalar>>()? {
                    out.push((k, v));
                }
                Ok(WireConditionKeys(out))
            }
        }
        deserializer.deserialize_map(KeysVisitor)
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = WireScalar;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string, number or boolean")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<WireScalar, E> {
        Ok(WireScalar::String(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<WireScalar, E> {
        Ok(WireScalar::String(v))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<WireScalar, E> {
        Ok(WireScalar::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<WireScalar, E> {
        Ok(WireScalar::Number(v.into()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<WireScalar, E> {
        Ok(WireScalar::Number(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<WireScalar, E> {
        serde_json::Number::from_f64(v)
            .map(WireScalar::Number)
            .ok_or_else(|| E::custom("a condition value cannot be NaN or infinite"))
    }
}

impl<'de> Deserialize<'de> for WireScalar {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ScalarVisitor)
    }
}

impl<'de> Deserialize<'de> for OneOrMany<WireScalar> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ValuesVisitor;
        impl<'de> Visitor<'de> for ValuesVisitor {
            type Value = OneOrMany<WireScalar>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string, number, boolean or a list of them")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                ScalarVisitor.visit_str(v).map(OneOrMany::One)
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                ScalarVisitor.visit_string(v).map(OneOrMany::One)
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                ScalarVisitor.visit_bool(v).map(OneOrMany::One)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                ScalarVisitor.visit_i64(v).map(OneOrMany::One)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                ScalarVisitor.visit_u64(v).map(OneOrMany::One)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                ScalarVisitor.visit_f64(v).map(OneOrMany::One)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
                while let Some(item) = seq.next_element::<WireScalar>()? {
                    items.push(item);
                }
                Ok(OneOrMany::Many(items))
            }
        }
        deserializer.deserialize_any(ValuesVisitor)
    }
}

/// A JSON value that AWS lets be written as one item or as a list of items.
/// The form is remembered so that a document is shown the way its author wrote it.
#[derive(Debug, Clone, PartialEq)]
pub enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

impl<T> OneOrMany<T> {
    pub fn as_slice(&self) -> &[T] {
        match self {
            OneOrMany::One(item) => std::slice::from_ref(item),
            OneOrMany::Many(items) => items,
        }
    }

    pub fn into_vec(self) -> Vec<T> {
        match self {
            OneOrMany::One(item) => vec![item],
            OneOrMany::Many(items) => items,
        }
    }

    pub fn is_one(&self) -> bool {
        matches!(self, OneOrMany::One(_))
    }
}

impl<T: Serialize> Serialize for OneOrMany<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            OneOrMany::One(item) => item.serialize(serializer),
            OneOrMany::Many(items) => items.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for OneOrMany<String> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StringsVisitor;
        impl<'de> Visitor<'de> for StringsVisitor {
            type Value = OneOrMany<String>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a list of strings")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(OneOrMany::One(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(OneOrMany::One(v))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
                while let Some(item) = seq.next_element::<String>()? {
                    items.push(item);
                }
                Ok(OneOrMany::Many(items))
            }
        }
        deserializer.deserialize_any(StringsVisitor)
    }
}

impl<'de> Deserialize<'de> for OneOrMany<WireStatement> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StatementsVisitor;
        impl<'de> Visitor<'de> for StatementsVisitor {
            type Value = OneOrMany<WireStatement>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a statement object or a list of statement objects")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                StatementFields.visit_map(map).map(OneOrMany::One)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
                while let Some(item) = seq.next_element::<WireStatement>()? {
                    items.push(item);
                }
                Ok(OneOrMany::Many(items))
            }
        }
        deserializer.deserialize_any(StatementsVisitor)
    }
}

/// A policy document where AWS may send either a JSON object (the AWS CLI form) or a
/// URL-encoded JSON string (the raw IAM API form). Both read to the same [`WireDocument`];
/// it always writes back as an object.
#[derive(Debug, Clone, PartialEq)]
pub struct EncodedDocument(pub WireDocument);

impl Serialize for EncodedDocument {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for EncodedDocument {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DocumentVisitor;
        impl<'de> Visitor<'de> for DocumentVisitor {
            type Value = EncodedDocument;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a policy document (a JSON object, or a URL-encoded JSON string)")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                decode_document_text(v)
                    .map(EncodedDocument)
                    .map_err(E::custom)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                DocumentFields.visit_map(map).map(EncodedDocument)
            }
        }
        deserializer.deserialize_any(DocumentVisitor)
    }
}

/// Reads a document sent as text: URL-encoded JSON (RFC 3986) or, from some servers, plain JSON.
pub fn decode_document_text(text: &str) -> Result<WireDocument, String> {
    let trimmed = text.trim_start();
    let decoded;
    let json = if trimmed.starts_with('{') {
        text
    } else {
        decoded = percent_encoding::percent_decode_str(text)
            .decode_utf8()
            .map_err(|e| {
                format!("the URL-encoded policy document is not UTF-8 after decoding: {e}")
            })?;
        &decoded
    };
    serde_json::from_str::<WireDocument>(json)
        .map_err(|e| format!("the policy document text is not a JSON policy document ({e})"))
}

/// Writes a document the way the raw IAM API sends it: URL-encoded JSON.
pub fn encode_document_text(doc: &WireDocument) -> String {
    let json = serde_json::to_string(doc).unwrap_or_default();
    percent_encoding::utf8_percent_encode(&json, percent_encoding::NON_ALPHANUMERIC).to_string()
}
