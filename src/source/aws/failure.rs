//! What a failed call means for the fetch: a gap in the account, or (for the bulk call only)
//! the end of it.

use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};

use super::FetchError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// The caller lacks the permission.
    Denied,
    /// The server does not implement the operation (test servers, some partitions).
    Unsupported,
    /// The entity went away between listing and reading it.
    NotFound,
    /// Anything else: 5xx after the retries, network, unreadable answer.
    Other,
}

/// A failed call, reduced to what the fetch needs to know.
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    pub kind: Kind,
    /// `iam:ListMFADevices`, ...
    pub action: &'static str,
    pub code: Option<String>,
    pub detail: String,
}

const DENIED: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnauthorizedAccess",
    "AuthorizationError",
    "NotAuthorized",
];

const UNSUPPORTED: &[&str] = &[
    "NotImplemented",
    "NotImplementedException",
    "InvalidAction",
    "UnknownOperation",
    "UnknownOperationException",
    "UnsupportedOperation",
    "UnsupportedOperationException",
    "UnsupportedAPIEndpointException",
];

const NOT_FOUND: &[&str] = &["NoSuchEntity", "NoSuchEntityException"];

impl Failure {
    pub(crate) fn from_sdk<E>(action: &'static str, e: &SdkError<E>) -> Failure
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let status = e.raw_response().map(|r| r.status().as_u16());
        let code = e.code().map(str::to_owned);
        let kind = match (code.as_deref(), status) {
            (Some(c), _) if DENIED.contains(&c) => Kind::Denied,
            (Some(c), _) if UNSUPPORTED.contains(&c) => Kind::Unsupported,
            (Some(c), _) if NOT_FOUND.contains(&c) => Kind::NotFound,
            (None, Some(403)) => Kind::Denied,
            (_, Some(501)) => Kind::Unsupported,
            _ => Kind::Other,
        };
        let detail = match (e, &code) {
            (SdkError::ServiceError(_), Some(c)) => match e.message() {
                Some(m) if !m.is_empty() => format!("{c}: {m}"),
                _ => c.clone(),
            },
            (SdkError::ServiceError(_), None) => match status {
                Some(s) => format!("HTTP {s} without an AWS error code"),
                None => super::client::error_chain(e),
            },
            (SdkError::TimeoutError(_), _) => "timed out".to_owned(),
            (SdkError::ResponseError(_), _) => format!(
                "unreadable answer{}: {}",
                status.map(|s| format!(" (HTTP {s})")).unwrap_or_default(),
                super::client::error_chain(e)
            ),
            _ => super::client::error_chain(e),
        };
        Failure {
            kind,
            action,
            code,
            detail,
        }
    }

    /// A failure made up by the fetch itself (a malformed answer).
    pub(crate) fn other(action: &'static str, detail: impl Into<String>) -> Failure {
        Failure {
            kind: Kind::Other,
            action,
            code: None,
            detail: detail.into(),
        }
    }

    /// The gap's reason: why, and what would fix it.
    pub(crate) fn reason(&self) -> String {
        match self.kind {
            Kind::Denied => format!(
                "access denied: the caller may not call {} ({})",
                self.action, self.detail
            ),
            Kind::Unsupported => format!(
                "{} is not supported by the server ({})",
                self.action, self.detail
            ),
            Kind::NotFound => format!("{} found nothing ({})", self.action, self.detail),
            Kind::Other => format!("{} failed: {}", self.action, self.detail),
        }
    }

    /// Only the bulk call ends the fetch; this says why, and what to do.
    pub(crate) fn into_bulk_error(self, caller: &str) -> FetchError {
        match self.kind {
            Kind::Denied => FetchError::BulkDenied {
                caller: if caller.is_empty() {
                    "the caller".into()
                } else {
                    caller.to_owned()
                },
                detail: self.detail,
            },
            _ => FetchError::Api {
                operation: self.action.to_owned(),
                detail: self.detail,
            },
        }
    }
}
