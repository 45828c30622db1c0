//! Credentials hygiene: access keys, console passwords, MFA, the root user.

use super::{Rule, STALE_DAYS, Scan, rule};
use crate::analysis::findings::{Finding, Severity};
use crate::model::{AccessKey, Credentials, User};

fn date(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%d").to_string()
}

fn active_keys(user: &User) -> impl Iterator<Item = &AccessKey> {
    user.credentials.access_keys.iter().filter(|k| k.active)
}

rule!(
    /// An active access key created more than 90 days ago.
    AccessKeyOld,
    "credentials.access-key-old",
    Credentials,
    Medium,
    "active access key older than 90 days"
);

impl AccessKeyOld {
    fn run(&self, scan: &Scan<'_>, out: &mut Vec<Finding>) {
        for u in &scan.account.users {
            for k in active_keys(u) {
                let Some(created) = k.created else { continue };
                let age = scan.days_since(created);
                if age <= STALE_DAYS {
                    continue;
                }
                out.push(
                    self.finding(
                        &u.arn,
                        format!("access key {} of {} is {age} days old", k.id, u.name),
                    )
                    .qualified(&k.id)
                    .principal(&u.arn)
                    .detail(format!(
                        "Access key {} of user {} was created on {}, {age} days before {}, and is still active. A key that lives this long has had many chances to leak (CI logs, laptops, old config files); rotate keys at least every {STALE_DAYS} days.",
                        k.id,
                        u.name,
                        date(created),
                        date(scan.now)
                    ))
                    .fix(format!(
                        "Create a new key, move its users to it, then deactivate and delete {}; better, replace the key with a role.",
                        k.id
                    )),
                );
            }
        }
    }
}

rule!(
    /// An active access key not used in the last 90 days (or never, while older than that).
    AccessKeyUnused,
    "credentials.access-key-unused",
    Credentials,
    Low,
    "active access key unused for 90 days"
);

impl AccessKeyUnused {
    fn run(&self, scan: &Scan<'_>, out: &mut Vec<Finding>) {
        for u in &scan.account.users {
            for k in active_keys(u) {
                let why = match (k.last_used, k.created) {
                    (Some(used), _) if scan.days_since(used) > STALE_DAYS => format!(
                        "was last used on {}, {} days before {}",
                        date(used),
                        scan.days_since(used),
                        date(scan.now)
                    ),
                    (None, Some(created)) if scan.days_since(created) > STALE_DAYS => format!(
                        "has never been used since it was created on {}",
                        date(created)
                    ),
                    _ => continue,
                };
                out.push(
                    self.finding(&u.arn, format!("access key {} of {} is unused", k.id, u.name))
                        .qualified(&k.id)
                        .principal(&u.arn)
                        .detail(format!(
                            "Access key {} of user {} is active but {why}. An unused key is pure risk: nobody would notice its use by someone else.",
                            k.id, u.name
                        ))
                        .fix(format!("Deactivate access key {}, then delete it.", k.id)),
                );
            }
        }
    }
}

rule!(
    /// A user with both access key slots active.
    TwoActiveKeys,
    "credentials.two-active-keys",
    Credentials,
    Low,
    "user with two active access keys"
);

impl TwoActiveKeys {
    fn run(&self, scan: &Scan<'_>, out: &mut Vec<Finding>) {
        for u in &scan.account.users {
            let keys: Vec<&str> = active_keys(u).map(|k| k.id.as_str()).collect();
            if keys.len() < 2 {
                continue;
            }
            out.push(
                self.finding(&u.arn, format!("{} has {} active access keys", u.name, keys.len()))
                    .principal(&u.arn)
                    .detail(format!(
                        "User {} has {} active access keys ({}). Two keys are only needed during a rotation; left in place, the old one keeps working and doubles what can leak.",
                        u.name,
                        keys.len(),
                        keys.join(", ")
                    ))
                    .fix("Finish the rotation: deactivate and delete the older key."),
            );
        }
    }
}

fn has_mfa(c: &Credentials) -> Option<bool> {
    if !c.mfa_devices.is_empty() {
        return Some(true);
    }
    c.mfa_active
}

rule!(
    /// A user who can sign in to the console with a password alone.
    ConsoleWithoutMfa,
    "credentials.console-without-mfa",
    Credentials,
    High,
    "console password without MFA"
);

impl ConsoleWithoutMfa {
    fn run(&self, scan: &Scan<'_>, out: &mut Vec<Finding>) {
        for u in &scan.account.users {
            if u.credentials.password_enabled != Some(true)
                || has_mfa(&u.credentials) != Some(false)
            {
                continue;
            }
            out.push(
                self.finding(&u.arn, format!("{} signs in with a password and no MFA", u.name))
                    .principal(&u.arn)
                    .detail(format!(
                        "User {} has a console password and no MFA device, so a phished or reused password is enough to sign in to the console as {}.",
                        u.name, u.name
                    ))
                    .fix(format!(
                        "Enable an MFA device for {} (and require MFA with a policy condition), or remove the console password.",
                        u.name
                    )),
            );
        }
    }
}

rule!(
    /// A programmatic-only user with long-lived keys: a role would do.
    AccessKeysWhereRoleWouldDo,
    "credentials.access-keys-where-role-would-do",
    Credentials,
    Low,
    "user with access keys and no console use: a role would do"
);

impl AccessKeysWhereRoleWouldDo {
    fn run(&self, scan: &Scan<'_>, out: &mut Vec<Finding>) {
        for u in &scan.account.users {
            let keys = active_keys(u).count();
            if keys == 0 || u.credentials.password_enabled == Some(true) {
                continue;
            }
            out.push(
                self.finding(&u.arn, format!("{} uses long-lived access keys", u.name))
                    .principal(&u.arn)
                    .detail(format!(
                        "User {} has {keys} active access key(s) and no console password: it is a machine identity. Machines in AWS, CI systems with OIDC (GitHub Actions, GitLab) and on-premises hosts (IAM Roles Anywhere) can use a role, whose credentials expire within hours instead of living until someone deletes them.",
                        u.name
                    ))
                    .fix(format!(
                        "Give the workload behind {} a role (instance profile, task role, OIDC trust or Roles Anywhere) and delete the user's keys.",
                        u.name
                    )),
            );
        }
    }
}

/// The root user's credentials: the credential report row when present, else the account
/// summary's counters.
fn root_mfa(scan: &Scan<'_>) -> Option<bool> {
    if let Some(c) = &scan.account.info.root_credentials
        && let Some(m) = has_mfa(c)
    {
        return Some(m);
    }
    let summary = scan.account.info.summary.as_ref()?;
    summary.get("AccountMFAEnabled").map(|v| *v != 0)
}

fn root_keys(scan: &Scan<'_>) -> Option<bool> {
    if let Some(c) = &scan.account.info.root_credentials {
        return Some(c.access_keys.iter().any(|k| k.active));
    }
    let summary = scan.account.info.summary.as_ref()?;
    summary.get("AccountAccessKeysPresent").map(|v| *v != 0)
}

rule!(
    /// The root user has no MFA (when the account summary or credential report is known).
    RootMfaOff,
    "credentials.root-mfa-off",
    Credentials,
    Critical,
    "root user without MFA"
);

impl RootMfaOff {
    fn run(&self, scan: &Scan<'_>, out: &mut Vec<Finding>) {
        if root_mfa(scan) != Some(false) {
            return;
        }
        let root = scan.root_arn();
        out.push(
            self.finding(&root, "the root user has no MFA".into())
                .principal(&root)
                .detail("The account's root user, which no policy can restrict, signs in with a password alone.")
                .fix("Enable MFA for the root user (a hardware key, kept offline)."),
        );
    }
}

rule!(
    /// The root user has access keys.
    RootAccessKeys,
    "credentials.root-access-keys",
    Credentials,
    Critical,
    "root user with access keys"
);

impl RootAccessKeys {
    fn run(&self, scan: &Scan<'_>, out: &mut Vec<Finding>) {
        if root_keys(scan) != Some(true) {
            return;
        }
        let root = scan.root_arn();
        out.push(
            self.finding(&root, "the root user has access keys".into())
                .principal(&root)
                .severity(Severity::Critical)
                .detail("The account's root user has active access keys: whoever holds them has unrestricted control of the account, and no policy can limit it.")
                .fix("Delete the root user's access keys; use IAM roles for automation."),
        );
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::test_support::*;
    use super::*;

    fn with_creds(extra: serde_json::Value) -> crate::model::Account {
        let mut v = json!({
            "iamscope": {"format_version": 1, "account_id": "123456789012", "partition": "aws", "fetched_at": NOW},
            "UserDetailList": [user("old"), user("fresh"), user("human"), user("twokeys")],
            "GroupDetailList": [], "RoleDetailList": [], "Policies": []
        });
        for (k, val) in extra.as_object().unwrap() {
            v[k] = val.clone();
        }
        account(v)
    }

    fn report_row(user: &str, password: &str, mfa: &str) -> serde_json::Value {
        json!({"user": user, "arn": format!("arn:aws:iam::123456789012:user/{user}"),
               "password_enabled": password, "mfa_active": mfa,
               "access_key_1_active": "false", "access_key_2_active": "false"})
    }

    fn key(user: &str, id: &str, created: &str, used: Option<&str>) -> serde_json::Value {
        let mut k =
            json!({"UserName": user, "AccessKeyId": id, "Status": "Active", "CreateDate": created});
        if let Some(u) = used {
            k["LastUsedDate"] = json!(u);
        }
        k
    }

    fn sample() -> crate::model::Account {
        with_creds(json!({
            "CredentialReport": [
                report_row("old", "false", "false"),
                report_row("fresh", "true", "true"),
                report_row("human", "true", "false"),
                report_row("twokeys", "false", "false"),
            ],
            "AccessKeys": [
                key("old", "AKIAOLD", "2025-06-15T08:00:00Z", Some("2026-10-31T00:00:00Z")),
                key("fresh", "AKIAFRESH", "2026-10-01T00:00:00Z", None),
                key("twokeys", "AKIA1", "2026-09-01T00:00:00Z", Some("2026-10-31T00:00:00Z")),
                key("twokeys", "AKIA2", "2026-10-20T00:00:00Z", Some("2026-10-31T00:00:00Z")),
                key("human", "AKIASTALE", "2026-01-01T00:00:00Z", Some("2026-02-01T00:00:00Z")),
            ],
            "AccountSummary": {"AccountMFAEnabled": 1, "AccountAccessKeysPresent": 0}
        }))
    }

    fn subjects(f: &[Finding]) -> Vec<String> {
        f.iter().map(|f| f.id.clone()).collect()
    }

    #[test]
    fn old_keys_fire_and_fresh_do_not() {
        let f = run(&AccessKeyOld, &sample());
        assert_eq!(
            subjects(&f),
            vec![
                "credentials.access-key-old:arn:aws:iam::123456789012:user/old:AKIAOLD",
                "credentials.access-key-old:arn:aws:iam::123456789012:user/human:AKIASTALE",
            ]
        );
        assert!(f[0].detail.contains("504 days"), "{}", f[0].detail);
    }

    #[test]
    fn unused_keys_fire_and_used_or_new_do_not() {
        let f = run(&AccessKeyUnused, &sample());
        assert_eq!(
            subjects(&f),
            vec!["credentials.access-key-unused:arn:aws:iam::123456789012:user/human:AKIASTALE"]
        );
        // A key never used but created long ago fires too.
        let a = with_creds(
            json!({"AccessKeys": [key("old", "AKIANEVER", "2025-01-01T00:00:00Z", None)]}),
        );
        assert_eq!(run(&AccessKeyUnused, &a).len(), 1);
    }

    #[test]
    fn two_active_keys() {
        let f = run(&TwoActiveKeys, &sample());
        assert_eq!(
            subjects(&f),
            vec!["credentials.two-active-keys:arn:aws:iam::123456789012:user/twokeys"]
        );
    }

    #[test]
    fn console_without_mfa() {
        let f = run(&ConsoleWithoutMfa, &sample());
        assert_eq!(
            subjects(&f),
            vec!["credentials.console-without-mfa:arn:aws:iam::123456789012:user/human"]
        );
        // An MFA device listed counts as MFA even if the report row is older.
        let a = with_creds(json!({
            "CredentialReport": [report_row("human", "true", "false")],
            "MFADevices": [{"UserName": "human", "SerialNumber": "arn:aws:iam::123456789012:mfa/human", "EnableDate": "2026-01-01T00:00:00Z"}]
        }));
        assert!(run(&ConsoleWithoutMfa, &a).is_empty());
        // Unknown credentials never fire.
        assert!(run(&ConsoleWithoutMfa, &with_creds(json!({}))).is_empty());
    }

    #[test]
    fn machine_users_with_keys() {
        let f = run(&AccessKeysWhereRoleWouldDo, &sample());
        assert_eq!(
            subjects(&f),
            vec![
                "credentials.access-keys-where-role-would-do:arn:aws:iam::123456789012:user/old",
                "credentials.access-keys-where-role-would-do:arn:aws:iam::123456789012:user/twokeys",
            ]
        );
    }

    #[test]
    fn root_credentials_from_summary_or_report() {
        let good = sample();
        assert!(run(&RootMfaOff, &good).is_empty());
        assert!(run(&RootAccessKeys, &good).is_empty());
        // Unknown: no summary, no report row.
        assert!(run(&RootMfaOff, &with_creds(json!({}))).is_empty());

        let bad = with_creds(
            json!({"AccountSummary": {"AccountMFAEnabled": 0, "AccountAccessKeysPresent": 1}}),
        );
        let f = run(&RootMfaOff, &bad);
        assert_eq!(
            subjects(&f),
            vec!["credentials.root-mfa-off:arn:aws:iam::123456789012:root"]
        );
        assert_eq!(run(&RootAccessKeys, &bad).len(), 1);

        let report = with_creds(
            json!({"CredentialReport": [{"user": "<root_account>", "arn": "arn:aws:iam::123456789012:root",
            "password_enabled": "not_supported", "mfa_active": "false", "access_key_1_active": "true",
            "access_key_1_last_rotated": "2024-01-01T00:00:00Z", "access_key_2_active": "false"}]}),
        );
        assert_eq!(run(&RootMfaOff, &report).len(), 1);
        assert_eq!(run(&RootAccessKeys, &report).len(), 1);
    }
}
