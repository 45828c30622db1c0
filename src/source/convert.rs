//! Wire form → account graph. Every error names the JSON path and the entity it belongs to.

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;

use super::LoadError;
use super::wire::{self, Snapshot};
use crate::model::{
    AccessKey, Account, AccountInfo, Arn, Credentials, Gap, Group, GroupId, InlinePolicy,
    InstanceProfile, ManagedPolicy, MfaDevice, OidcProvider, OrgPolicy, PolicyId, PolicyRef,
    PolicyVersion, Role, RoleLastUsed, SamlProvider, SourceKind, Tag, User,
};
use crate::policy::{EncodedDocument, Policy};

/// Converts a read snapshot into the account graph. `origin` names the input in errors.
pub fn to_account(snap: Snapshot, source: SourceKind, origin: &str) -> Result<Account, LoadError> {
    let err = |path: String, message: String| LoadError::Invalid {
        origin: origin.to_owned(),
        path,
        message,
    };
    let header = snap.header.clone().unwrap_or_default();
    let mut info = AccountInfo {
        account_id: header.account_id.clone().unwrap_or_default(),
        partition: header.partition.clone().unwrap_or_default(),
        fetched_at: match &header.fetched_at {
            Some(t) => Some(timestamp(t).map_err(|m| err("iamscope.fetched_at".into(), m))?),
            None => None,
        },
        caller_arn: header.caller_arn.clone(),
        summary: snap.account_summary.clone(),
        root_credentials: None,
        gaps: header
            .gaps
            .iter()
            .map(|g| Gap {
                part: g.part.clone(),
                reason: g.reason.clone(),
            })
            .collect(),
    };
    if info.account_id.is_empty() || info.partition.is_empty() {
        let first_arn = snap
            .user_detail_list
            .iter()
            .map(|u| &u.arn)
            .chain(snap.role_detail_list.iter().map(|r| &r.arn))
            .chain(snap.group_detail_list.iter().map(|g| &g.arn))
            .chain(snap.policies.iter().map(|p| &p.arn))
            .filter_map(|a| Arn::parse(a).ok())
            .find(|a| crate::model::is_account_id(a.account));
        if let Some(a) = first_arn {
            if info.account_id.is_empty() {
                info.account_id = a.account.to_owned();
            }
            if info.partition.is_empty() {
                info.partition = a.partition.to_owned();
            }
        }
    }
    if info.partition.is_empty() {
        info.partition = "aws".into();
    }

    // Managed policies first: everything else refers to them by ARN.
    let mut policies = Vec::with_capacity(snap.policies.len());
    let mut policy_ids: HashMap<String, PolicyId> = HashMap::with_capacity(snap.policies.len());
    for (i, p) in snap.policies.into_iter().enumerate() {
        let at = format!("Policies[{i}] (policy `{}`)", p.policy_name);
        check_arn(&p.arn).map_err(|m| err(format!("{at}.Arn"), m))?;
        let mut versions = Vec::with_capacity(p.policy_version_list.len());
        for (j, v) in p.policy_version_list.into_iter().enumerate() {
            let vat = format!("{at}.PolicyVersionList[{j}]");
            versions.push(PolicyVersion {
                created: opt_timestamp(&v.create_date)
                    .map_err(|m| err(format!("{vat}.CreateDate"), m))?,
                document: match v.document {
                    Some(d) => {
                        Some(document(d, &format!("{vat}.Document")).map_err(|(p, m)| err(p, m))?)
                    }
                    None => None,
                },
                version_id: v.version_id,
                is_default: v.is_default_version,
            });
        }
        if policy_ids
            .insert(p.arn.clone(), PolicyId(policies.len() as u32))
            .is_some()
        {
            return Err(err(
                format!("{at}.Arn"),
                format!("policy `{}` appears twice", p.arn),
            ));
        }
        policies.push(ManagedPolicy {
            created: opt_timestamp(&p.create_date)
                .map_err(|m| err(format!("{at}.CreateDate"), m))?,
            updated: opt_timestamp(&p.update_date)
                .map_err(|m| err(format!("{at}.UpdateDate"), m))?,
            name: p.policy_name,
            id: p.policy_id,
            arn: p.arn,
            path: p.path,
            description: p.description,
            default_version_id: p.default_version_id,
            attachment_count: p.attachment_count,
            permissions_boundary_usage_count: p.permissions_boundary_usage_count,
            is_attachable: p.is_attachable,
            versions,
        });
    }
    let mut missing: BTreeMap<String, String> = BTreeMap::new();
    let mut policy_ref = |arn: String, name: String, who: &str| {
        let policy = policy_ids.get(&arn).copied();
        if policy.is_none() {
            missing.entry(arn.clone()).or_insert_with(|| who.to_owned());
        }
        PolicyRef { arn, name, policy }
    };

    let mut groups = Vec::with_capacity(snap.group_detail_list.len());
    let mut group_ids: HashMap<String, GroupId> = HashMap::new();
    for (i, g) in snap.group_detail_list.into_iter().enumerate() {
        let at = format!("GroupDetailList[{i}] (group `{}`)", g.group_name);
        check_arn(&g.arn).map_err(|m| err(format!("{at}.Arn"), m))?;
        group_ids.insert(g.group_name.clone(), GroupId(groups.len() as u32));
        let who = format!("group {}", g.group_name);
        groups.push(Group {
            created: opt_timestamp(&g.create_date)
                .map_err(|m| err(format!("{at}.CreateDate"), m))?,
            inline_policies: inline(g.group_policy_list, &format!("{at}.GroupPolicyList"))
                .map_err(|(p, m)| err(p, m))?,
            attached_policies: g
                .attached_managed_policies
                .into_iter()
                .map(|a| policy_ref(a.policy_arn, a.policy_name, &who))
                .collect(),
            members: Vec::new(),
            name: g.group_name,
            id: g.group_id,
            arn: g.arn,
            path: g.path,
        });
    }

    let mut credentials =
        credentials_by_user(&snap.credential_report, snap.access_keys, snap.mfa_devices)
            .map_err(|(p, m)| err(p, m))?;
    info.root_credentials = credentials.remove("<root_account>");

    let mut users = Vec::with_capacity(snap.user_detail_list.len());
    for (i, u) in snap.user_detail_list.into_iter().enumerate() {
        let at = format!("UserDetailList[{i}] (user `{}`)", u.user_name);
        check_arn(&u.arn).map_err(|m| err(format!("{at}.Arn"), m))?;
        let mut user_groups = Vec::with_capacity(u.group_list.len());
        for (j, name) in u.group_list.iter().enumerate() {
            match group_ids.get(name) {
                Some(id) => user_groups.push(*id),
                None => {
                    return Err(err(
                        format!("{at}.GroupList[{j}]"),
                        format!("group `{name}` is not in GroupDetailList"),
                    ));
                }
            }
        }
        let who = format!("user {}", u.user_name);
        users.push(User {
            created: opt_timestamp(&u.create_date)
                .map_err(|m| err(format!("{at}.CreateDate"), m))?,
            groups: user_groups,
            inline_policies: inline(u.user_policy_list, &format!("{at}.UserPolicyList"))
                .map_err(|(p, m)| err(p, m))?,
            attached_policies: u
                .attached_managed_policies
                .into_iter()
                .map(|a| policy_ref(a.policy_arn, a.policy_name, &who))
                .collect(),
            permissions_boundary: u
                .permissions_boundary
                .map(|b| boundary_ref(b, &who, &mut policy_ref)),
            tags: tags(u.tags),
            credentials: credentials.remove(&u.user_name).unwrap_or_default(),
            name: u.user_name,
            id: u.user_id,
            arn: u.arn,
            path: u.path,
        });
    }

    let mut roles = Vec::with_capacity(snap.role_detail_list.len());
    for (i, r) in snap.role_detail_list.into_iter().enumerate() {
        let at = format!("RoleDetailList[{i}] (role `{}`)", r.role_name);
        check_arn(&r.arn).map_err(|m| err(format!("{at}.Arn"), m))?;
        let who = format!("role {}", r.role_name);
        let last_used = match r.role_last_used {
            Some(l) => Some(RoleLastUsed {
                date: opt_timestamp(&l.last_used_date)
                    .map_err(|m| err(format!("{at}.RoleLastUsed.LastUsedDate"), m))?,
                region: l.region,
            }),
            None => None,
        };
        roles.push(Role {
            created: opt_timestamp(&r.create_date)
                .map_err(|m| err(format!("{at}.CreateDate"), m))?,
            trust_policy: match r.assume_role_policy_document {
                Some(d) => Some(
                    document(d, &format!("{at}.AssumeRolePolicyDocument"))
                        .map_err(|(p, m)| err(p, m))?,
                ),
                None => None,
            },
            inline_policies: inline(r.role_policy_list, &format!("{at}.RolePolicyList"))
                .map_err(|(p, m)| err(p, m))?,
            attached_policies: r
                .attached_managed_policies
                .into_iter()
                .map(|a| policy_ref(a.policy_arn, a.policy_name, &who))
                .collect(),
            permissions_boundary: r
                .permissions_boundary
                .map(|b| boundary_ref(b, &who, &mut policy_ref)),
            tags: tags(r.tags),
            last_used,
            max_session_duration: r.max_session_duration,
            instance_profiles: r
                .instance_profile_list
                .into_iter()
                .map(|p| InstanceProfile {
                    name: p.instance_profile_name,
                    id: p.instance_profile_id,
                    arn: p.arn,
                    path: p.path,
                })
                .collect(),
            description: r.description,
            name: r.role_name,
            id: r.role_id,
            arn: r.arn,
            path: r.path,
        });
    }
    for (arn, who) in missing {
        info.gaps.push(Gap {
            part: format!("managed policy {arn}"),
            reason: format!("attached to {who}, but its document is not in the input"),
        });
    }

    let mut oidc_providers = Vec::with_capacity(snap.oidc_providers.len());
    for (i, p) in snap.oidc_providers.into_iter().enumerate() {
        oidc_providers.push(OidcProvider {
            created: opt_timestamp(&p.create_date)
                .map_err(|m| err(format!("OpenIDConnectProviders[{i}].CreateDate"), m))?,
            arn: p.arn,
            url: p.url,
            client_ids: p.client_id_list,
            thumbprints: p.thumbprint_list,
        });
    }
    let mut saml_providers = Vec::with_capacity(snap.saml_providers.len());
    for (i, p) in snap.saml_providers.into_iter().enumerate() {
        let at = format!("SAMLProviders[{i}]");
        saml_providers.push(SamlProvider {
            valid_until: opt_timestamp(&p.valid_until)
                .map_err(|m| err(format!("{at}.ValidUntil"), m))?,
            created: opt_timestamp(&p.create_date)
                .map_err(|m| err(format!("{at}.CreateDate"), m))?,
            arn: p.arn,
        });
    }
    let mut scps = Vec::with_capacity(snap.service_control_policies.len());
    for (i, level) in snap.service_control_policies.into_iter().enumerate() {
        let mut out = Vec::with_capacity(level.len());
        for (j, p) in level.into_iter().enumerate() {
            let at = format!("ServiceControlPolicies[{i}][{j}] (SCP `{}`)", p.name);
            out.push(OrgPolicy {
                document: document(p.document, &format!("{at}.Document"))
                    .map_err(|(p, m)| err(p, m))?,
                id: p.id,
                arn: p.arn,
                name: p.name,
                target: p.target,
            });
        }
        scps.push(out);
    }

    let mut account = Account::new(source, info, users, groups, roles, policies);
    account.oidc_providers = oidc_providers;
    account.saml_providers = saml_providers;
    account.scps = scps;
    Ok(account)
}

fn boundary_ref(
    b: wire::PermissionsBoundary,
    who: &str,
    policy_ref: &mut impl FnMut(String, String, &str) -> PolicyRef,
) -> PolicyRef {
    let name = b
        .permissions_boundary_arn
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    policy_ref(b.permissions_boundary_arn, name, who)
}

fn document(doc: EncodedDocument, at: &str) -> Result<Policy, (String, String)> {
    Policy::from_wire(doc.0).map_err(|e| (format!("{at}.{}", e.location), e.message))
}

fn inline(list: Vec<wire::InlinePolicy>, at: &str) -> Result<Vec<InlinePolicy>, (String, String)> {
    list.into_iter()
        .enumerate()
        .map(|(i, p)| {
            let document = document(
                p.policy_document,
                &format!("{at}[{i}] (policy `{}`).PolicyDocument", p.policy_name),
            )?;
            Ok(InlinePolicy {
                name: p.policy_name,
                document,
            })
        })
        .collect()
}

fn tags(list: Vec<wire::Tag>) -> Vec<Tag> {
    list.into_iter()
        .map(|t| Tag {
            key: t.key,
            value: t.value,
        })
        .collect()
}

fn check_arn(text: &str) -> Result<(), String> {
    Arn::parse(text).map(|_| ()).map_err(|e| e.to_string())
}

/// Reads the timestamps AWS writes: RFC 3339 with `Z` or an offset.
pub(crate) fn timestamp(text: &str) -> Result<Timestamp, String> {
    text.parse::<Timestamp>()
        .map_err(|e| format!("`{text}` is not an ISO 8601 timestamp ({e})"))
}

fn opt_timestamp(text: &Option<String>) -> Result<Option<Timestamp>, String> {
    text.as_deref().map(timestamp).transpose()
}

/// Credential report values: a timestamp, or `N/A` / `no_information` / `not_supported`.
fn report_time(text: Option<&String>) -> Result<Option<Timestamp>, String> {
    match text.map(String::as_str) {
        None | Some("N/A" | "no_information" | "not_supported" | "") => Ok(None),
        Some(t) => timestamp(t).map(Some),
    }
}

fn report_bool(text: Option<&String>) -> Option<bool> {
    match text.map(String::as_str) {
        Some("true" | "TRUE" | "True") => Some(true),
        Some("false" | "FALSE" | "False") => Some(false),
        _ => None,
    }
}

type ByUser = HashMap<String, Credentials>;

fn credentials_by_user(
    report: &[BTreeMap<String, String>],
    keys: Vec<wire::AccessKey>,
    mfa: Vec<wire::MfaDevice>,
) -> Result<ByUser, (String, String)> {
    let mut out: ByUser = HashMap::new();
    let keys_listed = !keys.is_empty();
    for (i, row) in report.iter().enumerate() {
        let Some(user) = row.get("user") else {
            return Err((
                format!("CredentialReport[{i}]"),
                "row has no `user` column".into(),
            ));
        };
        let at = |col: &str| format!("CredentialReport[{i}] (user `{user}`).{col}");
        let c = out.entry(user.clone()).or_default();
        c.password_enabled = report_bool(row.get("password_enabled"));
        c.password_last_used = report_time(row.get("password_last_used"))
            .map_err(|m| (at("password_last_used"), m))?;
        c.mfa_active = report_bool(row.get("mfa_active"));
        // Without a key listing, the report's two key slots are all we know.
        if !keys_listed {
            for slot in ["access_key_1", "access_key_2"] {
                if report_bool(row.get(&format!("{slot}_active"))) == Some(true) {
                    let rotated = format!("{slot}_last_rotated");
                    let used = format!("{slot}_last_used_date");
                    c.access_keys.push(AccessKey {
                        id: format!("{user}/{slot}"),
                        active: true,
                        created: report_time(row.get(&rotated)).map_err(|m| (at(&rotated), m))?,
                        last_used: report_time(row.get(&used)).map_err(|m| (at(&used), m))?,
                        last_used_service: row
                            .get(&format!("{slot}_last_used_service"))
                            .filter(|s| s.as_str() != "N/A")
                            .cloned(),
                        last_used_region: row
                            .get(&format!("{slot}_last_used_region"))
                            .filter(|s| s.as_str() != "N/A")
                            .cloned(),
                    });
                }
            }
        }
    }
    for (i, k) in keys.into_iter().enumerate() {
        let at = |f: &str| format!("AccessKeys[{i}].{f}");
        out.entry(k.user_name)
            .or_default()
            .access_keys
            .push(AccessKey {
                active: k.status == "Active",
                created: opt_timestamp(&k.create_date).map_err(|m| (at("CreateDate"), m))?,
                last_used: opt_timestamp(&k.last_used_date).map_err(|m| (at("LastUsedDate"), m))?,
                last_used_service: k.last_used_service.filter(|s| s != "N/A"),
                last_used_region: k.last_used_region.filter(|s| s != "N/A"),
                id: k.access_key_id,
            });
    }
    for (i, d) in mfa.into_iter().enumerate() {
        let c = out.entry(d.user_name).or_default();
        c.mfa_devices.push(MfaDevice {
            enabled: opt_timestamp(&d.enable_date)
                .map_err(|m| (format!("MFADevices[{i}].EnableDate"), m))?,
            serial: d.serial_number,
        });
        c.mfa_active.get_or_insert(true);
    }
    Ok(out)
}
