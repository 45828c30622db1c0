//! SDK configuration: credentials, region, endpoint, retries, timeouts, and a call counter.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::provider_config::ProviderConfig;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_credential_types::provider::error::CredentialsError;
use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
use aws_sdk_iam::config::interceptors::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_sdk_iam::config::retry::RetryPartition;
use aws_sdk_iam::config::{
    ConfigBag, Intercept, ProvideCredentials, Region, RuntimeComponents, SharedCredentialsProvider,
};
use aws_sdk_iam::error::{BoxError, ProvideErrorMetadata, SdkError};

use super::{Caller, FetchError, LiveOptions};

/// IAM is global; STS and signing still need a region, and this one is always valid in the
/// `aws` partition.
const FALLBACK_REGION: &str = "us-east-1";

#[derive(Clone, Debug)]
pub(crate) struct Clients {
    pub sts: aws_sdk_sts::Client,
    pub iam: aws_sdk_iam::Client,
    pub org: aws_sdk_organizations::Client,
}

pub(crate) struct Session {
    pub clients: Clients,
    pub counter: Arc<CallCounter>,
}

/// Counts operations and HTTP attempts of every client of one fetch.
#[derive(Debug, Default)]
pub(crate) struct CallCounter {
    calls: AtomicU64,
    attempts: AtomicU64,
}

impl CallCounter {
    pub(crate) fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }
    pub(crate) fn attempts(&self) -> u64 {
        self.attempts.load(Ordering::Relaxed)
    }
}

#[derive(Debug, Clone)]
struct Counting(Arc<CallCounter>);

impl Intercept for Counting {
    fn name(&self) -> &'static str {
        "iamscope-call-counter"
    }

    fn read_before_execution(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.calls.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.attempts.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

/// Builds the SDK configuration and the three clients, and makes sure credentials resolve
/// (within `credentials_timeout`) before any call is made.
pub(crate) async fn connect(opts: &LiveOptions) -> Result<Session, FetchError> {
    let profile_files = profile_files(opts);
    let retry = RetryConfig::standard()
        .with_max_attempts(opts.max_attempts)
        .with_initial_backoff(opts.initial_backoff);
    // One attempt may take `call_timeout`; the whole call (its retries and their backoff)
    // gets as many of those plus room for the backoff.
    let operation_timeout = opts
        .call_timeout
        .saturating_mul(opts.max_attempts)
        .saturating_add(Duration::from_secs(30));
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(5).min(opts.call_timeout))
        .operation_attempt_timeout(opts.call_timeout)
        .operation_timeout(operation_timeout)
        .build();

    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(retry)
        .timeout_config(timeouts);
    if let Some(files) = &profile_files {
        loader = loader.profile_files(files.clone());
    }
    if let Some(p) = &opts.profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = &opts.region {
        loader = loader.region(Region::new(r.clone()));
    }
    if let Some(url) = &opts.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    // Loading looks up the region, which may ask the instance metadata service: bounded too.
    let mut config = tokio::time::timeout(opts.credentials_timeout, loader.load())
        .await
        .map_err(|_| FetchError::CredentialsTimeout {
            secs: opts.credentials_timeout.as_secs(),
        })?;
    if config.region().is_none() {
        config = config
            .into_builder()
            .region(Region::from_static(FALLBACK_REGION))
            .build();
    }
    if let Some(p) = &opts.profile {
        // aws-config's default chain reads the environment's keys before any profile; an
        // explicit profile must win, as `aws --profile` does.
        let provider_config = ProviderConfig::default()
            .with_region(config.region().cloned())
            .with_behavior_version(Some(BehaviorVersion::latest()));
        let mut builder = ProfileFileCredentialsProvider::builder()
            .configure(&provider_config)
            .profile_name(p);
        if let Some(files) = profile_files {
            builder = builder.profile_files(files);
        }
        config = config
            .into_builder()
            .credentials_provider(SharedCredentialsProvider::new(builder.build()))
            .build();
    }
    check_credentials(&config, opts).await?;

    let counter = Arc::new(CallCounter::default());
    // Each fetch gets its own retry quota, so that one fetch's throttling does not starve
    // another's retries in the same process.
    static FETCHES: AtomicU64 = AtomicU64::new(0);
    let partition = RetryPartition::new(format!(
        "iamscope-fetch-{}",
        FETCHES.fetch_add(1, Ordering::Relaxed)
    ));
    let counting = Counting(counter.clone());
    let iam = aws_sdk_iam::Client::from_conf(
        aws_sdk_iam::config::Builder::from(&config)
            .interceptor(counting.clone())
            .retry_partition(partition.clone())
            .build(),
    );
    let sts = aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::config::Builder::from(&config)
            .interceptor(counting.clone())
            .retry_partition(partition.clone())
            .build(),
    );
    let org = aws_sdk_organizations::Client::from_conf(
        aws_sdk_organizations::config::Builder::from(&config)
            .interceptor(counting)
            .retry_partition(partition)
            .build(),
    );
    Ok(Session {
        clients: Clients { sts, iam, org },
        counter,
    })
}

fn profile_files(opts: &LiveOptions) -> Option<EnvConfigFiles> {
    if opts.config_file.is_none() && opts.credentials_file.is_none() {
        return None;
    }
    let mut b = EnvConfigFiles::builder();
    if let Some(p) = &opts.config_file {
        b = b.with_file(EnvConfigFileKind::Config, p);
    }
    if let Some(p) = &opts.credentials_file {
        b = b.with_file(EnvConfigFileKind::Credentials, p);
    }
    Some(b.build())
}

/// Resolves credentials once, with a time limit, to turn "no credentials" into a clear error
/// before the first call (the SDK would otherwise report it as a failed request).
async fn check_credentials(
    config: &aws_config::SdkConfig,
    opts: &LiveOptions,
) -> Result<(), FetchError> {
    let Some(provider) = config.credentials_provider() else {
        return Err(FetchError::NoCredentials {
            detail: "no credential provider is configured".into(),
        });
    };
    match tokio::time::timeout(opts.credentials_timeout, provider.provide_credentials()).await {
        Err(_) => Err(FetchError::CredentialsTimeout {
            secs: opts.credentials_timeout.as_secs(),
        }),
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e @ CredentialsError::CredentialsNotLoaded(_))) => Err(FetchError::NoCredentials {
            detail: match &opts.profile {
                Some(p) => format!("profile `{p}`: {}", error_chain(&e)),
                None => "the environment, the shared config files, SSO, web identity and instance metadata have none".into(),
            },
        }),
        Ok(Err(CredentialsError::ProviderTimedOut(_))) => Err(FetchError::CredentialsTimeout {
            secs: opts.credentials_timeout.as_secs(),
        }),
        Ok(Err(e)) => {
            let detail = error_chain(&e);
            // Without a profile, the default chain ends at the instance metadata service; its
            // failure off EC2 means nothing anywhere held credentials.
            if opts.profile.is_none() && mentions_instance_metadata(&detail) {
                Err(FetchError::NoCredentials {
                    detail: format!(
                        "none in the environment or the shared config files, and instance metadata gave none: {detail}"
                    ),
                })
            } else {
                Err(FetchError::Credentials { detail })
            }
        }
    }
}

fn mentions_instance_metadata(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    t.contains("imds") || t.contains("instance metadata") || t.contains("ec2 metadata")
}

/// An error and its sources, `outer: inner: innermost`, each said once (SDK errors often repeat
/// their source in their own message), without a final period (messages go on after it).
pub(crate) fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(e);
    while let Some(err) = next {
        let text = err.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = err.source();
    }
    parts.join(": ").trim_end_matches('.').to_owned()
}

/// `sts:GetCallerIdentity`: who we are, which account, which partition.
pub(crate) async fn identify(
    sts: &aws_sdk_sts::Client,
    opts: &LiveOptions,
) -> Result<Caller, FetchError> {
    let out = sts
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| identity_error(&e, opts))?;
    let arn = out.arn().unwrap_or_default().to_owned();
    let account_id = match out.account() {
        Some(a) if !a.is_empty() => a.to_owned(),
        _ => arn.split(':').nth(4).unwrap_or_default().to_owned(),
    };
    if account_id.is_empty() {
        return Err(FetchError::Api {
            operation: "sts:GetCallerIdentity".into(),
            detail: "the answer names no account".into(),
        });
    }
    Ok(Caller {
        partition: partition_of(&arn).to_owned(),
        account_id,
        arn,
    })
}

/// The partition of an ARN (`arn:PARTITION:...`); `aws` when the ARN says none.
pub(crate) fn partition_of(arn: &str) -> &str {
    match arn.split(':').collect::<Vec<_>>().as_slice() {
        ["arn", partition, ..] if !partition.is_empty() => partition,
        _ => "aws",
    }
}

fn identity_error<E>(e: &SdkError<E>, opts: &LiveOptions) -> FetchError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let endpoint = || {
        opts.endpoint_url
            .clone()
            .unwrap_or_else(|| "AWS STS".to_owned())
    };
    match e {
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => FetchError::Unreachable {
            endpoint: endpoint(),
            detail: error_chain(e),
        },
        SdkError::ServiceError(_) => {
            let code = e.code().unwrap_or_default();
            let detail = format!("{code}: {}", e.message().unwrap_or_default());
            match code {
                "InvalidClientTokenId"
                | "SignatureDoesNotMatch"
                | "ExpiredToken"
                | "ExpiredTokenException"
                | "UnrecognizedClientException"
                | "InvalidAccessKeyId"
                | "AccessDenied" => FetchError::Rejected { detail },
                _ => FetchError::Api {
                    operation: "sts:GetCallerIdentity".into(),
                    detail,
                },
            }
        }
        _ => FetchError::Api {
            operation: "sts:GetCallerIdentity".into(),
            detail: error_chain(e),
        },
    }
}
