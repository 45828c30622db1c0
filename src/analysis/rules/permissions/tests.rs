//! Every permission rule: a case that fires and one that must not.

use serde_json::{Value, json};

use super::super::test_support::*;
use super::*;
use crate::source::demo;

const ACCT: &str = "123456789012";

fn doc(statements: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn managed(name: &str, document: Value) -> Value {
    json!({
        "PolicyName": name, "PolicyId": format!("ANPA{name}"), "Arn": format!("arn:aws:iam::{ACCT}:policy/{name}"),
        "Path": "/", "DefaultVersionId": "v1", "AttachmentCount": 1, "PermissionsBoundaryUsageCount": 0,
        "IsAttachable": true,
        "PolicyVersionList": [{"Document": document, "VersionId": "v1", "IsDefaultVersion": true}]
    })
}

/// A user with `inline` policies and `attached` managed policies (name, document).
fn account_with(inline: Vec<Value>, attached: Vec<(&str, Value)>) -> Account {
    let mut u = user("u");
    u["UserPolicyList"] = Value::Array(
        inline
            .into_iter()
            .enumerate()
            .map(|(i, d)| json!({"PolicyName": format!("inline{i}"), "PolicyDocument": d}))
            .collect(),
    );
    u["AttachedManagedPolicies"] = Value::Array(
        attached
            .iter()
            .map(|(n, _)| json!({"PolicyName": n, "PolicyArn": format!("arn:aws:iam::{ACCT}:policy/{n}")}))
            .collect(),
    );
    account(json!({
        "iamscope": {"format_version": 1, "account_id": ACCT, "partition": "aws", "fetched_at": NOW},
        "UserDetailList": [u], "GroupDetailList": [], "RoleDetailList": [],
        "Policies": attached.into_iter().map(|(n, d)| managed(n, d)).collect::<Vec<_>>()
    }))
}

fn fires(rule: &dyn super::super::Rule, statement: Value) -> Vec<Finding> {
    run(rule, &account_with(vec![doc(json!([statement]))], vec![]))
}

#[test]
fn admin_access_fires_for_the_demo_admins_only() {
    let a = demo::account().unwrap();
    let f = run(&AdminAccess, &a);
    let names: Vec<&str> = f
        .iter()
        .map(|f| f.title.split(' ').next().unwrap())
        .collect();
    assert_eq!(names, vec!["ci-deploy", "LegacyAdminRole"]);
    assert_eq!(f[0].severity, Severity::Critical);
    assert_eq!(
        &*f[0].evidence[0].policy,
        "arn:aws:iam::aws:policy/AdministratorAccess"
    );
    // Allow everything, deny everything: not an administrator.
    let denied = account_with(
        vec![doc(
            json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]),
        )],
        vec![(
            "DenyAll",
            doc(json!([{"Effect": "Deny", "Action": "*", "Resource": "*"}])),
        )],
    );
    assert!(run(&AdminAccess, &denied).is_empty());
}

#[test]
fn action_resource_star() {
    let f = fires(
        &ActionResourceStar,
        json!({"Effect": "Allow", "Action": "*", "Resource": "*"}),
    );
    assert_eq!(f.len(), 1);
    assert_eq!(
        f[0].id,
        "wildcard.action-resource-star:arn:aws:iam::123456789012:user/u#inline0"
    );
    assert_eq!(
        f[0].principal_arn.as_deref(),
        Some("arn:aws:iam::123456789012:user/u")
    );
    // The demo's LegacyFullAccess is a customer managed policy: the finding names it.
    let f = run(&ActionResourceStar, &demo::account().unwrap());
    assert_eq!(f.len(), 1);
    assert_eq!(
        f[0].policy_arn.as_deref(),
        Some("arn:aws:iam::123456789012:policy/LegacyFullAccess")
    );
    assert!(
        f[0].detail.contains("role LegacyAdminRole"),
        "{}",
        f[0].detail
    );
    // Not on a named resource, not in a Deny.
    assert!(
        fires(
            &ActionResourceStar,
            json!({"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b/*"})
        )
        .is_empty()
    );
    assert!(
        fires(
            &ActionResourceStar,
            json!({"Effect": "Deny", "Action": "*", "Resource": "*"})
        )
        .is_empty()
    );
}

#[test]
fn service_wildcards() {
    let f = fires(
        &ServiceWildcard,
        json!({"Effect": "Allow", "Action": ["s3:*", "sqs:SendMessage"], "Resource": "*"}),
    );
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::Medium);
    let f = fires(
        &ServiceWildcard,
        json!({"Effect": "Allow", "Action": "iam:*", "Resource": "*"}),
    );
    assert_eq!(f[0].severity, Severity::High);
    assert!(
        fires(
            &ServiceWildcard,
            json!({"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*"})
        )
        .is_empty()
    );
    assert!(
        fires(
            &ServiceWildcard,
            json!({"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"})
        )
        .is_empty()
    );
    // A policy used only as a boundary grants nothing: the demo's DeveloperBoundary.
    assert!(run(&ServiceWildcard, &demo::account().unwrap()).is_empty());
}

#[test]
fn not_action_and_not_resource_with_allow() {
    let f = fires(
        &NotActionAllow,
        json!({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}),
    );
    assert_eq!(f.len(), 1);
    assert!(f[0].detail.contains("iam:*"));
    assert!(
        fires(
            &NotActionAllow,
            json!({"Effect": "Deny", "NotAction": "iam:*", "Resource": "*"})
        )
        .is_empty()
    );
    let f = fires(
        &NotResourceAllow,
        json!({"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::secret/*"}),
    );
    assert_eq!(f.len(), 1);
    assert!(
        fires(
            &NotResourceAllow,
            json!({"Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::ok/*"})
        )
        .is_empty()
    );
}

#[test]
fn passrole_on_any_role_or_any_service() {
    let f = run(&PassRoleAnyRole, &demo::account().unwrap());
    assert_eq!(f.len(), 1);
    assert_eq!(
        f[0].policy_arn.as_deref(),
        Some("arn:aws:iam::123456789012:policy/DeployHelpers")
    );
    assert_eq!(f[0].evidence[0].statement.to_string(), "PassAnyRole");
    assert_eq!(f[0].severity, Severity::High);
    let guarded = fires(
        &PassRoleAnyRole,
        json!({"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::123456789012:role/*",
        "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}}),
    );
    assert_eq!(guarded[0].severity, Severity::Medium);
    // GitHubDeployPolicy names its roles and the service: neither rule.
    assert!(run(&PassRoleAnyService, &demo::account().unwrap()).is_empty());
    let f = fires(
        &PassRoleAnyService,
        json!({"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::123456789012:role/App"}),
    );
    assert_eq!(f.len(), 1);
    assert!(fires(&PassRoleAnyRole, json!({"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::123456789012:role/App"})).is_empty());
}

#[test]
fn unconstrained_classes() {
    let f = fires(
        &DataExfiltration,
        json!({"Effect": "Allow", "Action": ["s3:GetObject", "secretsmanager:GetSecretValue"], "Resource": "*"}),
    );
    assert_eq!(f.len(), 1);
    assert!(f[0].detail.contains("s3:GetObject"), "{}", f[0].detail);
    assert!(
        fires(
            &DataExfiltration,
            json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"})
        )
        .is_empty()
    );

    assert_eq!(
        fires(
            &ResourceExposure,
            json!({"Effect": "Allow", "Action": "s3:PutBucketPolicy", "Resource": "*"})
        )
        .len(),
        1
    );
    assert!(
        fires(
            &ResourceExposure,
            json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"})
        )
        .is_empty()
    );

    assert_eq!(
        fires(
            &CredentialsExposure,
            json!({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"})
        )
        .len(),
        1
    );
    // Wildcard-only actions cannot be constrained: not a finding.
    assert!(
        fires(
            &CredentialsExposure,
            json!({"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"})
        )
        .is_empty()
    );

    assert_eq!(
        fires(
            &InfrastructureModification,
            json!({"Effect": "Allow", "Action": "ec2:TerminateInstances", "Resource": "*"})
        )
        .len(),
        1
    );
    assert!(fires(&InfrastructureModification, json!({"Effect": "Allow", "Action": "ec2:TerminateInstances", "Resource": "arn:aws:ec2:us-east-1:123456789012:instance/i-1"})).is_empty());
    // `*` statements belong to the wildcard rule.
    assert!(
        fires(
            &InfrastructureModification,
            json!({"Effect": "Allow", "Action": "*", "Resource": "*"})
        )
        .is_empty()
    );

    // None of these on the demo's well-scoped policies.
    let a = demo::account().unwrap();
    for rule in [
        &DataExfiltration as &dyn super::super::Rule,
        &ResourceExposure,
        &CredentialsExposure,
        &InfrastructureModification,
    ] {
        assert!(run(rule, &a).is_empty(), "{}", rule.id());
    }
}

fn ecs_role(name: &str, statements: Value, attached: &[&str]) -> Value {
    let mut r = role(name, trust_service("ecs-tasks.amazonaws.com"));
    r["RolePolicyList"] = json!([{"PolicyName": "p", "PolicyDocument": doc(statements)}]);
    r["AttachedManagedPolicies"] = Value::Array(
        attached
            .iter()
            .map(|a| json!({"PolicyName": a, "PolicyArn": format!("arn:aws:iam::aws:policy/service-role/{a}")}))
            .collect(),
    );
    r
}

#[test]
fn ecs_task_and_execution_roles_keep_to_their_jobs() {
    let task_logs = ecs_role(
        "AppTaskRole",
        json!([{"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "*"}]),
        &[],
    );
    let task_ok = ecs_role(
        "CleanTaskRole",
        json!([{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}]),
        &[],
    );
    let exec_app = ecs_role(
        "appExecutionRole",
        json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data/*"}]),
        &[],
    );
    let exec_ok = ecs_role(
        "okExecutionRole",
        json!([{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]),
        &[],
    );
    let a = accounts(vec![], vec![task_logs, task_ok, exec_app, exec_ok]);
    let f = run(&EcsRoleMixup, &a);
    let titles: Vec<&str> = f.iter().map(|f| f.title.as_str()).collect();
    assert_eq!(
        titles,
        vec![
            "task role AppTaskRole holds execution-role permissions",
            "execution role appExecutionRole holds application permissions"
        ]
    );
    assert!(f[1].detail.contains("s3:GetObject"), "{}", f[1].detail);
    // The demo's task and execution roles are well scoped.
    assert!(run(&EcsRoleMixup, &demo::account().unwrap()).is_empty());
}
