#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The trust graph: the demo account's planted trust setups, and small accounts built for one
//! rule each (account root with and without identity permission, a user named directly, a
//! boundary deny, MFA, tags, paths, wildcard grants, chains).

use iamscope::analysis::principal::Principal;
use iamscope::analysis::trust::{
    AssumerKind, Naming, PathOptions, Severity, Status, TrustGraph, WhoCanAssume,
};
use iamscope::model::{Account, EntityRef, RoleId, SourceKind};
use serde_json::{Value, json};

const ACCT: &str = "111122223333";

// ---------------------------------------------------------------------------------------
// Building small accounts (AWS CLI form, the same path real input takes).
// ---------------------------------------------------------------------------------------

fn doc(statements: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn allow_assume(resource: &str) -> Value {
    doc(json!([{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": resource}]))
}

fn trust_aws(principal: &str) -> Value {
    doc(json!([{"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}]))
}

/// [`trust_aws`] for callers who signed in with MFA.
fn trust_with_mfa(principal: &str) -> Value {
    doc(
        json!([{"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole",
        "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]),
    )
}

#[derive(Default)]
struct Builder {
    users: Vec<Value>,
    roles: Vec<Value>,
    policies: Vec<Value>,
}

impl Builder {
    fn user(
        mut self,
        name: &str,
        inline: Option<Value>,
        boundary: Option<&str>,
        tags: &[(&str, &str)],
    ) -> Self {
        let mut u = json!({
            "UserName": name, "UserId": format!("AIDA{}", name.to_uppercase()),
            "Arn": format!("arn:aws:iam::{ACCT}:user/{name}"), "Path": "/",
            "GroupList": [], "AttachedManagedPolicies": [],
            "UserPolicyList": inline.map(|d| vec![json!({"PolicyName": format!("{name}-inline"), "PolicyDocument": d})]).unwrap_or_default(),
            "Tags": tags.iter().map(|(k, v)| json!({"Key": k, "Value": v})).collect::<Vec<_>>(),
        });
        if let Some(b) = boundary {
            u["PermissionsBoundary"] = json!({"PermissionsBoundaryType": "Policy",
                "PermissionsBoundaryArn": format!("arn:aws:iam::{ACCT}:policy/{b}")});
        }
        self.users.push(u);
        self
    }

    fn role(mut self, path_name: &str, trust: Value, inline: Option<Value>) -> Self {
        let name = path_name.rsplit('/').next().unwrap();
        let path = match path_name.rsplit_once('/') {
            Some((p, _)) => format!("/{p}/"),
            None => "/".into(),
        };
        self.roles.push(json!({
            "RoleName": name, "RoleId": format!("AROA{}", name.to_uppercase()),
            "Arn": format!("arn:aws:iam::{ACCT}:role/{path_name}"), "Path": path,
            "AssumeRolePolicyDocument": trust,
            "RolePolicyList": inline.map(|d| vec![json!({"PolicyName": format!("{name}-inline"), "PolicyDocument": d})]).unwrap_or_default(),
            "AttachedManagedPolicies": [], "InstanceProfileList": [], "Tags": [],
        }));
        self
    }

    fn policy(mut self, name: &str, document: Value) -> Self {
        self.policies.push(json!({
            "PolicyName": name, "PolicyId": format!("ANPA{}", name.to_uppercase()),
            "Arn": format!("arn:aws:iam::{ACCT}:policy/{name}"), "Path": "/",
            "DefaultVersionId": "v1", "AttachmentCount": 0, "PermissionsBoundaryUsageCount": 1,
            "IsAttachable": true,
            "PolicyVersionList": [{"Document": document, "VersionId": "v1", "IsDefaultVersion": true}],
        }));
        self
    }

    fn build(self) -> Account {
        let snapshot = json!({
            "iamscope": {"format_version": 1, "account_id": ACCT, "partition": "aws"},
            "UserDetailList": self.users, "GroupDetailList": [],
            "RoleDetailList": self.roles, "Policies": self.policies,
        });
        let text = snapshot.to_string();
        let snap = iamscope::source::parse_snapshot(text.as_bytes(), "test").unwrap();
        iamscope::source::convert::to_account(snap, SourceKind::Snapshot("test".into()), "test")
            .unwrap()
    }
}

fn role(account: &Account, name: &str) -> RoleId {
    match account.lookup(name).unwrap() {
        EntityRef::Role(id) => id,
        other => panic!("{name} is {other:?}"),
    }
}

fn principal(account: &Account, name: &str) -> Principal {
    Principal::try_from((account, account.lookup(name).unwrap())).unwrap()
}

fn who(account: &Account, g: &TrustGraph, name: &str) -> WhoCanAssume {
    g.who_can_assume(account, role(account, name), &PathOptions::default())
}

/// The direct assumers of a role as (principal, kind, status).
fn direct(report: &WhoCanAssume) -> Vec<(String, AssumerKind, Status)> {
    report
        .assumers
        .iter()
        .filter(|a| a.via.is_empty())
        .map(|a| (a.principal.clone(), a.kind, a.status))
        .collect()
}

fn user_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCT}:user/{name}")
}

fn role_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCT}:role/{name}")
}

// ---------------------------------------------------------------------------------------
// The demo account.
// ---------------------------------------------------------------------------------------

fn demo() -> (Account, TrustGraph) {
    let account = iamscope::source::demo::account().unwrap();
    let g = TrustGraph::build(&account);
    (account, g)
}

#[test]
fn demo_github_deploy_role_only_via_the_github_oidc_provider_with_its_sub() {
    let (account, g) = demo();
    let r = who(&account, &g, "GitHubActionsDeployRole");
    assert_eq!(r.assumers.len(), 1, "{:#?}", r.assumers);
    let a = &r.assumers[0];
    assert_eq!(
        a.principal,
        "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
    );
    assert_eq!(a.kind, AssumerKind::Federated);
    assert_eq!(a.status, Status::Conditional);
    assert!(a.via.is_empty());
    let sub = a
        .conditions
        .iter()
        .find(|c| c.key == "token.actions.githubusercontent.com:sub")
        .expect("the sub condition is shown");
    assert_eq!(sub.operator, "StringLike");
    assert_eq!(
        sub.values,
        vec!["repo:your-org/your-repo:ref:refs/heads/main"]
    );
    assert!(
        sub.description.contains("subject (sub)"),
        "{}",
        sub.description
    );
    assert!(
        a.conditions
            .iter()
            .any(|c| c.key == "token.actions.githubusercontent.com:aud"
                && c.values == vec!["sts.amazonaws.com"])
    );
    // Judged narrow: pinned to one repository and branch.
    assert!(
        a.notes.iter().all(|n| n.severity == Severity::Info),
        "{:?}",
        a.notes
    );
}

#[test]
fn demo_github_wide_role_is_flagged_critical() {
    let (account, g) = demo();
    let r = who(&account, &g, "GitHubActionsWideRole");
    let a = r
        .assumers
        .iter()
        .find(|a| a.kind == AssumerKind::Federated)
        .unwrap();
    assert!(
        a.notes
            .iter()
            .any(|n| n.severity == Severity::Critical && n.message.contains("repo:*")),
        "{:?}",
        a.notes
    );
}

#[test]
fn demo_task_role_only_by_ecs_tasks() {
    let (account, g) = demo();
    let r = who(&account, &g, "MyAppTaskRole");
    assert_eq!(
        direct(&r),
        vec![(
            "ecs-tasks.amazonaws.com".to_owned(),
            AssumerKind::Service,
            Status::Conditional
        )]
    );
    assert_eq!(
        r.assumers.len(),
        1,
        "no chain reaches it: {:#?}",
        r.assumers
    );
    let keys: Vec<&str> = r.assumers[0]
        .conditions
        .iter()
        .map(|c| c.key.as_str())
        .collect();
    assert_eq!(keys, vec!["aws:SourceAccount", "aws:SourceArn"]);
    // SourceAccount and SourceArn present: no confused-deputy note.
    assert!(r.assumers[0].notes.is_empty(), "{:?}", r.assumers[0].notes);
    // A service trust without them is flagged.
    let r = who(&account, &g, "BastionInstanceRole");
    assert!(
        r.assumers[0]
            .notes
            .iter()
            .any(|n| n.message.contains("confused deputy"))
    );
}

#[test]
fn demo_staging_role_only_by_the_staging_account_with_external_id() {
    let (account, g) = demo();
    let r = who(&account, &g, "StagingCrossAccountRole");
    assert_eq!(r.assumers.len(), 1, "{:#?}", r.assumers);
    let a = &r.assumers[0];
    assert_eq!(
        (a.principal.as_str(), a.kind),
        ("210987654321", AssumerKind::Account)
    );
    assert_eq!(a.status, Status::Conditional);
    assert_eq!(a.conditions.len(), 1);
    assert_eq!(a.conditions[0].operator, "StringEquals");
    assert_eq!(a.conditions[0].key, "sts:ExternalId");
    assert_eq!(a.conditions[0].values, vec!["staging-7f3a9c2e"]);
    assert!(a.notes.is_empty(), "{:?}", a.notes);
    // The vendor role without an external ID is flagged.
    let r = who(&account, &g, "VendorAuditRole");
    let a = &r.assumers[0];
    assert_eq!((a.kind, a.status), (AssumerKind::Account, Status::Always));
    assert!(a.notes.iter().any(|n| n.message.contains("sts:ExternalId")));
}

#[test]
fn demo_legacy_partner_role_by_anyone() {
    let (account, g) = demo();
    let r = who(&account, &g, "LegacyPartnerRole");
    let anyone = r
        .assumers
        .iter()
        .find(|a| a.kind == AssumerKind::Anyone)
        .expect("anyone can assume it");
    assert_eq!(
        (anyone.principal.as_str(), anyone.status),
        ("*", Status::Always)
    );
    assert!(anyone.conditions.is_empty());
    assert!(
        anyone
            .notes
            .iter()
            .any(|n| n.severity == Severity::Critical)
    );
    // Every principal of the account too, since `*` names them without identity permission.
    let direct_users = r
        .assumers
        .iter()
        .filter(|a| a.via.is_empty() && a.kind == AssumerKind::User)
        .count();
    assert_eq!(direct_users, account.users.len());
    // And through the roles they reach: e.g. the ECS tasks service via MyAppTaskRole.
    assert!(
        r.assumers
            .iter()
            .any(|a| a.principal == "ecs-tasks.amazonaws.com"
                && a.via == vec!["arn:aws:iam::123456789012:role/MyAppTaskRole".to_owned()])
    );
    // The org-scoped `*` trust is conditional, not open.
    let r = who(&account, &g, "PublicReadRole");
    let anyone = r
        .assumers
        .iter()
        .find(|a| a.kind == AssumerKind::Anyone)
        .unwrap();
    assert_eq!(anyone.status, Status::Conditional);
    assert_eq!(anyone.conditions[0].key, "aws:PrincipalOrgID");
    assert!(anyone.notes.is_empty());
}

#[test]
fn demo_saml_role_via_the_okta_provider() {
    let (account, g) = demo();
    let r = who(&account, &g, "SSOReadOnlyRole");
    let a = &r.assumers[0];
    assert_eq!(
        a.principal,
        "arn:aws:iam::123456789012:saml-provider/OktaSSO"
    );
    assert_eq!(a.action.as_str(), "sts:AssumeRoleWithSAML");
    assert_eq!(a.status, Status::Conditional);
    assert_eq!(a.conditions[0].key, "SAML:aud");
}

// ---------------------------------------------------------------------------------------
// One rule each.
// ---------------------------------------------------------------------------------------

#[test]
fn account_root_trust_without_identity_permission_is_never() {
    let account = Builder::default()
        .user("alice", None, None, &[])
        .role(
            "Target",
            trust_aws(&format!("arn:aws:iam::{ACCT}:root")),
            None,
        )
        .build();
    let g = TrustGraph::build(&account);
    let r = who(&account, &g, "Target");
    assert!(direct(&r).is_empty(), "{:#?}", r.assumers);
    let a = g.assess(
        &account,
        principal(&account, "alice"),
        role(&account, "Target"),
    );
    assert_eq!(a.status, Status::Never);
    assert_eq!(a.naming, Some(Naming::Account));
    assert!(
        a.reason.contains("no identity policy allows"),
        "{}",
        a.reason
    );
}

#[test]
fn account_root_trust_with_identity_permission_is_always() {
    let account = Builder::default()
        .user("alice", Some(allow_assume(&role_arn("Target"))), None, &[])
        .user("bob", Some(allow_assume("*")), None, &[])
        .role("Target", trust_aws(ACCT), None)
        .build();
    let g = TrustGraph::build(&account);
    let r = who(&account, &g, "Target");
    assert_eq!(
        direct(&r),
        vec![
            (user_arn("alice"), AssumerKind::User, Status::Always),
            (user_arn("bob"), AssumerKind::User, Status::Always),
        ]
    );
    assert!(
        r.assumers[0].reason.contains("trusts account"),
        "{}",
        r.assumers[0].reason
    );
}

#[test]
fn trust_naming_a_user_directly_needs_no_identity_permission() {
    let account = Builder::default()
        .user("alice", None, None, &[])
        .role("Target", trust_aws(&user_arn("alice")), None)
        .build();
    let g = TrustGraph::build(&account);
    let r = who(&account, &g, "Target");
    assert_eq!(
        direct(&r),
        vec![(user_arn("alice"), AssumerKind::User, Status::Always)]
    );
    assert!(
        r.assumers[0].reason.contains("names alice directly"),
        "{}",
        r.assumers[0].reason
    );
}

#[test]
fn explicit_deny_in_the_boundary_is_never_with_the_reason() {
    let deny = doc(json!([
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Sid": "NoRoleHopping", "Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"}
    ]));
    let account = Builder::default()
        .policy("NoAssume", deny)
        .user("alice", Some(allow_assume("*")), Some("NoAssume"), &[])
        .user("bob", Some(allow_assume("*")), None, &[])
        .role("Named", trust_aws(&user_arn("alice")), None)
        .role("Delegated", trust_aws(ACCT), None)
        // A condition on the request: the pair is evaluated with unknowns.
        .role("DelegatedWithMfa", trust_with_mfa(ACCT), None)
        .build();
    let g = TrustGraph::build(&account);
    for target in ["Named", "Delegated", "DelegatedWithMfa"] {
        let r = who(&account, &g, target);
        let a = r
            .assumers
            .iter()
            .find(|a| a.principal == user_arn("alice"))
            .unwrap();
        assert_eq!(a.status, Status::Never, "{target}");
        assert!(
            a.reason
                .contains("explicit deny in the permissions boundary")
                && a.reason.contains("NoRoleHopping"),
            "{}",
            a.reason
        );
        // Never edges are not paths: alice reaches nothing through them.
        assert!(
            r.assumers
                .iter()
                .all(|x| x.via.is_empty() || x.principal != user_arn("alice"))
        );
    }
    // bob, without the boundary, is an ordinary assumer of the delegated role.
    let r = who(&account, &g, "Delegated");
    assert!(direct(&r).contains(&(user_arn("bob"), AssumerKind::User, Status::Always)));
    // --hide-never leaves the explanations out.
    let opts = PathOptions {
        include_never: false,
        ..PathOptions::default()
    };
    let r = g.who_can_assume(&account, role(&account, "Named"), &opts);
    assert!(r.assumers.is_empty(), "{:#?}", r.assumers);
}

#[test]
fn mfa_condition_makes_the_edge_conditional() {
    let trust = doc(
        json!([{"Effect": "Allow", "Principal": {"AWS": user_arn("alice")},
        "Action": "sts:AssumeRole", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]),
    );
    let account = Builder::default()
        .user("alice", None, None, &[])
        .role("Admin", trust, None)
        .build();
    let g = TrustGraph::build(&account);
    let r = who(&account, &g, "Admin");
    assert_eq!(
        direct(&r),
        vec![(user_arn("alice"), AssumerKind::User, Status::Conditional)]
    );
    let c = &r.assumers[0].conditions;
    assert_eq!(c.len(), 1);
    assert_eq!(
        (c[0].operator.as_str(), c[0].key.as_str()),
        ("Bool", "aws:MultiFactorAuthPresent")
    );
    assert_eq!(c[0].values, vec!["true"]);
    assert_eq!(c[0].description, "the caller signed in with MFA");
}

#[test]
fn mfa_deny_in_identity_policy_reads_as_must_not() {
    // The usual "deny everything without MFA" guard: the edge holds unless MFA is absent.
    let identity = doc(json!([
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"},
        {"Effect": "Deny", "Action": "*", "Resource": "*",
         "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}
    ]));
    let account = Builder::default()
        .user("alice", Some(identity), None, &[])
        .role("Target", trust_aws(ACCT), None)
        .build();
    let g = TrustGraph::build(&account);
    let r = who(&account, &g, "Target");
    let a = &r.assumers[0];
    assert_eq!(a.status, Status::Conditional);
    assert!(a.conditions[0].negated, "{:?}", a.conditions);
    assert!(
        a.conditions[0].description.starts_with("NOT ("),
        "{}",
        a.conditions[0].description
    );
}

#[test]
fn tag_and_path_based_trust_is_evaluated() {
    let by_tag = doc(
        json!([{"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ACCT}:root")},
        "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"aws:PrincipalTag/team": "payments"}}}]),
    );
    let by_path = doc(
        json!([{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
        "Condition": {"ArnLike": {"aws:PrincipalArn": format!("arn:aws:iam::{ACCT}:role/ci/*")}}}]),
    );
    let account = Builder::default()
        .user("pat", Some(allow_assume("*")), None, &[("team", "payments")])
        .user("wes", Some(allow_assume("*")), None, &[("team", "web")])
        .role("PaymentsAdmin", by_tag, None)
        .role("CiOnly", by_path, None)
        .role("ci/Runner", doc(json!([{"Effect": "Allow", "Principal": {"Service": "codebuild.amazonaws.com"}, "Action": "sts:AssumeRole"}])), None)
        .role("Other", doc(json!([{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}])), None)
        .build();
    let g = TrustGraph::build(&account);
    let r = who(&account, &g, "PaymentsAdmin");
    assert_eq!(
        direct(&r),
        vec![(user_arn("pat"), AssumerKind::User, Status::Always)]
    );
    let a = g.assess(
        &account,
        principal(&account, "wes"),
        role(&account, "PaymentsAdmin"),
    );
    assert_eq!(a.status, Status::Never);

    let r = who(&account, &g, "CiOnly");
    let d = direct(&r);
    // The runner role's ARN matches the path pattern: decided, not conditional.
    assert!(
        d.contains(&(role_arn("ci/Runner"), AssumerKind::Role, Status::Always)),
        "{d:?}"
    );
    // Principals of this account outside /ci/ are not assumers.
    assert!(
        !d.iter()
            .any(|(p, _, _)| *p == role_arn("Other") || *p == user_arn("pat")),
        "{d:?}"
    );
    // Anyone else: conditional on the caller's ARN.
    let anyone = r
        .assumers
        .iter()
        .find(|a| a.kind == AssumerKind::Anyone)
        .unwrap();
    assert_eq!(anyone.status, Status::Conditional);
    assert_eq!(anyone.conditions[0].key, "aws:PrincipalArn");
    // And codebuild reaches CiOnly through the runner role.
    assert!(
        r.assumers
            .iter()
            .any(|a| a.principal == "codebuild.amazonaws.com"
                && a.via == vec![role_arn("ci/Runner")])
    );
}

#[test]
fn wildcard_role_grants_expand_to_the_roles_whose_trust_allows() {
    let account = Builder::default()
        .user("dev", Some(allow_assume(&format!("arn:aws:iam::{ACCT}:role/team-*"))), None, &[])
        .role("team-a", trust_aws(ACCT), None)
        .role("team-b", trust_aws(ACCT), None)
        .role("team-c", doc(json!([{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}])), None)
        .role("prod-admin", trust_aws(ACCT), None)
        .build();
    let g = TrustGraph::build(&account);
    let dev = g.principal_node(principal(&account, "dev"));
    let r = g.can_assume(&account, dev, &PathOptions::default());
    let names: Vec<(&str, Status)> = r
        .roles
        .iter()
        .map(|x| (x.role_name.as_str(), x.status))
        .collect();
    assert_eq!(
        names,
        vec![("team-a", Status::Always), ("team-b", Status::Always)]
    );
}

#[test]
fn three_hop_chain_is_found_both_ways() {
    // alice → A → B → C, each hop by a trust naming the previous principal.
    let account = Builder::default()
        .user("alice", None, None, &[])
        .role("A", trust_aws(&user_arn("alice")), Some(allow_assume("*")))
        .role("B", trust_aws(&role_arn("A")), Some(allow_assume("*")))
        .role("C", trust_aws(&role_arn("B")), None)
        .build();
    let g = TrustGraph::build(&account);
    let r = who(&account, &g, "C");
    let alice = r
        .assumers
        .iter()
        .find(|a| a.principal == user_arn("alice"))
        .unwrap();
    assert_eq!(alice.via, vec![role_arn("A"), role_arn("B")]);
    assert_eq!(alice.status, Status::Always);
    assert_eq!(alice.steps.len(), 3);
    assert!(
        alice.reason.contains("alice → A → B → C"),
        "{}",
        alice.reason
    );
    let a = r
        .assumers
        .iter()
        .find(|a| a.principal == role_arn("A"))
        .unwrap();
    assert_eq!(a.via, vec![role_arn("B")]);
    assert_eq!(
        direct(&r),
        vec![(role_arn("B"), AssumerKind::Role, Status::Always)]
    );

    let node = g.principal_node(principal(&account, "alice"));
    let c = g.can_assume(&account, node, &PathOptions::default());
    let got: Vec<(&str, Vec<String>)> = c
        .roles
        .iter()
        .map(|x| (x.role_name.as_str(), x.via.clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("A", vec![]),
            ("B", vec![role_arn("A")]),
            ("C", vec![role_arn("A"), role_arn("B")]),
        ]
    );
    // Direct only: just A.
    let opts = PathOptions {
        direct_only: true,
        ..PathOptions::default()
    };
    assert_eq!(g.can_assume(&account, node, &opts).roles.len(), 1);
}

#[test]
fn every_shortest_path_is_kept_and_conditions_add_up() {
    let mfa_trust = |p: &str| {
        doc(
            json!([{"Effect": "Allow", "Principal": {"AWS": p}, "Action": "sts:AssumeRole",
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]),
        )
    };
    let account = Builder::default()
        .user("alice", None, None, &[])
        .role("A", mfa_trust(&user_arn("alice")), Some(allow_assume("*")))
        .role("B", trust_aws(&user_arn("alice")), Some(allow_assume("*")))
        .role("C", doc(json!([{"Effect": "Allow", "Principal": {"AWS": [role_arn("A"), role_arn("B")]}, "Action": "sts:AssumeRole"}])), None)
        .build();
    let g = TrustGraph::build(&account);
    let r = who(&account, &g, "C");
    let paths: Vec<(&Vec<String>, Status)> = r
        .assumers
        .iter()
        .filter(|a| a.principal == user_arn("alice"))
        .map(|a| (&a.via, a.status))
        .collect();
    assert_eq!(
        paths,
        vec![
            (&vec![role_arn("A")], Status::Conditional),
            (&vec![role_arn("B")], Status::Always),
        ]
    );
    let via_a = r
        .assumers
        .iter()
        .find(|a| a.via == vec![role_arn("A")])
        .unwrap();
    assert_eq!(via_a.conditions[0].key, "aws:MultiFactorAuthPresent");
    // The cap on paths per pair is reported.
    let opts = PathOptions {
        max_paths: 1,
        ..PathOptions::default()
    };
    let r = g.who_can_assume(&account, role(&account, "C"), &opts);
    assert_eq!(r.truncated_pairs, 1);
}

#[test]
fn a_boundary_without_sts_limits_delegation_but_not_a_trust_naming_the_user() {
    // "an implicit deny in ... a permissions boundary ... does not impact the final decision"
    // when a resource-based policy names the user ARN (IAM User Guide, "Policy evaluation
    // logic"); a trust naming only the account needs the identity side, boundary included.
    let boundary = doc(json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]));
    let account = Builder::default()
        .policy("S3Only", boundary)
        .user("alice", Some(allow_assume("*")), Some("S3Only"), &[])
        .role("Named", trust_aws(&user_arn("alice")), None)
        .role("Delegated", trust_aws(ACCT), None)
        .build();
    let g = TrustGraph::build(&account);
    let r = who(&account, &g, "Named");
    assert_eq!(
        direct(&r),
        vec![(user_arn("alice"), AssumerKind::User, Status::Always)]
    );
    let r = who(&account, &g, "Delegated");
    assert!(direct(&r).is_empty(), "{:#?}", r.assumers);
    let a = g.assess(
        &account,
        principal(&account, "alice"),
        role(&account, "Delegated"),
    );
    assert_eq!(a.status, Status::Never);
    assert!(a.reason.contains("permissions boundary"), "{}", a.reason);
}

// ---------------------------------------------------------------------------------------
// The graph against one evaluation per pair.
// ---------------------------------------------------------------------------------------

/// Every pair the graph keeps has the status (and conditions) of a fresh evaluation with all
/// the principal's policies and the whole trust policy; every pair it leaves out is `never`.
fn agrees_with_pairwise(account: &Account) {
    // With the account compiled up front, `assess` does not compile each principal again.
    let compiled = iamscope::analysis::principal::CompiledAccount::new(account);
    let g = TrustGraph::build_with(account, compiled);
    let principals: Vec<Principal> = Principal::all(account).collect();
    for (r, _) in account.roles.iter().enumerate() {
        let role = RoleId(r as u32);
        for p in &principals {
            let a = g.assess(account, *p, role);
            match g.edge(g.principal_node(*p), role) {
                Some(e) => {
                    let info = g.info(e);
                    assert_eq!(
                        (info.status, &info.conditions),
                        (a.status, &a.conditions),
                        "{} → {}",
                        p.name(account),
                        account.role(role).name
                    );
                }
                None => assert_eq!(
                    a.status,
                    Status::Never,
                    "{} → {} missing from the graph: {}",
                    p.name(account),
                    account.role(role).name,
                    a.reason
                ),
            }
        }
    }
}

#[test]
fn the_graph_agrees_with_pairwise_evaluation_on_the_demo() {
    agrees_with_pairwise(&iamscope::source::demo::account().unwrap());
}

#[test]
fn the_graph_agrees_with_pairwise_evaluation_on_a_generated_account() {
    // 200 principals from the load generator: trusts naming the account root (with and
    // without tag conditions), users with MFA conditions, roles, other accounts, wildcard
    // grants, boundaries. Skipped without python3.
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join("trust-account-200.json");
    if !path.exists() {
        let script =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/gen_account.py");
        let status = std::process::Command::new("python3")
            .arg(script)
            .args(["--principals", "200", "--seed", "7", "--out"])
            .arg(&path)
            .status();
        match status {
            Ok(s) if s.success() => {}
            other => {
                eprintln!("skipped: python3 scripts/gen_account.py failed: {other:?}");
                return;
            }
        }
    }
    let account = iamscope::source::read_file(&path).unwrap();
    agrees_with_pairwise(&account);
    let g = TrustGraph::build(&account);
    eprintln!("{} edges; {:?}", g.edges().len(), g.stats());
    assert!(g.stats().shared_answers > 0, "{:?}", g.stats());
}
