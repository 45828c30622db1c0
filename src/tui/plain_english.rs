//! A plain-English reading of a policy document, one sentence per statement, for the policy
//! pane's toggle: "Allow s3: getting objects on my-app-uploads/* when ...".
//!
//! It is a rewording of the document, not an evaluation: it says what each statement says,
//! not what a request would get.

use crate::policy::{
    Condition, Effect, Patterns, Policy, PrincipalEntry, PrincipalKind, PrincipalSet, Statement,
};

/// Actions listed before "and N more".
const MAX_ACTIONS: usize = 6;

pub fn describe(policy: &Policy) -> Vec<String> {
    policy.statements.iter().map(statement).collect()
}

fn statement(s: &Statement) -> String {
    let effect = match s.effect {
        Effect::Allow => "Allow",
        Effect::Deny => "Deny",
    };
    let mut out = format!("{effect} {}", actions(&s.action));
    if let Some(r) = &s.resource {
        out.push_str(&format!(" on {}", resources(r)));
    }
    if let Some(p) = &s.principal {
        let who = principals(&p.set);
        if p.negated {
            out.push_str(&format!(" by everyone except {who}"));
        } else {
            out.push_str(&format!(" by {who}"));
        }
    }
    if !s.conditions.is_empty() {
        let parts: Vec<String> = s.conditions.iter().map(condition).collect();
        out.push_str(&format!(" when {}", parts.join(" and ")));
    }
    out.push('.');
    out
}

fn actions(p: &Patterns) -> String {
    let listed = by_service(&p.values);
    match (p.negated, p.values.as_slice()) {
        (false, [one]) if one == "*" => "every action".into(),
        (false, _) => listed,
        (true, _) => format!("every action except {listed}"),
    }
}

fn list(values: &[String], each: impl Fn(&str) -> String) -> String {
    let mut parts: Vec<String> = values.iter().take(MAX_ACTIONS).map(|v| each(v)).collect();
    if values.len() > MAX_ACTIONS {
        parts.push(format!("{} more", values.len() - MAX_ACTIONS));
    }
    join_and(parts)
}

/// Actions of one service read as one phrase: `s3: getting objects and putting objects`;
/// services are separated by `;`.
fn by_service(values: &[String]) -> String {
    let shown = &values[..values.len().min(MAX_ACTIONS)];
    let mut groups: Vec<(&str, Vec<String>)> = Vec::new();
    for a in shown {
        let phrase = action(a);
        match phrase.split_once(": ") {
            Some((service, rest)) => match groups.iter_mut().find(|(s, _)| *s == service) {
                Some((_, list)) => list.push(rest.to_owned()),
                None => {
                    let service = &a[..a.find(':').unwrap_or(0)];
                    groups.push((service, vec![rest.to_owned()]));
                }
            },
            None => groups.push(("", vec![phrase])),
        }
    }
    let mut parts: Vec<String> = groups
        .into_iter()
        .map(|(service, list)| {
            let joined = join_and(list);
            if service.is_empty() {
                joined
            } else {
                format!("{service}: {joined}")
            }
        })
        .collect();
    if values.len() > MAX_ACTIONS {
        parts.push(format!("{} more", values.len() - MAX_ACTIONS));
    }
    parts.join("; ")
}

fn join_and(mut parts: Vec<String>) -> String {
    match parts.len() {
        0 => "nothing".into(),
        1 => parts.remove(0),
        n => {
            let last = parts.remove(n - 1);
            format!("{} and {last}", parts.join(", "))
        }
    }
}

/// `s3:GetObject` → `s3: getting objects`; `s3:*` → `every s3 action`; `s3:Get*` → `s3
/// actions starting with Get`.
fn action(a: &str) -> String {
    let Some((service, name)) = a.split_once(':') else {
        return if a == "*" {
            "every action".into()
        } else {
            format!("`{a}`")
        };
    };
    if name == "*" {
        return format!("every {service} action");
    }
    if name.contains(['*', '?']) {
        return match name.strip_suffix('*') {
            Some(prefix) if !prefix.contains(['*', '?']) => {
                format!("{service} actions starting with {prefix}")
            }
            _ => format!("{service} actions matching {name}"),
        };
    }
    let words = camel_words(name);
    let Some((verb, rest)) = words.split_first() else {
        return a.to_owned();
    };
    let mut phrase = gerund(verb);
    if let Some((last, middle)) = rest.split_last() {
        for w in middle {
            phrase.push(' ');
            phrase.push_str(&w.to_lowercase());
        }
        phrase.push(' ');
        phrase.push_str(&plural(&last.to_lowercase()));
    }
    format!("{service}: {phrase}")
}

/// `CreatePolicyVersion` → `Create`, `Policy`, `Version`; runs of capitals stay together
/// (`GetBucketACL` → `Get`, `Bucket`, `ACL`).
fn camel_words(name: &str) -> Vec<&str> {
    let mut words = Vec::new();
    let mut start = 0;
    let chars: Vec<(usize, char)> = name.char_indices().collect();
    for (i, &(pos, c)) in chars.iter().enumerate().skip(1) {
        let prev = chars[i - 1].1;
        let next_lower = chars.get(i + 1).is_some_and(|(_, n)| n.is_lowercase());
        if c.is_uppercase() && (prev.is_lowercase() || (prev.is_uppercase() && next_lower)) {
            words.push(&name[start..pos]);
            start = pos;
        }
    }
    words.push(&name[start..]);
    words
}

fn gerund(verb: &str) -> String {
    let v = verb.to_lowercase();
    let bytes = v.as_bytes();
    let vowel = |c: u8| b"aeiou".contains(&c);
    if v.ends_with('e') && !v.ends_with("ee") && v.len() > 2 {
        return format!("{}ing", &v[..v.len() - 1]);
    }
    // Short consonant-vowel-consonant verbs double their last letter: get → getting.
    let doubles = matches!(v.as_str(), "scan" | "stop" | "drop" | "tag" | "map")
        || (bytes.len() == 3
            && !vowel(bytes[0])
            && vowel(bytes[1])
            && !vowel(bytes[2])
            && !b"wxy".contains(&bytes[2]));
    match bytes.last() {
        Some(&last) if doubles => format!("{v}{}ing", last as char),
        _ => format!("{v}ing"),
    }
}

fn plural(noun: &str) -> String {
    if noun.ends_with('s') {
        noun.to_owned()
    } else if let Some(stem) = noun.strip_suffix('y')
        && !stem.ends_with(['a', 'e', 'o', 'u'])
    {
        format!("{stem}ies")
    } else if noun.ends_with("ch") || noun.ends_with("sh") || noun.ends_with('x') {
        format!("{noun}es")
    } else {
        format!("{noun}s")
    }
}

fn resources(p: &Patterns) -> String {
    let listed = list(&p.values, resource);
    match (p.negated, p.values.as_slice()) {
        (false, [one]) if one == "*" => "any resource".into(),
        (false, _) => listed,
        (true, _) => format!("any resource except {listed}"),
    }
}

/// The part of an ARN a reader cares about: `arn:aws:s3:::bucket/*` → `bucket/*`,
/// `arn:aws:iam::123456789012:role/X` → `role/X`.
fn resource(r: &str) -> String {
    let parts: Vec<&str> = r.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", _, _, _, account, rest] if account.is_empty() || *account == "*" => {
            (*rest).to_owned()
        }
        ["arn", _, _, _, _, rest] => (*rest).to_owned(),
        _ => r.to_owned(),
    }
}

fn principals(set: &PrincipalSet) -> String {
    match set {
        PrincipalSet::Anyone => "anyone".into(),
        PrincipalSet::Entries(entries) => {
            let all: Vec<String> = entries.iter().flat_map(principal_entry).collect();
            list(&all, str::to_owned)
        }
    }
}

/// How a trust or resource policy names a principal: `service ecs-tasks.amazonaws.com`,
/// `account 444455556666`, `anyone`.
pub fn principal_entry(e: &PrincipalEntry) -> Vec<String> {
    e.values
        .iter()
        .map(|v| match e.kind {
            PrincipalKind::Service => format!("service {v}"),
            PrincipalKind::CanonicalUser => format!("canonical user {v}"),
            PrincipalKind::Federated => match v.split_once(":oidc-provider/") {
                Some((_, host)) => format!("web identities from {host}"),
                None => match v.split_once(":saml-provider/") {
                    Some((_, name)) => format!("SAML users of {name}"),
                    None => format!("federated users of {v}"),
                },
            },
            PrincipalKind::Aws => aws_principal(v),
        })
        .collect()
}

fn aws_principal(v: &str) -> String {
    if v == "*" {
        return "anyone".into();
    }
    if crate::model::is_account_id(v) {
        return format!("account {v}");
    }
    let parts: Vec<&str> = v.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", _, _, _, account, "root"] => format!("account {account}"),
        ["arn", _, _, _, account, rest] => match rest.split_once('/') {
            Some((kind, name)) => format!(
                "{kind} {} in account {account}",
                name.rsplit('/').next().unwrap_or(name)
            ),
            None => v.to_owned(),
        },
        _ => v.to_owned(),
    }
}

/// A condition in words, as the trust analysis says it: `the caller's IP address is in
/// `10.0.0.0/8``.
fn condition(c: &Condition) -> String {
    let values: Vec<String> = c.values.iter().map(|v| v.as_text().into_owned()).collect();
    crate::analysis::trust::words::describe(&c.operator, &c.key, &values)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Vec<String> {
        describe(&Policy::from_json(json).unwrap())
    }

    #[test]
    fn reads_actions_resources_and_conditions() {
        let s = read(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::my-app-uploads/*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}"#,
        );
        assert_eq!(
            s,
            vec![
                "Allow s3: getting objects and putting objects on my-app-uploads/* when the request uses TLS."
            ]
        );
    }

    #[test]
    fn reads_wildcards_negations_and_principals() {
        let s = read(
            r#"{"Version":"2012-10-17","Statement":[
              {"Effect":"Allow","Action":"*","Resource":"*"},
              {"Effect":"Deny","NotAction":["iam:*"],"NotResource":"arn:aws:iam::123456789012:role/Admin"},
              {"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringLike":{"token.actions.githubusercontent.com:sub":"repo:*"}}},
              {"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:Get*","Resource":"*","Condition":{"Null":{"aws:MultiFactorAuthAge":"true"}}}
            ]}"#,
        );
        assert_eq!(s[0], "Allow every action on any resource.");
        assert_eq!(
            s[1],
            "Deny every action except every iam action on any resource except role/Admin."
        );
        assert_eq!(
            s[2],
            "Allow sts: assuming role with web identities by web identities from token.actions.githubusercontent.com when the GitHub Actions token's subject (sub) matches `repo:*`."
        );
        assert_eq!(
            s[3],
            "Allow s3 actions starting with Get on any resource by anyone when `aws:MultiFactorAuthAge` is absent from the request."
        );
    }

    #[test]
    fn verbs_and_nouns() {
        assert_eq!(gerund("Get"), "getting");
        assert_eq!(gerund("Create"), "creating");
        assert_eq!(gerund("List"), "listing");
        assert_eq!(plural("policy"), "policies");
        assert_eq!(camel_words("GetBucketACL"), vec!["Get", "Bucket", "ACL"]);
        assert_eq!(
            action("iam:CreatePolicyVersion"),
            "iam: creating policy versions"
        );
    }
}
