//! Who is asking, and whether a `Principal`/`NotPrincipal` element names them.

use serde::Serialize;

use crate::policy::{PrincipalKind as WireKind, PrincipalSet};

/// What kind of caller a request comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CallerKind {
    /// `arn:aws:iam::ACCOUNT:user/[path/]NAME`.
    User,
    /// `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`.
    RoleSession,
    /// `arn:aws:iam::ACCOUNT:role/[path/]NAME` (the role itself, as the trust graph names it).
    Role,
    /// `arn:aws:iam::ACCOUNT:root` or a bare 12-digit account id.
    Root,
    /// `arn:aws:sts::ACCOUNT:federated-user/NAME`.
    FederatedUser,
    /// A service principal such as `ec2.amazonaws.com`.
    Service,
    /// An identity provider: an OIDC/SAML provider ARN or a web identity provider name.
    Federated,
    /// `*` or `anonymous`: an unauthenticated caller.
    Anonymous,
    /// Anything else; it has no identity-based policies.
    Other,
}

/// The request principal, parsed once per evaluation (borrowing the request's strings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Caller<'a> {
    pub(crate) arn: &'a str,
    pub(crate) kind: CallerKind,
    pub(crate) account: Option<&'a str>,
    /// For a role session (or a role): the role's name.
    pub(crate) role_name: Option<&'a str>,
    /// For a role session: the role's ARN with its path, when the context's
    /// `aws:PrincipalArn` gives it; the session ARN itself carries no path.
    pub(crate) role_arn: Option<&'a str>,
}

thread_local! {
    static LAST_CALLER: std::cell::RefCell<Option<KnownCaller>> =
        const { std::cell::RefCell::new(None) };
}

/// A parsed [`Caller`] that owns its strings: the parts are byte ranges of `arn`, and the
/// role ARN is `arn` itself or `principal_arn`.
struct KnownCaller {
    arn: String,
    principal_arn: Option<String>,
    kind: CallerKind,
    account: Option<std::ops::Range<usize>>,
    role_name: Option<std::ops::Range<usize>>,
    role_arn: Option<RoleArnIs>,
}

#[derive(Clone, Copy)]
enum RoleArnIs {
    TheArn,
    ThePrincipalArn,
}

impl KnownCaller {
    /// `None` when a part of `c` is not where this expects it (then nothing is remembered).
    fn of(c: &Caller<'_>, principal_arn: Option<&str>) -> Option<KnownCaller> {
        // Where `part` lies in `c.arn`.
        let range = |part: Option<&str>| -> Option<Option<std::ops::Range<usize>>> {
            let Some(part) = part else {
                return Some(None);
            };
            let start = (part.as_ptr() as usize).checked_sub(c.arn.as_ptr() as usize)?;
            let range = start..start + part.len();
            (c.arn.get(range.clone()) == Some(part)).then_some(Some(range))
        };
        let role_arn = match c.role_arn {
            None => None,
            Some(r) if std::ptr::eq(r, c.arn) => Some(RoleArnIs::TheArn),
            Some(r) if principal_arn.is_some_and(|p| std::ptr::eq(r, p)) => {
                Some(RoleArnIs::ThePrincipalArn)
            }
            Some(_) => return None,
        };
        Some(KnownCaller {
            arn: c.arn.to_owned(),
            principal_arn: principal_arn.map(str::to_owned),
            kind: c.kind,
            account: range(c.account)?,
            role_name: range(c.role_name)?,
            role_arn,
        })
    }

    /// The caller, borrowing `arn` and `principal_arn`, equal to those it was made from.
    fn caller<'a>(&self, arn: &'a str, principal_arn: Option<&'a str>) -> Caller<'a> {
        let part = |r: &Option<std::ops::Range<usize>>| r.clone().and_then(|r| arn.get(r));
        Caller {
            arn,
            kind: self.kind,
            account: part(&self.account),
            role_name: part(&self.role_name),
            role_arn: self.role_arn.and_then(|is| match is {
                RoleArnIs::TheArn => Some(arn),
                RoleArnIs::ThePrincipalArn => principal_arn,
            }),
        }
    }
}

const WEB_IDENTITY_PROVIDERS: [&str; 4] = [
    "cognito-identity.amazonaws.com",
    "www.amazon.com",
    "graph.facebook.com",
    "accounts.google.com",
];

impl<'a> Caller<'a> {
    /// Parses `arn`; `principal_arn` is the context's `aws:PrincipalArn`, if any.
    pub(crate) fn parse(arn: &'a str, principal_arn: Option<&'a str>) -> Caller<'a> {
        let mut c = Caller {
            arn,
            kind: CallerKind::Other,
            account: None,
            role_name: None,
            role_arn: None,
        };
        if arn == "*" || arn.eq_ignore_ascii_case("anonymous") {
            c.kind = CallerKind::Anonymous;
            return c;
        }
        if is_account_id(arn) {
            c.kind = CallerKind::Root;
            c.account = Some(arn);
            return c;
        }
        let Some(rest) = arn.strip_prefix("arn:") else {
            if WEB_IDENTITY_PROVIDERS.contains(&arn) {
                c.kind = CallerKind::Federated;
            } else if arn.contains('.') {
                c.kind = CallerKind::Service;
            }
            return c;
        };
        let mut it = rest.splitn(5, ':');
        let (_partition, service, _region, account, resource) =
            match (it.next(), it.next(), it.next(), it.next(), it.next()) {
                (Some(p), Some(s), Some(r), Some(a), Some(res)) => (p, s, r, a, res),
                _ => return c,
            };
        c.account = (!account.is_empty()).then_some(account);
        match (service, resource.split_once('/')) {
            ("iam", None) if resource == "root" => c.kind = CallerKind::Root,
            ("iam", Some(("user", _))) => c.kind = CallerKind::User,
            ("iam", Some(("role", path))) => {
                c.kind = CallerKind::Role;
                c.role_name = path.rsplit('/').next();
                c.role_arn = Some(arn);
            }
            ("iam", Some(("oidc-provider" | "saml-provider", _))) => {
                c.kind = CallerKind::Federated;
            }
            ("sts", Some(("assumed-role", rest))) => {
                c.kind = CallerKind::RoleSession;
                c.role_name = rest.split('/').next();
                // `aws:PrincipalArn` of a session is the role's ARN, with its path.
                c.role_arn = principal_arn.filter(|p| {
                    let p = Caller::parse(p, None);
                    p.kind == CallerKind::Role
                        && p.account == c.account
                        && p.role_name == c.role_name
                });
            }
            ("sts", Some(("federated-user", _))) => c.kind = CallerKind::FederatedUser,
            _ => {}
        }
        c
    }

    /// [`Caller::parse`], remembering the last caller parsed on this thread: an analysis
    /// asks many questions of one caller in a row, and comparing two strings is cheaper than
    /// parsing them.
    pub(crate) fn parse_remembered(arn: &'a str, principal_arn: Option<&'a str>) -> Caller<'a> {
        LAST_CALLER.with_borrow_mut(|last| {
            if let Some(known) = last
                .as_ref()
                .filter(|k| k.arn == arn && k.principal_arn.as_deref() == principal_arn)
            {
                return known.caller(arn, principal_arn);
            }
            let caller = Caller::parse(arn, principal_arn);
            *last = KnownCaller::of(&caller, principal_arn);
            caller
        })
    }

    /// Whether the caller is an IAM identity with identity-based policies.
    pub(crate) fn has_identity_policies(&self) -> bool {
        matches!(
            self.kind,
            CallerKind::User
                | CallerKind::RoleSession
                | CallerKind::Role
                | CallerKind::FederatedUser
        )
    }
}

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// How a `Principal` element matched the caller; it decides which implicit denies still apply
/// to an allow from a resource-based policy ("Policy evaluation logic").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PrincipalMatch {
    /// The account (its root ARN or bare id): the account delegates to its IAM policies.
    Account,
    /// The role ARN, matching a session of that role.
    Role,
    /// `"*"` or `{"AWS": "*"}`.
    Wildcard,
    /// The caller itself: its user ARN, exact session ARN, service or provider name.
    Direct,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum AwsEntry {
    Any,
    Account(Box<str>),
    User(Box<str>),
    Role {
        arn: Box<str>,
        account: Box<str>,
        name: Box<str>,
    },
    /// Session, federated user or anything else: compared exactly.
    Exact(Box<str>),
}

/// A compiled `Principal` or `NotPrincipal` element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PrincipalMatcher {
    anyone: bool,
    aws: Vec<AwsEntry>,
    services: Vec<Box<str>>,
    federated: Vec<Box<str>>,
}

impl PrincipalMatcher {
    pub(crate) fn new(set: &PrincipalSet) -> PrincipalMatcher {
        let mut m = PrincipalMatcher {
            anyone: false,
            aws: Vec::new(),
            services: Vec::new(),
            federated: Vec::new(),
        };
        let entries = match set {
            PrincipalSet::Anyone => {
                m.anyone = true;
                return m;
            }
            PrincipalSet::Entries(e) => e,
        };
        for e in entries {
            for v in &e.values {
                match e.kind {
                    WireKind::Aws => m.aws.push(aws_entry(v)),
                    WireKind::Service => m.services.push(v.as_str().into()),
                    WireKind::Federated => m.federated.push(v.as_str().into()),
                    // Canonical user ids (S3) never name an IAM caller.
                    WireKind::CanonicalUser => {}
                }
            }
        }
        m
    }

    /// The strongest way this element names the caller, if it does.
    pub(crate) fn matches(&self, caller: &Caller<'_>) -> Option<PrincipalMatch> {
        if self.anyone {
            return Some(PrincipalMatch::Wildcard);
        }
        let mut best: Option<PrincipalMatch> = None;
        let mut note = |m: PrincipalMatch| {
            if best.is_none_or(|b| m > b) {
                best = Some(m);
            }
        };
        match caller.kind {
            CallerKind::Service => {
                if self.services.iter().any(|s| **s == *caller.arn) {
                    note(PrincipalMatch::Direct);
                }
            }
            CallerKind::Federated => {
                if self.federated.iter().any(|s| **s == *caller.arn) {
                    note(PrincipalMatch::Direct);
                }
            }
            _ => {
                for e in &self.aws {
                    if let Some(m) = aws_match(e, caller) {
                        note(m);
                    }
                }
            }
        }
        best
    }

    /// For `NotPrincipal`: whether the caller is left out of the statement. A caller is only
    /// left out when every identity it is evaluated as is listed: "If an assumed-role user ...
    /// AWS might validate the account first, then the role, and then the assumed-role user"
    /// (IAM User Guide, "NotPrincipal"), so a session needs its session ARN, its role ARN and
    /// its account listed, and a user its user ARN and its account.
    pub(crate) fn excludes(&self, caller: &Caller<'_>) -> bool {
        if self.anyone {
            return true;
        }
        let has =
            |want: PrincipalMatch| self.aws.iter().any(|e| aws_match(e, caller) == Some(want));
        match caller.kind {
            CallerKind::Service => self.services.iter().any(|s| **s == *caller.arn),
            CallerKind::Federated => self.federated.iter().any(|s| **s == *caller.arn),
            CallerKind::Root => has(PrincipalMatch::Account),
            CallerKind::User | CallerKind::FederatedUser => {
                (has(PrincipalMatch::Direct) || has(PrincipalMatch::Wildcard))
                    && (has(PrincipalMatch::Account) || has(PrincipalMatch::Wildcard))
            }
            CallerKind::RoleSession => {
                has(PrincipalMatch::Wildcard)
                    || (has(PrincipalMatch::Direct)
                        && has(PrincipalMatch::Role)
                        && has(PrincipalMatch::Account))
            }
            CallerKind::Role => {
                has(PrincipalMatch::Wildcard)
                    || (has(PrincipalMatch::Role) && has(PrincipalMatch::Account))
            }
            CallerKind::Anonymous | CallerKind::Other => has(PrincipalMatch::Wildcard),
        }
    }
}

fn aws_entry(v: &str) -> AwsEntry {
    if v == "*" {
        return AwsEntry::Any;
    }
    let c = Caller::parse(v, None);
    match (c.kind, c.account) {
        (CallerKind::Root, Some(a)) => AwsEntry::Account(a.into()),
        (CallerKind::User, _) => AwsEntry::User(v.into()),
        (CallerKind::Role, Some(a)) => AwsEntry::Role {
            arn: v.into(),
            account: a.into(),
            name: c.role_name.unwrap_or_default().into(),
        },
        _ => AwsEntry::Exact(v.into()),
    }
}

/// How one `AWS` entry names the caller.
fn aws_match(e: &AwsEntry, caller: &Caller<'_>) -> Option<PrincipalMatch> {
    match e {
        AwsEntry::Any => matches!(
            caller.kind,
            CallerKind::User
                | CallerKind::RoleSession
                | CallerKind::Role
                | CallerKind::Root
                | CallerKind::FederatedUser
                | CallerKind::Anonymous
        )
        .then_some(PrincipalMatch::Wildcard),
        // An account (root ARN or bare id) covers every principal of that account.
        AwsEntry::Account(a) => (caller.account == Some(&**a)).then_some(PrincipalMatch::Account),
        AwsEntry::User(arn) => (caller.kind == CallerKind::User && caller.arn == &**arn)
            .then_some(PrincipalMatch::Direct),
        AwsEntry::Role { arn, account, name } => {
            let same_role = match caller.kind {
                CallerKind::Role => caller.arn == &**arn,
                // A role ARN in a resource-based policy applies to the role's sessions. With
                // the role's own ARN from `aws:PrincipalArn` compare it whole (path included);
                // without it, compare the account and the role name (names are unique in an
                // account, whatever the path).
                CallerKind::RoleSession => match caller.role_arn {
                    Some(r) => r == &**arn,
                    None => caller.account == Some(&**account) && caller.role_name == Some(&**name),
                },
                _ => false,
            };
            same_role.then_some(PrincipalMatch::Role)
        }
        AwsEntry::Exact(v) => (caller.arn == &**v).then_some(PrincipalMatch::Direct),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{PrincipalEntry, PrincipalKind};

    fn aws(values: &[&str]) -> PrincipalMatcher {
        PrincipalMatcher::new(&PrincipalSet::Entries(vec![PrincipalEntry {
            kind: PrincipalKind::Aws,
            values: values.iter().map(|s| s.to_string()).collect(),
            single: false,
        }]))
    }

    const USER: &str = "arn:aws:iam::111122223333:user/dev/alice";
    const SESSION: &str = "arn:aws:sts::111122223333:assumed-role/app/s1";

    #[test]
    fn remembered_callers_are_the_parsed_ones() {
        let role = "arn:aws:iam::111122223333:role/svc/app";
        let cases: [(&str, Option<&str>); 9] = [
            (USER, None),
            (SESSION, Some(role)),
            (SESSION, Some("arn:aws:iam::111122223333:role/other")),
            (SESSION, None),
            (role, None),
            ("ec2.amazonaws.com", None),
            ("111122223333", None),
            ("arn:aws:iam::111122223333:root", None),
            ("*", None),
        ];
        // In runs and alternating, with the same text at other addresses.
        for (arn, principal_arn) in cases.iter().chain(&cases).chain(cases.iter().rev()) {
            for _ in 0..2 {
                let (arn, principal_arn) = (arn.to_string(), principal_arn.map(str::to_owned));
                assert_eq!(
                    Caller::parse_remembered(&arn, principal_arn.as_deref()),
                    Caller::parse(&arn, principal_arn.as_deref()),
                    "{arn} {principal_arn:?}"
                );
            }
        }
    }

    #[test]
    fn parses_callers() {
        let u = Caller::parse(USER, None);
        assert_eq!(
            (u.kind, u.account),
            (CallerKind::User, Some("111122223333"))
        );
        let s = Caller::parse(SESSION, Some("arn:aws:iam::111122223333:role/svc/app"));
        assert_eq!(s.kind, CallerKind::RoleSession);
        assert_eq!(s.role_name, Some("app"));
        assert_eq!(s.role_arn, Some("arn:aws:iam::111122223333:role/svc/app"));
        // A PrincipalArn naming another role is ignored.
        let s = Caller::parse(SESSION, Some("arn:aws:iam::111122223333:role/other"));
        assert_eq!(s.role_arn, None);
        assert_eq!(
            Caller::parse("ec2.amazonaws.com", None).kind,
            CallerKind::Service
        );
        assert_eq!(
            Caller::parse("accounts.google.com", None).kind,
            CallerKind::Federated
        );
        assert_eq!(Caller::parse("111122223333", None).kind, CallerKind::Root);
    }

    #[test]
    fn account_forms_mean_every_principal_of_the_account() {
        // Principal, AWS account principals (paraphrased): an account is named by its root
        // ARN or its bare id, the two forms are equivalent, and name the whole account.
        let u = Caller::parse(USER, None);
        assert_eq!(
            aws(&["111122223333"]).matches(&u),
            Some(PrincipalMatch::Account)
        );
        assert_eq!(
            aws(&["arn:aws:iam::111122223333:root"]).matches(&u),
            Some(PrincipalMatch::Account)
        );
        assert_eq!(aws(&["444455556666"]).matches(&u), None);
    }

    #[test]
    fn role_arn_matches_its_sessions() {
        // Principal, role sessions: a resource policy naming the role ARN applies to the
        // role's sessions; "Resource-based policies that grant permissions to an IAM role ARN
        // are limited by an implicit deny in a permissions boundary or session policy."
        let s = Caller::parse(SESSION, None);
        assert_eq!(
            aws(&["arn:aws:iam::111122223333:role/app"]).matches(&s),
            Some(PrincipalMatch::Role)
        );
        assert_eq!(aws(&[SESSION]).matches(&s), Some(PrincipalMatch::Direct));
        assert_eq!(
            aws(&["arn:aws:sts::111122223333:assumed-role/app/other"]).matches(&s),
            None
        );
        let with_path = Caller::parse(SESSION, Some("arn:aws:iam::111122223333:role/svc/app"));
        assert_eq!(
            aws(&["arn:aws:iam::111122223333:role/svc/app"]).matches(&with_path),
            Some(PrincipalMatch::Role)
        );
        assert_eq!(
            aws(&["arn:aws:iam::111122223333:role/app"]).matches(&with_path),
            None
        );
    }

    #[test]
    fn users_services_and_wildcards() {
        let u = Caller::parse(USER, None);
        assert_eq!(aws(&[USER]).matches(&u), Some(PrincipalMatch::Direct));
        assert_eq!(
            aws(&["arn:aws:iam::111122223333:user/alice"]).matches(&u),
            None
        );
        assert_eq!(aws(&["*"]).matches(&u), Some(PrincipalMatch::Wildcard));
        assert_eq!(
            PrincipalMatcher::new(&PrincipalSet::Anyone).matches(&u),
            Some(PrincipalMatch::Wildcard)
        );
        let svc = Caller::parse("ec2.amazonaws.com", None);
        let m = PrincipalMatcher::new(&PrincipalSet::Entries(vec![PrincipalEntry {
            kind: PrincipalKind::Service,
            values: vec!["ec2.amazonaws.com".into()],
            single: true,
        }]));
        assert_eq!(m.matches(&svc), Some(PrincipalMatch::Direct));
        assert_eq!(aws(&["*"]).matches(&svc), None);
    }

    #[test]
    fn not_principal_needs_the_whole_chain() {
        // NotPrincipal: "we strongly recommend that you explicitly include the ARN for a
        // user's account, or include both the ARN for a role and the ARN for the account".
        let u = Caller::parse(USER, None);
        assert!(aws(&[USER, "arn:aws:iam::111122223333:root"]).excludes(&u));
        assert!(!aws(&[USER]).excludes(&u));
        let s = Caller::parse(SESSION, None);
        assert!(
            aws(&[
                SESSION,
                "arn:aws:iam::111122223333:role/app",
                "arn:aws:iam::111122223333:root"
            ])
            .excludes(&s)
        );
        assert!(!aws(&[SESSION, "arn:aws:iam::111122223333:root"]).excludes(&s));
    }
}
