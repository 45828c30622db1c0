//! The explainer on the demo account and on a small purpose-built account
//! (`tests/data/explain/account.json`): every cause kind — an explicit deny in identity,
//! boundary, SCP, RCP, resource and session policies; a missing allow in identity, boundary,
//! SCP, cross-account resource, trust and session policies — with the fix for each.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use iamscope::analysis::explain::{
    Agreement, ExplainError, ExplainOptions, Explanation, FixChange, LabeledPolicy,
    apply_decoded_message, explain, parse_message,
};
use iamscope::eval::{CauseKind, ContextValue, Decision, LayerKind};
use iamscope::model::Account;
use iamscope::policy::Policy;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/explain")
        .join(name)
}

fn small() -> Account {
    iamscope::source::read_file(&data("account.json")).unwrap()
}

fn demo() -> Account {
    iamscope::source::demo::account().unwrap()
}

fn policy(name: &str) -> LabeledPolicy {
    let text = std::fs::read_to_string(data(name)).unwrap();
    LabeledPolicy {
        label: name.to_owned(),
        id: None,
        document: Policy::from_json(&text).unwrap(),
    }
}

fn run(account: &Account, text: &str, options: &ExplainOptions) -> Explanation {
    let parsed = parse_message(text).unwrap_or_else(|e| panic!("{e}"));
    explain(account, &parsed, options).unwrap_or_else(|e| panic!("{e}"))
}

/// (kind, layer, policy, statement) of every cause.
fn causes(e: &Explanation) -> Vec<(CauseKind, LayerKind, Option<&str>, Option<&str>)> {
    e.causes
        .iter()
        .map(|c| (c.kind, c.layer, c.policy.as_deref(), c.statement.as_deref()))
        .collect()
}

/// The fix never widens to `*` when the request names an action and a resource.
fn assert_least_privilege(e: &Explanation) {
    for f in &e.fixes {
        if f.change != FixChange::AddAllow {
            continue;
        }
        let action = f.statement["Action"].as_str().unwrap();
        assert!(!action.contains('*'), "{action}");
        assert_eq!(action, e.action);
        let resource = f.statement["Resource"].as_str().unwrap();
        assert_eq!(resource, e.resource);
        assert!(!f.cli.is_empty());
    }
}

const DEV: &str = "arn:aws:iam::111122223333:user/engineering/dev";
const APP_SESSION: &str = "arn:aws:sts::111122223333:assumed-role/AppRole/task-1";
const APP_ROLE: &str = "arn:aws:iam::111122223333:role/service-role/app/AppRole";
const GUARDRAILS: &str =
    "arn:aws:organizations::999988887777:policy/o-exampleorg/service_control_policy/p-guardrails1";

// ---- Explicit denies ----

#[test]
fn explicit_deny_in_identity_policy_on_demo() {
    let e = run(
        &demo(),
        "An error occurred (AccessDenied) when calling the DeleteObject operation: User: arn:aws:iam::123456789012:user/alice is not authorized to perform: s3:DeleteObject on resource: \"arn:aws:s3:::my-app-prod-data/reports/q3.csv\" with an explicit deny in an identity-based policy",
        &ExplainOptions::default(),
    );
    assert_eq!(e.decision, Decision::ExplicitDeny);
    assert_eq!(e.principal_arn, "arn:aws:iam::123456789012:user/alice");
    assert_eq!(e.session_arn, None);
    assert_eq!(
        causes(&e),
        vec![(
            CauseKind::ExplicitDeny,
            LayerKind::Identity,
            Some("DenyProdDataDelete"),
            Some("DenyProdDataDelete")
        )]
    );
    assert_eq!(
        e.causes[0].attached_to.as_deref(),
        Some("inline policy of group Developers")
    );
    assert_eq!(e.message.agreement, Agreement::Agrees);
    let fix = e.fix.as_ref().unwrap();
    assert_eq!(fix.change, FixChange::RemoveDeny);
    assert_eq!(fix.target, "DenyProdDataDelete");
    assert_eq!(fix.statement["Effect"], "Deny");
    assert!(
        fix.cli[0].contains("--group-name 'Developers'"),
        "{:?}",
        fix.cli
    );
}

#[test]
fn explicit_deny_in_customer_managed_policy() {
    let e = run(
        &small(),
        &format!(
            "User: {DEV} is not authorized to perform: s3:PutObject on resource: \"arn:aws:s3:::prod-data/x\" with an explicit deny in an identity-based policy"
        ),
        &ExplainOptions::default(),
    );
    assert_eq!(
        causes(&e),
        vec![(
            CauseKind::ExplicitDeny,
            LayerKind::Identity,
            Some("arn:aws:iam::111122223333:policy/DenyProdWrites"),
            Some("NoProdWrites")
        )]
    );
    let fix = e.fix.as_ref().unwrap();
    assert!(
        fix.cli[0].starts_with("aws iam detach-user-policy --user-name 'dev'"),
        "the policy's only statement: detach it: {:?}",
        fix.cli
    );
}

#[test]
fn explicit_deny_in_permissions_boundary_on_demo() {
    let e = run(
        &demo(),
        "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::123456789012:user/eve with an explicit deny in a permissions boundary",
        &ExplainOptions::default(),
    );
    assert_eq!(
        causes(&e),
        vec![(
            CauseKind::ExplicitDeny,
            LayerKind::PermissionsBoundary,
            Some("arn:aws:iam::123456789012:policy/DeveloperBoundary"),
            Some("NoIam")
        )]
    );
    let fix = e.fix.as_ref().unwrap();
    assert_eq!(fix.layer, LayerKind::PermissionsBoundary);
    assert!(
        fix.cli[0].contains("create-policy-version"),
        "{:?}",
        fix.cli
    );
}

#[test]
fn explicit_deny_in_scp_from_the_snapshot() {
    let e = run(
        &small(),
        &format!(
            "User: {APP_SESSION} is not authorized to perform: ec2:RunInstances on resource: arn:aws:ec2:us-east-1:111122223333:instance/* with an explicit deny in a service control policy"
        ),
        &ExplainOptions::default(),
    );
    assert_eq!(e.principal_arn, APP_ROLE, "the role ARN, with its path");
    assert_eq!(e.session_arn.as_deref(), Some(APP_SESSION));
    assert_eq!(
        causes(&e),
        vec![(
            CauseKind::ExplicitDeny,
            LayerKind::Scp,
            Some(GUARDRAILS),
            Some("DenyOtherRegions")
        )]
    );
    assert_eq!(e.causes[0].level, Some(2));
    let fix = e.fix.as_ref().unwrap();
    assert!(fix.owner.contains("management account"), "{}", fix.owner);
    assert!(
        fix.cli[0].contains("--policy-id p-guardrails1"),
        "{:?}",
        fix.cli
    );
    // The region decided: the condition says so.
    assert!(
        e.conditions
            .iter()
            .any(|c| c.key == "aws:RequestedRegion" && c.holds),
        "{:?}",
        e.conditions
    );
}

#[test]
fn explicit_deny_in_rcp() {
    // rcps.json is a file of levels, as --rcps takes it.
    let levels: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(data("rcps.json")).unwrap()).unwrap();
    let rcp = LabeledPolicy {
        label: "rcps.json".into(),
        id: None,
        document: Policy::from_value(&levels[0][0]).unwrap(),
    };
    let options = ExplainOptions {
        rcps: vec![vec![rcp]],
        ..ExplainOptions::default()
    };
    let e = run(
        &small(),
        &format!(
            "User: {APP_SESSION} is not authorized to perform: s3:PutObject on resource: \"arn:aws:s3:::app-bucket/k\" with an explicit deny in a resource control policy"
        ),
        &options,
    );
    assert_eq!(
        causes(&e),
        vec![(
            CauseKind::ExplicitDeny,
            LayerKind::Rcp,
            Some("rcps.json"),
            Some("DenyUnencryptedUploads")
        )]
    );
    assert_eq!(e.message.agreement, Agreement::Agrees);
}

#[test]
fn explicit_deny_in_resource_policy() {
    let options = ExplainOptions {
        resource_policy: Some(policy("app-bucket-policy.json")),
        ..ExplainOptions::default()
    };
    let e = run(
        &small(),
        &format!(
            "User: {APP_SESSION} is not authorized to perform: s3:GetObject on resource: \"arn:aws:s3:::app-bucket/secret/k\" with an explicit deny in a resource-based policy"
        ),
        &options,
    );
    assert_eq!(
        causes(&e),
        vec![(
            CauseKind::ExplicitDeny,
            LayerKind::Resource,
            Some("app-bucket-policy.json"),
            Some("NoSecrets")
        )]
    );
    let fix = e.fix.as_ref().unwrap();
    assert!(
        fix.cli[0].starts_with("aws s3api put-bucket-policy --bucket 'app-bucket'"),
        "{:?}",
        fix.cli
    );
}

#[test]
fn explicit_deny_in_session_policy() {
    let options = ExplainOptions {
        session_policy: Some(policy("session-policy.json")),
        ..ExplainOptions::default()
    };
    let e = run(
        &small(),
        &format!(
            "User: {APP_SESSION} is not authorized to perform: secretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf with an explicit deny in a session policy"
        ),
        &options,
    );
    assert_eq!(
        causes(&e),
        vec![(
            CauseKind::ExplicitDeny,
            LayerKind::Session,
            Some("session-policy.json"),
            Some("NoSecretsInThisSession")
        )]
    );
    assert!(e.fix.as_ref().unwrap().cli[0].starts_with("aws sts assume-role"));
}

#[test]
fn explicit_deny_that_depends_on_mfa() {
    let e = run(
        &small(),
        "User: arn:aws:iam::111122223333:user/ops is not authorized to perform: ec2:StopInstances on resource: arn:aws:ec2:eu-west-1:111122223333:instance/i-123 with an explicit deny in an identity-based policy: arn:aws:iam::111122223333:policy/RequireMfa",
        &ExplainOptions::default(),
    );
    assert_eq!(e.decision, Decision::ExplicitDeny);
    assert_eq!(e.causes[0].statement.as_deref(), Some("DenyWithoutMfa"));
    assert!(
        e.fix
            .as_ref()
            .unwrap()
            .summary
            .contains("applies only when aws:MultiFactorAuthPresent")
    );
    assert!(
        e.assumptions
            .iter()
            .any(|a| a.contains("MultiFactorAuthPresent"))
    );
    // With MFA the same request is allowed: the snapshot no longer agrees with the message.
    let options = ExplainOptions {
        context: vec![(
            "aws:MultiFactorAuthPresent".into(),
            ContextValue::Single("true".into()),
        )],
        ..ExplainOptions::default()
    };
    let e = run(
        &small(),
        "User: arn:aws:iam::111122223333:user/ops is not authorized to perform: ec2:StopInstances on resource: arn:aws:ec2:eu-west-1:111122223333:instance/i-123 with an explicit deny in an identity-based policy: arn:aws:iam::111122223333:policy/RequireMfa",
        &options,
    );
    assert_eq!(e.decision, Decision::Allow);
    assert_eq!(e.message.agreement, Agreement::Differs);
    assert!(e.fix.is_none());
}

// ---- Missing allows ----

#[test]
fn missing_allow_in_identity_for_a_role_session_on_demo() {
    let e = run(
        &demo(),
        "User: arn:aws:sts::123456789012:assumed-role/MyAppTaskRole/ecs-task-1 is not authorized to perform: s3:PutObject on resource: \"arn:aws:s3:::my-app-prod-data/x.csv\" because no identity-based policy allows the s3:PutObject action",
        &ExplainOptions::default(),
    );
    assert_eq!(e.decision, Decision::ImplicitDeny);
    assert_eq!(
        e.principal_arn,
        "arn:aws:iam::123456789012:role/MyAppTaskRole"
    );
    assert_eq!(
        causes(&e),
        vec![(CauseKind::MissingAllow, LayerKind::Identity, None, None)]
    );
    let fix = e.fix.as_ref().unwrap();
    assert_eq!(fix.target, "arn:aws:iam::123456789012:role/MyAppTaskRole");
    assert!(fix.cli[0].starts_with("aws iam put-role-policy --role-name 'MyAppTaskRole'"));
    assert_least_privilege(&e);
}

#[test]
fn missing_allow_in_identity_with_a_conditional_allow() {
    let e = run(
        &small(),
        &format!(
            "User: {DEV} is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:eu-west-1:111122223333:table/orders because no identity-based policy allows the dynamodb:PutItem action"
        ),
        &ExplainOptions::default(),
    );
    assert_eq!(
        causes(&e),
        vec![(CauseKind::MissingAllow, LayerKind::Identity, None, None)]
    );
    let ip = e
        .conditions
        .iter()
        .find(|c| c.key == "aws:SourceIp")
        .expect("the IP condition decided");
    assert_eq!(ip.policy_values, vec!["10.0.0.0/8"]);
    assert_eq!(ip.request_values, None);
    assert!(
        ip.text.contains("pass --context aws:SourceIp"),
        "{}",
        ip.text
    );
    assert!(
        e.fix
            .as_ref()
            .unwrap()
            .summary
            .contains("already allows it when aws:SourceIp")
    );
    assert_least_privilege(&e);
    // From the office network it is allowed.
    let options = ExplainOptions {
        context: vec![(
            "aws:SourceIp".into(),
            ContextValue::Single("10.1.2.3".into()),
        )],
        ..ExplainOptions::default()
    };
    let e = run(
        &small(),
        &format!(
            "User: {DEV} is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:eu-west-1:111122223333:table/orders because no identity-based policy allows the dynamodb:PutItem action"
        ),
        &options,
    );
    assert_eq!(e.decision, Decision::Allow);
    assert!(!e.likely_reasons.is_empty());
}

#[test]
fn missing_allow_in_permissions_boundary() {
    let e = run(
        &small(),
        &format!(
            "User: {DEV} is not authorized to perform: sns:Publish on resource: arn:aws:sns:eu-west-1:111122223333:alerts because no permissions boundary allows the sns:Publish action"
        ),
        &ExplainOptions::default(),
    );
    assert_eq!(
        causes(&e),
        vec![(
            CauseKind::MissingAllow,
            LayerKind::PermissionsBoundary,
            Some("arn:aws:iam::111122223333:policy/DevBoundary"),
            None
        )]
    );
    let fix = e.fix.as_ref().unwrap();
    assert_eq!(fix.target, "arn:aws:iam::111122223333:policy/DevBoundary");
    // The whole boundary after the change keeps what it had.
    let doc = fix.document.as_ref().unwrap();
    assert_eq!(doc["Statement"].as_array().unwrap().len(), 3);
    assert_least_privilege(&e);
}

#[test]
fn missing_allow_in_boundary_on_demo() {
    let e = run(
        &demo(),
        "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: elasticloadbalancing:CreateLoadBalancer on resource: arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/1234 because no permissions boundary allows the elasticloadbalancing:CreateLoadBalancer action",
        &ExplainOptions::default(),
    );
    assert_eq!(
        causes(&e),
        vec![(
            CauseKind::MissingAllow,
            LayerKind::PermissionsBoundary,
            Some("arn:aws:iam::123456789012:policy/DeveloperBoundary"),
            None
        )]
    );
    assert_eq!(e.message.agreement, Agreement::Agrees);
}

#[test]
fn missing_allow_in_an_scp_level() {
    let e = run(
        &small(),
        &format!(
            "User: {APP_SESSION} is not authorized to perform: logs:CreateLogGroup on resource: arn:aws:logs:eu-west-1:111122223333:log-group:/app because no service control policy allows the logs:CreateLogGroup action"
        ),
        &ExplainOptions::default(),
    );
    assert_eq!(
        causes(&e),
        vec![(
            CauseKind::MissingAllow,
            LayerKind::Scp,
            Some("scp level 2"),
            None
        )]
    );
    let fix = e.fix.as_ref().unwrap();
    assert_eq!(fix.target, GUARDRAILS);
    assert!(fix.cli[0].starts_with("aws organizations update-policy --policy-id p-guardrails1"));
    assert_least_privilege(&e);
}

#[test]
fn scps_from_a_file_on_demo() {
    // The demo has no SCPs: pass a root level that allows only some services.
    let scp = Policy::from_json(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","iam:*"],"Resource":"*"},{"Sid":"NoBucketDeletes","Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}"#,
    )
    .unwrap();
    let options = ExplainOptions {
        scps: Some(vec![vec![LabeledPolicy {
            label: "scp level 1: scps.json[0][0]".into(),
            id: Some("p-12345678".into()),
            document: scp,
        }]]),
        ..ExplainOptions::default()
    };
    let e = run(
        &demo(),
        "User: arn:aws:sts::123456789012:assumed-role/MyAppTaskRole/t is not authorized to perform: dynamodb:GetItem on resource: arn:aws:dynamodb:us-east-1:123456789012:table/my-app-users because no service control policy allows the dynamodb:GetItem action",
        &options,
    );
    assert_eq!(
        causes(&e),
        vec![(
            CauseKind::MissingAllow,
            LayerKind::Scp,
            Some("scp level 1"),
            None
        )]
    );
    let e = run(
        &demo(),
        "User: arn:aws:iam::123456789012:user/ci-deploy is not authorized to perform: s3:DeleteBucket on resource: arn:aws:s3:::my-app-uploads with an explicit deny in a service control policy",
        &options,
    );
    assert_eq!(
        causes(&e),
        vec![(
            CauseKind::ExplicitDeny,
            LayerKind::Scp,
            Some("scp level 1: scps.json[0][0]"),
            Some("NoBucketDeletes")
        )]
    );
    assert!(e.fix.as_ref().unwrap().cli[0].contains("--policy-id p-12345678"));
}

#[test]
fn missing_allow_in_a_cross_account_resource_policy() {
    let options = ExplainOptions {
        principal: Some(APP_SESSION.into()),
        resource: Some("arn:aws:s3:::partner-bucket/exports/x.csv".into()),
        resource_account: Some("444455556666".into()),
        resource_policy: Some(policy("partner-bucket-policy.json")),
        ..ExplainOptions::default()
    };
    let e = run(
        &small(),
        "An error occurred (AccessDenied) when calling the GetObject operation: Access Denied",
        &options,
    );
    assert_eq!(e.action, "s3:GetObject", "the operation maps to the action");
    assert!(e.cross_account);
    assert_eq!(
        causes(&e),
        vec![(
            CauseKind::MissingAllow,
            LayerKind::Resource,
            Some("partner-bucket-policy.json"),
            None
        )]
    );
    let fix = e.fix.as_ref().unwrap();
    // The bucket policy names the role (not the session), so every session qualifies.
    assert_eq!(fix.statement["Principal"]["AWS"], APP_ROLE);
    assert_eq!(
        fix.owner,
        "the owner of arn:aws:s3:::partner-bucket/exports/x.csv (account 444455556666)"
    );
    assert_least_privilege(&e);
}

#[test]
fn missing_allow_in_a_role_trust_policy() {
    let text = "User: arn:aws:iam::111122223333:user/ops is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111122223333:role/service-role/app/AppRole because no role trust policy allows the sts:AssumeRole action";
    // Without MFA, ops's RequireMfa would deny first: AWS saying "no trust policy allows"
    // means the request had MFA.
    let e = run(&small(), text, &ExplainOptions::default());
    assert_eq!(e.message.agreement, Agreement::AgreesIfContext);
    assert_eq!(
        causes(&e),
        vec![(
            CauseKind::MissingAllow,
            LayerKind::Resource,
            Some("arn:aws:iam::111122223333:role/service-role/app/AppRole trust policy"),
            None
        )]
    );
    let options = ExplainOptions {
        context: vec![(
            "aws:MultiFactorAuthPresent".into(),
            ContextValue::Single("true".into()),
        )],
        ..ExplainOptions::default()
    };
    let e = run(&small(), text, &options);
    assert_eq!(
        causes(&e),
        vec![(
            CauseKind::MissingAllow,
            LayerKind::Resource,
            Some("arn:aws:iam::111122223333:role/service-role/app/AppRole trust policy"),
            None
        )]
    );
    assert_eq!(e.message.agreement, Agreement::Agrees);
    let fix = e.fix.as_ref().unwrap();
    assert!(fix.cli[0].starts_with("aws iam update-assume-role-policy --role-name 'AppRole'"));
    assert_eq!(
        fix.statement["Principal"]["AWS"],
        "arn:aws:iam::111122223333:user/ops"
    );
}

#[test]
fn missing_allow_in_session_policy() {
    let options = ExplainOptions {
        session_policy: Some(policy("session-policy.json")),
        ..ExplainOptions::default()
    };
    let e = run(
        &small(),
        &format!(
            "User: {APP_SESSION} is not authorized to perform: sqs:SendMessage on resource: arn:aws:sqs:eu-west-1:111122223333:jobs because no session policy allows the sqs:SendMessage action"
        ),
        &options,
    );
    assert_eq!(
        causes(&e),
        vec![(
            CauseKind::MissingAllow,
            LayerKind::Session,
            Some("session-policy.json"),
            None
        )]
    );
    let fix = e.fix.as_ref().unwrap();
    assert!(
        fix.cli[0].contains("--role-session-name 'task-1'"),
        "{:?}",
        fix.cli
    );
    assert_least_privilege(&e);
}

#[test]
fn federated_user_without_session_policy() {
    let e = run(
        &small(),
        "User: arn:aws:sts::111122223333:federated-user/ops is not authorized to perform: s3:ListBucket on resource: arn:aws:s3:::team-bucket because no session policy allows the s3:ListBucket action",
        &ExplainOptions::default(),
    );
    assert_eq!(e.principal_arn, "arn:aws:iam::111122223333:user/ops");
    assert_eq!(
        e.session_arn.as_deref(),
        Some("arn:aws:sts::111122223333:federated-user/ops")
    );
    assert_eq!(causes(&e)[0].0, CauseKind::MissingAllow);
    assert_eq!(causes(&e)[0].1, LayerKind::Session);
    assert!(
        e.fix.as_ref().unwrap().cli[0].starts_with("aws sts get-federation-token --name 'ops'")
    );
}

// ---- Message shapes through to an explanation ----

#[test]
fn iam_names_resolve_with_their_path() {
    // IAM writes `role NAME`; the role's path is in the snapshot.
    let e = run(
        &small(),
        "api error AccessDenied: User: arn:aws:iam::111122223333:user/engineering/dev is not authorized to perform: iam:GetRole on resource: role AppRole because no identity-based policy allows the iam:GetRole action",
        &ExplainOptions::default(),
    );
    assert_eq!(e.resource, APP_ROLE);
    assert!(e.assumptions.iter().any(|a| a.contains("role AppRole")));
}

#[test]
fn bare_s3_message_with_flags() {
    let options = ExplainOptions {
        principal: Some("bob".into()),
        resource: Some("arn:aws:s3:::my-app-prod-data/report.csv".into()),
        ..ExplainOptions::default()
    };
    let e = run(
        &demo(),
        "An error occurred (AccessDenied) when calling the PutObject operation: Access Denied",
        &options,
    );
    assert_eq!(e.action, "s3:PutObject");
    assert_eq!(e.decision, Decision::ImplicitDeny);
    assert_eq!(e.message.agreement, Agreement::NoReason);
    assert_eq!(
        causes(&e),
        vec![(CauseKind::MissingAllow, LayerKind::Identity, None, None)]
    );
}

#[test]
fn bare_message_names_no_caller() {
    let parsed = parse_message(
        "An error occurred (AccessDenied) when calling the GetObject operation: Access Denied",
    )
    .unwrap();
    let e = explain(&demo(), &parsed, &ExplainOptions::default()).unwrap_err();
    assert_eq!(e, ExplainError::NoCaller);
    assert!(e.to_string().contains("--principal"));
}

#[test]
fn encoded_ec2_message_and_its_decoded_form() {
    let text = "An error occurred (UnauthorizedOperation) when calling the RunInstances operation: You are not authorized to perform this operation. Encoded authorization failure message: 4GIOHlTkIaWHQD0Q0m6XSnuUMCm-abcdefgh_XYZ";
    let options = ExplainOptions {
        principal: Some("alice".into()),
        ..ExplainOptions::default()
    };
    let e = run(&demo(), text, &options);
    assert_eq!(e.action, "ec2:RunInstances");
    assert!(e.message.encoded_message.is_some());
    assert!(e.message.note.contains("decode-authorization-message"));
    // What sts:DecodeAuthorizationMessage returns when live.
    let mut parsed = parse_message(text).unwrap();
    apply_decoded_message(
        &mut parsed,
        r#"{"DecodedMessage":"{\"allowed\":false,\"explicitDeny\":false,\"matchedStatements\":{\"items\":[]},\"failures\":{\"items\":[]},\"context\":{\"principal\":{\"id\":\"AIDATPZAG5LICPMEHSAIR\",\"name\":\"alice\",\"arn\":\"arn:aws:iam::123456789012:user/alice\"},\"action\":\"ec2:RunInstances\",\"resource\":\"arn:aws:ec2:us-east-1:123456789012:instance/*\",\"conditions\":{\"items\":[{\"key\":\"ec2:InstanceType\",\"values\":{\"items\":[{\"value\":\"t3.micro\"}]}},{\"key\":\"aws:Region\",\"values\":{\"items\":[{\"value\":\"us-east-1\"}]}}]}}}"}"#,
    )
    .unwrap();
    let e = explain(&demo(), &parsed, &ExplainOptions::default()).unwrap();
    assert_eq!(e.principal_arn, "arn:aws:iam::123456789012:user/alice");
    assert_eq!(e.resource, "arn:aws:ec2:us-east-1:123456789012:instance/*");
    assert_eq!(e.decision, Decision::ImplicitDeny);
    assert_eq!(e.message.agreement, Agreement::Agrees);
    assert!(
        e.context
            .iter()
            .any(|c| c.key == "ec2:instancetype" && c.source == "message"),
        "{:?}",
        e.context
    );
}

#[test]
fn claims_the_snapshot_cannot_check() {
    let e = run(
        &small(),
        &format!(
            "User: {DEV} is not authorized to perform: s3:GetObject on resource: \"arn:aws:s3:::team-bucket/x\" because no VPC endpoint policy allows the s3:GetObject action"
        ),
        &ExplainOptions::default(),
    );
    assert_eq!(e.decision, Decision::Allow);
    assert_eq!(e.message.agreement, Agreement::Unverifiable);
    assert!(
        e.likely_reasons.iter().any(|r| r.contains("VPC endpoint")),
        "{:?}",
        e.likely_reasons
    );
}

#[test]
fn message_blames_an_scp_the_snapshot_lacks() {
    let e = run(
        &demo(),
        "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: s3:GetObject on resource: \"arn:aws:s3:::my-app-uploads/a.png\" with an explicit deny in a service control policy",
        &ExplainOptions::default(),
    );
    assert_eq!(e.decision, Decision::Allow);
    assert_eq!(e.message.agreement, Agreement::Differs);
    assert!(e.message.note.contains("--scps"), "{}", e.message.note);
    assert!(e.likely_reasons.iter().any(|r| r.contains("--scps")));
    assert!(e.summary.starts_with("The snapshot allows"));
}

#[test]
fn a_deny_that_needs_the_context_the_message_lacks() {
    // AWS says an identity policy denied dev's upload to the team bucket. The snapshot has no
    // such deny for this context... unless the request came from outside the VPC endpoint.
    let account = small();
    let mut parsed = parse_message(&format!(
        "User: {DEV} is not authorized to perform: s3:GetObject on resource: \"arn:aws:s3:::team-bucket/x\" with an explicit deny in a resource-based policy"
    ))
    .unwrap();
    let bucket = Policy::from_json(
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"OnlyFromOffice","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::team-bucket/*","Condition":{"NotIpAddress":{"aws:SourceIp":"192.0.2.0/24"},"Bool":{"aws:ViaAWSService":"false"}}}]}"#,
    )
    .unwrap();
    let options = ExplainOptions {
        resource_policy: Some(LabeledPolicy {
            label: "team-bucket policy".into(),
            id: None,
            document: bucket,
        }),
        ..ExplainOptions::default()
    };
    let e = explain(&account, &parsed, &options).unwrap();
    assert_eq!(e.decision, Decision::ExplicitDeny);
    assert_eq!(
        causes(&e),
        vec![(
            CauseKind::ExplicitDeny,
            LayerKind::Resource,
            Some("team-bucket policy"),
            Some("OnlyFromOffice")
        )]
    );
    // With the office IP the deny does not apply and the snapshot disagrees with AWS.
    parsed
        .context
        .push(("aws:SourceIp".into(), vec!["192.0.2.10".into()]));
    let e = explain(&account, &parsed, &options).unwrap();
    assert_eq!(e.decision, Decision::Allow);
    assert_eq!(e.message.agreement, Agreement::Differs);
}

#[test]
fn region_fence_reproduced_under_an_assumption() {
    // The resource names no region (S3), the SCP fences ec2 by region: the message says SCP,
    // and the only SCP deny that can apply is the region fence.
    let scp = Policy::from_json(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"EuOnly","Effect":"Deny","Action":"s3:PutObject","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1","eu-central-1"]}}}]}"#,
    )
    .unwrap();
    let options = ExplainOptions {
        scps: Some(vec![vec![LabeledPolicy {
            label: "scp level 1: fence".into(),
            id: None,
            document: scp,
        }]]),
        context: vec![(
            "aws:RequestedRegion".into(),
            ContextValue::Single("eu-west-1".into()),
        )],
        ..ExplainOptions::default()
    };
    let text = format!(
        "User: {APP_SESSION} is not authorized to perform: s3:PutObject on resource: \"arn:aws:s3:::app-bucket/k\" with an explicit deny in a service control policy"
    );
    // With the region given as eu-west-1 the snapshot disagrees...
    let e = run(&small(), &text, &options);
    assert_eq!(e.decision, Decision::Allow);
    // ...without it, the fence is the cause, flagged as an assumption.
    let options = ExplainOptions {
        context: Vec::new(),
        ..options
    };
    let e = run(&small(), &text, &options);
    assert_eq!(e.decision, Decision::ExplicitDeny);
    assert_eq!(e.causes[0].statement.as_deref(), Some("EuOnly"));
}

#[test]
fn callers_outside_the_snapshot_are_errors() {
    let parsed = parse_message(
        "User: arn:aws:iam::999999999999:user/mallory is not authorized to perform: s3:GetObject on resource: \"arn:aws:s3:::b/k\"",
    )
    .unwrap();
    let e = explain(&demo(), &parsed, &ExplainOptions::default()).unwrap_err();
    assert!(matches!(e, ExplainError::CallerElsewhere { .. }), "{e}");
    let parsed = parse_message(
        "User: arn:aws:sts::123456789012:assumed-role/NoSuchRole/s is not authorized to perform: s3:GetObject on resource: \"arn:aws:s3:::b/k\"",
    )
    .unwrap();
    let e = explain(&demo(), &parsed, &ExplainOptions::default()).unwrap_err();
    assert!(e.to_string().contains("NoSuchRole"), "{e}");
}

#[test]
fn explanation_json_has_the_formats_fields() {
    let e = run(
        &demo(),
        "User: arn:aws:sts::123456789012:assumed-role/MyAppTaskRole/ecs-task-1 is not authorized to perform: s3:PutObject on resource: \"arn:aws:s3:::my-app-prod-data/x.csv\" because no identity-based policy allows the s3:PutObject action",
        &ExplainOptions::default(),
    );
    let v = serde_json::to_value(&e).unwrap();
    for key in [
        "principal_arn",
        "session_arn",
        "action",
        "resource",
        "decision",
        "causes",
        "fix",
    ] {
        assert!(v.get(key).is_some(), "{key} missing: {v}");
    }
    assert_eq!(v["decision"], "implicit_deny");
    let cause = &v["causes"][0];
    assert_eq!(cause["kind"], "missing_allow");
    assert_eq!(cause["layer"], "identity");
    assert!(cause.get("policy").is_some() && cause.get("statement").is_some());
    assert_eq!(v["fix"]["layer"], "identity");
    assert!(v["fix"]["target"].is_string());
    assert!(v["fix"]["statement"].is_object());
}

#[test]
fn github_actions_oidc_trust_on_demo() {
    let options = ExplainOptions {
        resource: Some("arn:aws:iam::123456789012:role/GitHubActionsDeployRole".into()),
        context: vec![
            (
                "token.actions.githubusercontent.com:sub".into(),
                ContextValue::Single("repo:your-org/your-repo:ref:refs/heads/feature-x".into()),
            ),
            (
                "token.actions.githubusercontent.com:aud".into(),
                ContextValue::Single("sts.amazonaws.com".into()),
            ),
        ],
        ..ExplainOptions::default()
    };
    // What aws-actions/configure-aws-credentials prints.
    let text = "Error: Could not assume role with OIDC: Not authorized to perform sts:AssumeRoleWithWebIdentity";
    let e = run(&demo(), text, &options);
    assert_eq!(
        e.principal_arn,
        "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
    );
    assert_eq!(e.decision, Decision::ImplicitDeny);
    assert_eq!(causes(&e)[0].1, LayerKind::Resource);
    let sub = e
        .conditions
        .iter()
        .find(|c| c.key == "token.actions.githubusercontent.com:sub")
        .unwrap();
    assert_eq!(
        sub.policy_values,
        vec!["repo:your-org/your-repo:ref:refs/heads/main"]
    );
    let fix = e.fix.as_ref().unwrap();
    assert!(fix.statement["Principal"]["Federated"].is_string());
    assert!(fix.statement.get("Resource").is_none());
    // From main it is allowed.
    let mut options = options;
    options.context[0].1 =
        ContextValue::Single("repo:your-org/your-repo:ref:refs/heads/main".into());
    assert_eq!(run(&demo(), text, &options).decision, Decision::Allow);
    // Without the role, there is nothing to check.
    options.resource = None;
    let parsed = parse_message(text).unwrap();
    let e = explain(&demo(), &parsed, &options).unwrap_err();
    assert!(matches!(e, ExplainError::NoResource(_)), "{e}");
}

#[test]
fn bare_s3_listing_without_resource() {
    let options = ExplainOptions {
        principal: Some("erin".into()),
        ..ExplainOptions::default()
    };
    // `aws s3 ls s3://bucket` prints this; ListObjectsV2 is authorized as s3:ListBucket.
    let e = run(
        &demo(),
        "An error occurred (AccessDenied) when calling the ListObjectsV2 operation: Access Denied",
        &options,
    );
    assert_eq!(e.action, "s3:ListBucket");
    assert_eq!(e.resource, "*");
    assert!(e.assumptions.iter().any(|a| a.contains("--resource")));
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;
    use std::sync::LazyLock;

    static DEMO: LazyLock<Account> = LazyLock::new(demo);

    const FRAGMENTS: &[&str] = &[
        "User: ",
        "arn:aws:iam::123456789012:user/alice",
        "arn:aws:iam::123456789012:user/nobody",
        "arn:aws:sts::123456789012:assumed-role/MyAppTaskRole/s",
        "arn:aws:sts::123456789012:federated-user/bob",
        "arn:aws:iam::123456789012:root",
        "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
        "anonymous",
        " is not authorized to perform: ",
        "s3:GetObject",
        "sts:AssumeRole",
        "kms:Decrypt",
        "iam:GetRole",
        " on resource: ",
        "\"arn:aws:s3:::my-app-prod-data/k\"",
        "arn:aws:iam::123456789012:role/LegacyAdminRole",
        "role MyAppTaskRole",
        "*",
        " because no identity-based policy allows the s3:GetObject action",
        " with an explicit deny in a permissions boundary",
        " with an explicit deny in an identity-based policy: arn:aws:iam::123456789012:policy/X",
        " because no service control policy allows the x action",
        "An error occurred (AccessDenied) when calling the GetObject operation: ",
        "Access Denied",
        " Not authorized to perform sts:AssumeRoleWithWebIdentity",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn explain_any_combination(picks in proptest::collection::vec(0..FRAGMENTS.len(), 1..12)) {
            let text: String = picks.iter().map(|&i| FRAGMENTS[i]).collect();
            if let Ok(m) = parse_message(&text) {
                let _ = explain(&DEMO, &m, &ExplainOptions::default());
                let options = ExplainOptions {
                    principal: Some("alice".into()),
                    resource: Some("arn:aws:s3:::my-app-uploads/a".into()),
                    ..ExplainOptions::default()
                };
                let _ = explain(&DEMO, &m, &options);
            }
        }
    }
}

#[test]
fn the_policy_aws_names_is_among_the_causes() {
    // ops writes to the audit bucket without MFA: RequireMfa denies, and so does the SCP. AWS
    // names DenyFromQuarantineVpce, whose deny needs a VPC endpoint the message does not show:
    // the snapshot lists it too, as an assumption.
    let text = "User: arn:aws:iam::111122223333:user/ops is not authorized to perform: s3:PutObject on resource: \"arn:aws:s3:::audit-logs/2026/11/01.log\" with an explicit deny in an identity-based policy: arn:aws:iam::111122223333:policy/DenyFromQuarantineVpce";
    let e = run(&small(), text, &ExplainOptions::default());
    assert_eq!(e.decision, Decision::ExplicitDeny);
    let named: Vec<_> = e
        .causes
        .iter()
        .map(|c| (c.policy.as_deref().unwrap_or_default(), c.assumed))
        .collect();
    assert!(
        named.contains(&(
            "arn:aws:iam::111122223333:policy/DenyFromQuarantineVpce",
            true
        )),
        "{named:?}"
    );
    assert!(
        named.contains(&("arn:aws:iam::111122223333:policy/RequireMfa", false)),
        "{named:?}"
    );
    assert!(named.contains(&(GUARDRAILS, false)), "{named:?}");
}
