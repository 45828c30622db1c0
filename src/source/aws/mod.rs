//! The live account fetch: reads an account through the IAM, STS and Organizations APIs into a
//! [`Snapshot`], exactly what `iamscope fetch --out FILE` writes. [`load_account`] then goes
//! through the one conversion ([`super::convert::to_account`]) every other source uses, so a
//! fetched account and its reloaded snapshot are identical by construction.
//!
//! This is the only module that may use the AWS SDK, and it calls read-only operations only
//! (`Get*`, `List*`, `Describe*`, `GenerateCredentialReport`, `sts:GetCallerIdentity`);
//! `tests/read_only.rs` checks both by scanning `src/`.
//!
//! What the fetch does, in order:
//! 1. resolves credentials through aws-config's default chain (or the named profile) with a
//!    time limit, and asks STS who the caller is;
//! 2. reads users, groups, roles and managed policies with `GetAccountAuthorizationDetails`
//!    (the only part whose failure is fatal);
//! 3. reads, concurrently and each on its own, everything the bulk call lacks: managed policies
//!    that are referenced but not listed (permissions boundaries), role session limits,
//!    OIDC/SAML providers, the account summary, the credential report, access keys with their
//!    last use, MFA devices, and the organization's SCPs. A part the caller may not read (or
//!    the server does not implement) becomes a [`Gap`] in the header; the rest still loads.
//!
//! Nothing here prints: progress goes to an optional channel of [`Progress`] events.

mod client;
mod failure;
mod iam;
mod org;
mod progress;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::wire::{self, Gap, Snapshot};
use super::{LoadError, convert};
use crate::model::{Account, SourceKind};

pub use progress::{Gauge, Phase, Progress};

/// How to reach the account. `Default` is the AWS CLI's behaviour: default credential chain,
/// `AWS_PROFILE`, `AWS_REGION`, `AWS_ENDPOINT_URL`, ~/.aws/config.
#[derive(Debug, Clone)]
pub struct LiveOptions {
    /// Named profile of the shared config files. When set, its credentials win over
    /// `AWS_ACCESS_KEY_ID` & co in the environment, as with the AWS CLI's `--profile`.
    pub profile: Option<String>,
    /// Region for STS and request signing (IAM itself is global). Default: the chain's
    /// (`AWS_REGION`, the profile, instance metadata), else `us-east-1`.
    pub region: Option<String>,
    /// Send every request here instead of AWS (an IAM-compatible test server, a proxy).
    pub endpoint_url: Option<String>,
    /// Shared config file to read instead of `~/.aws/config` (like `AWS_CONFIG_FILE`).
    pub config_file: Option<PathBuf>,
    /// Shared credentials file to read instead of `~/.aws/credentials`.
    pub credentials_file: Option<PathBuf>,
    pub aws_managed_policies: AwsManagedPolicies,
    /// `MaxItems` of each page of the paginated list calls (1..=1000).
    pub page_size: i32,
    /// Most API calls in flight at once.
    pub concurrency: usize,
    /// Attempts per call (the SDK's standard retry mode: throttling, 5xx and transient
    /// network errors, exponential backoff with jitter).
    pub max_attempts: u32,
    /// First retry backoff; it doubles up to 20 s.
    pub initial_backoff: Duration,
    /// Time limit of one attempt of one call.
    pub call_timeout: Duration,
    /// Time limit of the whole fetch.
    pub overall_timeout: Duration,
    /// Time limit of credential resolution, so that a missing instance metadata service or
    /// SSO portal fails fast instead of hanging.
    pub credentials_timeout: Duration,
    /// How long to wait for IAM to generate the credential report.
    pub report_wait: Duration,
}

impl Default for LiveOptions {
    fn default() -> Self {
        LiveOptions {
            profile: None,
            region: None,
            endpoint_url: None,
            config_file: None,
            credentials_file: None,
            aws_managed_policies: AwsManagedPolicies::default(),
            page_size: 1000,
            concurrency: 8,
            max_attempts: 5,
            initial_backoff: Duration::from_secs(1),
            call_timeout: Duration::from_secs(60),
            overall_timeout: Duration::from_secs(30 * 60),
            credentials_timeout: Duration::from_secs(10),
            report_wait: Duration::from_secs(60),
        }
    }
}

/// Where the AWS managed policies of the account come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AwsManagedPolicies {
    /// In the bulk call, as `aws iam get-account-authorization-details` does; any referenced
    /// one the bulk call leaves out (e.g. one used only as a permissions boundary) is read on
    /// its own.
    #[default]
    Bulk,
    /// Only those the account references (attached or boundary), read one by one. Fewer bytes
    /// when the server lists every AWS managed policy, as some test servers do.
    Referenced,
}

/// What a fetch cost.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchStats {
    /// API operations called (each page counts; retries do not).
    pub api_calls: u64,
    /// HTTP attempts, retries included.
    pub attempts: u64,
    pub elapsed: Duration,
    pub users: usize,
    pub groups: usize,
    pub roles: usize,
    pub policies: usize,
    pub gaps: usize,
}

/// A fetched snapshot and what fetching it cost.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub snapshot: Snapshot,
    pub stats: FetchStats,
}

/// Why the account could not be fetched. Each message says what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error(
        "no AWS credentials found ({detail}): name a profile with --profile NAME (or set AWS_PROFILE), sign in (`aws configure` or `aws sso login`), or explore without an account with --demo or --snapshot FILE"
    )]
    NoCredentials { detail: String },
    #[error(
        "AWS credentials were not resolved within {secs} s (no instance metadata service, or an SSO or credential process that does not answer): name a profile with --profile NAME, or use --demo or --snapshot FILE"
    )]
    CredentialsTimeout { secs: u64 },
    #[error(
        "AWS credentials could not be loaded: {detail}. Check the profile (--profile), refresh the sign-in (`aws sso login`), or use --demo or --snapshot FILE"
    )]
    Credentials { detail: String },
    #[error(
        "AWS rejected the credentials ({detail}): they may be expired or for another partition; refresh them, pick another --profile, or use --snapshot FILE"
    )]
    Rejected { detail: String },
    #[error("cannot reach {endpoint} ({detail}): check the network, --region and --endpoint-url")]
    Unreachable { endpoint: String, detail: String },
    #[error(
        "{caller} may not call iam:GetAccountAuthorizationDetails, which iamscope needs to read the account ({detail}); grant it (the AWS managed policies SecurityAudit and ReadOnlyAccess include it), or load a saved account with --snapshot FILE"
    )]
    BulkDenied { caller: String, detail: String },
    #[error("{operation} failed: {detail}")]
    Api { operation: String, detail: String },
    #[error(
        "the fetch did not finish within {secs} s; the account may be very large or the API slow: try again, or raise the time limit"
    )]
    Timeout { secs: u64 },
    #[error("invalid fetch option: {0}")]
    Options(String),
    #[error("the fetched account does not convert: {0}")]
    Load(#[from] LoadError),
}

/// Fetches the account into a snapshot (what `iamscope fetch --out FILE` writes).
pub async fn fetch(
    opts: &LiveOptions,
    progress: Option<UnboundedSender<Progress>>,
) -> Result<Snapshot, FetchError> {
    fetch_with_stats(opts, progress).await.map(|f| f.snapshot)
}

/// Fetches the account and builds the model, as every other source does (from the snapshot).
pub async fn load_account(
    opts: &LiveOptions,
    progress: Option<UnboundedSender<Progress>>,
) -> Result<Account, FetchError> {
    let snapshot = fetch(opts, progress).await?;
    let origin = format!(
        "live account {}",
        snapshot
            .header
            .as_ref()
            .and_then(|h| h.account_id.as_deref())
            .unwrap_or("?")
    );
    Ok(convert::to_account(
        snapshot,
        SourceKind::Live {
            profile: effective_profile(opts),
        },
        &origin,
    )?)
}

/// The profile the fetch used, as the source of the account names it: `--profile`, else
/// `AWS_PROFILE`.
pub fn effective_profile(opts: &LiveOptions) -> Option<String> {
    opts.profile
        .clone()
        .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()))
}

/// [`fetch`], and what it cost (API calls, attempts, time), also sent as [`Progress::Done`].
pub async fn fetch_with_stats(
    opts: &LiveOptions,
    progress: Option<UnboundedSender<Progress>>,
) -> Result<Fetched, FetchError> {
    check_options(opts)?;
    let started = Instant::now();
    let reporter = Reporter(progress);
    let work = async {
        let session = client::connect(opts).await?;
        reporter.send(Progress::Started(Phase::Identity));
        let caller = client::identify(&session.clients.sts, opts).await?;
        reporter.send(Progress::Connected {
            account_id: caller.account_id.clone(),
            caller_arn: caller.arn.clone(),
        });
        reporter.send(Progress::Finished(Phase::Identity));
        let snapshot = run(&session.clients, &caller, Tuning::from(opts), &reporter).await?;
        Ok::<_, FetchError>((snapshot, session.counter))
    };
    let (snapshot, counter) = tokio::time::timeout(opts.overall_timeout, work)
        .await
        .map_err(|_| FetchError::Timeout {
            secs: opts.overall_timeout.as_secs(),
        })??;
    let stats = FetchStats {
        api_calls: counter.calls(),
        attempts: counter.attempts(),
        elapsed: started.elapsed(),
        users: snapshot.user_detail_list.len(),
        groups: snapshot.group_detail_list.len(),
        roles: snapshot.role_detail_list.len(),
        policies: snapshot.policies.len(),
        gaps: snapshot.header.as_ref().map_or(0, |h| h.gaps.len()),
    };
    reporter.send(Progress::Done(stats.clone()));
    Ok(Fetched { snapshot, stats })
}

fn check_options(opts: &LiveOptions) -> Result<(), FetchError> {
    if !(1..=1000).contains(&opts.page_size) {
        return Err(FetchError::Options(format!(
            "page size {} is outside 1..=1000",
            opts.page_size
        )));
    }
    if opts.concurrency == 0 || opts.max_attempts == 0 {
        return Err(FetchError::Options(
            "concurrency and attempts must be at least 1".into(),
        ));
    }
    if let Some(url) = &opts.endpoint_url
        && !(url.starts_with("http://") || url.starts_with("https://"))
    {
        return Err(FetchError::Options(format!(
            "endpoint URL `{url}` must start with http:// or https://"
        )));
    }
    Ok(())
}

/// The identity the fetch runs as.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub account_id: String,
    pub arn: String,
    pub partition: String,
}

/// The knobs the parts need, copied out of [`LiveOptions`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tuning {
    pub page_size: i32,
    pub concurrency: usize,
    pub report_wait: Duration,
    pub aws_managed_policies: AwsManagedPolicies,
}

impl From<&LiveOptions> for Tuning {
    fn from(o: &LiveOptions) -> Self {
        Tuning {
            page_size: o.page_size,
            concurrency: o.concurrency,
            report_wait: o.report_wait,
            aws_managed_policies: o.aws_managed_policies,
        }
    }
}

/// Sends progress events when someone listens; a receiver that went away is not an error.
#[derive(Debug, Clone, Default)]
pub(crate) struct Reporter(Option<UnboundedSender<Progress>>);

impl Reporter {
    pub(crate) fn send(&self, event: Progress) {
        if let Some(tx) = &self.0 {
            let _ = tx.send(event);
        }
    }
}

/// What every part shares: the clients, the concurrency limit, the progress channel and the
/// gaps found so far. Cheap to clone into spawned tasks.
#[derive(Clone)]
pub(crate) struct Ctx {
    pub iam: aws_sdk_iam::Client,
    pub org: aws_sdk_organizations::Client,
    pub tuning: Tuning,
    pub progress: Reporter,
    limit: Arc<Semaphore>,
    gaps: Arc<Mutex<Vec<Gap>>>,
}

impl Ctx {
    pub(crate) fn new(clients: &client::Clients, tuning: Tuning, progress: Reporter) -> Ctx {
        Ctx {
            iam: clients.iam.clone(),
            org: clients.org.clone(),
            tuning,
            progress,
            limit: Arc::new(Semaphore::new(tuning.concurrency)),
            gaps: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// A slot of the concurrency limit; held for the duration of one or a few calls.
    pub(crate) async fn permit(&self) -> Option<OwnedSemaphorePermit> {
        // The semaphore is never closed, so this only fails if that changes; going on without
        // a permit is then the harmless fallback.
        self.limit.clone().acquire_owned().await.ok()
    }

    /// Records that a part could not be read. One gap per part: the first reason wins.
    pub(crate) fn gap(&self, part: impl Into<String>, reason: impl Into<String>) {
        let gap = Gap {
            part: part.into(),
            reason: reason.into(),
        };
        let mut gaps = self.gaps.lock().unwrap_or_else(|e| e.into_inner());
        if gaps.iter().any(|g| g.part == gap.part) {
            return;
        }
        gaps.push(gap.clone());
        drop(gaps);
        self.progress.send(Progress::Gap(gap));
    }

    fn take_gaps(&self) -> Vec<Gap> {
        let mut gaps = std::mem::take(&mut *self.gaps.lock().unwrap_or_else(|e| e.into_inner()));
        // The parts run concurrently; sorting keeps the snapshot deterministic.
        gaps.sort_by(|a, b| a.part.cmp(&b.part));
        gaps
    }
}

/// Everything after the caller is known: the bulk call, then the other parts concurrently.
pub(crate) async fn run(
    clients: &client::Clients,
    caller: &Caller,
    tuning: Tuning,
    progress: &Reporter,
) -> Result<Snapshot, FetchError> {
    let ctx = Ctx::new(clients, tuning, progress.clone());
    let mut snap = iam::authorization_details(&ctx)
        .await
        .map_err(|f| f.into_bulk_error(&caller.arn))?;

    let missing = unlisted_policy_arns(&snap);
    let users: Vec<String> = snap
        .user_detail_list
        .iter()
        .map(|u| u.user_name.clone())
        .collect();
    let (extra_policies, role_settings, (oidc, saml), summary, report, (keys, mfa), scps) = tokio::join!(
        iam::referenced_policies(&ctx, missing),
        iam::role_settings(&ctx),
        iam::identity_providers(&ctx),
        iam::account_summary(&ctx),
        iam::credential_report(&ctx),
        iam::user_credentials(&ctx, users),
        org::service_control_policies(&ctx, &caller.account_id),
    );

    snap.policies.extend(extra_policies);
    for role in &mut snap.role_detail_list {
        if let Some(s) = role_settings.get(&role.arn) {
            role.max_session_duration = s.max_session_duration;
            if role.description.is_none() {
                role.description = s.description.clone();
            }
        }
    }
    snap.oidc_providers = oidc;
    snap.saml_providers = saml;
    snap.account_summary = summary;
    snap.credential_report = report;
    snap.access_keys = keys;
    snap.mfa_devices = mfa;
    snap.service_control_policies = scps;
    snap.is_truncated = None;
    snap.marker = None;
    snap.header = Some(wire::Header {
        format_version: wire::SNAPSHOT_FORMAT_VERSION,
        account_id: Some(caller.account_id.clone()),
        partition: Some(caller.partition.clone()),
        fetched_at: Some(now_rfc3339()),
        source: Some("live".into()),
        caller_arn: Some(caller.arn.clone()),
        gaps: ctx.take_gaps(),
    });
    Ok(snap)
}

/// Managed policies that users, groups or roles reference (attached or as permissions
/// boundary) but the bulk call did not list.
fn unlisted_policy_arns(snap: &Snapshot) -> Vec<String> {
    let listed: BTreeSet<&str> = snap.policies.iter().map(|p| p.arn.as_str()).collect();
    let mut wanted: BTreeSet<&str> = BTreeSet::new();
    for u in &snap.user_detail_list {
        wanted.extend(
            u.attached_managed_policies
                .iter()
                .map(|a| a.policy_arn.as_str()),
        );
        wanted.extend(
            u.permissions_boundary
                .iter()
                .map(|b| b.permissions_boundary_arn.as_str()),
        );
    }
    for g in &snap.group_detail_list {
        wanted.extend(
            g.attached_managed_policies
                .iter()
                .map(|a| a.policy_arn.as_str()),
        );
    }
    for r in &snap.role_detail_list {
        wanted.extend(
            r.attached_managed_policies
                .iter()
                .map(|a| a.policy_arn.as_str()),
        );
        wanted.extend(
            r.permissions_boundary
                .iter()
                .map(|b| b.permissions_boundary_arn.as_str()),
        );
    }
    wanted
        .difference(&listed)
        .map(|s| (*s).to_owned())
        .collect()
}

/// RFC 3339, whole seconds, UTC: the form AWS itself writes.
fn now_rfc3339() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// Role settings that `GetAccountAuthorizationDetails` does not return (`ListRoles` does).
#[derive(Debug, Clone, Default)]
pub(crate) struct RoleSettings {
    pub max_session_duration: Option<u32>,
    pub description: Option<String>,
}

pub(crate) type RoleSettingsByArn = BTreeMap<String, RoleSettings>;
