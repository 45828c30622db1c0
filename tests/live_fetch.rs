#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The live fetch against a real IAM API: moto's standalone server (`scripts/moto.sh`), whose
//! address the test runner exports as IAMSCOPE_MOTO_ENDPOINT. These tests fail, never skip,
//! without it.
//!
//! Each test builds its own account through the SDK (the tests may call mutating APIs to set up;
//! the crate may not), fetches it, and checks the model. Faults come from a small proxy in front
//! of moto (`live/proxy.rs`).

mod live;

use std::collections::BTreeSet;
use std::time::Duration;

use iamscope::model::{Account, EntityRef, PolicyRef, SourceKind};
use iamscope::source::aws::{
    self, AwsManagedPolicies, FetchError, Gauge, Phase, Progress, fetch_with_stats,
};
use iamscope::source::{convert, read_file, wire};
use live::{PROFILE, TestAccount, proxy};
use serde_json::json;

fn doc(statements: serde_json::Value) -> String {
    json!({"Version": "2012-10-17", "Statement": statements}).to_string()
}

/// What the planted account holds that the assertions need, and every secret its creation
/// produced (none may appear in a snapshot).
struct Planted {
    secrets: Vec<String>,
    alice_keys: Vec<String>,
    bob_mfa_serial: String,
    oidc_arn: String,
    saml_arn: String,
    deploy_arn: String,
    boundary_arn: String,
}

const READ_ONLY: &str = "arn:aws:iam::aws:policy/ReadOnlyAccess";
const ADMIN: &str = "arn:aws:iam::aws:policy/AdministratorAccess";
const BOB_PASSWORD: &str = "Dummy-Passw0rd-7f3a!";

/// A small but realistic account: two groups, three users (keys, a password, MFA), three roles
/// (service, OIDC and cross-account trust; permissions boundaries), an OIDC and a SAML
/// provider, tags, a policy with two versions, and an organization it manages.
async fn plant(acct: &TestAccount) -> Planted {
    let iam = acct.iam();
    let id = &acct.account_id;
    let mut secrets = vec![acct.secret_access_key.clone(), acct.session_token.clone()];

    let deploy_arn = iam
        .create_policy()
        .policy_name("DeployPolicy")
        .path("/app/")
        .description("deploys the app")
        .policy_document(doc(json!([{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::artifacts/*"}])))
        .send()
        .await
        .unwrap()
        .policy()
        .unwrap()
        .arn()
        .unwrap()
        .to_owned();
    iam.create_policy_version()
        .policy_arn(&deploy_arn)
        .policy_document(doc(json!([
            {"Sid": "Artifacts", "Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"], "Resource": "arn:aws:s3:::artifacts/*"},
            {"Sid": "Deploy", "Effect": "Allow", "Action": "ecs:UpdateService", "Resource": "*"}
        ])))
        .set_as_default(true)
        .send()
        .await
        .unwrap();
    let boundary_arn = iam
        .create_policy()
        .policy_name("AppBoundary")
        .policy_document(doc(
            json!([{"Effect": "Allow", "Action": ["s3:*", "ecs:*", "logs:*"], "Resource": "*"}]),
        ))
        .send()
        .await
        .unwrap()
        .policy()
        .unwrap()
        .arn()
        .unwrap()
        .to_owned();
    let logs_arn = iam
        .create_policy()
        .policy_name("ReadLogs")
        .policy_document(doc(json!([{"Effect": "Allow", "Action": ["logs:Get*", "logs:Describe*"], "Resource": "*"}])))
        .send()
        .await
        .unwrap()
        .policy()
        .unwrap()
        .arn()
        .unwrap()
        .to_owned();

    iam.create_group()
        .group_name("Developers")
        .path("/eng/")
        .send()
        .await
        .unwrap();
    iam.put_group_policy()
        .group_name("Developers")
        .policy_name("DevInline")
        .policy_document(doc(
            json!([{"Effect": "Allow", "Action": "codecommit:GitPull", "Resource": "*"}]),
        ))
        .send()
        .await
        .unwrap();
    for arn in [logs_arn.as_str(), READ_ONLY] {
        iam.attach_group_policy()
            .group_name("Developers")
            .policy_arn(arn)
            .send()
            .await
            .unwrap();
    }
    iam.create_group()
        .group_name("Admins")
        .send()
        .await
        .unwrap();
    iam.attach_group_policy()
        .group_name("Admins")
        .policy_arn(ADMIN)
        .send()
        .await
        .unwrap();

    // alice: two groups, tags, an inline policy, two access keys (one deactivated, one used).
    iam.create_user()
        .user_name("alice")
        .path("/eng/")
        .tags(
            aws_sdk_iam::types::Tag::builder()
                .key("team")
                .value("platform")
                .build()
                .unwrap(),
        )
        .tags(
            aws_sdk_iam::types::Tag::builder()
                .key("cost-center")
                .value("42")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    for g in ["Developers", "Admins"] {
        iam.add_user_to_group()
            .group_name(g)
            .user_name("alice")
            .send()
            .await
            .unwrap();
    }
    iam.put_user_policy()
        .user_name("alice")
        .policy_name("AliceInline")
        .policy_document(doc(json!([{"Effect": "Deny", "Action": "iam:*", "Resource": "*", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}])))
        .send()
        .await
        .unwrap();
    let mut alice_keys = Vec::new();
    for _ in 0..2 {
        let k = iam
            .create_access_key()
            .user_name("alice")
            .send()
            .await
            .unwrap();
        let k = k.access_key().unwrap();
        alice_keys.push(k.access_key_id().to_owned());
        secrets.push(k.secret_access_key().to_owned());
    }
    iam.update_access_key()
        .user_name("alice")
        .access_key_id(&alice_keys[1])
        .status(aws_sdk_iam::types::StatusType::Inactive)
        .send()
        .await
        .unwrap();
    // Using the first key makes IAM record its last use.
    let alice_secret = secrets[2].clone();
    let as_alice = acct.sdk_config_with(&alice_keys[0], &alice_secret, None);
    aws_sdk_iam::Client::new(&as_alice)
        .get_user()
        .user_name("alice")
        .send()
        .await
        .unwrap();

    // bob: a console password and a virtual MFA device.
    iam.create_user().user_name("bob").send().await.unwrap();
    iam.add_user_to_group()
        .group_name("Developers")
        .user_name("bob")
        .send()
        .await
        .unwrap();
    iam.create_login_profile()
        .user_name("bob")
        .password(BOB_PASSWORD)
        .send()
        .await
        .unwrap();
    secrets.push(BOB_PASSWORD.to_owned());
    let mfa = iam
        .create_virtual_mfa_device()
        .virtual_mfa_device_name("bob")
        .send()
        .await
        .unwrap();
    let mfa = mfa.virtual_mfa_device().unwrap();
    let bob_mfa_serial = mfa.serial_number().to_owned();
    if let Some(seed) = mfa.base32_string_seed() {
        secrets.push(String::from_utf8_lossy(seed.as_ref()).into_owned());
    }
    iam.enable_mfa_device()
        .user_name("bob")
        .serial_number(&bob_mfa_serial)
        .authentication_code1("123456")
        .authentication_code2("654321")
        .send()
        .await
        .unwrap();

    // carol: no group, a directly attached customer policy.
    iam.create_user().user_name("carol").send().await.unwrap();
    iam.attach_user_policy()
        .user_name("carol")
        .policy_arn(&deploy_arn)
        .send()
        .await
        .unwrap();

    let oidc_arn = iam
        .create_open_id_connect_provider()
        .url("https://token.actions.githubusercontent.com")
        .client_id_list("sts.amazonaws.com")
        .thumbprint_list("6938fd4d98bab03faadb97b34396831e3780aea1")
        .send()
        .await
        .unwrap()
        .open_id_connect_provider_arn()
        .unwrap()
        .to_owned();
    let metadata = format!(
        "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"https://idp.example.com\"><!--{}--></md:EntityDescriptor>",
        "padding ".repeat(130)
    );
    let saml_arn = iam
        .create_saml_provider()
        .name("corp-idp")
        .saml_metadata_document(metadata)
        .send()
        .await
        .unwrap()
        .saml_provider_arn()
        .unwrap()
        .to_owned();

    // app-task: ECS service trust, a boundary used by nothing else, tags, a long session.
    iam.create_role()
        .role_name("app-task")
        .path("/service/")
        .description("the app's ECS task role")
        .max_session_duration(7200)
        .assume_role_policy_document(doc(json!([{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}])))
        .permissions_boundary(&boundary_arn)
        .tags(aws_sdk_iam::types::Tag::builder().key("env").value("prod").build().unwrap())
        .send()
        .await
        .unwrap();
    iam.put_role_policy()
        .role_name("app-task")
        .policy_name("AppInline")
        .policy_document(doc(json!([{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": format!("arn:aws:sqs:us-east-1:{id}:jobs")}])))
        .send()
        .await
        .unwrap();
    iam.attach_role_policy()
        .role_name("app-task")
        .policy_arn(&deploy_arn)
        .send()
        .await
        .unwrap();
    // github-deploy: trusted by the OIDC provider for one repository.
    iam.create_role()
        .role_name("github-deploy")
        .assume_role_policy_document(doc(json!([{
            "Effect": "Allow",
            "Principal": {"Federated": oidc_arn},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/app:*"}}
        }])))
        .send()
        .await
        .unwrap();
    // auditor: cross-account trust, an AWS managed policy as boundary.
    iam.create_role()
        .role_name("auditor")
        .assume_role_policy_document(doc(json!([{
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::999988887777:root"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": "audit-2024"}}
        }])))
        .send()
        .await
        .unwrap();
    iam.put_role_permissions_boundary()
        .role_name("auditor")
        .permissions_boundary(READ_ONLY)
        .send()
        .await
        .unwrap();
    iam.attach_role_policy()
        .role_name("auditor")
        .policy_arn(READ_ONLY)
        .send()
        .await
        .unwrap();

    // This account manages an organization: SCPs do not apply to it.
    acct.org()
        .create_organization()
        .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
        .send()
        .await
        .unwrap();

    Planted {
        secrets,
        alice_keys,
        bob_mfa_serial,
        oidc_arn,
        saml_arn,
        deploy_arn,
        boundary_arn,
    }
}

fn user<'a>(a: &'a Account, name: &str) -> &'a iamscope::model::User {
    match a.lookup(name) {
        Ok(EntityRef::User(id)) => a.user(id),
        other => panic!("user {name}: {other:?}"),
    }
}

fn role<'a>(a: &'a Account, name: &str) -> &'a iamscope::model::Role {
    match a.lookup(name) {
        Ok(EntityRef::Role(id)) => a.role(id),
        other => panic!("role {name}: {other:?}"),
    }
}

fn group<'a>(a: &'a Account, name: &str) -> &'a iamscope::model::Group {
    match a.lookup(name) {
        Ok(EntityRef::Group(id)) => a.group(id),
        other => panic!("group {name}: {other:?}"),
    }
}

/// The name of the policy a reference resolved to; a reference that did not resolve fails.
fn resolved<'a>(a: &'a Account, r: &PolicyRef) -> &'a str {
    let id = r
        .policy
        .unwrap_or_else(|| panic!("{} did not resolve", r.arn));
    &a.policy(id).name
}

fn names(a: &Account, refs: &[PolicyRef]) -> BTreeSet<String> {
    refs.iter().map(|r| resolved(a, r).to_owned()).collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// Everything the model holds, checked field by field against what `plant` created.
fn check_planted(a: &Account, acct: &TestAccount, p: &Planted) {
    let id = &acct.account_id;
    assert_eq!(a.info.account_id, *id);
    assert_eq!(a.info.partition, "aws");
    assert_eq!(
        a.info.caller_arn.as_deref(),
        Some(
            format!("arn:aws:sts::{id}:assumed-role/iamscope-live-test/iamscope-live-test")
                .as_str()
        )
    );
    assert!(a.info.fetched_at.is_some());
    assert!(a.info.gaps.is_empty(), "gaps: {:#?}", a.info.gaps);
    let summary = a.info.summary.as_ref().expect("account summary");
    assert_eq!(summary.get("Users"), Some(&3), "{summary:?}");
    assert_eq!(summary.get("Groups"), Some(&2), "{summary:?}");

    // Users.
    assert_eq!(a.users.len(), 3);
    let alice = user(a, "alice");
    assert_eq!(alice.arn, format!("arn:aws:iam::{id}:user/eng/alice"));
    assert_eq!(alice.path, "/eng/");
    assert!(!alice.id.is_empty());
    assert!(alice.created.is_some());
    let tags: Vec<(&str, &str)> = alice
        .tags
        .iter()
        .map(|t| (t.key.as_str(), t.value.as_str()))
        .collect();
    assert_eq!(tags, [("team", "platform"), ("cost-center", "42")]);
    let alice_groups: BTreeSet<&str> = alice
        .groups
        .iter()
        .map(|g| a.group(*g).name.as_str())
        .collect();
    assert_eq!(alice_groups, ["Admins", "Developers"].into_iter().collect());
    assert_eq!(alice.inline_policies.len(), 1);
    assert_eq!(alice.inline_policies[0].name, "AliceInline");
    assert!(alice.attached_policies.is_empty());
    assert!(alice.permissions_boundary.is_none());
    let keys = &alice.credentials.access_keys;
    assert_eq!(keys.len(), 2, "{keys:?}");
    let k0 = keys
        .iter()
        .find(|k| k.id == p.alice_keys[0])
        .expect("first key");
    let k1 = keys
        .iter()
        .find(|k| k.id == p.alice_keys[1])
        .expect("second key");
    assert!(k0.active && !k1.active);
    assert!(k0.created.is_some() && k1.created.is_some());
    assert!(k0.last_used.is_some(), "the first key was used: {k0:?}");
    assert_eq!(k0.last_used_service.as_deref(), Some("iam"));
    assert!(k1.last_used.is_none());
    assert_eq!(alice.credentials.password_enabled, Some(false));
    assert_eq!(alice.credentials.mfa_active, Some(false));

    let bob = user(a, "bob");
    assert_eq!(bob.credentials.password_enabled, Some(true));
    assert_eq!(bob.credentials.mfa_active, Some(true));
    let serials: Vec<&str> = bob
        .credentials
        .mfa_devices
        .iter()
        .map(|d| d.serial.as_str())
        .collect();
    assert_eq!(serials, [p.bob_mfa_serial.as_str()]);
    assert!(bob.credentials.mfa_devices[0].enabled.is_some());
    assert!(bob.credentials.access_keys.is_empty());

    let carol = user(a, "carol");
    assert!(carol.groups.is_empty());
    assert_eq!(names(a, &carol.attached_policies), set(&["DeployPolicy"]));

    // Groups.
    assert_eq!(a.groups.len(), 2);
    let devs = group(a, "Developers");
    assert_eq!(devs.path, "/eng/");
    assert_eq!(devs.arn, format!("arn:aws:iam::{id}:group/eng/Developers"));
    let members: BTreeSet<&str> = devs
        .members
        .iter()
        .map(|u| a.user(*u).name.as_str())
        .collect();
    assert_eq!(members, ["alice", "bob"].into_iter().collect());
    assert_eq!(devs.inline_policies[0].name, "DevInline");
    assert_eq!(
        names(a, &devs.attached_policies),
        set(&["ReadLogs", "ReadOnlyAccess"])
    );
    assert_eq!(
        names(a, &group(a, "Admins").attached_policies),
        set(&["AdministratorAccess"])
    );

    // Roles.
    assert_eq!(a.roles.len(), 3);
    let app = role(a, "app-task");
    assert_eq!(app.arn, format!("arn:aws:iam::{id}:role/service/app-task"));
    assert_eq!(app.path, "/service/");
    assert_eq!(app.max_session_duration, Some(7200));
    assert_eq!(app.description.as_deref(), Some("the app's ECS task role"));
    assert_eq!(app.tags.len(), 1);
    assert_eq!(
        (app.tags[0].key.as_str(), app.tags[0].value.as_str()),
        ("env", "prod")
    );
    let trust = app
        .trust_policy
        .as_ref()
        .expect("trust policy")
        .to_json_pretty();
    assert!(trust.contains("ecs-tasks.amazonaws.com"), "{trust}");
    assert_eq!(app.inline_policies[0].name, "AppInline");
    assert_eq!(names(a, &app.attached_policies), set(&["DeployPolicy"]));
    let b = app.permissions_boundary.as_ref().expect("boundary");
    assert_eq!(b.arn, p.boundary_arn);
    assert_eq!(resolved(a, b), "AppBoundary");

    let gh = role(a, "github-deploy");
    assert_eq!(gh.max_session_duration, Some(3600));
    let trust = gh.trust_policy.as_ref().unwrap().to_json_pretty();
    assert!(
        trust.contains(&p.oidc_arn) && trust.contains("repo:acme/app:*"),
        "{trust}"
    );

    let auditor = role(a, "auditor");
    assert_eq!(
        resolved(a, auditor.permissions_boundary.as_ref().unwrap()),
        "ReadOnlyAccess"
    );
    assert_eq!(
        names(a, &auditor.attached_policies),
        set(&["ReadOnlyAccess"])
    );
    assert!(auditor.last_used.is_some());

    // Managed policies: the customer ones, and the AWS managed ones the account references.
    let deploy = match a.lookup(&p.deploy_arn) {
        Ok(EntityRef::Policy(pid)) => a.policy(pid),
        other => panic!("{other:?}"),
    };
    assert_eq!(deploy.name, "DeployPolicy");
    assert_eq!(deploy.path, "/app/");
    assert_eq!(deploy.default_version_id.as_deref(), Some("v2"));
    let versions: Vec<(&str, bool)> = deploy
        .versions
        .iter()
        .map(|v| (v.version_id.as_str(), v.is_default))
        .collect();
    assert_eq!(versions, [("v1", false), ("v2", true)]);
    let current = deploy
        .default_document()
        .expect("default document")
        .to_json_pretty();
    assert!(current.contains("ecs:UpdateService"), "{current}");
    for arn in [READ_ONLY, ADMIN] {
        match a.lookup(arn) {
            Ok(EntityRef::Policy(pid)) => {
                assert!(a.policy(pid).is_aws_managed());
                assert!(
                    a.policy(pid).default_document().is_some(),
                    "{arn} has no document"
                );
            }
            other => panic!("{arn}: {other:?}"),
        }
    }

    // Identity providers.
    assert_eq!(a.oidc_providers.len(), 1);
    let oidc = &a.oidc_providers[0];
    assert_eq!(oidc.arn, p.oidc_arn);
    assert!(
        oidc.url.contains("token.actions.githubusercontent.com"),
        "{}",
        oidc.url
    );
    assert_eq!(oidc.client_ids, ["sts.amazonaws.com"]);
    assert_eq!(
        oidc.thumbprints,
        ["6938fd4d98bab03faadb97b34396831e3780aea1"]
    );
    assert_eq!(a.saml_providers.len(), 1);
    assert_eq!(a.saml_providers[0].arn, p.saml_arn);
    assert!(a.saml_providers[0].valid_until.is_some());

    // The management account of an organization: no SCP applies, and nothing is missing.
    assert!(a.scps.is_empty());
}

fn assert_no_secrets(json: &str, secrets: &[String]) {
    assert!(
        secrets.len() >= 5,
        "the test must plant secrets to look for"
    );
    for s in secrets {
        assert!(!s.is_empty());
        assert!(
            !json.contains(s.as_str()),
            "the snapshot contains a secret: {s}"
        );
    }
    // As JSON keys: policy documents may name actions like `sts:GetSessionToken`.
    for field in [
        "SecretAccessKey",
        "SessionToken",
        "Password",
        "Base32StringSeed",
    ] {
        let key = format!("\"{field}\":");
        assert!(!json.contains(&key), "the snapshot has a {field} field");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetches_a_realistic_account_field_by_field_and_the_snapshot_reloads_identically() {
    let endpoint = live::moto_endpoint();
    let acct = TestAccount::new(&endpoint, 1).await;
    let planted = plant(&acct).await;

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let fetched = fetch_with_stats(&acct.options(&endpoint), Some(tx))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let snapshot = fetched.snapshot;

    // The header.
    let h = snapshot.header.as_ref().expect("header");
    assert_eq!(h.format_version, wire::SNAPSHOT_FORMAT_VERSION);
    assert_eq!(h.account_id.as_deref(), Some(acct.account_id.as_str()));
    assert_eq!(h.partition.as_deref(), Some("aws"));
    assert_eq!(h.source.as_deref(), Some("live"));
    let fetched_at = h.fetched_at.as_deref().unwrap();
    assert!(
        fetched_at.parse::<jiff::Timestamp>().is_ok() && fetched_at.ends_with('Z'),
        "{fetched_at}"
    );

    // The model, field by field.
    let account = convert::to_account(
        snapshot.clone(),
        SourceKind::Live {
            profile: Some(PROFILE.into()),
        },
        "live",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    check_planted(&account, &acct, &planted);

    // The written snapshot holds no secret and reloads to the same account.
    let json = serde_json::to_string_pretty(&snapshot).unwrap();
    assert_no_secrets(&json, &planted.secrets);
    let path = acct.dir.path().join("snapshot.json");
    std::fs::write(&path, &json).unwrap();
    let mut reloaded = read_file(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        reloaded.source,
        SourceKind::Snapshot(path.display().to_string())
    );
    reloaded.source = account.source.clone();
    assert!(
        reloaded == account,
        "the reloaded snapshot differs from the fetched account"
    );

    // Progress: the caller, every phase started and finished, and the final stats.
    let mut events = Vec::new();
    while let Ok(e) = rx.try_recv() {
        events.push(e);
    }
    let mut gauge = Gauge::new();
    let mut last = 0.0;
    for e in &events {
        gauge.update(e);
        assert!(
            gauge.fraction() >= last - 1e-9,
            "the gauge went back at {e:?}"
        );
        last = gauge.fraction();
    }
    assert_eq!(gauge.fraction(), 1.0);
    assert!(
        matches!(events.first(), Some(Progress::Started(Phase::Identity))),
        "{:?}",
        events.first()
    );
    assert!(events.iter().any(
        |e| matches!(e, Progress::Connected { account_id, .. } if *account_id == acct.account_id)
    ));
    for phase in Phase::ALL {
        assert!(
            events.contains(&Progress::Started(phase)),
            "{phase:?} did not start"
        );
        assert!(
            events.contains(&Progress::Finished(phase)),
            "{phase:?} did not finish"
        );
    }
    assert!(events.iter().any(|e| matches!(
        e,
        Progress::Advanced {
            phase: Phase::UserCredentials,
            done: 3,
            total: Some(3)
        }
    )));
    let Some(Progress::Done(stats)) = events.last() else {
        panic!("the last event is not Done: {:?}", events.last());
    };
    assert_eq!(*stats, fetched.stats);
    assert_eq!(
        (stats.users, stats.groups, stats.roles, stats.gaps),
        (3, 2, 3, 0)
    );
    // STS, the bulk call, 3 referenced AWS policies x2, ListRoles, OIDC x2, SAML, summary,
    // report x2+, 3 users x2 + 2 keys' last use, organization: well over 20.
    assert!(stats.api_calls >= 20, "{stats:?}");
    assert!(stats.attempts >= stats.api_calls);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_mode_and_paginated_listings_through_load_account() {
    let endpoint = live::moto_endpoint();
    let acct = TestAccount::new(&endpoint, 2).await;
    let iam = acct.iam();
    let trust = doc(
        json!([{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]),
    );
    for i in 0..5 {
        iam.create_role()
            .role_name(format!("fn-{i}"))
            .assume_role_policy_document(&trust)
            .max_session_duration(3600 * (i + 1))
            .send()
            .await
            .unwrap();
    }
    iam.put_role_permissions_boundary()
        .role_name("fn-0")
        .permissions_boundary(READ_ONLY)
        .send()
        .await
        .unwrap();

    // Through a fault-free proxy, to count what reached the server.
    let proxy = proxy::start(&endpoint, proxy::Faults::default()).await;
    let mut opts = acct.options(&proxy.url);
    opts.aws_managed_policies = AwsManagedPolicies::Bulk;
    opts.page_size = 2;
    let account = aws::load_account(&opts, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(
        account.source,
        SourceKind::Live {
            profile: Some(PROFILE.into())
        }
    );
    // ListRoles pages by two: 5 roles take 3 pages, and every role got its session limit.
    assert_eq!(proxy.stats.count("ListRoles"), 3);
    let mut durations: Vec<u32> = account
        .roles
        .iter()
        .map(|r| r.max_session_duration.unwrap())
        .collect();
    durations.sort_unstable();
    assert_eq!(durations, [3600, 7200, 10800, 14400, 18000]);
    // Bulk mode lists the AWS managed policies in the bulk call (moto lists them all): no
    // policy was read on its own.
    assert!(account.policies.len() > 100, "{}", account.policies.len());
    assert_eq!(proxy.stats.count("GetPolicy"), 0);
    assert_eq!(
        resolved(
            &account,
            role(&account, "fn-0")
                .permissions_boundary
                .as_ref()
                .unwrap()
        ),
        "ReadOnlyAccess"
    );
    assert!(account.info.gaps.is_empty(), "{:?}", account.info.gaps);
}

/// Throttling and 5xx answers are retried with backoff and change nothing in the result.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_and_server_errors_end_in_the_same_account() {
    let endpoint = live::moto_endpoint();
    let acct = TestAccount::new(&endpoint, 3).await;
    let planted = plant(&acct).await;

    let clean = aws::fetch(&acct.options(&endpoint), None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let proxy = proxy::start(
        &endpoint,
        proxy::Faults {
            every_nth: 3,
            max_faults: 8,
            deny: Vec::new(),
        },
    )
    .await;
    let mut opts = acct.options(&proxy.url);
    // Faults hit every third request; a call whose retries all land on one would be bad luck,
    // not a bug, so give calls room.
    opts.max_attempts = 8;
    let faulty = fetch_with_stats(&opts, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(proxy.stats.faults(), 8, "the proxy injected too few faults");
    assert_eq!(
        proxy
            .stats
            .throttled
            .load(std::sync::atomic::Ordering::SeqCst),
        4
    );
    assert_eq!(
        proxy
            .stats
            .server_errors
            .load(std::sync::atomic::Ordering::SeqCst),
        4
    );
    assert!(
        faulty.stats.attempts >= faulty.stats.api_calls + 8,
        "retries were not counted: {:?}",
        faulty.stats
    );

    let strip = |mut s: wire::Snapshot| {
        if let Some(h) = s.header.as_mut() {
            h.fetched_at = None;
        }
        s
    };
    let account = convert::to_account(
        faulty.snapshot.clone(),
        SourceKind::Live { profile: None },
        "live",
    )
    .unwrap();
    check_planted(&account, &acct, &planted);
    assert!(
        strip(clean) == strip(faulty.snapshot),
        "faults changed the snapshot"
    );
}

/// A part the caller may not read becomes a gap; everything else still loads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_denied_part_is_a_gap_and_the_rest_loads() {
    let endpoint = live::moto_endpoint();
    let acct = TestAccount::new(&endpoint, 4).await;
    let planted = plant(&acct).await;
    let proxy = proxy::start(
        &endpoint,
        proxy::Faults {
            deny: [
                "ListMFADevices",
                "GenerateCredentialReport",
                "GetAccessKeyLastUsed",
                "DescribeOrganization",
                "ListOpenIDConnectProviders",
            ]
            .map(String::from)
            .to_vec(),
            ..proxy::Faults::default()
        },
    )
    .await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let account = aws::load_account(&acct.options(&proxy.url), Some(tx))
        .await
        .unwrap_or_else(|e| panic!("a denied part must not fail the fetch: {e}"));

    let gaps: Vec<(&str, &str)> = account
        .info
        .gaps
        .iter()
        .map(|g| (g.part.as_str(), g.reason.as_str()))
        .collect();
    let parts: Vec<&str> = gaps.iter().map(|g| g.0).collect();
    assert_eq!(
        parts,
        [
            "MFA devices",
            "OIDC providers",
            "access key last use",
            "credential report",
            "service control policies"
        ],
        "{gaps:#?}"
    );
    for (part, reason) in &gaps {
        assert!(reason.starts_with("access denied"), "{part}: {reason}");
    }
    assert!(gaps[0].1.contains("iam:ListMFADevices"), "{:?}", gaps[0]);
    // Each denied operation is tried for one user at most at a time, not for all of them
    // after the first denial has been seen.
    assert!(proxy.stats.count("ListMFADevices") <= 3);
    let mut gap_events = 0;
    while let Ok(e) = rx.try_recv() {
        gap_events += usize::from(matches!(e, Progress::Gap(_)));
    }
    assert_eq!(gap_events, 5);

    // What was readable is all there.
    assert_eq!(account.users.len(), 3);
    assert_eq!(account.roles.len(), 3);
    let alice = user(&account, "alice");
    assert_eq!(alice.credentials.access_keys.len(), 2);
    assert!(
        alice
            .credentials
            .access_keys
            .iter()
            .all(|k| k.last_used.is_none())
    );
    // Without the report or the MFA listing, nothing is known about passwords or MFA.
    assert_eq!(user(&account, "bob").credentials.password_enabled, None);
    assert!(user(&account, "bob").credentials.mfa_devices.is_empty());
    assert!(account.oidc_providers.is_empty());
    assert_eq!(account.saml_providers.len(), 1);
    assert_eq!(role(&account, "app-task").max_session_duration, Some(7200));
    assert_eq!(
        resolved(
            &account,
            role(&account, "app-task")
                .permissions_boundary
                .as_ref()
                .unwrap()
        ),
        "AppBoundary"
    );
    let _ = planted;
}

/// Only the bulk call is fatal, and its error names the missing permission.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_denied_bulk_call_fails_and_names_the_permission() {
    let endpoint = live::moto_endpoint();
    let acct = TestAccount::new(&endpoint, 5).await;
    let proxy = proxy::start(
        &endpoint,
        proxy::Faults {
            deny: vec!["GetAccountAuthorizationDetails".into()],
            ..proxy::Faults::default()
        },
    )
    .await;
    let err = aws::fetch(&acct.options(&proxy.url), None)
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::BulkDenied { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("iam:GetAccountAuthorizationDetails"),
        "{text}"
    );
    assert!(
        text.contains(&acct.account_id),
        "the message names the caller: {text}"
    );
    assert!(text.contains("--snapshot"), "{text}");
    // Denials are not retried.
    assert_eq!(proxy.stats.count("GetAccountAuthorizationDetails"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_account_cannot_read_its_scps_and_says_so() {
    let endpoint = live::moto_endpoint();
    let manager = TestAccount::new(&endpoint, 6).await;
    let org = manager.org();
    org.create_organization()
        .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
        .send()
        .await
        .unwrap();
    let root = org.list_roots().send().await.unwrap().roots()[0]
        .id()
        .unwrap()
        .to_owned();
    org.enable_policy_type()
        .root_id(&root)
        .policy_type(aws_sdk_organizations::types::PolicyType::ServiceControlPolicy)
        .send()
        .await
        .unwrap();
    let member_id = org
        .create_account()
        .email("member@example.com")
        .account_name("member")
        .send()
        .await
        .unwrap()
        .create_account_status()
        .unwrap()
        .account_id()
        .unwrap()
        .to_owned();
    let member = TestAccount::assume(&endpoint, &member_id).await;
    member
        .iam()
        .create_user()
        .user_name("dave")
        .send()
        .await
        .unwrap();

    let account = aws::load_account(&member.options(&endpoint), None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(account.info.account_id, member_id);
    assert_eq!(account.users.len(), 1);
    assert!(account.scps.is_empty());
    let gap = account
        .info
        .gaps
        .iter()
        .find(|g| g.part == "service control policies")
        .unwrap_or_else(|| panic!("no SCP gap: {:?}", account.info.gaps));
    assert!(gap.reason.contains("organizations:"), "{gap:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_credentials_and_unreachable_endpoints_fail_fast_and_clearly() {
    let endpoint = live::moto_endpoint();
    let acct = TestAccount::new(&endpoint, 7).await;

    // A profile that is not in the config file.
    let mut opts = acct.options(&endpoint);
    opts.profile = Some("no-such-profile".into());
    let started = std::time::Instant::now();
    let err = aws::fetch(&opts, None).await.unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(
            err,
            FetchError::NoCredentials { .. } | FetchError::Credentials { .. }
        ),
        "{err:?}"
    );
    for flag in ["--profile", "--demo", "--snapshot"] {
        assert!(text.contains(flag), "{text}");
    }
    assert!(text.contains("no-such-profile"), "{text}");
    assert!(started.elapsed() < Duration::from_secs(10));

    // Nothing listens on the endpoint.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let mut opts = acct.options(&dead);
    opts.max_attempts = 2;
    let started = std::time::Instant::now();
    let err = aws::fetch(&opts, None).await.unwrap_err();
    assert!(matches!(err, FetchError::Unreachable { .. }), "{err:?}");
    assert!(
        err.to_string().contains(&dead) && err.to_string().contains("--endpoint-url"),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));

    // Options are checked before anything else.
    let mut opts = acct.options(&endpoint);
    opts.page_size = 0;
    assert!(matches!(
        aws::fetch(&opts, None).await,
        Err(FetchError::Options(_))
    ));
}

/// `iamscope fetch` writes the snapshot the other commands read; without `--snapshot`, the
/// commands fetch the live account themselves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fetch_command_writes_a_snapshot_and_commands_read_live_accounts() {
    let endpoint = live::moto_endpoint();
    let acct = TestAccount::new(&endpoint, 8).await;
    let iam = acct.iam();
    iam.create_user().user_name("erin").send().await.unwrap();
    let key = iam
        .create_access_key()
        .user_name("erin")
        .send()
        .await
        .unwrap();
    let secret = key.access_key().unwrap().secret_access_key().to_owned();

    // A clean environment: credentials only from the profile in the test's config file.
    let home = acct.dir.path();
    let iamscope = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_iamscope"))
            .args(args)
            .env_clear()
            .env("HOME", home)
            .env("AWS_CONFIG_FILE", acct.config_path())
            .env("AWS_SHARED_CREDENTIALS_FILE", home.join("no-credentials"))
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .output()
            .unwrap()
    };
    let live = ["--profile", PROFILE, "--endpoint-url", endpoint.as_str()];

    let out = home.join("cli-snapshot.json");
    let out_arg = out.display().to_string();
    let mut args = vec!["fetch", "--out", out_arg.as_str()];
    args.extend(live);
    let run = iamscope(&args);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    assert!(run.stdout.is_empty(), "the snapshot goes to the file only");
    assert!(
        stderr.contains(&format!("wrote {out_arg}: account {}", acct.account_id))
            && stderr.contains("1 users"),
        "{stderr}"
    );
    let json = std::fs::read_to_string(&out).unwrap();
    assert!(!json.contains(&secret) && !json.contains(&acct.secret_access_key));
    let account = read_file(&out).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(account.users.len(), 1);
    assert_eq!(account.users[0].credentials.access_keys.len(), 1);

    // `--out -`: the snapshot on stdout.
    let mut args = vec!["fetch", "--out", "-"];
    args.extend(live);
    let run = iamscope(&args);
    assert!(run.status.success());
    let snapshot = iamscope::source::parse_snapshot(&run.stdout, "stdout").unwrap();
    assert_eq!(snapshot.user_detail_list[0].user_name, "erin");

    // Any command reads the live account when given no --demo or --snapshot.
    let mut args = vec!["ls", "users", "--format", "json"];
    args.extend(live);
    let run = iamscope(&args);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(String::from_utf8_lossy(&run.stdout).contains("erin"));

    // Errors: an unknown profile, and fetch of a non-live source.
    let run = iamscope(&[
        "fetch",
        "--out",
        "x.json",
        "--profile",
        "nope",
        "--endpoint-url",
        &endpoint,
    ]);
    assert_eq!(run.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("--profile") && stderr.contains("--demo") && stderr.contains("--snapshot"),
        "{stderr}"
    );
    let run = iamscope(&["fetch", "--demo", "--out", "x.json"]);
    assert_eq!(run.status.code(), Some(1));
}

/// No credentials anywhere, and an instance metadata service that accepts connections but never
/// answers: the tool gives up within seconds and says what to do.
#[test]
fn a_hanging_instance_metadata_service_does_not_hang_the_tool() {
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = silent.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in silent.incoming().flatten() {
            held.push(conn);
        }
    });
    let home = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_iamscope"))
        .args(["ls", "users"])
        .env_clear()
        .env("HOME", home.path())
        .env(
            "AWS_EC2_METADATA_SERVICE_ENDPOINT",
            format!("http://{addr}"),
        )
        .output()
        .unwrap();
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(took < Duration::from_secs(20), "took {took:?}: {stderr}");
    for flag in ["--profile", "--demo", "--snapshot"] {
        assert!(stderr.contains(flag), "{stderr}");
    }
}
