//! Privilege escalation on the demo account and on small purpose-built accounts. The
//! benchmark-like account (every technique, every trap) is in `tests/scan_privesc.rs`.

use jiff::Timestamp;
use serde_json::{Value, json};

use super::*;
use crate::analysis::effective::Effective;
use crate::analysis::rules::test_support;
use crate::model::SourceKind;
use crate::source::{self, demo};

fn now() -> Timestamp {
    "2026-11-01T09:00:00Z".parse().unwrap()
}

fn escalations(account: &Account) -> Vec<(String, &'static str, Outcome)> {
    let eff = Effective::new(account, now());
    analyze(&eff)
        .into_iter()
        .map(|e| {
            (
                e.principal.name(account).to_owned(),
                e.technique.id,
                e.outcome,
            )
        })
        .collect()
}

fn account(users: Value, roles: Value, policies: Value) -> Account {
    account_with_groups(users, json!([]), roles, policies)
}

fn account_with_groups(users: Value, groups: Value, roles: Value, policies: Value) -> Account {
    let v = json!({
        "iamscope": {"format_version": 1, "account_id": "123456789012", "partition": "aws",
                     "fetched_at": "2026-11-01T09:00:00Z"},
        "UserDetailList": users, "GroupDetailList": groups, "RoleDetailList": roles,
        "Policies": policies
    });
    let text = v.to_string();
    let snap = source::parse_snapshot(text.as_bytes(), "t").unwrap();
    source::convert::to_account(snap, SourceKind::Demo, "t").unwrap()
}

fn user(name: &str, statements: Value, attached: &[&str]) -> Value {
    json!({
        "UserName": name, "UserId": format!("AIDA{name}"), "Path": "/",
        "Arn": format!("arn:aws:iam::123456789012:user/{name}"), "GroupList": [],
        "UserPolicyList": [{"PolicyName": "own", "PolicyDocument": {"Version": "2012-10-17", "Statement": statements}}],
        "AttachedManagedPolicies": attached.iter().map(|p| json!({"PolicyName": p, "PolicyArn": format!("arn:aws:iam::123456789012:policy/{p}")})).collect::<Vec<_>>(),
    })
}

fn policy(name: &str, versions: Value) -> Value {
    let default = versions
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["IsDefaultVersion"] == json!(true))
        .unwrap()["VersionId"]
        .clone();
    json!({"PolicyName": name, "PolicyId": format!("ANPA{name}"), "Arn": format!("arn:aws:iam::123456789012:policy/{name}"),
           "Path": "/", "DefaultVersionId": default, "AttachmentCount": 1, "IsAttachable": true,
           "PolicyVersionList": versions})
}

fn version(id: &str, default: bool, statements: Value) -> Value {
    json!({"VersionId": id, "IsDefaultVersion": default,
           "Document": {"Version": "2012-10-17", "Statement": statements}})
}

#[test]
fn demo_escalations_are_the_planted_one_and_the_legacy_admin_role() {
    let a = demo::account().unwrap();
    let found = escalations(&a);
    assert!(
        found.contains(&("dave".into(), "iam-create-policy-version", Outcome::Always)),
        "{found:?}"
    );
    for well_scoped in [
        "MyAppTaskRole",
        "ecsTaskExecutionRole",
        "WebTaskRole",
        "WorkerTaskRole",
        "CronTaskRole",
        "GitHubActionsDeployRole",
        "ImageProcessingLambdaRole",
        "StagingCrossAccountRole",
    ] {
        assert!(
            found.iter().all(|(n, _, _)| n != well_scoped),
            "{well_scoped}: {found:?}"
        );
    }
    // Administrators are not escalations; release-bot can pass any role, but only to ECS,
    // where no role is more powerful than it.
    for name in [
        "ci-deploy",
        "LegacyAdminRole",
        "release-bot",
        "alice",
        "bob",
        "erin",
    ] {
        assert!(found.iter().all(|(n, _, _)| n != name), "{name}: {found:?}");
    }
}

#[test]
fn dave_finding_names_policy_statement_and_fix() {
    let a = demo::account().unwrap();
    let eff = Effective::new(&a, now());
    let f: Vec<Finding> = findings(&eff)
        .into_iter()
        .filter(|f| f.rule == "privesc.iam-create-policy-version")
        .collect();
    assert_eq!(f.len(), 1);
    let f = &f[0];
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(
        f.path,
        vec![
            "arn:aws:iam::123456789012:user/dave",
            "iam:CreatePolicyVersion (arn:aws:iam::123456789012:policy/DaveToolsAccess)",
            "arn:aws:iam::123456789012:user/dave",
        ]
    );
    assert_eq!(f.evidence.len(), 1);
    assert_eq!(&*f.evidence[0].policy, "ManageOwnTools");
    assert_eq!(f.evidence[0].statement.to_string(), "MaintainToolsPolicy");
    assert!(f.fix.contains("CreatePolicyVersion"));
}

#[test]
fn set_default_version_needs_a_more_powerful_version() {
    let admin = json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]);
    let small = json!([{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}]);
    let set_default =
        json!([{"Effect": "Allow", "Action": "iam:SetDefaultPolicyVersion", "Resource": "*"}]);
    let a = account(
        json!([
            user("lucky", set_default.clone(), &["WithAdminVersion"]),
            user("unlucky", set_default, &["OnlySmall"])
        ]),
        json!([]),
        json!([
            policy(
                "WithAdminVersion",
                json!([
                    version("v1", true, small.clone()),
                    version("v2", false, admin)
                ])
            ),
            policy(
                "OnlySmall",
                json!([
                    version("v1", true, small.clone()),
                    version("v2", false, small)
                ])
            ),
        ]),
    );
    let found = escalations(&a);
    assert_eq!(
        found,
        vec![(
            "lucky".into(),
            "iam-set-default-policy-version",
            Outcome::Always
        )]
    );
}

#[test]
fn a_full_key_slot_needs_delete_access_key_too() {
    let admin = json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]);
    let mut boss = user("boss", admin, &[]);
    boss["UserPolicyList"][0]["PolicyName"] = json!("admin");
    // Both aim at boss only (a key for rotator would be a way up too).
    let create = json!([{"Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": "arn:aws:iam::123456789012:user/boss"}]);
    let both = json!([{"Effect": "Allow", "Action": ["iam:CreateAccessKey", "iam:DeleteAccessKey"], "Resource": "*"}]);
    let mut v = json!({
        "iamscope": {"format_version": 1, "account_id": "123456789012", "partition": "aws",
                     "fetched_at": "2026-11-01T09:00:00Z"},
        "UserDetailList": [boss, user("creator", create, &[]), user("rotator", both, &[])],
        "GroupDetailList": [], "RoleDetailList": [], "Policies": [],
        "AccessKeys": [
            {"UserName": "boss", "AccessKeyId": "AKIA1", "Status": "Active", "CreateDate": "2026-10-01T00:00:00Z"},
            {"UserName": "boss", "AccessKeyId": "AKIA2", "Status": "Inactive", "CreateDate": "2026-10-02T00:00:00Z"}
        ]
    });
    let text = v.take().to_string();
    let snap = source::parse_snapshot(text.as_bytes(), "t").unwrap();
    let a = source::convert::to_account(snap, SourceKind::Demo, "t").unwrap();
    let found = escalations(&a);
    assert_eq!(
        found,
        vec![("rotator".into(), "iam-create-access-key", Outcome::Always)]
    );
}

#[test]
fn a_boundary_caps_what_a_written_policy_gives() {
    // The user may write its own policies, but its boundary allows only s3 and that: adding an
    // administrator policy gives it s3, not administrator.
    let mut u = user(
        "capped",
        json!([{"Effect": "Allow", "Action": ["iam:PutUserPolicy", "s3:*"], "Resource": "*"}]),
        &[],
    );
    u["PermissionsBoundary"] = json!({"PermissionsBoundaryType": "Policy",
        "PermissionsBoundaryArn": "arn:aws:iam::123456789012:policy/Cap"});
    let cap = policy(
        "Cap",
        json!([version(
            "v1",
            true,
            json!([{"Effect": "Allow", "Action": ["iam:PutUserPolicy", "s3:*"], "Resource": "*"}])
        )]),
    );
    let a = account(json!([u]), json!([]), json!([cap]));
    assert!(escalations(&a).is_empty());
}

#[test]
fn joining_an_admin_group_does_not_lift_a_deny() {
    // Both may add themselves to the administrators' group; a Deny of their own keeps
    // Mallory from being administrator there, as it would with any policy added.
    let join = json!({"Effect": "Allow", "Action": "iam:AddUserToGroup",
                      "Resource": "arn:aws:iam::123456789012:group/admins"});
    let trudy = user("trudy", json!([join]), &[]);
    let mallory = user(
        "mallory",
        json!([join, {"Effect": "Deny", "Action": "s3:*", "Resource": "*"}]),
        &[],
    );
    let admins = json!({"GroupName": "admins", "GroupId": "AGPAadmins", "Path": "/",
        "Arn": "arn:aws:iam::123456789012:group/admins",
        "GroupPolicyList": [{"PolicyName": "all", "PolicyDocument": {"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}}],
        "AttachedManagedPolicies": []});
    let a = account_with_groups(
        json!([trudy, mallory]),
        json!([admins]),
        json!([]),
        json!([]),
    );
    assert_eq!(
        escalations(&a),
        vec![("trudy".to_owned(), "iam-add-user-to-group", Outcome::Always)]
    );
}

#[test]
fn techniques_fit_in_a_mask() {
    // `Analysis::combos` keeps a bit per technique in a u128.
    assert!(TECHNIQUES.len() <= 128, "{} techniques", TECHNIQUES.len());
}

#[test]
fn passes_shared_with_a_helper_find_the_same() {
    let a = test_support::every_technique_account();
    let summary = |fs: Vec<Finding>| -> Vec<(String, Vec<String>, Vec<Evidence>)> {
        fs.into_iter().map(|f| (f.id, f.path, f.evidence)).collect()
    };
    let alone = summary(findings(&Effective::new(&a, now())));
    assert!(alone.len() > 50, "{}", alone.len());
    let graph = Arc::new(TrustGraph::build(&a));
    // The helper takes every turn: the analysis only merges its answers.
    let sharing = Sharing::default();
    let helper = Effective::new(&a, now());
    let helped = help(&helper, graph.clone(), &sharing);
    assert!(!helped.found.is_empty() && !helped.caps.is_empty() && !helped.steps.is_empty());
    assert!(!helped.service_steps.is_empty());
    // Findings of other analyses are merged in.
    let others = crate::analysis::rules::scan(&demo::account().unwrap(), now());
    let merged = findings_with(
        Effective::new(&a, now()),
        || graph.clone(),
        &sharing,
        || helped,
        || others.clone(),
    );
    let expected =
        crate::analysis::findings::merge(others.clone(), findings(&Effective::new(&a, now())));
    assert_eq!(summary(merged), summary(expected));
    // Both at once, however the turns fall; the helper then makes escalations the analysis
    // hands out into findings, with its own answers.
    let sharing = Sharing::default();
    let (helped_out, helped_in) = std::sync::mpsc::channel();
    let shared = std::thread::scope(|s| {
        let (a, graph, sharing) = (&a, &graph, &sharing);
        let helper = s.spawn(move || {
            let eff = Effective::new(a, now());
            helped_out.send(help(&eff, graph.clone(), sharing)).unwrap();
            findings_handed_out(&eff, sharing)
        });
        findings_with(
            Effective::new(a, now()),
            || graph.clone(),
            sharing,
            || helped_in.recv().unwrap(),
            || helper.join().unwrap(),
        )
    });
    assert_eq!(summary(shared), alone);
}

#[test]
fn handed_out_escalations_become_the_analysis_findings_in_output_order() {
    let a = test_support::every_technique_account();
    let eff = Effective::new(&a, now());
    let summary = |fs: Vec<Finding>| -> Vec<(String, Vec<String>, Vec<Evidence>)> {
        fs.into_iter().map(|f| (f.id, f.path, f.evidence)).collect()
    };
    // Made one by one and sorted by the findings' own order.
    let mut expected: Vec<Finding> = analyze(&eff).into_iter().map(|e| finding(&a, e)).collect();
    crate::analysis::findings::sort(&mut expected);
    let expected = summary(expected);
    let mut escalations = Analysis::new(&eff, Box::new(|| Arc::new(TrustGraph::build(&a)))).run(
        &Sharing::default(),
        Helped::default,
        false,
    );
    assert!(escalations.len() > 50, "{}", escalations.len());
    // Out of order, in small batches, taken by two threads as they fall; each thread's
    // findings come out in output order, with the first AssumeRole step's evidence asked of
    // its own answers.
    escalations.reverse();
    let sharing = Sharing::default();
    for batch in escalations.chunks(7) {
        sharing.handed_out.hand_out(batch.to_vec());
    }
    sharing.handed_out.close();
    let (mine, theirs) = std::thread::scope(|s| {
        let theirs = s.spawn(|| findings_handed_out(&Effective::new(&a, now()), &sharing));
        let mine = findings_handed_out(&Effective::new(&a, now()), &sharing);
        (mine, theirs.join().unwrap())
    });
    let merged = crate::analysis::findings::merge_disjoint(mine, theirs);
    assert_eq!(summary(merged), expected);
    assert_eq!(summary(findings(&eff)), expected);
}

#[test]
fn taking_handed_out_escalations_waits_until_there_are_some_or_none_will_come() {
    let handed_out = HandedOut::default();
    let a = test_support::every_technique_account();
    let one = analyze(&Effective::new(&a, now())).remove(0);
    std::thread::scope(|s| {
        let taker = s.spawn(|| handed_out.take().map(|b| b.len()));
        std::thread::sleep(std::time::Duration::from_millis(30));
        assert!(!taker.is_finished(), "nothing handed out yet");
        handed_out.hand_out(vec![one.clone(), one.clone()]);
        assert_eq!(taker.join().unwrap(), Some(2));
        let taker = s.spawn(|| handed_out.take().map(|b| b.len()));
        std::thread::sleep(std::time::Duration::from_millis(30));
        assert!(!taker.is_finished(), "not closed yet");
        handed_out.hand_out(vec![one.clone()]);
        handed_out.close();
        assert_eq!(taker.join().unwrap(), Some(1));
        assert_eq!(handed_out.take().map(|b| b.len()), None, "closed and empty");
    });
    // An analysis that fails closes it through its promise.
    let sharing = Sharing::default();
    drop(sharing.promise_admins());
    assert!(sharing.handed_out.take().is_none());
}

#[test]
fn a_failing_analysis_releases_threads_waiting_for_its_escalations() {
    let a = test_support::every_technique_account();
    let graph = Arc::new(TrustGraph::build(&a));
    let sharing = Sharing::default();
    std::thread::scope(|s| {
        let taker = s.spawn(|| findings_handed_out(&Effective::new(&a, now()), &sharing));
        let failed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            findings_with(
                Effective::new(&a, now()),
                || graph.clone(),
                &sharing,
                || panic!("the helper failed"),
                Vec::new,
            )
        }));
        assert!(failed.is_err());
        // Without its escalations, instead of waiting for ever.
        assert!(taker.join().unwrap().is_empty());
    });
}

#[test]
fn new_compute_runs_only_as_roles_it_can_take() {
    // Eve may pass any role and run instances; every role trusts EC2. An instance runs as a
    // role only through an instance profile, and a service-linked role is the service's own.
    let role = |name: &str, path: &str, admin: bool, profile: bool| {
        let mut r = test_support::role(name, test_support::trust_service("ec2.amazonaws.com"));
        r["Path"] = json!(path);
        r["Arn"] = json!(format!("arn:aws:iam::123456789012:role{path}{name}"));
        if admin {
            r["RolePolicyList"] = json!([{"PolicyName": "all", "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}}]);
        }
        if profile {
            r["InstanceProfileList"] = json!([{
                "InstanceProfileName": name, "InstanceProfileId": format!("AIPA{name}"),
                "Arn": format!("arn:aws:iam::123456789012:instance-profile/{name}"),
                "Path": "/", "CreateDate": "2025-01-01T00:00:00Z", "Roles": []}]);
        }
        r
    };
    let eve = user(
        "eve",
        json!([{"Effect": "Allow", "Action": ["iam:PassRole", "ec2:RunInstances"], "Resource": "*"}]),
        &[],
    );
    let via = |roles: Value| -> Vec<String> {
        let a = account(json!([eve.clone()]), roles, json!([]));
        let eff = Effective::new(&a, now());
        analyze(&eff)
            .into_iter()
            .filter(|e| e.technique.id == "passrole-ec2-run-instances")
            .map(|e| e.steps[0].target.name(&a).to_owned())
            .collect()
    };
    let none = Vec::<String>::new();
    assert_eq!(via(json!([role("admin", "/", true, true)])), ["admin"]);
    assert_eq!(
        via(json!([
            role("admin", "/", true, false),
            role("other", "/", false, true)
        ])),
        none
    );
    // Without any instance profile in the input, nothing tells a role without one from one
    // whose profiles were not listed.
    assert_eq!(via(json!([role("admin", "/", true, false)])), ["admin"]);
    let linked = "/aws-service-role/ec2.amazonaws.com/";
    assert_eq!(via(json!([role("admin", linked, true, true)])), none);
}

#[test]
fn escalations_come_one_per_principal_and_technique_by_principal_then_technique_id() {
    let a = test_support::every_technique_account();
    let found = analyze(&Effective::new(&a, now()));
    let order: Vec<_> = found
        .iter()
        .map(|e| (e.principal, e.technique.id))
        .collect();
    assert!(order.len() > 50, "{}", order.len());
    assert!(
        order.windows(2).any(|w| w[0].0 == w[1].0),
        "some principal escalates twice"
    );
    assert!(order.is_sorted() && order.windows(2).all(|w| w[0] != w[1]));
}

#[test]
fn helpers_wait_for_promised_administrators_until_they_are_shared_or_the_promise_is_dropped() {
    let a = test_support::every_technique_account();
    let graph = Arc::new(TrustGraph::build(&a));
    let alone = findings(&Effective::new(&a, now())).len();
    // Shared: the helper's passes start after the analysis' administrators.
    let sharing = Sharing::default();
    assert!(sharing.admins_settled(), "nothing promised");
    let shared = std::thread::scope(|s| {
        let promise = sharing.promise_admins();
        assert!(!sharing.admins_settled());
        let helper = s.spawn(|| help(&Effective::new(&a, now()), graph.clone(), &sharing));
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert!(
            !helper.is_finished(),
            "a helper must wait for promised answers"
        );
        let found = findings_with(
            Effective::new(&a, now()),
            || graph.clone(),
            &sharing,
            || helper.join().unwrap(),
            Vec::new,
        );
        assert!(sharing.admins_settled(), "shared");
        drop(promise);
        found
    });
    assert_eq!(shared.len(), alone);
    // Dropped (the analysis failed): the helper goes on with what it asks itself.
    let sharing = Sharing::default();
    let helped = std::thread::scope(|s| {
        let promise = sharing.promise_admins();
        let helper = s.spawn(|| help(&Effective::new(&a, now()), graph.clone(), &sharing));
        drop(promise);
        assert!(sharing.admins_settled(), "no longer promised");
        helper.join().unwrap()
    });
    assert!(!helped.found.is_empty());
}

#[test]
fn a_closed_gate_means_no_change_is_possible() {
    // Eve may take the group's Deny away from Victor, then become him.
    let group_deny = group_deny_account(json!([
        "iam:CreateAccessKey",
        "iam:DeleteGroupPolicy",
        "iam:RemoveUserFromGroup"
    ]));
    let accounts = [
        test_support::every_technique_account(),
        demo::account().unwrap(),
        group_deny,
    ];
    for a in accounts {
        let eff = Effective::new(&a, now());
        let analysis = Analysis::new(&eff, Box::new(|| Arc::new(TrustGraph::build(&a))));
        let (mut turned_away, mut possible) = (0, 0);
        for p in analysis.principals() {
            for t in TECHNIQUES {
                let techniques::Kind::Modify(m) = t.kind else {
                    continue;
                };
                let gate = analysis.modify_gate(p, m);
                for q in analysis.principals() {
                    let change = analysis.modify(p, m, q).0;
                    if gate.admits(&analysis, q) {
                        possible += usize::from(change.possible());
                    } else {
                        turned_away += 1;
                        assert!(!change.possible(), "{p:?} {m:?} {q:?}");
                    }
                }
            }
        }
        assert!(turned_away > 0 && possible > 0, "{turned_away} {possible}");
    }
}

/// The walk `combos` takes lists the targets the simple way would: every technique's list in
/// technique order, each target where it first appears, with a bit for each technique whose
/// statements may reach it, and none that no technique reaches.
#[test]
fn the_target_walk_is_the_lists_in_order() {
    let accounts = [
        test_support::every_technique_account(),
        demo::account().unwrap(),
        group_deny_account(json!(["iam:CreateAccessKey", "iam:UpdateAssumeRolePolicy"])),
    ];
    let mut longest = 0;
    for a in &accounts {
        let eff = Effective::new(a, now());
        let analysis = Analysis::new(&eff, Box::new(|| Arc::new(TrustGraph::build(a))));
        let users = || (0..a.users.len()).map(|i| Principal::User(UserId(i as u32)));
        let roles = || (0..a.roles.len()).map(|i| Principal::Role(RoleId(i as u32)));
        for p in analysis.principals() {
            let mut expected: Vec<(Principal, u128)> = Vec::new();
            for (i, t) in TECHNIQUES.iter().enumerate() {
                let list: Vec<Principal> = match t.kind {
                    techniques::Kind::Modify(_) => continue,
                    techniques::Kind::Become(Become::AssumeRole) => {
                        let graph = analysis.graph();
                        graph
                            .assumed_by(graph.principal_node(p))
                            .filter(|e| graph.info(e).status != Status::Never)
                            .map(|e| Principal::Role(e.role))
                            .collect()
                    }
                    techniques::Kind::Become(b) if !eff.may(p, become_action(b)) => continue,
                    techniques::Kind::Become(Become::UpdateAssumeRolePolicy) => roles().collect(),
                    techniques::Kind::Become(_) => users().collect(),
                    techniques::Kind::Service(s) if analysis.may_use(p, t) => {
                        analysis.service_roles(t, &s).to_vec()
                    }
                    techniques::Kind::Service(_) => continue,
                };
                let reach = analysis.become_reach(p, t);
                for q in list {
                    if q == p || analysis.skip(q) {
                        continue;
                    }
                    let at = match expected.iter().position(|(seen, _)| *seen == q) {
                        Some(at) => at,
                        None => {
                            expected.push((q, 0));
                            expected.len() - 1
                        }
                    };
                    if reach.contains(analysis.slot(q)) {
                        expected[at].1 |= 1 << i;
                    }
                }
            }
            expected.retain(|(_, mask)| *mask != 0);

            let mut ways = vec![0u128; a.principal_count()];
            let (lists, marked) = analysis.target_lists(p, &mut ways);
            let mut order = TargetOrder::default();
            let mut walked = Vec::new();
            while let Some(next) = order.next(&analysis, p, &lists, &ways) {
                walked.push(next);
            }
            assert_eq!(walked, expected, "{p:?}");
            longest = longest.max(walked.len());
            for slot in marked {
                ways[slot] = 0;
            }
            assert!(ways.iter().all(|w| *w == 0), "{p:?}: scratch left marked");
        }
    }
    assert!(longest >= 3, "{longest}");
}

/// Victor is allowed everything but IAM, which his group denies; Eve is allowed `actions`.
fn group_deny_account(actions: Value) -> Account {
    let mut victor = user(
        "victor",
        json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]),
        &[],
    );
    victor["GroupList"] = json!(["fenced"]);
    let eve = user(
        "eve",
        json!([{"Effect": "Allow", "Resource": "*", "Action": actions}]),
        &[],
    );
    let v = json!({
        "iamscope": {"format_version": 1, "account_id": "123456789012", "partition": "aws",
                     "fetched_at": "2026-11-01T09:00:00Z"},
        "UserDetailList": [victor, eve],
        "GroupDetailList": [{
            "GroupName": "fenced", "GroupId": "AGPAFENCED", "Path": "/",
            "Arn": "arn:aws:iam::123456789012:group/fenced",
            "GroupPolicyList": [{"PolicyName": "no-iam", "PolicyDocument": {"Version": "2012-10-17",
                "Statement": [{"Effect": "Deny", "Action": "iam:*", "Resource": "*"}]}}],
            "AttachedManagedPolicies": []}],
        "RoleDetailList": [], "Policies": []
    });
    let text = v.to_string();
    let snap = source::parse_snapshot(text.as_bytes(), "t").unwrap();
    source::convert::to_account(snap, SourceKind::Demo, "t").unwrap()
}

#[test]
fn taking_a_deny_away_from_someone_one_can_become_is_an_escalation() {
    // Eve can change nothing but the group's Deny: that alone must not keep her from trying.
    let a = group_deny_account(json!(["iam:CreateAccessKey", "iam:DeleteGroupPolicy"]));
    let found = escalations(&a);
    assert!(
        found.contains(&("eve".to_owned(), "iam-remove-deny-policy", Outcome::Always)),
        "{found:?}"
    );
}
