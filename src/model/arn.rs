//! Amazon Resource Names.

use std::fmt;

/// An ARN split into its parts, borrowing the text: `arn:partition:service:region:account:resource`.
/// The resource part keeps any further `:` and `/` (e.g. `role/path/name`, `table/t/index/i`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not an ARN: expected arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE")]
pub struct ArnError {
    pub text: String,
}

impl<'a> Arn<'a> {
    pub fn parse(text: &'a str) -> Result<Arn<'a>, ArnError> {
        let mut parts = text.splitn(6, ':');
        let bad = || ArnError {
            text: text.to_owned(),
        };
        if parts.next() != Some("arn") {
            return Err(bad());
        }
        let partition = parts.next().ok_or_else(bad)?;
        let service = parts.next().ok_or_else(bad)?;
        let region = parts.next().ok_or_else(bad)?;
        let account = parts.next().ok_or_else(bad)?;
        let resource = parts.next().ok_or_else(bad)?;
        if partition.is_empty() || service.is_empty() {
            return Err(bad());
        }
        Ok(Arn {
            partition,
            service,
            region,
            account,
            resource,
        })
    }

    /// The resource type and the rest, for `type/name` and `type:name` resources:
    /// `role/path/Name` → (`role`, `path/Name`).
    pub fn resource_type(&self) -> Option<(&'a str, &'a str)> {
        let cut = self.resource.find(['/', ':'])?;
        Some((&self.resource[..cut], &self.resource[cut + 1..]))
    }

    /// The last `/`-separated segment of the resource: the name of a user, group, role or policy.
    pub fn resource_name(&self) -> &'a str {
        self.resource.rsplit('/').next().unwrap_or(self.resource)
    }
}

impl fmt::Display for Arn<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "arn:{}:{}:{}:{}:{}",
            self.partition, self.service, self.region, self.account, self.resource
        )
    }
}

/// An assumed-role session ARN `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`, which carries
/// the role name but not its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionArn<'a> {
    pub partition: &'a str,
    pub account: &'a str,
    pub role_name: &'a str,
    pub session_name: &'a str,
}

impl<'a> SessionArn<'a> {
    pub fn parse(text: &'a str) -> Option<SessionArn<'a>> {
        let arn = Arn::parse(text).ok()?;
        if arn.service != "sts" {
            return None;
        }
        let rest = arn.resource.strip_prefix("assumed-role/")?;
        let (role_name, session_name) = rest.split_once('/')?;
        Some(SessionArn {
            partition: arn.partition,
            account: arn.account,
            role_name,
            session_name,
        })
    }
}

/// `true` for a 12-digit AWS account id.
pub fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_parts_and_keeps_colons_in_resource() {
        let a = Arn::parse("arn:aws:dynamodb:us-east-1:123456789012:table/t/index/i").unwrap();
        assert_eq!(a.partition, "aws");
        assert_eq!(a.service, "dynamodb");
        assert_eq!(a.region, "us-east-1");
        assert_eq!(a.account, "123456789012");
        assert_eq!(a.resource, "table/t/index/i");
        assert_eq!(a.resource_type(), Some(("table", "t/index/i")));
        let a = Arn::parse("arn:aws:logs:us-east-1:1:log-group:/aws/x:*").unwrap();
        assert_eq!(a.resource, "log-group:/aws/x:*");
        assert_eq!(a.to_string(), "arn:aws:logs:us-east-1:1:log-group:/aws/x:*");
    }

    #[test]
    fn names_and_sessions() {
        let a = Arn::parse("arn:aws:iam::123456789012:role/service-role/MyRole").unwrap();
        assert_eq!(a.resource_name(), "MyRole");
        let s = SessionArn::parse("arn:aws:sts::123456789012:assumed-role/MyRole/alice@x").unwrap();
        assert_eq!(s.role_name, "MyRole");
        assert_eq!(s.session_name, "alice@x");
        assert!(SessionArn::parse("arn:aws:iam::123456789012:role/MyRole").is_none());
    }

    #[test]
    fn rejects_non_arns() {
        for t in [
            "",
            "arn",
            "arn:aws",
            "foo:aws:s3:::b",
            "arn::s3:::b",
            "arn:aws:s3::",
        ] {
            assert!(Arn::parse(t).is_err(), "{t}");
        }
        assert!(is_account_id("123456789012"));
        assert!(!is_account_id("12345678901a"));
    }
}
