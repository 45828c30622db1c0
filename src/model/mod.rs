//! The account graph: users, groups, roles, managed policies and how they relate.
//!
//! Entities live in flat vectors and refer to each other by typed index ([`UserId`], ...), so
//! the graph is cheap to build and to walk both ways. [`Account::new`] builds the reverse
//! indexes (policy → who has it, group → members, ARN/name → entity) once.

pub mod arn;

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;

use crate::policy::Policy;

pub use arn::{Arn, SessionArn, is_account_id};

macro_rules! entity_id {
    ($name:ident) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u32);
        impl $name {
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}
entity_id!(UserId);
entity_id!(GroupId);
entity_id!(RoleId);
entity_id!(PolicyId);

/// Any entity of the graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntityRef {
    User(UserId),
    Group(GroupId),
    Role(RoleId),
    Policy(PolicyId),
}

/// The kinds of entity, as users name them (`ls users`, `:roles`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntityKind {
    User,
    Group,
    Role,
    Policy,
}

impl EntityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::User => "user",
            EntityKind::Group => "group",
            EntityKind::Role => "role",
            EntityKind::Policy => "policy",
        }
    }
}

impl EntityRef {
    pub fn kind(self) -> EntityKind {
        match self {
            EntityRef::User(_) => EntityKind::User,
            EntityRef::Group(_) => EntityKind::Group,
            EntityRef::Role(_) => EntityKind::Role,
            EntityRef::Policy(_) => EntityKind::Policy,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

/// A policy embedded in a user, group or role.
#[derive(Debug, Clone, PartialEq)]
pub struct InlinePolicy {
    pub name: String,
    pub document: Policy,
}

/// A reference to a managed policy. `policy` is `None` when the input names a policy it does
/// not contain (recorded as a gap of the account).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyRef {
    pub arn: String,
    pub name: String,
    pub policy: Option<PolicyId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessKey {
    pub id: String,
    pub active: bool,
    pub created: Option<Timestamp>,
    pub last_used: Option<Timestamp>,
    pub last_used_service: Option<String>,
    pub last_used_region: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MfaDevice {
    pub serial: String,
    pub enabled: Option<Timestamp>,
}

/// What the credential report and the key/MFA listings say about a user's credentials.
/// `None` fields are unknown (the input did not include them), not "no".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    pub password_enabled: Option<bool>,
    pub password_last_used: Option<Timestamp>,
    pub mfa_active: Option<bool>,
    pub access_keys: Vec<AccessKey>,
    pub mfa_devices: Vec<MfaDevice>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub name: String,
    pub id: String,
    pub arn: String,
    pub path: String,
    pub created: Option<Timestamp>,
    pub groups: Vec<GroupId>,
    pub inline_policies: Vec<InlinePolicy>,
    pub attached_policies: Vec<PolicyRef>,
    pub permissions_boundary: Option<PolicyRef>,
    pub tags: Vec<Tag>,
    pub credentials: Credentials,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub name: String,
    pub id: String,
    pub arn: String,
    pub path: String,
    pub created: Option<Timestamp>,
    pub inline_policies: Vec<InlinePolicy>,
    pub attached_policies: Vec<PolicyRef>,
    /// Filled by [`Account::new`] from the users' group lists.
    pub members: Vec<UserId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceProfile {
    pub name: String,
    pub id: String,
    pub arn: String,
    pub path: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleLastUsed {
    pub date: Option<Timestamp>,
    pub region: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Role {
    pub name: String,
    pub id: String,
    pub arn: String,
    pub path: String,
    pub created: Option<Timestamp>,
    pub description: Option<String>,
    /// The trust policy (`AssumeRolePolicyDocument`).
    pub trust_policy: Option<Policy>,
    pub inline_policies: Vec<InlinePolicy>,
    pub attached_policies: Vec<PolicyRef>,
    pub permissions_boundary: Option<PolicyRef>,
    pub tags: Vec<Tag>,
    /// `None`: the input does not say; `Some(RoleLastUsed { date: None, .. })`: never used.
    pub last_used: Option<RoleLastUsed>,
    pub max_session_duration: Option<u32>,
    pub instance_profiles: Vec<InstanceProfile>,
}

impl Role {
    /// Service-linked roles are managed by AWS services and cannot be changed by the account.
    pub fn is_service_linked(&self) -> bool {
        self.path.starts_with("/aws-service-role/")
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PolicyVersion {
    pub version_id: String,
    pub is_default: bool,
    pub created: Option<Timestamp>,
    pub document: Option<Policy>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ManagedPolicy {
    pub name: String,
    pub id: String,
    pub arn: String,
    pub path: String,
    pub description: Option<String>,
    pub default_version_id: Option<String>,
    pub attachment_count: u32,
    pub permissions_boundary_usage_count: u32,
    pub is_attachable: bool,
    pub created: Option<Timestamp>,
    pub updated: Option<Timestamp>,
    pub versions: Vec<PolicyVersion>,
}

impl ManagedPolicy {
    /// AWS managed policies live in the `aws` account namespace (`arn:aws:iam::aws:policy/...`).
    pub fn is_aws_managed(&self) -> bool {
        Arn::parse(&self.arn).is_ok_and(|a| a.account == "aws")
    }

    /// The document in force: the default version's.
    pub fn default_document(&self) -> Option<&Policy> {
        self.versions
            .iter()
            .find(|v| v.is_default)
            .or_else(|| {
                let id = self.default_version_id.as_deref()?;
                self.versions.iter().find(|v| v.version_id == id)
            })
            .and_then(|v| v.document.as_ref())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcProvider {
    pub arn: String,
    /// The issuer host and path, without `https://` (as IAM returns it).
    pub url: String,
    pub client_ids: Vec<String>,
    pub thumbprints: Vec<String>,
    pub created: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SamlProvider {
    pub arn: String,
    pub valid_until: Option<Timestamp>,
    pub created: Option<Timestamp>,
}

/// An Organizations policy (SCP or RCP) that applies to the account.
#[derive(Debug, Clone, PartialEq)]
pub struct OrgPolicy {
    pub id: String,
    pub arn: String,
    pub name: String,
    pub target: String,
    pub document: Policy,
}

/// Where an account came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceKind {
    Demo,
    Snapshot(String),
    Live { profile: Option<String> },
}

impl std::fmt::Display for SourceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SourceKind::Demo => f.write_str("demo"),
            SourceKind::Snapshot(path) => write!(f, "snapshot {path}"),
            SourceKind::Live { profile: Some(p) } => write!(f, "live (profile {p})"),
            SourceKind::Live { profile: None } => f.write_str("live"),
        }
    }
}

/// A part of the account that is missing from the input, and why (e.g. the caller lacked a
/// permission, or a referenced policy was not included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    pub part: String,
    pub reason: String,
}

/// Everything else iamscope knows about the account.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AccountInfo {
    pub account_id: String,
    pub partition: String,
    pub fetched_at: Option<Timestamp>,
    pub caller_arn: Option<String>,
    pub summary: Option<BTreeMap<String, i64>>,
    /// The credential report's `<root_account>` row, when known.
    pub root_credentials: Option<Credentials>,
    pub gaps: Vec<Gap>,
}

/// The account graph.
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    pub source: SourceKind,
    pub info: AccountInfo,
    pub users: Vec<User>,
    pub groups: Vec<Group>,
    pub roles: Vec<Role>,
    pub policies: Vec<ManagedPolicy>,
    pub oidc_providers: Vec<OidcProvider>,
    pub saml_providers: Vec<SamlProvider>,
    /// SCP levels from the organization root down to the account; empty: none known.
    pub scps: Vec<Vec<OrgPolicy>>,
    index: Index,
}

/// Reverse relations, built once by [`Account::new`].
#[derive(Debug, Clone, Default, PartialEq)]
struct Index {
    by_arn: HashMap<String, EntityRef>,
    /// Lower-cased name → entities of any kind with that name.
    by_name: HashMap<String, Vec<EntityRef>>,
    /// Per policy: the users, groups and roles it is attached to.
    attached_to: Vec<Vec<EntityRef>>,
    /// Per policy: the users and roles that use it as their permissions boundary.
    boundary_of: Vec<Vec<EntityRef>>,
    /// Role name → role: assumed-role session ARNs carry the name but not the path.
    roles_by_name: HashMap<String, RoleId>,
}

/// How a name given by the user resolved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    #[error("no user, group, role or policy is named `{0}`{1}")]
    NotFound(String, String),
    #[error("`{name}` is ambiguous: it names {}; use the ARN", candidates.join(", "))]
    Ambiguous {
        name: String,
        candidates: Vec<String>,
    },
}

impl Account {
    /// Builds the graph and its indexes. `groups[..].members` is derived from the users'
    /// group lists and any value passed in is replaced.
    pub fn new(
        source: SourceKind,
        info: AccountInfo,
        users: Vec<User>,
        mut groups: Vec<Group>,
        roles: Vec<Role>,
        policies: Vec<ManagedPolicy>,
    ) -> Account {
        for g in &mut groups {
            g.members.clear();
        }
        for (i, u) in users.iter().enumerate() {
            for g in &u.groups {
                if let Some(group) = groups.get_mut(g.index()) {
                    group.members.push(UserId(i as u32));
                }
            }
        }
        let mut account = Account {
            source,
            info,
            users,
            groups,
            roles,
            policies,
            oidc_providers: Vec::new(),
            saml_providers: Vec::new(),
            scps: Vec::new(),
            index: Index::default(),
        };
        account.reindex();
        account
    }

    fn reindex(&mut self) {
        let mut ix = Index {
            attached_to: vec![Vec::new(); self.policies.len()],
            boundary_of: vec![Vec::new(); self.policies.len()],
            ..Index::default()
        };
        let add = |ix: &mut Index, name: &str, arn: &str, r: EntityRef| {
            ix.by_arn.insert(arn.to_owned(), r);
            ix.by_name.entry(name.to_lowercase()).or_default().push(r);
        };
        for (i, u) in self.users.iter().enumerate() {
            let r = EntityRef::User(UserId(i as u32));
            add(&mut ix, &u.name, &u.arn, r);
            for p in &u.attached_policies {
                if let Some(id) = p.policy {
                    ix.attached_to[id.index()].push(r);
                }
            }
            if let Some(id) = u.permissions_boundary.as_ref().and_then(|b| b.policy) {
                ix.boundary_of[id.index()].push(r);
            }
        }
        for (i, g) in self.groups.iter().enumerate() {
            let r = EntityRef::Group(GroupId(i as u32));
            add(&mut ix, &g.name, &g.arn, r);
            for p in &g.attached_policies {
                if let Some(id) = p.policy {
                    ix.attached_to[id.index()].push(r);
                }
            }
        }
        for (i, role) in self.roles.iter().enumerate() {
            let id = RoleId(i as u32);
            let r = EntityRef::Role(id);
            add(&mut ix, &role.name, &role.arn, r);
            ix.roles_by_name.insert(role.name.clone(), id);
            for p in &role.attached_policies {
                if let Some(id) = p.policy {
                    ix.attached_to[id.index()].push(r);
                }
            }
            if let Some(id) = role.permissions_boundary.as_ref().and_then(|b| b.policy) {
                ix.boundary_of[id.index()].push(r);
            }
        }
        for (i, p) in self.policies.iter().enumerate() {
            add(
                &mut ix,
                &p.name,
                &p.arn,
                EntityRef::Policy(PolicyId(i as u32)),
            );
        }
        self.index = ix;
    }

    pub fn user(&self, id: UserId) -> &User {
        &self.users[id.index()]
    }
    pub fn group(&self, id: GroupId) -> &Group {
        &self.groups[id.index()]
    }
    pub fn role(&self, id: RoleId) -> &Role {
        &self.roles[id.index()]
    }
    pub fn policy(&self, id: PolicyId) -> &ManagedPolicy {
        &self.policies[id.index()]
    }

    pub fn by_arn(&self, arn: &str) -> Option<EntityRef> {
        self.index.by_arn.get(arn).copied()
    }

    /// A role by its name alone, as in an assumed-role session ARN (which has no path).
    pub fn role_by_name(&self, name: &str) -> Option<RoleId> {
        self.index.roles_by_name.get(name).copied()
    }

    /// The users, groups and roles a managed policy is attached to.
    pub fn attached_to(&self, id: PolicyId) -> &[EntityRef] {
        self.index
            .attached_to
            .get(id.index())
            .map_or(&[], Vec::as_slice)
    }

    /// The users and roles whose permissions boundary is this policy.
    pub fn boundary_of(&self, id: PolicyId) -> &[EntityRef] {
        self.index
            .boundary_of
            .get(id.index())
            .map_or(&[], Vec::as_slice)
    }

    /// Resolves what a user typed: an ARN (users, groups, roles, policies, or an assumed-role
    /// session, which resolves to its role) or a name (case-insensitive; exact case wins).
    pub fn lookup(&self, name_or_arn: &str) -> Result<EntityRef, LookupError> {
        if name_or_arn.starts_with("arn:") {
            if let Some(r) = self.by_arn(name_or_arn) {
                return Ok(r);
            }
            if let Some(s) = SessionArn::parse(name_or_arn)
                && let Some(id) = self.role_by_name(s.role_name)
            {
                return Ok(EntityRef::Role(id));
            }
            return Err(LookupError::NotFound(name_or_arn.to_owned(), String::new()));
        }
        let candidates = self
            .index
            .by_name
            .get(&name_or_arn.to_lowercase())
            .map_or(&[][..], Vec::as_slice);
        let exact: Vec<EntityRef> = candidates
            .iter()
            .copied()
            .filter(|r| self.name_of(*r) == name_or_arn)
            .collect();
        let pick = if exact.is_empty() {
            candidates.to_vec()
        } else {
            exact
        };
        match pick.as_slice() {
            [one] => Ok(*one),
            [] => Err(LookupError::NotFound(
                name_or_arn.to_owned(),
                self.suggest(name_or_arn)
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default(),
            )),
            many => Err(LookupError::Ambiguous {
                name: name_or_arn.to_owned(),
                candidates: many
                    .iter()
                    .map(|r| format!("{} {}", r.kind().as_str(), self.arn_of(*r)))
                    .collect(),
            }),
        }
    }

    fn suggest(&self, name: &str) -> Option<&str> {
        let lower = name.to_lowercase();
        self.index
            .by_name
            .values()
            .flatten()
            .map(|r| self.name_of(*r))
            .filter(|n| {
                let n = n.to_lowercase();
                n.contains(&lower) || lower.contains(&n) || edit_distance(&n, &lower) <= 2
            })
            .min_by_key(|n| (edit_distance(&n.to_lowercase(), &lower), n.len()))
    }

    pub fn name_of(&self, r: EntityRef) -> &str {
        match r {
            EntityRef::User(id) => &self.user(id).name,
            EntityRef::Group(id) => &self.group(id).name,
            EntityRef::Role(id) => &self.role(id).name,
            EntityRef::Policy(id) => &self.policy(id).name,
        }
    }

    pub fn arn_of(&self, r: EntityRef) -> &str {
        match r {
            EntityRef::User(id) => &self.user(id).arn,
            EntityRef::Group(id) => &self.group(id).arn,
            EntityRef::Role(id) => &self.role(id).arn,
            EntityRef::Policy(id) => &self.policy(id).arn,
        }
    }

    /// Total number of users and roles: the principals of the account.
    pub fn principal_count(&self) -> usize {
        self.users.len() + self.roles.len()
    }
}

/// Levenshtein distance, for "did you mean" suggestions on short names.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}
