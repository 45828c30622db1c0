//! Helpers of the live-fetch tests: the moto server, one isolated AWS account per test, and a
//! fault-injecting proxy.
//!
//! Isolation: moto keys its state by account, and picks the account of a request from its
//! access key. Each test assumes a role in an account id of its own (unique per test and per
//! run, since the server outlives test runs), so tests run in parallel without resetting the
//! server and without seeing each other's users.

#![allow(dead_code)]

pub mod proxy;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_config::BehaviorVersion;
use aws_sdk_iam::config::{Credentials, Region};
use iamscope::source::aws::{AwsManagedPolicies, LiveOptions};

/// The moto server the test runner started (`scripts/moto.sh start`). A live test fails, never
/// skips, when it is missing: a skipped live test would hide a broken fetch.
pub fn moto_endpoint() -> String {
    let Ok(url) = std::env::var("IAMSCOPE_MOTO_ENDPOINT") else {
        panic!(
            "IAMSCOPE_MOTO_ENDPOINT is not set: the live-fetch tests need a moto server. Run the \
             suite with scripts/test.sh, or: scripts/moto.sh install && eval \"$(scripts/moto.sh start)\""
        );
    };
    let url = url.trim_end_matches('/').to_owned();
    if let Err(e) = http_get(&url, "/moto-api/config") {
        panic!(
            "IAMSCOPE_MOTO_ENDPOINT={url} does not answer GET /moto-api/config ({e}): start it with \
             scripts/moto.sh start"
        );
    }
    url
}

/// `host:port` of an `http://host:port` URL.
pub fn authority(url: &str) -> &str {
    url.trim_start_matches("http://")
        .trim_end_matches('/')
        .split('/')
        .next()
        .unwrap_or_default()
}

fn http_get(url: &str, path: &str) -> Result<String, String> {
    let host = authority(url);
    let mut s = TcpStream::connect(host).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(|e| e.to_string())?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    let mut body = String::new();
    s.read_to_string(&mut body).map_err(|e| e.to_string())?;
    let status = body.split(' ').nth(1).unwrap_or_default();
    if status.starts_with('2') {
        Ok(body)
    } else {
        Err(body.lines().next().unwrap_or("no answer").to_owned())
    }
}

/// A 12-digit account id no other test of this or an earlier run uses.
pub fn fresh_account_id(tag: u64) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let mix = (nanos / 1000)
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(u64::from(std::process::id()).wrapping_mul(1_442_695_040_888_963_407))
        .wrapping_add(tag.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    format!("{}", 100_000_000_000 + mix % 899_999_999_999)
}

/// Credentials of a role session in an account of its own.
#[derive(Debug, Clone)]
pub struct TestAccount {
    pub endpoint: String,
    pub account_id: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    /// Holds the shared config file the fetch reads its credentials from.
    pub dir: std::sync::Arc<tempfile::TempDir>,
}

pub const PROFILE: &str = "iamscope-live-test";

impl TestAccount {
    /// Assumes a role in a fresh account with moto's default credentials.
    pub async fn new(endpoint: &str, tag: u64) -> TestAccount {
        TestAccount::assume(endpoint, &fresh_account_id(tag)).await
    }

    /// Assumes a role in `account_id` (moto creates accounts on first use).
    pub async fn assume(endpoint: &str, account_id: &str) -> TestAccount {
        let account_id = account_id.to_owned();
        let base = aws_config::SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(endpoint)
            .credentials_provider(aws_sdk_iam::config::SharedCredentialsProvider::new(
                Credentials::new("testing", "testing", None, None, "moto"),
            ))
            .build();
        let sts = aws_sdk_sts::Client::new(&base);
        let out = sts
            .assume_role()
            .role_arn(format!("arn:aws:iam::{account_id}:role/iamscope-live-test"))
            .role_session_name("iamscope-live-test")
            .send()
            .await
            .expect("sts:AssumeRole against moto");
        let c = out.credentials().expect("credentials");
        let dir = tempfile::tempdir().unwrap();
        let account = TestAccount {
            endpoint: endpoint.to_owned(),
            account_id,
            access_key_id: c.access_key_id().to_owned(),
            secret_access_key: c.secret_access_key().to_owned(),
            session_token: c.session_token().to_owned(),
            dir: std::sync::Arc::new(dir),
        };
        std::fs::write(
            account.config_path(),
            format!(
                "[profile {PROFILE}]\naws_access_key_id = {}\naws_secret_access_key = {}\naws_session_token = {}\nregion = us-east-1\n",
                account.access_key_id, account.secret_access_key, account.session_token
            ),
        )
        .unwrap();
        account
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    pub fn sdk_config(&self) -> aws_config::SdkConfig {
        self.sdk_config_with(
            &self.access_key_id,
            &self.secret_access_key,
            Some(&self.session_token),
        )
    }

    pub fn sdk_config_with(
        &self,
        key: &str,
        secret: &str,
        token: Option<&str>,
    ) -> aws_config::SdkConfig {
        aws_config::SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(&self.endpoint)
            .credentials_provider(aws_sdk_iam::config::SharedCredentialsProvider::new(
                Credentials::new(key, secret, token.map(str::to_owned), None, "test"),
            ))
            .build()
    }

    pub fn iam(&self) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::new(&self.sdk_config())
    }

    pub fn org(&self) -> aws_sdk_organizations::Client {
        aws_sdk_organizations::Client::new(&self.sdk_config())
    }

    /// Fetch options that read this account's credentials from its own config file (the
    /// credential chain's profile path, as `--profile` uses it), talk to `endpoint`, and retry
    /// fast.
    pub fn options(&self, endpoint: &str) -> LiveOptions {
        LiveOptions {
            profile: Some(PROFILE.to_owned()),
            region: Some("us-east-1".into()),
            endpoint_url: Some(endpoint.to_owned()),
            config_file: Some(self.config_path()),
            aws_managed_policies: AwsManagedPolicies::Referenced,
            initial_backoff: Duration::from_millis(10),
            call_timeout: Duration::from_secs(30),
            overall_timeout: Duration::from_secs(240),
            report_wait: Duration::from_secs(20),
            ..LiveOptions::default()
        }
    }
}
