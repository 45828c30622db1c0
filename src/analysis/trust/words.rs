//! Conditions of a trust edge, as data (`{"operator","key","values"}`) and in words.
//!
//! The evaluation engine says *which* conditions must (or must not) hold; this module only says
//! them so a person understands them at 2 AM. Keys people meet in trust policies get a sentence
//! of their own; any other key falls back to "`key` operator `value`".

use serde::Serialize;

/// One condition that must hold for an edge to be usable.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct RequiredCondition {
    /// The operator as written in the policy, or its exact complement when the condition must
    /// *not* hold (`StringEquals` → `StringNotEquals`).
    pub operator: String,
    pub key: String,
    pub values: Vec<String>,
    /// `true` when the condition must not hold and the operator has no exact complement (e.g.
    /// `Bool`, `NumericLessThan`, anything `...IfExists`): read it as "NOT (operator key values)".
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub negated: bool,
    /// The condition in words.
    pub description: String,
}

impl RequiredCondition {
    /// A condition from a policy; `holds` is whether it must hold (`false`: must not).
    pub fn new(operator: &str, key: &str, values: &[String], holds: bool) -> RequiredCondition {
        let (operator, negated) = if holds {
            (operator.to_owned(), false)
        } else {
            match complement(operator) {
                Some(op) => (op.to_owned(), false),
                None => (operator.to_owned(), true),
            }
        };
        let mut description = describe(&operator, key, values);
        if negated {
            description = format!("NOT ({description})");
        }
        RequiredCondition {
            operator,
            key: key.to_owned(),
            values: values.to_vec(),
            negated,
            description,
        }
    }
}

/// The operator whose truth is exactly the negation of `op`'s, including when the key is
/// missing. AWS designs the `Not` operators that way ("If the key ... is not present ... the
/// condition is false. If the policy condition requires that the key is not matched, such as
/// StringNotLike or ArnNotLike, and the right key is not present, the condition is true",
/// "Condition operators"). `Numeric*`/`Date*` orderings, `Bool` and `...IfExists` have no such
/// complement (both an operator and its "opposite" are false on a missing key).
fn complement(op: &str) -> Option<&'static str> {
    Some(match op {
        "StringEquals" => "StringNotEquals",
        "StringNotEquals" => "StringEquals",
        "StringEqualsIgnoreCase" => "StringNotEqualsIgnoreCase",
        "StringNotEqualsIgnoreCase" => "StringEqualsIgnoreCase",
        "StringLike" => "StringNotLike",
        "StringNotLike" => "StringLike",
        "ArnEquals" => "ArnNotEquals",
        "ArnNotEquals" => "ArnEquals",
        "ArnLike" => "ArnNotLike",
        "ArnNotLike" => "ArnLike",
        "IpAddress" => "NotIpAddress",
        "NotIpAddress" => "IpAddress",
        "NumericEquals" => "NumericNotEquals",
        "NumericNotEquals" => "NumericEquals",
        "DateEquals" => "DateNotEquals",
        "DateNotEquals" => "DateEquals",
        "Null" => return None,
        _ => return None,
    })
}

/// `a`, `a or b`, `a, b or c`, each in backticks.
fn alternatives(values: &[String]) -> String {
    let quoted: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
    match quoted.as_slice() {
        [] => "(no value)".into(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// How an operator reads after "is": `is` / `matches` / `is not` ...
fn relation(op: &str) -> &'static str {
    let base = op
        .trim_start_matches("ForAnyValue:")
        .trim_start_matches("ForAllValues:")
        .trim_end_matches("IfExists");
    match base {
        "StringEquals" | "ArnEquals" | "NumericEquals" | "DateEquals" | "Bool" | "BinaryEquals" => {
            "is"
        }
        "StringEqualsIgnoreCase" => "is (any case)",
        "StringNotEquals" | "ArnNotEquals" | "NumericNotEquals" | "DateNotEquals" => "is not",
        "StringNotEqualsIgnoreCase" => "is not (any case)",
        "StringLike" | "ArnLike" => "matches",
        "StringNotLike" | "ArnNotLike" => "does not match",
        "IpAddress" => "is in",
        "NotIpAddress" => "is not in",
        "NumericLessThan" => "is less than",
        "NumericLessThanEquals" => "is at most",
        "NumericGreaterThan" => "is greater than",
        "NumericGreaterThanEquals" => "is at least",
        "DateLessThan" => "is before",
        "DateLessThanEquals" => "is at or before",
        "DateGreaterThan" => "is after",
        "DateGreaterThanEquals" => "is at or after",
        _ => "satisfies",
    }
}

fn is_true(values: &[String]) -> Option<bool> {
    match values {
        [v] if v.eq_ignore_ascii_case("true") => Some(true),
        [v] if v.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// The condition in one sentence fragment ("the caller signed in with MFA").
pub fn describe(operator: &str, key: &str, values: &[String]) -> String {
    let lower = key.to_ascii_lowercase();
    let rel = relation(operator);
    let vals = alternatives(values);
    let if_exists = operator.ends_with("IfExists");
    let suffix = if if_exists {
        " (or the key is absent)"
    } else {
        ""
    };
    if operator == "Null" {
        return match is_true(values) {
            Some(true) => format!("`{key}` is absent from the request"),
            Some(false) => format!("`{key}` is present in the request"),
            None => format!("`{key}` Null {vals}"),
        };
    }
    let subject: String = match lower.as_str() {
        "aws:multifactorauthpresent" if operator.starts_with("Bool") => {
            return match is_true(values) {
                Some(true) => format!("the caller signed in with MFA{suffix}"),
                Some(false) => format!("the caller did not sign in with MFA{suffix}"),
                None => format!("MFA presence {rel} {vals}{suffix}"),
            };
        }
        "aws:multifactorauthage" => "the age of the caller's MFA sign-in (seconds)".into(),
        "sts:externalid" => "the external ID the caller passes".into(),
        "aws:sourceip" => "the caller's IP address".into(),
        "aws:sourcevpc" => "the caller's VPC".into(),
        "aws:sourcevpce" => "the caller's VPC endpoint".into(),
        "aws:sourceaccount" => "the account the service acts for".into(),
        "aws:sourcearn" => "the resource the service acts for".into(),
        "aws:sourceorgid" => "the organization the service acts for".into(),
        "aws:principalorgid" => "the caller's organization".into(),
        "aws:principalorgpaths" => "the caller's organization path".into(),
        "aws:principalarn" => "the caller's ARN".into(),
        "aws:principalaccount" => "the caller's account".into(),
        "aws:principaltype" => "the caller's type".into(),
        "aws:userid" => "the caller's user id".into(),
        "aws:username" => "the caller's user name".into(),
        "aws:currenttime" | "aws:epochtime" => "the time of the request".into(),
        "aws:requestedregion" => "the region of the request".into(),
        "aws:securetransport" => "the request uses TLS".into(),
        "sts:rolesessionname" => "the session name".into(),
        "sts:sourceidentity" => "the source identity".into(),
        "saml:aud" => "the SAML assertion's audience (SAML:aud)".into(),
        "saml:sub" => "the SAML assertion's subject (SAML:sub)".into(),
        "saml:iss" => "the SAML issuer".into(),
        "cognito-identity.amazonaws.com:aud" => "the Cognito identity pool".into(),
        "cognito-identity.amazonaws.com:amr" => "the Cognito authentication type (amr)".into(),
        _ => {
            if let Some(tag) = lower.strip_prefix("aws:principaltag/") {
                format!("the caller's tag `{}`", &key[key.len() - tag.len()..])
            } else if let Some(tag) = lower.strip_prefix("aws:requesttag/") {
                format!("the session tag `{}` passed", &key[key.len() - tag.len()..])
            } else if let Some(tag) = lower
                .strip_prefix("aws:resourcetag/")
                .or_else(|| lower.strip_prefix("iam:resourcetag/"))
            {
                format!("the role's tag `{}`", &key[key.len() - tag.len()..])
            } else if let Some((issuer, claim)) = oidc_claim(key) {
                let claim_words = match claim {
                    "sub" => "subject (sub)",
                    "aud" => "audience (aud)",
                    "amr" => "authentication method (amr)",
                    "oaud" => "original audience (oaud)",
                    other => other,
                };
                format!("the {issuer} token's {claim_words}")
            } else {
                format!("`{key}`")
            }
        }
    };
    let set = if operator.starts_with("ForAllValues:") {
        "every value of "
    } else if operator.starts_with("ForAnyValue:") {
        "some value of "
    } else {
        ""
    };
    if lower == "aws:securetransport" {
        return match is_true(values) {
            Some(true) => format!("the request uses TLS{suffix}"),
            Some(false) => format!("the request does not use TLS{suffix}"),
            None => format!("TLS use {rel} {vals}{suffix}"),
        };
    }
    format!("{set}{subject} {rel} {vals}{suffix}")
}

/// `token.actions.githubusercontent.com:sub` → (`GitHub Actions OIDC`, `sub`): the issuer (as a
/// short name when well known) and the claim, for keys of an OIDC provider.
pub(crate) fn oidc_claim(key: &str) -> Option<(String, &str)> {
    let (issuer, claim) = key.rsplit_once(':')?;
    // Global keys have a short service prefix (`aws`, `sts`, `s3`); OIDC keys are prefixed by
    // the issuer's host name, which has a dot.
    if !issuer.contains('.') {
        return None;
    }
    Some((issuer_name(issuer), claim))
}

/// A readable name for an OIDC issuer host.
pub(crate) fn issuer_name(issuer: &str) -> String {
    if issuer == "token.actions.githubusercontent.com" {
        "GitHub Actions".into()
    } else if issuer.starts_with("oidc.eks.") {
        "EKS".into()
    } else if issuer == "gitlab.com" || issuer.starts_with("gitlab.") {
        "GitLab".into()
    } else if issuer == "accounts.google.com" {
        "Google".into()
    } else if issuer == "cognito-identity.amazonaws.com" {
        "Cognito".into()
    } else if issuer.starts_with("app.terraform.io") {
        "Terraform Cloud".into()
    } else {
        format!("`{issuer}`")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn common_trust_conditions_read_as_sentences() {
        assert_eq!(
            describe("Bool", "aws:MultiFactorAuthPresent", &v(&["true"])),
            "the caller signed in with MFA"
        );
        assert_eq!(
            describe("StringEquals", "sts:ExternalId", &v(&["abc"])),
            "the external ID the caller passes is `abc`"
        );
        assert_eq!(
            describe(
                "StringLike",
                "token.actions.githubusercontent.com:sub",
                &v(&["repo:o/r:*", "repo:o/s:*"])
            ),
            "the GitHub Actions token's subject (sub) matches `repo:o/r:*` or `repo:o/s:*`"
        );
        assert_eq!(
            describe(
                "StringEquals",
                "aws:PrincipalTag/Team",
                &v(&["a", "b", "c"])
            ),
            "the caller's tag `Team` is `a`, `b` or `c`"
        );
        assert_eq!(
            describe("IpAddressIfExists", "aws:SourceIp", &v(&["10.0.0.0/8"])),
            "the caller's IP address is in `10.0.0.0/8` (or the key is absent)"
        );
        assert_eq!(
            describe("Null", "aws:SourceArn", &v(&["false"])),
            "`aws:SourceArn` is present in the request"
        );
        assert_eq!(
            describe("StringEquals", "custom:thing", &v(&["x"])),
            "`custom:thing` is `x`"
        );
    }

    #[test]
    fn negation_uses_the_exact_complement_or_says_not() {
        let c = RequiredCondition::new("StringEquals", "sts:ExternalId", &v(&["x"]), false);
        assert_eq!(c.operator, "StringNotEquals");
        assert!(!c.negated);
        // Bool has no complement that agrees on a missing key.
        let c = RequiredCondition::new("Bool", "aws:MultiFactorAuthPresent", &v(&["false"]), false);
        assert_eq!(c.operator, "Bool");
        assert!(c.negated);
        assert_eq!(c.description, "NOT (the caller did not sign in with MFA)");
        let c = RequiredCondition::new("StringEqualsIfExists", "k", &v(&["x"]), false);
        assert!(c.negated);
    }
}
