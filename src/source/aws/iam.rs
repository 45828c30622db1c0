//! The IAM parts of the fetch: the bulk call, and what it does not return.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use aws_sdk_iam::primitives::{DateTime, DateTimeFormat};
use aws_sdk_iam::types;
use aws_sdk_iam::types::{EntityType, ReportStateType, StatusType};
use tokio::task::JoinSet;

use super::failure::{Failure, Kind};
use super::{AwsManagedPolicies, Ctx, Phase, Progress, RoleSettings, RoleSettingsByArn};
use crate::policy::EncodedDocument;
use crate::policy::wire::decode_document_text;
use crate::source::wire;

const GAAD: &str = "iam:GetAccountAuthorizationDetails";

/// Pages of one listing at most; a server that keeps answering "truncated" would otherwise
/// keep the fetch busy until the overall time limit.
const MAX_PAGES: usize = 100_000;

/// RFC 3339, as the AWS CLI writes timestamps.
pub(crate) fn time(t: Option<&DateTime>) -> Option<String> {
    t.and_then(|t| t.fmt(DateTimeFormat::DateTime).ok())
}

fn text(s: Option<&str>) -> String {
    s.unwrap_or_default().to_owned()
}

/// The marker of the next page; `None` when the listing is complete.
pub(crate) fn next_marker(
    action: &'static str,
    truncated: bool,
    marker: Option<&str>,
    previous: Option<&str>,
    pages: usize,
) -> Result<Option<String>, Failure> {
    if !truncated {
        return Ok(None);
    }
    match marker {
        Some(m) if !m.is_empty() && Some(m) != previous && pages < MAX_PAGES => {
            Ok(Some(m.to_owned()))
        }
        _ => Err(Failure::other(
            action,
            "the server said the listing goes on but gave no new marker",
        )),
    }
}

/// Decodes a policy document as IAM sends it (URL-encoded JSON, or plain JSON from some
/// servers). One that does not decode is left out and recorded as a gap, rather than failing
/// the whole account.
fn document(
    ctx: &Ctx,
    raw: Option<&str>,
    whose: impl FnOnce() -> String,
) -> Option<EncodedDocument> {
    let raw = raw?;
    match decode_document_text(raw) {
        Ok(d) => Some(EncodedDocument(d)),
        Err(e) => {
            ctx.gap(whose(), format!("its policy document does not decode: {e}"));
            None
        }
    }
}

fn tags(list: &[types::Tag]) -> Vec<wire::Tag> {
    list.iter()
        .map(|t| wire::Tag {
            key: t.key().to_owned(),
            value: t.value().to_owned(),
        })
        .collect()
}

fn attached(list: &[types::AttachedPolicy]) -> Vec<wire::AttachedPolicy> {
    list.iter()
        .map(|a| wire::AttachedPolicy {
            policy_name: text(a.policy_name()),
            policy_arn: text(a.policy_arn()),
        })
        .collect()
}

fn boundary(b: Option<&types::AttachedPermissionsBoundary>) -> Option<wire::PermissionsBoundary> {
    let b = b?;
    Some(wire::PermissionsBoundary {
        permissions_boundary_type: b.permissions_boundary_type().map(|t| t.as_str().to_owned()),
        permissions_boundary_arn: b.permissions_boundary_arn()?.to_owned(),
    })
}

fn inline(ctx: &Ctx, list: &[types::PolicyDetail], owner: &str) -> Vec<wire::InlinePolicy> {
    list.iter()
        .filter_map(|p| {
            let name = text(p.policy_name());
            let doc = document(ctx, p.policy_document(), || {
                format!("inline policy {name} of {owner}")
            })?;
            Some(wire::InlinePolicy {
                policy_name: name,
                policy_document: doc,
            })
        })
        .collect()
}

/// A managed policy's name; from its ARN (`...:policy/PATH/NAME`) when the answer leaves it
/// out, as some IAM-compatible servers do.
fn policy_name(name: Option<&str>, arn: &str) -> String {
    match name {
        Some(n) if !n.is_empty() => n.to_owned(),
        _ => arn.rsplit('/').next().unwrap_or_default().to_owned(),
    }
}

fn count(v: Option<i32>) -> u32 {
    v.and_then(|v| u32::try_from(v).ok()).unwrap_or(0)
}

fn version(ctx: &Ctx, v: &types::PolicyVersion, policy: &str) -> wire::PolicyVersion {
    let id = text(v.version_id());
    wire::PolicyVersion {
        document: document(ctx, v.document(), || {
            format!("managed policy {policy} version {id}")
        }),
        is_default_version: v.is_default_version(),
        create_date: time(v.create_date()),
        version_id: id,
    }
}

fn user(ctx: &Ctx, u: &types::UserDetail) -> wire::UserDetail {
    let name = text(u.user_name());
    wire::UserDetail {
        path: text(u.path()),
        user_id: text(u.user_id()),
        arn: text(u.arn()),
        create_date: time(u.create_date()),
        user_policy_list: inline(ctx, u.user_policy_list(), &format!("user {name}")),
        group_list: u.group_list().to_vec(),
        attached_managed_policies: attached(u.attached_managed_policies()),
        permissions_boundary: boundary(u.permissions_boundary()),
        tags: tags(u.tags()),
        user_name: name,
    }
}

fn group(ctx: &Ctx, g: &types::GroupDetail) -> wire::GroupDetail {
    let name = text(g.group_name());
    wire::GroupDetail {
        path: text(g.path()),
        group_id: text(g.group_id()),
        arn: text(g.arn()),
        create_date: time(g.create_date()),
        group_policy_list: inline(ctx, g.group_policy_list(), &format!("group {name}")),
        attached_managed_policies: attached(g.attached_managed_policies()),
        group_name: name,
    }
}

fn role(ctx: &Ctx, r: &types::RoleDetail) -> wire::RoleDetail {
    let name = text(r.role_name());
    wire::RoleDetail {
        path: text(r.path()),
        role_id: text(r.role_id()),
        arn: text(r.arn()),
        create_date: time(r.create_date()),
        assume_role_policy_document: document(ctx, r.assume_role_policy_document(), || {
            format!("trust policy of role {name}")
        }),
        instance_profile_list: r
            .instance_profile_list()
            .iter()
            .map(|p| wire::InstanceProfile {
                path: p.path().to_owned(),
                instance_profile_name: p.instance_profile_name().to_owned(),
                instance_profile_id: p.instance_profile_id().to_owned(),
                arn: p.arn().to_owned(),
                create_date: time(Some(p.create_date())),
            })
            .collect(),
        role_policy_list: inline(ctx, r.role_policy_list(), &format!("role {name}")),
        attached_managed_policies: attached(r.attached_managed_policies()),
        permissions_boundary: boundary(r.permissions_boundary()),
        tags: tags(r.tags()),
        role_last_used: r.role_last_used().map(|l| wire::RoleLastUsed {
            last_used_date: time(l.last_used_date()),
            region: l.region().map(str::to_owned),
        }),
        max_session_duration: None,
        description: None,
        role_name: name,
    }
}

fn managed_policy(ctx: &Ctx, p: &types::ManagedPolicyDetail) -> wire::ManagedPolicyDetail {
    let arn = text(p.arn());
    wire::ManagedPolicyDetail {
        policy_name: policy_name(p.policy_name(), &arn),
        policy_id: text(p.policy_id()),
        path: text(p.path()),
        default_version_id: p.default_version_id().map(str::to_owned),
        attachment_count: count(p.attachment_count()),
        permissions_boundary_usage_count: count(p.permissions_boundary_usage_count()),
        is_attachable: p.is_attachable(),
        description: p.description().map(str::to_owned),
        create_date: time(p.create_date()),
        update_date: time(p.update_date()),
        policy_version_list: p
            .policy_version_list()
            .iter()
            .map(|v| version(ctx, v, &arn))
            .collect(),
        arn,
    }
}

/// `GetAccountAuthorizationDetails`, every page, every entity type. Its failure ends the
/// fetch: without it there is no account to show.
pub(crate) async fn authorization_details(ctx: &Ctx) -> Result<wire::Snapshot, Failure> {
    ctx.progress.send(Progress::Started(Phase::Authorization));
    let mut snap = wire::Snapshot::default();
    let mut marker: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut req = ctx
            .iam
            .get_account_authorization_details()
            .filter(EntityType::User)
            .filter(EntityType::Group)
            .filter(EntityType::Role)
            .filter(EntityType::LocalManagedPolicy)
            .max_items(ctx.tuning.page_size)
            .set_marker(marker.clone());
        if ctx.tuning.aws_managed_policies == AwsManagedPolicies::Bulk {
            req = req.filter(EntityType::AwsManagedPolicy);
        }
        let out = {
            let _slot = ctx.permit().await;
            req.send().await
        }
        .map_err(|e| Failure::from_sdk(GAAD, &e))?;
        pages += 1;
        snap.user_detail_list
            .extend(out.user_detail_list().iter().map(|u| user(ctx, u)));
        snap.group_detail_list
            .extend(out.group_detail_list().iter().map(|g| group(ctx, g)));
        snap.role_detail_list
            .extend(out.role_detail_list().iter().map(|r| role(ctx, r)));
        snap.policies
            .extend(out.policies().iter().map(|p| managed_policy(ctx, p)));
        let entities = snap.user_detail_list.len()
            + snap.group_detail_list.len()
            + snap.role_detail_list.len()
            + snap.policies.len();
        ctx.progress.send(Progress::Advanced {
            phase: Phase::Authorization,
            done: entities as u64,
            total: None,
        });
        match next_marker(
            GAAD,
            out.is_truncated(),
            out.marker(),
            marker.as_deref(),
            pages,
        )? {
            Some(m) => marker = Some(m),
            None => break,
        }
    }
    ctx.progress.send(Progress::Finished(Phase::Authorization));
    Ok(snap)
}

/// Managed policies that are referenced but were not in the bulk answer: `GetPolicy` and the
/// default version's document (`GetPolicyVersion`).
pub(crate) async fn referenced_policies(
    ctx: &Ctx,
    arns: Vec<String>,
) -> Vec<wire::ManagedPolicyDetail> {
    const PART: &str = "managed policies missing from the bulk listing";
    ctx.progress.send(Progress::Started(Phase::Policies));
    let total = arns.len() as u64;
    let done = Arc::new(AtomicU64::new(0));
    let denied = Arc::new(AtomicBool::new(false));
    let mut tasks = JoinSet::new();
    for (i, arn) in arns.into_iter().enumerate() {
        let (ctx, done, denied) = (ctx.clone(), done.clone(), denied.clone());
        tasks.spawn(async move {
            let policy = if denied.load(Ordering::Relaxed) {
                None
            } else {
                let _slot = ctx.permit().await;
                match one_policy(&ctx, &arn).await {
                    Ok(p) => Some(p),
                    Err(f) => {
                        if f.kind == Kind::Denied {
                            denied.store(true, Ordering::Relaxed);
                        }
                        // A policy deleted since the bulk call: the model records the
                        // dangling reference itself.
                        if f.kind != Kind::NotFound {
                            ctx.gap(PART, f.reason());
                        }
                        None
                    }
                }
            };
            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
            ctx.progress.send(Progress::Advanced {
                phase: Phase::Policies,
                done: n,
                total: Some(total),
            });
            (i, policy)
        });
    }
    let out = collect_ordered(ctx, tasks, PART).await;
    ctx.progress.send(Progress::Finished(Phase::Policies));
    out.into_iter().flatten().flatten().collect()
}

async fn one_policy(ctx: &Ctx, arn: &str) -> Result<wire::ManagedPolicyDetail, Failure> {
    let out = ctx
        .iam
        .get_policy()
        .policy_arn(arn)
        .send()
        .await
        .map_err(|e| Failure::from_sdk("iam:GetPolicy", &e))?;
    let Some(p) = out.policy() else {
        return Err(Failure::other("iam:GetPolicy", "the answer has no policy"));
    };
    let mut versions = Vec::new();
    if let Some(v) = p.default_version_id() {
        let out = ctx
            .iam
            .get_policy_version()
            .policy_arn(arn)
            .version_id(v)
            .send()
            .await
            .map_err(|e| Failure::from_sdk("iam:GetPolicyVersion", &e))?;
        if let Some(v) = out.policy_version() {
            versions.push(version(ctx, v, arn));
        }
    }
    Ok(wire::ManagedPolicyDetail {
        policy_name: policy_name(p.policy_name(), arn),
        policy_id: text(p.policy_id()),
        arn: p.arn().unwrap_or(arn).to_owned(),
        path: text(p.path()),
        default_version_id: p.default_version_id().map(str::to_owned),
        attachment_count: count(p.attachment_count()),
        permissions_boundary_usage_count: count(p.permissions_boundary_usage_count()),
        is_attachable: p.is_attachable(),
        description: p.description().map(str::to_owned),
        create_date: time(p.create_date()),
        update_date: time(p.update_date()),
        policy_version_list: versions,
    })
}

/// `ListRoles`: the maximum session duration (and description) of every role, which the bulk
/// call leaves out.
pub(crate) async fn role_settings(ctx: &Ctx) -> RoleSettingsByArn {
    const ACTION: &str = "iam:ListRoles";
    ctx.progress.send(Progress::Started(Phase::Roles));
    let mut out = RoleSettingsByArn::new();
    let mut marker: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = {
            let _slot = ctx.permit().await;
            ctx.iam
                .list_roles()
                .max_items(ctx.tuning.page_size)
                .set_marker(marker.clone())
                .send()
                .await
        };
        let page = match page {
            Ok(p) => p,
            Err(e) => {
                ctx.gap(
                    "role session durations",
                    Failure::from_sdk(ACTION, &e).reason(),
                );
                break;
            }
        };
        pages += 1;
        for r in page.roles() {
            out.insert(
                r.arn().to_owned(),
                RoleSettings {
                    max_session_duration: r
                        .max_session_duration()
                        .and_then(|d| u32::try_from(d).ok()),
                    description: r.description().map(str::to_owned),
                },
            );
        }
        ctx.progress.send(Progress::Advanced {
            phase: Phase::Roles,
            done: out.len() as u64,
            total: None,
        });
        match next_marker(
            ACTION,
            page.is_truncated(),
            page.marker(),
            marker.as_deref(),
            pages,
        ) {
            Ok(Some(m)) => marker = Some(m),
            Ok(None) => break,
            Err(f) => {
                ctx.gap("role session durations", f.reason());
                break;
            }
        }
    }
    ctx.progress.send(Progress::Finished(Phase::Roles));
    out
}

/// OIDC providers (`ListOpenIDConnectProviders` + `GetOpenIDConnectProvider` each: URL,
/// audiences, thumbprints) and SAML providers (`ListSAMLProviders`).
pub(crate) async fn identity_providers(
    ctx: &Ctx,
) -> (Vec<wire::OidcProvider>, Vec<wire::SamlProvider>) {
    ctx.progress.send(Progress::Started(Phase::Providers));
    let oidc = oidc_providers(ctx).await;
    let saml = {
        let _slot = ctx.permit().await;
        match ctx.iam.list_saml_providers().send().await {
            Ok(out) => out
                .saml_provider_list()
                .iter()
                .filter_map(|p| {
                    Some(wire::SamlProvider {
                        arn: p.arn()?.to_owned(),
                        valid_until: time(p.valid_until()),
                        create_date: time(p.create_date()),
                    })
                })
                .collect(),
            Err(e) => {
                ctx.gap(
                    "SAML providers",
                    Failure::from_sdk("iam:ListSAMLProviders", &e).reason(),
                );
                Vec::new()
            }
        }
    };
    ctx.progress.send(Progress::Finished(Phase::Providers));
    (oidc, saml)
}

async fn oidc_providers(ctx: &Ctx) -> Vec<wire::OidcProvider> {
    const PART: &str = "OIDC providers";
    let list = {
        let _slot = ctx.permit().await;
        ctx.iam.list_open_id_connect_providers().send().await
    };
    let arns: Vec<String> = match list {
        Ok(out) => out
            .open_id_connect_provider_list()
            .iter()
            .filter_map(|p| p.arn().map(str::to_owned))
            .collect(),
        Err(e) => {
            ctx.gap(
                PART,
                Failure::from_sdk("iam:ListOpenIDConnectProviders", &e).reason(),
            );
            return Vec::new();
        }
    };
    let total = arns.len() as u64;
    let mut out = Vec::with_capacity(arns.len());
    for (i, arn) in arns.into_iter().enumerate() {
        let got = {
            let _slot = ctx.permit().await;
            ctx.iam
                .get_open_id_connect_provider()
                .open_id_connect_provider_arn(&arn)
                .send()
                .await
        };
        match got {
            Ok(p) => out.push(wire::OidcProvider {
                url: text(p.url()),
                client_id_list: p.client_id_list().to_vec(),
                thumbprint_list: p.thumbprint_list().to_vec(),
                create_date: time(p.create_date()),
                tags: tags(p.tags()),
                arn,
            }),
            Err(e) => {
                let f = Failure::from_sdk("iam:GetOpenIDConnectProvider", &e);
                if f.kind != Kind::NotFound {
                    ctx.gap(PART, f.reason());
                }
                // Still list the provider: its ARN alone tells who may be trusted.
                out.push(wire::OidcProvider {
                    url: arn
                        .split_once("oidc-provider/")
                        .map_or_else(String::new, |(_, u)| u.to_owned()),
                    client_id_list: Vec::new(),
                    thumbprint_list: Vec::new(),
                    create_date: None,
                    tags: Vec::new(),
                    arn,
                });
            }
        }
        ctx.progress.send(Progress::Advanced {
            phase: Phase::Providers,
            done: i as u64 + 1,
            total: Some(total),
        });
    }
    out
}

/// `GetAccountSummary`: entity counts, quotas, and whether the root user has MFA and keys.
pub(crate) async fn account_summary(ctx: &Ctx) -> Option<BTreeMap<String, i64>> {
    ctx.progress.send(Progress::Started(Phase::Summary));
    let got = {
        let _slot = ctx.permit().await;
        ctx.iam.get_account_summary().send().await
    };
    let out = match got {
        Ok(out) => Some(
            out.summary_map()
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| (k.as_str().to_owned(), i64::from(*v)))
                        .collect()
                })
                .unwrap_or_default(),
        ),
        Err(e) => {
            ctx.gap(
                "account summary",
                Failure::from_sdk("iam:GetAccountSummary", &e).reason(),
            );
            None
        }
    };
    ctx.progress.send(Progress::Finished(Phase::Summary));
    out
}

/// The credential report: `GenerateCredentialReport` until IAM says it is complete (it
/// reuses a report up to four hours old), then `GetCredentialReport`, parsed from CSV into one
/// map per row keyed by the header names.
pub(crate) async fn credential_report(ctx: &Ctx) -> Vec<BTreeMap<String, String>> {
    const PART: &str = "credential report";
    ctx.progress
        .send(Progress::Started(Phase::CredentialReport));
    let rows = match report_rows(ctx).await {
        Ok(rows) => rows,
        Err(f) => {
            ctx.gap(PART, f.reason());
            Vec::new()
        }
    };
    ctx.progress
        .send(Progress::Finished(Phase::CredentialReport));
    rows
}

async fn report_rows(ctx: &Ctx) -> Result<Vec<BTreeMap<String, String>>, Failure> {
    const GENERATE: &str = "iam:GenerateCredentialReport";
    const GET: &str = "iam:GetCredentialReport";
    let deadline = Instant::now() + ctx.tuning.report_wait;
    let mut pause = Duration::from_millis(250);
    loop {
        let state = {
            let _slot = ctx.permit().await;
            ctx.iam.generate_credential_report().send().await
        }
        .map_err(|e| Failure::from_sdk(GENERATE, &e))?;
        if matches!(state.state(), Some(ReportStateType::Complete)) {
            break;
        }
        if Instant::now() + pause > deadline {
            return Err(Failure::other(
                GENERATE,
                format!(
                    "the report was not ready after {} s",
                    ctx.tuning.report_wait.as_secs()
                ),
            ));
        }
        // Waiting holds no slot of the concurrency limit.
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(4));
    }
    let out = {
        let _slot = ctx.permit().await;
        ctx.iam.get_credential_report().send().await
    }
    .map_err(|e| Failure::from_sdk(GET, &e))?;
    let Some(content) = out.content() else {
        return Err(Failure::other(GET, "the answer has no report"));
    };
    let csv = std::str::from_utf8(content.as_ref())
        .map_err(|e| Failure::other(GET, format!("the report is not UTF-8 ({e})")))?;
    parse_csv(csv).map_err(|e| Failure::other(GET, e))
}

/// Parses the credential report's CSV (RFC 4180: quoted fields may hold commas, quotes and
/// line breaks) into one map per row, keyed by the header row's names.
pub(crate) fn parse_csv(text: &str) -> Result<Vec<BTreeMap<String, String>>, String> {
    let mut records: Vec<Vec<String>> = Vec::new();
    let mut record: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => quoted = true,
            ',' => record.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            _ => field.push(c),
        }
    }
    if quoted {
        return Err("the report ends inside a quoted field".into());
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    let mut records = records
        .into_iter()
        .filter(|r| !(r.len() == 1 && r[0].is_empty()));
    let Some(header) = records.next() else {
        return Ok(Vec::new());
    };
    records
        .enumerate()
        .map(|(i, r)| {
            if r.len() != header.len() {
                return Err(format!(
                    "row {} has {} fields, the header {}",
                    i + 2,
                    r.len(),
                    header.len()
                ));
            }
            Ok(header.iter().cloned().zip(r).collect())
        })
        .collect()
}

/// Per user: access keys (`ListAccessKeys`, `GetAccessKeyLastUsed` for each) and MFA devices
/// (`ListMFADevices`), at most `concurrency` calls at once. The first denial of an operation
/// stops calling it for the other users.
pub(crate) async fn user_credentials(
    ctx: &Ctx,
    users: Vec<String>,
) -> (Vec<wire::AccessKey>, Vec<wire::MfaDevice>) {
    ctx.progress.send(Progress::Started(Phase::UserCredentials));
    let total = users.len() as u64;
    let done = Arc::new(AtomicU64::new(0));
    let flags = Arc::new(Denials::default());
    let mut tasks = JoinSet::new();
    for (i, name) in users.into_iter().enumerate() {
        let (ctx, done, flags) = (ctx.clone(), done.clone(), flags.clone());
        tasks.spawn(async move {
            let _slot = ctx.permit().await;
            let keys = access_keys(&ctx, &name, &flags).await;
            let mfa = mfa_devices(&ctx, &name, &flags).await;
            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
            ctx.progress.send(Progress::Advanced {
                phase: Phase::UserCredentials,
                done: n,
                total: Some(total),
            });
            (i, (keys, mfa))
        });
    }
    let per_user = collect_ordered(ctx, tasks, "access keys").await;
    ctx.progress
        .send(Progress::Finished(Phase::UserCredentials));
    let mut keys = Vec::new();
    let mut mfa = Vec::new();
    for (k, m) in per_user.into_iter().flatten() {
        keys.extend(k);
        mfa.extend(m);
    }
    (keys, mfa)
}

/// Operations found denied (or missing) once, not to be tried again for the other users.
#[derive(Debug, Default)]
struct Denials {
    list_keys: AtomicBool,
    last_used: AtomicBool,
    mfa: AtomicBool,
}

/// Records the failure as a gap of `part`; denied or unsupported operations are not retried
/// for the next users.
fn note(ctx: &Ctx, flag: &AtomicBool, part: &str, f: &Failure) {
    if matches!(f.kind, Kind::Denied | Kind::Unsupported) {
        flag.store(true, Ordering::Relaxed);
    }
    if f.kind != Kind::NotFound {
        ctx.gap(part, f.reason());
    }
}

async fn access_keys(ctx: &Ctx, user: &str, flags: &Denials) -> Vec<wire::AccessKey> {
    const ACTION: &str = "iam:ListAccessKeys";
    let mut keys = Vec::new();
    let mut marker: Option<String> = None;
    let mut pages = 0;
    while !flags.list_keys.load(Ordering::Relaxed) {
        let page = match ctx
            .iam
            .list_access_keys()
            .user_name(user)
            .set_marker(marker.clone())
            .send()
            .await
        {
            Ok(p) => p,
            Err(e) => {
                note(
                    ctx,
                    &flags.list_keys,
                    "access keys",
                    &Failure::from_sdk(ACTION, &e),
                );
                break;
            }
        };
        pages += 1;
        for k in page.access_key_metadata() {
            let Some(id) = k.access_key_id() else {
                continue;
            };
            let mut key = wire::AccessKey {
                user_name: k.user_name().unwrap_or(user).to_owned(),
                access_key_id: id.to_owned(),
                status: match k.status() {
                    Some(StatusType::Active) => "Active".to_owned(),
                    Some(s) => s.as_str().to_owned(),
                    None => "Inactive".to_owned(),
                },
                create_date: time(k.create_date()),
                last_used_date: None,
                last_used_service: None,
                last_used_region: None,
            };
            if !flags.last_used.load(Ordering::Relaxed) {
                match ctx
                    .iam
                    .get_access_key_last_used()
                    .access_key_id(id)
                    .send()
                    .await
                {
                    Ok(out) => {
                        if let Some(l) = out.access_key_last_used() {
                            key.last_used_date = time(l.last_used_date());
                            key.last_used_service = Some(l.service_name().to_owned());
                            key.last_used_region = Some(l.region().to_owned());
                        }
                    }
                    Err(e) => note(
                        ctx,
                        &flags.last_used,
                        "access key last use",
                        &Failure::from_sdk("iam:GetAccessKeyLastUsed", &e),
                    ),
                }
            }
            keys.push(key);
        }
        match next_marker(
            ACTION,
            page.is_truncated(),
            page.marker(),
            marker.as_deref(),
            pages,
        ) {
            Ok(Some(m)) => marker = Some(m),
            Ok(None) => break,
            Err(f) => {
                ctx.gap("access keys", f.reason());
                break;
            }
        }
    }
    keys
}

async fn mfa_devices(ctx: &Ctx, user: &str, flags: &Denials) -> Vec<wire::MfaDevice> {
    const ACTION: &str = "iam:ListMFADevices";
    let mut devices = Vec::new();
    let mut marker: Option<String> = None;
    let mut pages = 0;
    while !flags.mfa.load(Ordering::Relaxed) {
        let page = match ctx
            .iam
            .list_mfa_devices()
            .user_name(user)
            .set_marker(marker.clone())
            .send()
            .await
        {
            Ok(p) => p,
            Err(e) => {
                note(
                    ctx,
                    &flags.mfa,
                    "MFA devices",
                    &Failure::from_sdk(ACTION, &e),
                );
                break;
            }
        };
        pages += 1;
        devices.extend(page.mfa_devices().iter().map(|d| wire::MfaDevice {
            user_name: if d.user_name().is_empty() {
                user.to_owned()
            } else {
                d.user_name().to_owned()
            },
            serial_number: d.serial_number().to_owned(),
            enable_date: time(Some(d.enable_date())),
        }));
        match next_marker(
            ACTION,
            page.is_truncated(),
            page.marker(),
            marker.as_deref(),
            pages,
        ) {
            Ok(Some(m)) => marker = Some(m),
            Ok(None) => break,
            Err(f) => {
                ctx.gap("MFA devices", f.reason());
                break;
            }
        }
    }
    devices
}

/// Joins tasks that return `(index, value)` and puts the values back in index order, so that
/// concurrency does not reorder the snapshot. A task that died leaves `None` and a gap.
async fn collect_ordered<T: 'static>(
    ctx: &Ctx,
    mut tasks: JoinSet<(usize, T)>,
    part: &str,
) -> Vec<Option<T>> {
    let mut out: Vec<Option<T>> = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((i, v)) => {
                if out.len() <= i {
                    out.resize_with(i + 1, || None);
                }
                out[i] = Some(v);
            }
            Err(e) => ctx.gap(part, format!("an internal task failed: {e}")),
        }
    }
    out
}
