//! What a local test server cannot show: pagination of the bulk call (moto ignores `MaxItems`),
//! the walk of an organization from a management account's view, credential-report polling and
//! how failures are classified. The clients answer from aws-smithy-mocks rules.

use std::time::Duration;

use aws_sdk_iam::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_iam::error::ErrorMetadata;
use aws_sdk_iam::operation::generate_credential_report::GenerateCredentialReportOutput;
use aws_sdk_iam::operation::get_account_authorization_details::GetAccountAuthorizationDetailsOutput;
use aws_sdk_iam::operation::get_account_summary::GetAccountSummaryError;
use aws_sdk_iam::operation::get_credential_report::GetCredentialReportOutput;
use aws_sdk_iam::primitives::Blob;
use aws_sdk_iam::types::{EntityType, PolicyDetail, ReportStateType, RoleDetail, UserDetail};
use aws_sdk_organizations::operation::describe_organization::{
    DescribeOrganizationError, DescribeOrganizationOutput,
};
use aws_sdk_organizations::operation::describe_policy::DescribePolicyOutput;
use aws_sdk_organizations::operation::list_parents::ListParentsOutput;
use aws_sdk_organizations::operation::list_policies_for_target::ListPoliciesForTargetOutput;
use aws_sdk_organizations::operation::list_roots::ListRootsOutput;
use aws_sdk_organizations::types::{
    Organization, OrganizationFeatureSet, Parent, ParentType, PolicySummary, PolicyType,
    PolicyTypeStatus, PolicyTypeSummary, Root,
};
use aws_smithy_mocks::{Rule, RuleMode, create_mock_http_client, mock};

use super::client::{Clients, partition_of};
use super::failure::{Failure, Kind};
use super::{
    AwsManagedPolicies, Caller, Ctx, FetchError, Gauge, Phase, Progress, Reporter, Tuning, iam, org,
};

const ACCOUNT: &str = "111122223333";

macro_rules! mock_client {
    ($sdk:ident, $rules:expr) => {{
        // Unmatched calls get an HTTP 418 answer, which fails them like any unknown error.
        let mut interceptor = aws_smithy_mocks::MockResponseInterceptor::new()
            .rule_mode(RuleMode::MatchAny)
            .allow_passthrough();
        for rule in $rules {
            interceptor = interceptor.with_rule(rule);
        }
        $sdk::Client::from_conf(
            $sdk::Config::builder()
                .behavior_version(BehaviorVersion::latest())
                .region(Region::new("us-east-1"))
                .credentials_provider(Credentials::new("AKIDTEST", "test", None, None, "test"))
                .http_client(create_mock_http_client())
                .interceptor(interceptor)
                .build(),
        )
    }};
}

fn tuning() -> Tuning {
    Tuning {
        page_size: 2,
        concurrency: 4,
        report_wait: Duration::from_secs(5),
        aws_managed_policies: AwsManagedPolicies::Bulk,
    }
}

fn ctx(iam_rules: &[&Rule], org_rules: &[&Rule]) -> Ctx {
    let clients = Clients {
        sts: mock_client!(aws_sdk_sts, [] as [&Rule; 0]),
        iam: mock_client!(aws_sdk_iam, iam_rules.iter().copied()),
        org: mock_client!(aws_sdk_organizations, org_rules.iter().copied()),
    };
    Ctx::new(&clients, tuning(), Reporter::default())
}

fn user(name: &str) -> UserDetail {
    UserDetail::builder()
        .user_name(name)
        .arn(format!("arn:aws:iam::{ACCOUNT}:user/{name}"))
        .user_policy_list(
            PolicyDetail::builder()
                .policy_name("inline")
                // The raw API form: URL-encoded JSON.
                .policy_document("%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3AGetObject%22%2C%22Resource%22%3A%22*%22%7D%5D%7D")
                .build(),
        )
        .build()
}

#[tokio::test]
async fn the_bulk_call_follows_markers_to_the_last_page() {
    let pages = [
        mock!(aws_sdk_iam::Client::get_account_authorization_details)
            .match_requests(|r| r.marker().is_none())
            .then_output(|| {
                GetAccountAuthorizationDetailsOutput::builder()
                    .user_detail_list(user("alice"))
                    .user_detail_list(user("bob"))
                    .is_truncated(true)
                    .marker("page-2")
                    .build()
            }),
        mock!(aws_sdk_iam::Client::get_account_authorization_details)
            .match_requests(|r| r.marker() == Some("page-2"))
            .then_output(|| {
                GetAccountAuthorizationDetailsOutput::builder()
                    .role_detail_list(
                        RoleDetail::builder()
                            .role_name("app")
                            .arn(format!("arn:aws:iam::{ACCOUNT}:role/app"))
                            // Plain JSON, as some servers send it.
                            .assume_role_policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#)
                            .build(),
                    )
                    .is_truncated(true)
                    .marker("page-3")
                    .build()
            }),
        mock!(aws_sdk_iam::Client::get_account_authorization_details)
            .match_requests(|r| r.marker() == Some("page-3"))
            .then_output(|| {
                GetAccountAuthorizationDetailsOutput::builder()
                    .user_detail_list(user("carol"))
                    .is_truncated(false)
                    .build()
            }),
    ];
    // Every page asks for every entity type, `page_size` at a time.
    let shape = mock!(aws_sdk_iam::Client::get_account_authorization_details)
        .match_requests(|r| {
            r.max_items() != Some(2)
                || [
                    EntityType::User,
                    EntityType::Group,
                    EntityType::Role,
                    EntityType::LocalManagedPolicy,
                    EntityType::AwsManagedPolicy,
                ]
                .iter()
                .any(|t| !r.filter().contains(t))
        })
        .then_error(|| panic!("a page was asked for without all filters or MaxItems"));
    let rules: Vec<&Rule> = std::iter::once(&shape).chain(pages.iter()).collect();
    let ctx = ctx(&rules, &[]);

    let snap = iam::authorization_details(&ctx).await.unwrap();
    let users: Vec<&str> = snap
        .user_detail_list
        .iter()
        .map(|u| u.user_name.as_str())
        .collect();
    assert_eq!(users, ["alice", "bob", "carol"]);
    assert_eq!(snap.role_detail_list.len(), 1);
    assert!(
        snap.role_detail_list[0]
            .assume_role_policy_document
            .is_some()
    );
    assert_eq!(
        snap.user_detail_list[0].user_policy_list[0]
            .policy_document
            .0
            .version
            .as_deref(),
        Some("2012-10-17")
    );
    for (i, page) in pages.iter().enumerate() {
        assert_eq!(page.num_calls(), 1, "page {}", i + 1);
    }
    assert_eq!(shape.num_calls(), 0);
    assert!(ctx.take_gaps().is_empty());
}

#[tokio::test]
async fn a_bulk_call_that_never_ends_is_an_error_not_a_loop() {
    let same_marker =
        mock!(aws_sdk_iam::Client::get_account_authorization_details).then_output(|| {
            GetAccountAuthorizationDetailsOutput::builder()
                .is_truncated(true)
                .marker("again")
                .build()
        });
    let ctx = ctx(&[&same_marker], &[]);
    let f = iam::authorization_details(&ctx).await.unwrap_err();
    assert_eq!(same_marker.num_calls(), 2);
    let e = f.into_bulk_error("arn:aws:iam::111122223333:user/x");
    assert!(
        matches!(&e, FetchError::Api { operation, .. } if operation == "iam:GetAccountAuthorizationDetails"),
        "{e:?}"
    );
}

#[tokio::test]
async fn a_denied_bulk_call_names_the_permission_and_the_caller() {
    let denied = mock!(aws_sdk_iam::Client::get_account_authorization_details).then_error(|| {
        aws_sdk_iam::operation::get_account_authorization_details::GetAccountAuthorizationDetailsError::generic(
            ErrorMetadata::builder()
                .code("AccessDenied")
                .message("not authorized to perform iam:GetAccountAuthorizationDetails")
                .build(),
        )
    });
    let ctx = ctx(&[&denied], &[]);
    let f = iam::authorization_details(&ctx).await.unwrap_err();
    assert_eq!(f.kind, Kind::Denied);
    let text = f
        .into_bulk_error("arn:aws:sts::111122223333:assumed-role/dev/me")
        .to_string();
    assert!(
        text.contains("arn:aws:sts::111122223333:assumed-role/dev/me")
            && text.contains("may not call iam:GetAccountAuthorizationDetails")
            && text.contains("SecurityAudit"),
        "{text}"
    );
}

#[tokio::test]
async fn a_denied_part_is_recorded_once_as_a_gap() {
    let denied = mock!(aws_sdk_iam::Client::get_account_summary).then_error(|| {
        GetAccountSummaryError::generic(
            ErrorMetadata::builder()
                .code("AccessDenied")
                .message("nope")
                .build(),
        )
    });
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut ctx = ctx(&[&denied], &[]);
    ctx.progress = Reporter(Some(tx));
    assert_eq!(iam::account_summary(&ctx).await, None);
    assert_eq!(iam::account_summary(&ctx).await, None);
    let gaps = ctx.take_gaps();
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert_eq!(gaps[0].part, "account summary");
    assert_eq!(
        gaps[0].reason,
        "access denied: the caller may not call iam:GetAccountSummary (AccessDenied: nope)"
    );
    let mut events = Vec::new();
    while let Ok(e) = rx.try_recv() {
        events.push(e);
    }
    assert_eq!(
        events
            .iter()
            .filter(|e| matches!(e, Progress::Gap(_)))
            .count(),
        1
    );
}

#[tokio::test]
async fn the_credential_report_is_polled_until_complete_and_parsed() {
    let generate = mock!(aws_sdk_iam::Client::generate_credential_report)
        .sequence()
        .output(|| {
            GenerateCredentialReportOutput::builder()
                .state(ReportStateType::Started)
                .build()
        })
        .output(|| {
            GenerateCredentialReportOutput::builder()
                .state(ReportStateType::Inprogress)
                .build()
        })
        .output(|| {
            GenerateCredentialReportOutput::builder()
                .state(ReportStateType::Complete)
                .build()
        })
        .build();
    let get = mock!(aws_sdk_iam::Client::get_credential_report).then_output(|| {
        GetCredentialReportOutput::builder()
            .content(Blob::new(
                "user,arn,password_enabled\r\n<root_account>,arn:aws:iam::111122223333:root,not_supported\r\n\"o'neil, jr\",arn:aws:iam::111122223333:user/x,true\r\n",
            ))
            .build()
    });
    let ctx = ctx(&[&generate, &get], &[]);
    let rows = iam::credential_report(&ctx).await;
    assert_eq!(generate.num_calls(), 3);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["user"], "<root_account>");
    assert_eq!(rows[1]["user"], "o'neil, jr");
    assert_eq!(rows[1]["password_enabled"], "true");
    assert!(ctx.take_gaps().is_empty());
}

fn scp(id: &str, name: &str) -> PolicySummary {
    PolicySummary::builder()
        .id(id)
        .name(name)
        .arn(format!(
            "arn:aws:organizations::999999999999:policy/o-1/service_control_policy/{id}"
        ))
        .build()
}

#[tokio::test]
async fn scps_are_read_level_by_level_from_the_root_down_to_the_account() {
    let describe_org =
        mock!(aws_sdk_organizations::Client::describe_organization).then_output(|| {
            DescribeOrganizationOutput::builder()
                .organization(
                    Organization::builder()
                        .id("o-1")
                        .master_account_id("999999999999")
                        .feature_set(OrganizationFeatureSet::All)
                        .build(),
                )
                .build()
        });
    let roots = mock!(aws_sdk_organizations::Client::list_roots).then_output(|| {
        ListRootsOutput::builder()
            .roots(
                Root::builder()
                    .id("r-root")
                    .policy_types(
                        PolicyTypeSummary::builder()
                            .r#type(PolicyType::ServiceControlPolicy)
                            .status(PolicyTypeStatus::Enabled)
                            .build(),
                    )
                    .build(),
            )
            .build()
    });
    let parent_of_account = mock!(aws_sdk_organizations::Client::list_parents)
        .match_requests(|r| r.child_id() == Some(ACCOUNT))
        .then_output(|| {
            ListParentsOutput::builder()
                .parents(
                    Parent::builder()
                        .id("ou-prod")
                        .r#type(ParentType::OrganizationalUnit)
                        .build(),
                )
                .build()
        });
    let parent_of_ou = mock!(aws_sdk_organizations::Client::list_parents)
        .match_requests(|r| r.child_id() == Some("ou-prod"))
        .then_output(|| {
            ListParentsOutput::builder()
                .parents(
                    Parent::builder()
                        .id("r-root")
                        .r#type(ParentType::Root)
                        .build(),
                )
                .build()
        });
    let at_root = mock!(aws_sdk_organizations::Client::list_policies_for_target)
        .match_requests(|r| r.target_id() == Some("r-root"))
        .then_output(|| {
            ListPoliciesForTargetOutput::builder()
                .policies(scp("p-FullAWSAccess", "FullAWSAccess"))
                .build()
        });
    // The OU's list comes in two pages.
    let at_ou_1 = mock!(aws_sdk_organizations::Client::list_policies_for_target)
        .match_requests(|r| r.target_id() == Some("ou-prod") && r.next_token().is_none())
        .then_output(|| {
            ListPoliciesForTargetOutput::builder()
                .policies(scp("p-FullAWSAccess", "FullAWSAccess"))
                .next_token("more")
                .build()
        });
    let at_ou_2 = mock!(aws_sdk_organizations::Client::list_policies_for_target)
        .match_requests(|r| r.target_id() == Some("ou-prod") && r.next_token() == Some("more"))
        .then_output(|| {
            ListPoliciesForTargetOutput::builder()
                .policies(scp("p-denyleave", "DenyLeaveOrg"))
                .build()
        });
    let at_account = mock!(aws_sdk_organizations::Client::list_policies_for_target)
        .match_requests(|r| {
            r.target_id() == Some(ACCOUNT) && r.filter() == Some(&PolicyType::ServiceControlPolicy)
        })
        .then_output(|| ListPoliciesForTargetOutput::builder().build());
    let full = mock!(aws_sdk_organizations::Client::describe_policy)
        .match_requests(|r| r.policy_id() == Some("p-FullAWSAccess"))
        .then_output(|| {
            DescribePolicyOutput::builder()
                .policy(
                    aws_sdk_organizations::types::Policy::builder()
                        .content(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#)
                        .build(),
                )
                .build()
        });
    let deny_leave = mock!(aws_sdk_organizations::Client::describe_policy)
        .match_requests(|r| r.policy_id() == Some("p-denyleave"))
        .then_output(|| {
            DescribePolicyOutput::builder()
                .policy(
                    aws_sdk_organizations::types::Policy::builder()
                        .content(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"organizations:LeaveOrganization","Resource":"*"}]}"#)
                        .build(),
                )
                .build()
        });
    let ctx = ctx(
        &[],
        &[
            &describe_org,
            &roots,
            &parent_of_account,
            &parent_of_ou,
            &at_root,
            &at_ou_1,
            &at_ou_2,
            &at_account,
            &full,
            &deny_leave,
        ],
    );
    let levels = org::service_control_policies(&ctx, ACCOUNT).await;
    assert!(ctx.take_gaps().is_empty());
    let shape: Vec<Vec<(&str, &str)>> = levels
        .iter()
        .map(|l| {
            l.iter()
                .map(|p| (p.name.as_str(), p.target.as_str()))
                .collect()
        })
        .collect();
    assert_eq!(
        shape,
        [
            vec![("FullAWSAccess", "r-root")],
            vec![("FullAWSAccess", "ou-prod"), ("DenyLeaveOrg", "ou-prod")],
            vec![],
        ]
    );
    assert_eq!(
        levels[1][1]
            .document
            .0
            .statement
            .as_ref()
            .map(|s| s.as_slice()[0].effect.clone()),
        Some(Some("Deny".to_owned()))
    );
    // FullAWSAccess is attached twice and described once.
    assert_eq!(full.num_calls(), 1);
}

#[tokio::test]
async fn no_scp_applies_outside_an_organization_or_to_its_management_account() {
    let not_in_use = mock!(aws_sdk_organizations::Client::describe_organization).then_error(|| {
        DescribeOrganizationError::generic(
            ErrorMetadata::builder()
                .code("AWSOrganizationsNotInUseException")
                .build(),
        )
    });
    let ctx1 = ctx(&[], &[&not_in_use]);
    assert!(
        org::service_control_policies(&ctx1, ACCOUNT)
            .await
            .is_empty()
    );
    assert!(ctx1.take_gaps().is_empty());

    let managed_here =
        mock!(aws_sdk_organizations::Client::describe_organization).then_output(|| {
            DescribeOrganizationOutput::builder()
                .organization(
                    Organization::builder()
                        .master_account_id(ACCOUNT)
                        .feature_set(OrganizationFeatureSet::All)
                        .build(),
                )
                .build()
        });
    let roots = mock!(aws_sdk_organizations::Client::list_roots)
        .then_error(|| panic!("the management account needs no walk"));
    let ctx2 = ctx(&[], &[&managed_here, &roots]);
    assert!(
        org::service_control_policies(&ctx2, ACCOUNT)
            .await
            .is_empty()
    );
    assert!(ctx2.take_gaps().is_empty());
}

#[tokio::test]
async fn run_keeps_going_when_every_part_but_the_bulk_call_fails() {
    let bulk = mock!(aws_sdk_iam::Client::get_account_authorization_details).then_output(|| {
        GetAccountAuthorizationDetailsOutput::builder()
            .user_detail_list(user("alice"))
            .build()
    });
    // Every other call fails: no rule answers it, so the mock client errors.
    let clients = Clients {
        sts: mock_client!(aws_sdk_sts, [] as [&Rule; 0]),
        iam: mock_client!(aws_sdk_iam, [&bulk]),
        org: mock_client!(aws_sdk_organizations, [] as [&Rule; 0]),
    };
    let caller = Caller {
        account_id: ACCOUNT.into(),
        arn: format!("arn:aws:sts::{ACCOUNT}:assumed-role/a/b"),
        partition: "aws".into(),
    };
    let mut t = tuning();
    t.report_wait = Duration::from_millis(1);
    let snap = super::run(&clients, &caller, t, &Reporter::default())
        .await
        .unwrap();
    let header = snap.header.unwrap();
    let parts: Vec<&str> = header.gaps.iter().map(|g| g.part.as_str()).collect();
    assert_eq!(
        parts,
        [
            "MFA devices",
            "OIDC providers",
            "SAML providers",
            "access keys",
            "account summary",
            "credential report",
            "role session durations",
            "service control policies",
        ]
    );
    assert_eq!(snap.user_detail_list.len(), 1);
    assert_eq!(header.account_id.as_deref(), Some(ACCOUNT));
}

#[test]
fn partitions_come_from_the_caller_arn() {
    assert_eq!(partition_of("arn:aws:sts::1:assumed-role/a/b"), "aws");
    assert_eq!(partition_of("arn:aws-cn:iam::1:user/a"), "aws-cn");
    assert_eq!(partition_of("arn:aws-us-gov:iam::1:user/a"), "aws-us-gov");
    assert_eq!(partition_of("garbage"), "aws");
    assert_eq!(partition_of("arn::iam::1:user/a"), "aws");
}

#[test]
fn csv_fields_may_be_quoted() {
    let rows = iam::parse_csv("a,b\n\"x,1\",\"say \"\"hi\"\"\"\n\"multi\nline\",\n").unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["a"], "x,1");
    assert_eq!(rows[0]["b"], "say \"hi\"");
    assert_eq!(rows[1]["a"], "multi\nline");
    assert_eq!(rows[1]["b"], "");
    assert!(iam::parse_csv("").unwrap().is_empty());
    assert!(iam::parse_csv("a,b\n1\n").is_err());
    assert!(iam::parse_csv("a\n\"open\n").is_err());
}

#[test]
fn failures_are_classified_by_error_code() {
    let f = Failure::other("iam:ListRoles", "boom");
    assert_eq!(f.kind, Kind::Other);
    assert_eq!(f.reason(), "iam:ListRoles failed: boom");
}

#[test]
fn the_gauge_moves_forward_and_ends_full() {
    let mut g = Gauge::new();
    assert_eq!(g.fraction(), 0.0);
    g.update(&Progress::Connected {
        account_id: ACCOUNT.into(),
        caller_arn: "arn".into(),
    });
    g.update(&Progress::Started(Phase::Authorization));
    let a = g.fraction();
    g.update(&Progress::Advanced {
        phase: Phase::Authorization,
        done: 500,
        total: None,
    });
    let b = g.fraction();
    g.update(&Progress::Finished(Phase::Authorization));
    g.update(&Progress::Advanced {
        phase: Phase::UserCredentials,
        done: 5,
        total: Some(10),
    });
    let c = g.fraction();
    assert!(0.0 < a && a < b && b < c && c < 1.0, "{a} {b} {c}");
    // A late event of a concurrent task does not move the gauge back.
    g.update(&Progress::Advanced {
        phase: Phase::UserCredentials,
        done: 4,
        total: Some(10),
    });
    assert_eq!(g.fraction(), c);
    assert_eq!(
        g.message(),
        "account 111122223333: reading access keys and MFA devices (5/10)"
    );
    g.update(&Progress::Gap(crate::source::wire::Gap {
        part: "x".into(),
        reason: "y".into(),
    }));
    g.update(&Progress::Done(super::FetchStats::default()));
    assert_eq!(g.fraction(), 1.0);
    assert_eq!(
        g.message(),
        "account 111122223333: done [1 part unreadable]"
    );
}
