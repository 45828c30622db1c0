//! Reading an AccessDenied message as users paste it.
//!
//! Users paste whatever their terminal, SDK or console showed: a whole AWS CLI line, an SDK
//! exception with its class name and request id, a CloudTrail record, a Terraform error, a
//! message wrapped over lines by the terminal or quoted in JSON. The parser therefore does not
//! match one grammar for the whole text: it normalizes the text (whitespace, escapes, quotes),
//! then looks for each part independently — the error code and operation, the caller, the
//! action, the resource, the reason AWS gave, an encoded authorization message — so that text
//! around the message, or a part that is missing, never hides the others.
//!
//! Shapes, with the texts from the IAM User Guide ("Troubleshoot access denied error
//! messages") and the Amazon S3 User Guide ("Troubleshoot access denied (403 Forbidden) errors")
//! in `tests/explain_parse.rs`.

use serde::Serialize;

use crate::model::{Arn, SessionArn};

/// What the message says about the request and why it was denied. Every part is optional:
/// S3's bare `Access Denied` says nothing but the operation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ParsedMessage {
    pub shape: MessageShape,
    /// `AccessDenied`, `AccessDeniedException`, `UnauthorizedOperation`, ...
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// The API operation, e.g. `GetObject` in "when calling the GetObject operation".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// The service prefix (`s3`) when the text says which service answered without naming
    /// the action (an SDK's service name, an S3 XML error, an SQS queue URL).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caller: Option<Caller>,
    /// The action as written, with its service prefix lowercased (`SNS:Publish` → `sns:Publish`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// The resource: an ARN when the message gives one or one can be built (IAM's
    /// `role NAME`, an SQS queue URL), else the text as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// The resource exactly as the message wrote it, when that differs from `resource`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_as_written: Option<String>,
    /// The reason AWS gave, when the message has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claim: Option<Claim>,
    /// The `Encoded authorization failure message` (EC2 and others); only
    /// `sts:DecodeAuthorizationMessage` can read it, with live credentials.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoded_message: Option<String>,
    /// The authorization ID of IAM Access Troubleshooter links (`#/authorization-details/ID`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorization_id: Option<String>,
    /// Request context keys the message itself gives (a decoded authorization message lists
    /// them): facts about the request, not assumptions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub context: Vec<(String, Vec<String>)>,
}

/// Which family of message the text is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageShape {
    /// `User: ARN is not authorized to perform: ACTION [on resource: R] [reason]`.
    #[default]
    NotAuthorized,
    /// A denial that names neither caller nor action: S3's `Access Denied`, EC2's
    /// `You are not authorized to perform this operation.`, a bare error code.
    Bare,
}

/// Who made the request, as the message names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Caller {
    /// `arn:aws:iam::ACCOUNT:user/[path/]NAME`.
    User { arn: String, account: String },
    /// A role ARN written as the caller (some services do).
    Role { arn: String, account: String },
    /// `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`: the role path is not in the ARN.
    AssumedRole {
        arn: String,
        account: String,
        role_name: String,
        session_name: String,
    },
    /// `arn:aws:sts::ACCOUNT:federated-user/NAME` (GetFederationToken).
    FederatedUser {
        arn: String,
        account: String,
        name: String,
    },
    /// `arn:aws:iam::ACCOUNT:root`.
    Root { arn: String, account: String },
    /// An OIDC or SAML identity provider of the account
    /// (`arn:aws:iam::ACCOUNT:oidc-provider/HOST`), for `sts:AssumeRoleWithWebIdentity` and
    /// `sts:AssumeRoleWithSAML`, whose callers have no IAM identity.
    IdentityProvider { arn: String, account: String },
    /// `User: anonymous`: an unsigned request.
    Anonymous,
    /// Anything else (a service principal, an ARN of an unexpected form).
    Other { text: String },
}

impl Caller {
    /// Classifies a caller as written in a message.
    pub fn parse(text: &str) -> Caller {
        if text.eq_ignore_ascii_case("anonymous") {
            return Caller::Anonymous;
        }
        if let Some(s) = SessionArn::parse(text) {
            return Caller::AssumedRole {
                arn: text.to_owned(),
                account: s.account.to_owned(),
                role_name: s.role_name.to_owned(),
                session_name: s.session_name.to_owned(),
            };
        }
        let Ok(arn) = Arn::parse(text) else {
            return Caller::Other {
                text: text.to_owned(),
            };
        };
        let account = arn.account.to_owned();
        let arn_text = text.to_owned();
        match (arn.service, arn.resource_type()) {
            // The S3 User Guide writes `arn:aws:sts::ACCOUNT:user/NAME`; it means the IAM user.
            ("iam" | "sts", Some(("user", _))) => Caller::User {
                arn: format!(
                    "arn:{}:iam::{}:{}",
                    arn.partition, arn.account, arn.resource
                ),
                account,
            },
            ("iam", Some(("role", _))) => Caller::Role {
                arn: arn_text,
                account,
            },
            ("sts", Some(("federated-user", name))) => Caller::FederatedUser {
                arn: arn_text,
                account,
                name: name.to_owned(),
            },
            ("iam", None) if arn.resource == "root" => Caller::Root {
                arn: arn_text,
                account,
            },
            ("iam", Some(("oidc-provider" | "saml-provider", _))) => Caller::IdentityProvider {
                arn: arn_text,
                account,
            },
            _ => Caller::Other { text: arn_text },
        }
    }

    /// The caller's ARN as written (the IAM user ARN for a user).
    pub fn arn(&self) -> Option<&str> {
        match self {
            Caller::User { arn, .. }
            | Caller::Role { arn, .. }
            | Caller::AssumedRole { arn, .. }
            | Caller::FederatedUser { arn, .. }
            | Caller::IdentityProvider { arn, .. }
            | Caller::Root { arn, .. } => Some(arn),
            Caller::Anonymous | Caller::Other { .. } => None,
        }
    }

    /// The caller's account, when the ARN has one.
    pub fn account(&self) -> Option<&str> {
        match self {
            Caller::User { account, .. }
            | Caller::Role { account, .. }
            | Caller::AssumedRole { account, .. }
            | Caller::FederatedUser { account, .. }
            | Caller::IdentityProvider { account, .. }
            | Caller::Root { account, .. } => Some(account),
            Caller::Anonymous | Caller::Other { .. } => None,
        }
    }
}

/// The reason a message gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Claim {
    pub kind: ClaimKind,
    pub layer: ClaimLayer,
    /// The denying policy, when AWS names it (`...identity-based policy: arn:aws:iam::...`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_arn: Option<String>,
    /// The reason as written, from `because`/`with` to its end.
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimKind {
    /// `with an explicit deny in ...`.
    ExplicitDeny,
    /// `because no ... allows ...`.
    ImplicitDeny,
    /// A reason that does not say which (KMS's "no resource-based policies allow access, or a
    /// resource-based policy explicitly denies access").
    Unspecified,
}

/// The policy type a message blames. Wider than the evaluation layers: AWS also blames VPC
/// endpoint policies, role trust policies and S3 settings, which no snapshot holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimLayer {
    Identity,
    Resource,
    PermissionsBoundary,
    Scp,
    Rcp,
    Session,
    VpcEndpoint,
    RoleTrust,
    /// S3 Block Public Access (`because public ACLs are prevented by the BlockPublicAcls setting`).
    BlockPublicAccess,
    /// A reason of another kind (e.g. S3's blocked SSE-C uploads).
    Other,
    /// Explicit or implicit, but no policy type named (a decoded authorization message).
    Unspecified,
}

impl ClaimLayer {
    /// How the layer is named in sentences.
    pub fn describe(self) -> &'static str {
        match self {
            ClaimLayer::Identity => "an identity-based policy",
            ClaimLayer::Resource => "a resource-based policy",
            ClaimLayer::PermissionsBoundary => "a permissions boundary",
            ClaimLayer::Scp => "a service control policy",
            ClaimLayer::Rcp => "a resource control policy",
            ClaimLayer::Session => "a session policy",
            ClaimLayer::VpcEndpoint => "a VPC endpoint policy",
            ClaimLayer::RoleTrust => "a role trust policy",
            ClaimLayer::BlockPublicAccess => "S3 Block Public Access",
            ClaimLayer::Other => "another control",
            ClaimLayer::Unspecified => "some policy",
        }
    }
}

/// A text that is not an access-denied message iamscope can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("the message is empty: paste the AccessDenied error text (or pass it on stdin)")]
    Empty,
    #[error(
        "this does not look like an access-denied message. Understood shapes:\n  \
         - `User: ARN is not authorized to perform: ACTION [on resource: RESOURCE] [because no ... policy allows ... | with an explicit deny in a(n) ... policy[: POLICY_ARN]]`\n  \
         - the same inside `An error occurred (AccessDenied) when calling the OPERATION operation: ...` or an SDK exception\n  \
         - S3's bare `Access Denied` and EC2's `You are not authorized to perform this operation. Encoded authorization failure message: ...` (add --action/--resource/--principal)\n  \
         - a CloudTrail record with `errorCode`/`errorMessage`"
    )]
    NotUnderstood,
    #[error(
        "the decoded authorization message is not the JSON sts:DecodeAuthorizationMessage returns: {0}"
    )]
    BadDecodedMessage(String),
}

/// Merges what `sts:DecodeAuthorizationMessage` returned for the message's encoded
/// authorization message (its `DecodedMessage` JSON, or the whole CLI output around it): the
/// caller, action, resource, the request's context keys and whether the deny was explicit.
/// The call itself needs live credentials and is made by the live source; this reads its
/// answer.
pub fn apply_decoded_message(m: &mut ParsedMessage, decoded: &str) -> Result<(), ParseError> {
    use serde_json::Value;
    let bad = |what: &str| ParseError::BadDecodedMessage(what.to_owned());
    let mut value: Value = serde_json::from_str(decoded.trim()).map_err(|e| bad(&e.to_string()))?;
    // `aws sts decode-authorization-message` prints {"DecodedMessage": "<json text>"}.
    if let Some(inner) = value.get("DecodedMessage").and_then(Value::as_str) {
        value = serde_json::from_str(inner).map_err(|e| bad(&e.to_string()))?;
    }
    if !value.is_object() {
        return Err(bad("expected a JSON object"));
    }
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    let ctx = value.get("context");
    if let Some(arn) = text(ctx.and_then(|c| c.pointer("/principal/arn"))) {
        m.caller = Some(Caller::parse(&arn));
    }
    if let Some(action) = text(ctx.and_then(|c| c.get("action"))) {
        m.action = normalize_action(&action).or(Some(action));
    }
    if let Some(resource) = text(ctx.and_then(|c| c.get("resource"))) {
        m.resource = Some(resource);
        m.resource_as_written = None;
    }
    let items = ctx
        .and_then(|c| c.pointer("/conditions/items"))
        .and_then(Value::as_array);
    for item in items.into_iter().flatten() {
        let Some(key) = text(item.get("key")) else {
            continue;
        };
        let values: Vec<String> = item
            .pointer("/values/items")
            .and_then(Value::as_array)
            .map(|vs| vs.iter().filter_map(|v| text(v.get("value"))).collect())
            .unwrap_or_default();
        m.context.push((key, values));
    }
    let explicit = value.get("explicitDeny").and_then(Value::as_bool);
    let allowed = value.get("allowed").and_then(Value::as_bool);
    if allowed == Some(false) || explicit.is_some() {
        let kind = if explicit == Some(true) {
            ClaimKind::ExplicitDeny
        } else {
            ClaimKind::ImplicitDeny
        };
        m.claim = Some(Claim {
            kind,
            layer: ClaimLayer::Unspecified,
            policy_arn: None,
            text: format!(
                "decoded authorization message: {}",
                if kind == ClaimKind::ExplicitDeny {
                    "explicit deny"
                } else {
                    "no statement allows the request"
                }
            ),
        });
    }
    if m.shape == MessageShape::Bare && (m.caller.is_some() || m.action.is_some()) {
        m.shape = MessageShape::NotAuthorized;
    }
    Ok(())
}

/// Reads an access-denied message. See the module documentation for the shapes.
pub fn parse_message(text: &str) -> Result<ParsedMessage, ParseError> {
    if text.trim().is_empty() {
        return Err(ParseError::Empty);
    }
    if let Some(parsed) = parse_cloudtrail(text) {
        return Ok(parsed);
    }
    let mut norm = normalize(text);
    if find_core(&norm.to_ascii_lowercase()).is_none() {
        // A terminal that wraps at a fixed width can cut a word in two: `is not authori\nzed`.
        let joined = normalize(&text.replace("\r\n", "").replace('\n', ""));
        if find_core(&joined.to_ascii_lowercase()).is_some() {
            norm = joined;
        }
    }
    let lower = norm.to_ascii_lowercase();
    let mut m = ParsedMessage::default();
    read_code_and_operation(&norm, &lower, &mut m);
    m.encoded_message = read_encoded(&norm, &lower);
    m.authorization_id = read_authorization_id(&norm, &lower);
    read_sqs_url(&norm, &lower, &mut m);

    if let Some(core) = find_core(&lower) {
        read_core(&norm, &lower, core, &mut m);
        m.shape = MessageShape::NotAuthorized;
        if m.caller.is_some() || m.action.is_some() {
            normalize_resource(&mut m);
            return Ok(m);
        }
    }
    if looks_denied(&lower) || m.error_code.is_some() || m.encoded_message.is_some() {
        m.shape = MessageShape::Bare;
        // `Access Denied`, so written, is Amazon S3's message.
        if m.service.is_none() && norm.contains("Access Denied") && m.operation.is_some() {
            m.service = Some("s3".into());
        }
        if m.claim.is_none() {
            m.claim = read_claim(&norm, &lower, 0);
        }
        normalize_resource(&mut m);
        return Ok(m);
    }
    Err(ParseError::NotUnderstood)
}

/// One line of whitespace, plain quotes, no escapes: what the reading below expects.
fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut last_space = true;
    let push_space = |out: &mut String, last_space: &mut bool| {
        if !*last_space {
            out.push(' ');
            *last_space = true;
        }
    };
    while let Some(c) = chars.next() {
        match c {
            // Terminal colors: ESC [ ... letter.
            '\u{1b}' => {
                if chars.peek() == Some(&'[') {
                    chars.next();
                    for n in chars.by_ref() {
                        if n.is_ascii_alphabetic() {
                            break;
                        }
                    }
                }
            }
            // JSON escapes, as in a CloudTrail `errorMessage` or a logged exception.
            '\\' => match chars.peek().copied() {
                Some('"') | Some('/') | Some('\'') => {
                    let n = chars.next().unwrap_or(' ');
                    out.push(n);
                    last_space = false;
                }
                Some('n') | Some('r') | Some('t') => {
                    chars.next();
                    push_space(&mut out, &mut last_space);
                }
                Some('\\') => {
                    // `\\"` in doubly escaped JSON: drop both, the quote comes next.
                    chars.next();
                }
                _ => {
                    out.push('\\');
                    last_space = false;
                }
            },
            // Markdown code spans (`role-name`) and zero-width characters carry no meaning.
            '`' | '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{feff}' => {}
            '\u{201c}' | '\u{201d}' | '\u{201e}' | '\u{ab}' | '\u{bb}' => {
                out.push('"');
                last_space = false;
            }
            '\u{2018}' | '\u{2019}' => {
                out.push('\'');
                last_space = false;
            }
            c if c.is_whitespace() => push_space(&mut out, &mut last_space),
            c => {
                out.push(c);
                last_space = false;
            }
        }
    }
    let out = out.trim_end().to_owned();
    decode_entities(&out)
}

/// HTML entities, as in an S3 error shown by a browser or copied from a web page.
fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    text.replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Characters that surround a token in prose but are never part of it at its ends.
fn strip_token(t: &str) -> &str {
    t.trim_matches(|c: char| {
        matches!(
            c,
            '"' | '\'' | '(' | ')' | '[' | ']' | '<' | '>' | '{' | '}' | ',' | ';'
        )
    })
}

/// A sentence's end after a token: `arn:...:user/bob.` → `arn:...:user/bob`.
fn strip_sentence_end(t: &str) -> &str {
    let t = strip_token(t);
    let t = t.trim_end_matches(['.', ',', ';', ':']);
    strip_token(t)
}

/// Where `is not authorized to perform` (or `... to access`) starts, and where what follows
/// `perform` starts.
#[derive(Debug, Clone, Copy)]
struct Core {
    /// Start of `is not authorized`.
    is_at: usize,
    /// Just after `to perform` / `to access`.
    after: usize,
    /// `false` for `to access` (API Gateway): no action follows.
    perform: bool,
    /// `is not authorized`: the caller is named just before.
    has_caller: bool,
}

fn find_core(lower: &str) -> Option<Core> {
    // `User: X is not authorized to perform: A`, and without a caller: `Not authorized to
    // perform sts:AssumeRoleWithWebIdentity` (STS for web identities and SAML). EC2 puts
    // `You are not authorized to perform this operation.` before the real sentence, so an
    // occurrence that names a caller (`is not ...`) wins over the first one.
    let mut first: Option<Core> = None;
    for (needle, perform) in [
        ("not authorized to perform", true),
        ("not authorised to perform", true),
        ("not authorized to access", false),
    ] {
        let mut from = 0;
        while let Some(i) = lower[from..].find(needle).map(|i| from + i) {
            let has_caller = lower[..i].ends_with("is ");
            let core = Core {
                is_at: if has_caller { i - 3 } else { i },
                after: i + needle.len(),
                perform,
                has_caller,
            };
            if has_caller {
                return Some(core);
            }
            let names_action = !lower[core.after..]
                .trim_start_matches([':', ' '])
                .starts_with("this ");
            if first.is_none() && names_action {
                first = Some(core);
            }
            from = i + needle.len();
        }
    }
    first
}

fn read_core(norm: &str, lower: &str, core: Core, m: &mut ParsedMessage) {
    // The caller is the last token before `is not authorized`: `User: ARN`, `User ARN`.
    let before = norm[..core.is_at].trim_end();
    if let Some(token) = before.rsplit(' ').next().filter(|_| core.has_caller) {
        let token = strip_token(token).trim_end_matches(':');
        let lower_token = token.to_ascii_lowercase();
        if !token.is_empty() && !matches!(lower_token.as_str(), "user" | "principal" | "you") {
            m.caller = Some(Caller::parse(token));
        }
    }
    if !core.perform {
        m.claim = read_claim(norm, lower, core.after);
        return;
    }
    // The action: `perform: s3:GetObject`, `perform s3:GetObject`.
    let mut pos = skip(norm, core.after, |c| c == ':' || c == ' ');
    let (action_token, end) = token_at(norm, pos);
    let action = strip_sentence_end(action_token);
    if let Some(a) = normalize_action(action) {
        m.action = Some(a);
        pos = end;
    }
    // The resource: `on resource: R`, `on resource: "R"`, `on "R"` (the guides' generic form).
    let rest_lower = &lower[pos..];
    let trimmed = rest_lower.trim_start();
    let at = pos + (rest_lower.len() - trimmed.len());
    let mut reason_from = pos;
    if let Some(after_on) = trimmed.strip_prefix("on ") {
        let mut r = at + 3;
        let mut explicit = false;
        for prefix in ["resources:", "resource:", "resources ", "resource "] {
            if after_on.starts_with(prefix) {
                r += prefix.len();
                explicit = true;
                break;
            }
        }
        let r = skip(norm, r, |c| c == ' ');
        let starts = norm[r..].chars().next();
        if (explicit || matches!(starts, Some('"' | '\'')) || norm[r..].starts_with("arn:"))
            && let Some((value, end)) = read_resource(norm, lower, r)
        {
            m.resource = Some(value);
            reason_from = end;
        }
    }
    m.claim = read_claim(norm, lower, reason_from);
}

/// Advances over characters accepted by `f`.
fn skip(text: &str, mut pos: usize, f: impl Fn(char) -> bool) -> usize {
    while let Some(c) = text[pos..].chars().next() {
        if !f(c) {
            break;
        }
        pos += c.len_utf8();
    }
    pos
}

/// The whitespace-delimited token at `pos` and where it ends.
fn token_at(text: &str, pos: usize) -> (&str, usize) {
    let end = text[pos..].find(' ').map_or(text.len(), |i| pos + i);
    (&text[pos..end], end)
}

/// `SNS:Publish` → `sns:Publish`; `None` for text that is not `service:action`.
fn normalize_action(text: &str) -> Option<String> {
    let (service, action) = text.split_once(':')?;
    let service_ok = !service.is_empty()
        && service
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    let action_ok = !action.is_empty()
        && action
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '*' || c == '-' || c == '_' || c == '?');
    (service_ok && action_ok).then(|| format!("{}:{action}", service.to_ascii_lowercase()))
}

/// Phrases that end a resource written without quotes.
const RESOURCE_ENDS: &[&str] = &[
    " because ",
    " with an explicit",
    " with explicit",
    " due to ",
    " (service:",
    "(service:",
    ". encoded authorization",
    " encoded authorization",
    ". go to ",
    " status code:",
];

fn read_resource(norm: &str, lower: &str, pos: usize) -> Option<(String, usize)> {
    let rest = &norm[pos..];
    let first = rest.chars().next()?;
    if first == '"' || first == '\'' {
        let close = rest[1..].find(first)?;
        let value = rest[1..1 + close].trim();
        return (!value.is_empty()).then(|| (value.to_owned(), pos + 1 + close + 1));
    }
    let lower_rest = &lower[pos..];
    // KMS: "on this resource because ..." names no resource.
    if lower_rest.starts_with("this resource") {
        return None;
    }
    if rest.starts_with("arn:") {
        let (token, end) = token_at(norm, pos);
        let value = strip_sentence_end(token);
        return (!value.is_empty()).then(|| (value.to_owned(), end));
    }
    // A name, not an ARN (`role voclabs`, `policy my-policy`, `my-example-widget`): up to the
    // reason or the end of the sentence.
    let mut end = rest.len();
    for p in RESOURCE_ENDS {
        if let Some(i) = lower_rest.find(p) {
            end = end.min(i);
        }
    }
    if let Some(i) = rest.find(". ") {
        end = end.min(i);
    }
    let value = strip_sentence_end(rest[..end].trim());
    (!value.is_empty()).then(|| (value.to_owned(), pos + end))
}

/// The reason, searched from `from` on.
fn read_claim(norm: &str, lower: &str, from: usize) -> Option<Claim> {
    let rest = &lower[from..];
    let text_from = |i: usize| -> String {
        let start = from + i;
        let tail = &norm[start..];
        let end = [
            ". encoded authorization",
            ". go to ",
            " encoded authorization",
            " (service:",
        ]
        .iter()
        .filter_map(|p| tail.to_ascii_lowercase().find(p))
        .min()
        .unwrap_or(tail.len());
        tail[..end].trim_end_matches(['.', ' ']).to_owned()
    };
    if let Some(i) = rest
        .find("explicit deny in ")
        .or_else(|| rest.find("explicit deny from "))
    {
        let phrase_start = from + i;
        let (layer, phrase_end) = layer_of(lower, phrase_start);
        let start = rest[..i]
            .rfind("with an ")
            .or_else(|| rest[..i].rfind("due to an "))
            .or_else(|| rest[..i].rfind("with "))
            .filter(|s| i - s <= 12)
            .unwrap_or(i);
        return Some(Claim {
            kind: ClaimKind::ExplicitDeny,
            layer,
            policy_arn: policy_arn_after(norm, phrase_end),
            text: text_from(start),
        });
    }
    if let Some(i) = rest.find("because no ") {
        let (layer, _) = layer_of(lower, from + i);
        return Some(Claim {
            kind: ClaimKind::ImplicitDeny,
            layer,
            policy_arn: None,
            text: text_from(i),
        });
    }
    if let Some(i) = rest.find("because the role trust policy") {
        return Some(Claim {
            kind: ClaimKind::ImplicitDeny,
            layer: ClaimLayer::RoleTrust,
            policy_arn: None,
            text: text_from(i),
        });
    }
    if let Some(i) = rest
        .find("because public acls are prevented")
        .or_else(|| rest.find("because public policies are prevented"))
    {
        return Some(Claim {
            kind: ClaimKind::ExplicitDeny,
            layer: ClaimLayer::BlockPublicAccess,
            policy_arn: None,
            text: text_from(i),
        });
    }
    if let Some(i) = rest.find("no resource-based policies allow access") {
        let start = rest[..i].rfind("because ").unwrap_or(i);
        return Some(Claim {
            kind: ClaimKind::Unspecified,
            layer: ClaimLayer::Resource,
            policy_arn: None,
            text: text_from(start),
        });
    }
    if let Some(i) = rest.find("because ") {
        return Some(Claim {
            kind: ClaimKind::Unspecified,
            layer: ClaimLayer::Other,
            policy_arn: None,
            text: text_from(i),
        });
    }
    None
}

/// The layer named after `at` (the start of `explicit deny in` / `because no`), and where its
/// phrase ends (after `policy`/`boundary`).
fn layer_of(lower: &str, at: usize) -> (ClaimLayer, usize) {
    let tail = &lower[at..];
    // The phrase ends at the first `policy`/`policies`/`boundary` word; AWS's longest is
    // "a VPC endpoint policy transitively through a service control policy".
    let mut end = ["polic", "boundar"]
        .iter()
        .filter_map(|w| tail.find(w))
        .min()
        .unwrap_or_else(|| {
            // No policy word: the phrase is at most the next few words (a char boundary).
            let mut cut = tail.len().min(60);
            while !tail.is_char_boundary(cut) {
                cut -= 1;
            }
            cut
        });
    end = tail[end..]
        .find([' ', ':', '.', ','])
        .map_or(tail.len(), |j| end + j);
    let mut phrase = &tail[..end];
    if tail[end..].starts_with(" transitively through") {
        let t = &tail[end..];
        let more = t
            .find("polic")
            .and_then(|k| t[k..].find([' ', ':', '.', ',']).map(|j| k + j))
            .unwrap_or(t.len());
        end += more;
        phrase = &tail[..end];
    }
    let layer = if phrase.contains("transitively through a service control") {
        // The guide: "check for an explicit Deny statement ... in your SCPs".
        ClaimLayer::Scp
    } else if phrase.contains("identity-based") || phrase.contains("identity based") {
        ClaimLayer::Identity
    } else if phrase.contains("resource-based") || phrase.contains("resource based") {
        ClaimLayer::Resource
    } else if phrase.contains("boundar") {
        ClaimLayer::PermissionsBoundary
    } else if phrase.contains("service control") || phrase.contains(" scp") {
        ClaimLayer::Scp
    } else if phrase.contains("resource control") || phrase.contains(" rcp") {
        ClaimLayer::Rcp
    } else if phrase.contains("session") {
        ClaimLayer::Session
    } else if phrase.contains("vpc endpoint") || phrase.contains("endpoint policy") {
        ClaimLayer::VpcEndpoint
    } else if phrase.contains("trust") {
        ClaimLayer::RoleTrust
    } else {
        ClaimLayer::Other
    };
    (layer, at + end)
}

/// `...policy: arn:aws:iam::123:policy/Name.` → the ARN.
fn policy_arn_after(norm: &str, pos: usize) -> Option<String> {
    let rest = norm.get(pos..)?.trim_start();
    let rest = rest.strip_prefix(':')?.trim_start();
    if !rest.starts_with("arn:") {
        return None;
    }
    let token = rest.split(' ').next()?;
    let value = strip_sentence_end(token);
    (!value.is_empty()).then(|| value.to_owned())
}

/// The error code and operation from the wrappers CLIs and SDKs put around the message.
fn read_code_and_operation(norm: &str, lower: &str, m: &mut ParsedMessage) {
    // AWS CLI v2 / boto3: `An error occurred (CODE) when calling the OP operation: ...`;
    // old AWS CLI: `A client error (CODE) occurred when calling the OP operation: ...`.
    for opener in ["an error occurred (", "a client error ("] {
        if let Some(i) = lower.find(opener) {
            let start = i + opener.len();
            if let Some(close) = norm[start..].find(')') {
                m.error_code = non_empty(&norm[start..start + close]);
            }
        }
    }
    if let Some(i) = lower.find("when calling the ") {
        let start = i + "when calling the ".len();
        if let Some(end) = lower[start..].find(" operation") {
            let op = &norm[start..start + end];
            if is_word(op) {
                m.operation = Some(op.to_owned());
            }
        }
    }
    // Go SDK v2 (and Terraform): `operation error S3: GetObject, https response error
    // StatusCode: 403, RequestID: ..., api error AccessDenied: Access Denied`.
    if let Some(i) = lower.find("operation error ") {
        let start = i + "operation error ".len();
        if let Some(colon) = norm[start..].find(": ") {
            let service = &norm[start..start + colon];
            let op_start = start + colon + 2;
            let op_end = norm[op_start..]
                .find([',', ' '])
                .map_or(norm.len(), |j| op_start + j);
            let op = &norm[op_start..op_end];
            if service.len() <= 40 && is_word(op) {
                m.service = m.service.take().or_else(|| service_prefix(service));
                m.operation = m.operation.take().or_else(|| Some(op.to_owned()));
            }
        }
    }
    if let Some(i) = lower.find("api error ") {
        let start = i + "api error ".len();
        let end = norm[start..]
            .find([':', ' '])
            .map_or(norm.len(), |j| start + j);
        if m.error_code.is_none() {
            m.error_code = non_empty(&norm[start..end]).filter(|c| is_word(c));
        }
    }
    // Java SDK v1: `(Service: Amazon S3; Status Code: 403; Error Code: AccessDenied; ...)`;
    // v2: `(Service: S3, Status Code: 403, Request ID: ...)`.
    if let Some(i) = lower.find("(service: ") {
        let start = i + "(service: ".len();
        let end = norm[start..]
            .find([';', ',', ')'])
            .map_or(norm.len(), |j| start + j);
        m.service = m
            .service
            .take()
            .or_else(|| service_prefix(&norm[start..end]));
    }
    if let Some(i) = lower.find("error code: ") {
        let start = i + "error code: ".len();
        let end = norm[start..]
            .find([';', ',', ')', ' '])
            .map_or(norm.len(), |j| start + j);
        if m.error_code.is_none() {
            m.error_code = non_empty(&norm[start..end]);
        }
    }
    // S3's XML error body.
    if let Some(i) = lower.find("<code>") {
        let start = i + "<code>".len();
        if let Some(end) = lower[start..].find("</code>") {
            if m.error_code.is_none() {
                m.error_code = non_empty(&norm[start..start + end]);
            }
            if lower.contains("<hostid>") || lower.contains("<requestid>") {
                m.service = m.service.take().or_else(|| Some("s3".into()));
            }
        }
    }
    if m.error_code.is_none() {
        m.error_code = known_code(norm);
    }
}

fn non_empty(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

fn is_word(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// An error code written as a word anywhere (`AccessDeniedException: User: ...`).
fn known_code(norm: &str) -> Option<String> {
    const CODES: &[&str] = &[
        "AccessDeniedException",
        "AccessDenied",
        "Client.UnauthorizedOperation",
        "UnauthorizedOperation",
        "UnauthorizedAccess",
        "UnauthorizedException",
        "AuthorizationErrorException",
        "AuthorizationError",
        "ForbiddenException",
        "Forbidden",
        "NotAuthorized",
        "AccessDeniedError",
    ];
    let is_boundary = |c: Option<char>| c.is_none_or(|c| !c.is_ascii_alphanumeric());
    for code in CODES {
        let mut from = 0;
        while let Some(i) = norm[from..].find(code) {
            let at = from + i;
            let before = norm[..at].chars().next_back();
            let after = norm[at + code.len()..].chars().next();
            if is_boundary(before) && is_boundary(after) {
                return Some((*code).to_owned());
            }
            from = at + code.len();
        }
    }
    None
}

/// An SDK's service name (`Amazon S3`, `AmazonDynamoDBv2`, `Secrets Manager`, `Iam`) as the
/// IAM service prefix.
pub fn service_prefix(name: &str) -> Option<String> {
    let mut s: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    for prefix in ["amazon", "aws"] {
        if s.len() > prefix.len()
            && let Some(rest) = s.strip_prefix(prefix)
        {
            s = rest.to_owned();
        }
    }
    let mapped = match s.as_str() {
        "" => return None,
        "identitymanagement" | "identityandaccessmanagement" => "iam",
        "securitytokenservice" => "sts",
        "dynamodbv2" => "dynamodb",
        "simplesystemsmanagement" | "simplesystemsmanager" => "ssm",
        "cloudwatchlogs" | "logs" => "logs",
        "keymanagementservice" => "kms",
        "simplequeueservice" => "sqs",
        "simplenotificationservice" => "sns",
        "elasticcontainerregistry" => "ecr",
        "elasticcontainerservice" => "ecs",
        "elasticloadbalancingv2" | "elasticloadbalancing" => "elasticloadbalancing",
        "cognitoidentityprovider" => "cognito-idp",
        "apigateway" => "apigateway",
        "stepfunctions" | "sfn" => "states",
        "eventbridge" | "cloudwatchevents" => "events",
        "cloudwatch" => "cloudwatch",
        "secretsmanager" => "secretsmanager",
        other => other,
    };
    Some(mapped.to_owned())
}

/// `Encoded authorization failure message: TOKEN`.
fn read_encoded(norm: &str, lower: &str) -> Option<String> {
    let i = lower.find("encoded authorization failure message")?;
    let rest = &norm[i + "encoded authorization failure message".len()..];
    let rest = rest.trim_start_matches([':', ' ']);
    let token: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+' | '/' | '='))
        .collect();
    (token.len() >= 8).then_some(token)
}

/// IAM Access Troubleshooter: `Go to https://...#/authorization-details/ID`.
fn read_authorization_id(norm: &str, lower: &str) -> Option<String> {
    let i = lower.find("authorization-details/")?;
    let rest = &norm[i + "authorization-details/".len()..];
    let token: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .collect();
    non_empty(&token)
}

/// SQS's older message: `Access to the resource https://sqs.REGION.amazonaws.com/ACCT/QUEUE is
/// denied.` The URL is the queue: its ARN is `arn:aws:sqs:REGION:ACCT:QUEUE`.
fn read_sqs_url(norm: &str, lower: &str, m: &mut ParsedMessage) {
    let Some(i) = lower.find("https://sqs.") else {
        return;
    };
    let (url, _) = token_at(norm, i);
    let url = strip_sentence_end(url);
    let Some(rest) = url.strip_prefix("https://sqs.") else {
        return;
    };
    let mut parts = rest.splitn(2, '/');
    let host = parts.next().unwrap_or_default();
    let path = parts.next().unwrap_or_default();
    let region = host.split('.').next().unwrap_or_default();
    let mut path_parts = path.split('/');
    let (Some(account), Some(queue)) = (path_parts.next(), path_parts.next()) else {
        return;
    };
    if region.is_empty() || account.is_empty() || queue.is_empty() {
        return;
    }
    let partition = if host.ends_with(".amazonaws.com.cn") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    };
    m.service = Some("sqs".into());
    m.resource = Some(format!("arn:{partition}:sqs:{region}:{account}:{queue}"));
    m.resource_as_written = Some(url.to_owned());
}

/// Words that mark a text as a denial even without the `User: ... is not authorized` core.
fn looks_denied(lower: &str) -> bool {
    [
        "access denied",
        "accessdenied",
        "access-denied",
        "not authorized",
        "unauthorizedoperation",
        "unauthorized",
        "forbidden",
        "permission denied",
        "is denied",
    ]
    .iter()
    .any(|w| lower.contains(w))
}

/// Builds an ARN for IAM's named resources (`role NAME`, `policy NAME`, `user NAME`) from the
/// caller's account; the role path, which the name lacks, is found later in the account.
fn normalize_resource(m: &mut ParsedMessage) {
    let Some(resource) = m.resource.clone() else {
        return;
    };
    if resource.starts_with("arn:") || resource == "*" {
        return;
    }
    let Some((kind, name)) = resource.split_once(' ') else {
        return;
    };
    let (kind, name) = (kind.to_ascii_lowercase(), name.to_owned());
    let iam_kind = matches!(
        kind.as_str(),
        "role" | "user" | "group" | "policy" | "instance-profile"
    );
    let from_iam = m.action.as_deref().is_some_and(|a| a.starts_with("iam:"));
    if !iam_kind || !from_iam || name.contains(' ') {
        return;
    }
    let (partition, account) = match m.caller.as_ref().and_then(Caller::arn).map(Arn::parse) {
        Some(Ok(arn)) => (arn.partition.to_owned(), arn.account.to_owned()),
        _ => return,
    };
    m.resource = Some(format!("arn:{partition}:iam::{account}:{kind}/{name}"));
    m.resource_as_written = Some(resource);
}

/// A CloudTrail record (the whole event JSON, or a `Records` list of one): the message is in
/// `errorMessage`, and the record adds the caller, the operation and the service.
fn parse_cloudtrail(text: &str) -> Option<ParsedMessage> {
    let trimmed = text.trim();
    if !trimmed.starts_with('{') {
        return None;
    }
    let value: serde_json::Value = serde_json::from_str(trimmed).ok()?;
    let event = match value.get("Records").and_then(|r| r.as_array()) {
        Some(records) => records.iter().find(|r| r.get("errorCode").is_some())?,
        None => &value,
    };
    let code = event.get("errorCode").and_then(|v| v.as_str());
    let message = event.get("errorMessage").and_then(|v| v.as_str());
    if code.is_none() && message.is_none() {
        return None;
    }
    let mut m = match message.map(parse_message) {
        Some(Ok(m)) => m,
        _ => ParsedMessage {
            shape: MessageShape::Bare,
            ..ParsedMessage::default()
        },
    };
    if let Some(code) = code {
        m.error_code = Some(code.trim_start_matches("Client.").to_owned());
    }
    let op = event.get("eventName").and_then(|v| v.as_str());
    if m.operation.is_none() {
        m.operation = op.map(str::to_owned);
    }
    if m.service.is_none() {
        m.service = event
            .get("eventSource")
            .and_then(|v| v.as_str())
            .and_then(|s| s.split('.').next())
            .map(str::to_owned);
    }
    if m.caller.is_none() {
        m.caller = event
            .pointer("/userIdentity/arn")
            .and_then(|v| v.as_str())
            .map(Caller::parse);
    }
    if m.resource.is_none()
        && m.service.as_deref() == Some("s3")
        && let Some(bucket) = event
            .pointer("/requestParameters/bucketName")
            .and_then(|v| v.as_str())
    {
        m.resource = Some(
            match event
                .pointer("/requestParameters/key")
                .and_then(|v| v.as_str())
            {
                Some(key) => format!("arn:aws:s3:::{bucket}/{key}"),
                None => format!("arn:aws:s3:::{bucket}"),
            },
        );
    }
    Some(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_whitespace_escapes_and_quotes() {
        assert_eq!(normalize("a\n  b\r\n\tc  "), "a b c");
        assert_eq!(
            normalize(r#"on resource: \"arn:aws:s3:::b\""#),
            r#"on resource: "arn:aws:s3:::b""#
        );
        assert_eq!(normalize("widgets:`GetWidget`"), "widgets:GetWidget");
        assert_eq!(normalize("\u{1b}[31mred\u{1b}[0m"), "red");
        assert_eq!(normalize("“x”"), "\"x\"");
        assert_eq!(normalize("a\\nb"), "a b");
    }

    #[test]
    fn actions_are_normalized_or_rejected() {
        assert_eq!(
            normalize_action("SNS:Publish").as_deref(),
            Some("sns:Publish")
        );
        assert_eq!(normalize_action("this"), None);
        assert_eq!(normalize_action("arn:aws"), Some("arn:aws".into()));
        assert_eq!(normalize_action("s3:Get/Object"), None);
    }

    #[test]
    fn sdk_service_names() {
        for (name, prefix) in [
            ("Amazon S3", "s3"),
            ("S3", "s3"),
            ("AmazonDynamoDBv2", "dynamodb"),
            ("AWSSecurityTokenService", "sts"),
            ("Iam", "iam"),
            ("Secrets Manager", "secretsmanager"),
            ("CloudWatch Logs", "logs"),
            ("AWSLambda", "lambda"),
        ] {
            assert_eq!(service_prefix(name).as_deref(), Some(prefix), "{name}");
        }
    }

    #[test]
    fn callers() {
        assert!(matches!(Caller::parse("anonymous"), Caller::Anonymous));
        assert!(matches!(
            Caller::parse("arn:aws:iam::123456789012:root"),
            Caller::Root { .. }
        ));
        let Caller::User { arn, .. } = Caller::parse("arn:aws:sts::123456789012:user/MaryMajor")
        else {
            panic!()
        };
        assert_eq!(arn, "arn:aws:iam::123456789012:user/MaryMajor");
        let Caller::FederatedUser { name, .. } =
            Caller::parse("arn:aws:sts::123456789012:federated-user/Bob")
        else {
            panic!()
        };
        assert_eq!(name, "Bob");
    }
}
