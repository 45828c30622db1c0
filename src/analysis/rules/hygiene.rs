//! Best-practice hygiene: tags, how policies are attached, roles nobody uses.

use super::{Rule, STALE_DAYS, Scan, rule};
use crate::analysis::findings::Finding;

fn date(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%d").to_string()
}

rule!(
    /// A role without tags (service-linked roles excepted: AWS owns them).
    UntaggedRole,
    "hygiene.untagged-role",
    Hygiene,
    Low,
    "role without tags"
);

impl UntaggedRole {
    fn run(&self, scan: &Scan<'_>, out: &mut Vec<Finding>) {
        for r in &scan.account.roles {
            if !r.tags.is_empty() || r.is_service_linked() {
                continue;
            }
            out.push(
                self.finding(&r.arn, format!("role {} has no tags", r.name))
                    .principal(&r.arn)
                    .detail(format!(
                        "Role {} has no tags, so nothing records who owns it or what it is for; untagged roles are the ones nobody dares to delete, and tag-based access control (aws:PrincipalTag) cannot apply to them.",
                        r.name
                    ))
                    .fix(format!("Tag {} with at least its owner and purpose.", r.name)),
            );
        }
    }
}

rule!(
    /// A user with policies of its own instead of through groups.
    UserDirectPolicies,
    "hygiene.user-direct-policies",
    Hygiene,
    Low,
    "policies attached directly to a user"
);

impl UserDirectPolicies {
    fn run(&self, scan: &Scan<'_>, out: &mut Vec<Finding>) {
        for u in &scan.account.users {
            let names: Vec<String> = u
                .attached_policies
                .iter()
                .map(|p| p.name.clone())
                .chain(
                    u.inline_policies
                        .iter()
                        .map(|p| format!("{} (inline)", p.name)),
                )
                .collect();
            if names.is_empty() {
                continue;
            }
            out.push(
                self.finding(
                    &u.arn,
                    format!(
                        "{} has {} {} of its own",
                        u.name,
                        names.len(),
                        if names.len() == 1 { "policy" } else { "policies" }
                    ),
                )
                .principal(&u.arn)
                .detail(format!(
                    "User {} has policies attached directly ({}). Permissions given to individual users drift and are missed in reviews; grant them through groups (or, better, roles).",
                    u.name,
                    names.join(", ")
                ))
                .fix(format!(
                    "Move {}'s policies to a group that describes the job and add the user to it.",
                    u.name
                )),
            );
        }
    }
}

rule!(
    /// A role last used more than 90 days ago.
    RoleUnused,
    "hygiene.role-unused",
    Hygiene,
    Low,
    "role not used for 90 days"
);

impl RoleUnused {
    fn run(&self, scan: &Scan<'_>, out: &mut Vec<Finding>) {
        for r in &scan.account.roles {
            let Some(used) = r.last_used.as_ref().and_then(|l| l.date) else {
                continue;
            };
            let days = scan.days_since(used);
            if days <= STALE_DAYS || r.is_service_linked() {
                continue;
            }
            out.push(
                self.finding(&r.arn, format!("role {} unused for {days} days", r.name))
                    .principal(&r.arn)
                    .detail(format!(
                        "Role {} was last used on {}, {days} days before {}. Its permissions and trust remain exploitable while nothing legitimate needs them.",
                        r.name,
                        date(used),
                        date(scan.now)
                    ))
                    .fix(format!(
                        "Confirm with its owner and delete {} (or remove its policies until it is needed).",
                        r.name
                    )),
            );
        }
    }
}

rule!(
    /// A role never used, older than 90 days.
    RoleNeverUsed,
    "hygiene.role-never-used",
    Hygiene,
    Low,
    "role never used"
);

impl RoleNeverUsed {
    fn run(&self, scan: &Scan<'_>, out: &mut Vec<Finding>) {
        for r in &scan.account.roles {
            // `last_used: None` means the input does not say; only a present, empty
            // RoleLastUsed means "never".
            let never = matches!(&r.last_used, Some(l) if l.date.is_none());
            if !never || r.is_service_linked() {
                continue;
            }
            let since = match r.created {
                Some(c) if scan.days_since(c) <= STALE_DAYS => continue,
                Some(c) => format!(", although it was created on {}", date(c)),
                None => String::new(),
            };
            out.push(
                self.finding(&r.arn, format!("role {} has never been used", r.name))
                    .principal(&r.arn)
                    .detail(format!(
                        "Role {} has never been used{since}. A role nobody uses is attack surface without a purpose.",
                        r.name
                    ))
                    .fix(format!(
                        "Confirm with its owner and delete {}.",
                        r.name
                    )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::test_support::*;
    use super::*;

    #[test]
    fn untagged_roles_fire_except_service_linked() {
        let mut bare = role("Bare", trust_service("lambda.amazonaws.com"));
        bare["Tags"] = json!([]);
        let mut slr = role("AWSServiceRoleForECS", trust_service("ecs.amazonaws.com"));
        slr["Tags"] = json!([]);
        slr["Path"] = json!("/aws-service-role/ecs.amazonaws.com/");
        let tagged = role("Tagged", trust_service("lambda.amazonaws.com"));
        let a = accounts(vec![], vec![bare, slr, tagged]);
        let f = run(&UntaggedRole, &a);
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].principal_arn.as_deref(),
            Some("arn:aws:iam::123456789012:role/Bare")
        );
    }

    #[test]
    fn direct_user_policies_fire_and_group_only_users_do_not() {
        let mut direct = user("direct");
        direct["UserPolicyList"] = json!([{"PolicyName": "Mine", "PolicyDocument":
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}]}}]);
        let a = accounts(vec![direct, user("grouped")], vec![]);
        let f = run(&UserDirectPolicies, &a);
        assert_eq!(f.len(), 1);
        assert!(f[0].detail.contains("Mine (inline)"), "{}", f[0].detail);
    }

    #[test]
    fn stale_and_never_used_roles() {
        let mut stale = role("Stale", trust_service("lambda.amazonaws.com"));
        stale["RoleLastUsed"] =
            json!({"LastUsedDate": "2026-03-18T06:00:00Z", "Region": "us-east-1"});
        let mut never = role("Never", trust_service("lambda.amazonaws.com"));
        never["RoleLastUsed"] = json!({});
        let mut new_never = role("NewNever", trust_service("lambda.amazonaws.com"));
        new_never["RoleLastUsed"] = json!({});
        new_never["CreateDate"] = json!("2026-10-20T00:00:00Z");
        let mut unknown = role("Unknown", trust_service("lambda.amazonaws.com"));
        unknown.as_object_mut().unwrap().remove("RoleLastUsed");
        let recent = role("Recent", trust_service("lambda.amazonaws.com"));
        let a = accounts(vec![], vec![stale, never, new_never, unknown, recent]);

        let f = run(&RoleUnused, &a);
        assert_eq!(f.len(), 1);
        assert!(
            f[0].title.contains("Stale") && f[0].title.contains("228 days"),
            "{}",
            f[0].title
        );

        let f = run(&RoleNeverUsed, &a);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].title.contains("Never"));
    }
}
