//! Unit tests of the graph on the demo account; scenario tests live in `tests/trust*.rs`.

use super::*;
use crate::source::demo;

fn graph() -> (Account, TrustGraph) {
    let account = demo::account().unwrap();
    let g = TrustGraph::build(&account);
    (account, g)
}

#[test]
fn demo_builds_and_every_edge_has_a_reason() {
    let (account, g) = graph();
    assert!(!g.edges().is_empty());
    for e in g.edges() {
        assert!(!g.explain(&account, e).is_empty(), "{e:?}");
    }
}

#[test]
fn identity_walk_matches_the_compiled_account() {
    // The build compiles only relevant policies itself; its walk must list the same policies,
    // in the same order, with the same labels as `CompiledAccount` (whose labels traces use).
    let account = demo::account().unwrap();
    let compiled = CompiledAccount::new(&account);
    for p in Principal::all(&account) {
        let ours: Vec<String> = index::identity_documents(&account, p)
            .into_iter()
            .map(|(s, _)| match s {
                index::Source::Inline(name) => name.to_owned(),
                index::Source::Managed(id) => account.policy(id).arn.clone(),
            })
            .collect();
        let theirs: Vec<&str> = compiled
            .identity_policies(&account, p)
            .into_iter()
            .map(crate::eval::CompiledPolicy::label)
            .collect();
        assert_eq!(ours, theirs, "{}", p.name(&account));
        let boundary =
            index::boundary_document(&account, p).map(|(id, _)| account.policy(id).arn.as_str());
        assert_eq!(
            boundary,
            compiled
                .permission_boundary(&account, p)
                .map(crate::eval::CompiledPolicy::label),
        );
    }
}

#[test]
fn scps_without_an_arn_are_labelled_like_the_compiled_account() {
    // Traces name such an SCP by its level counted from 1 at the root; the graph's own
    // compilation must say the same as `CompiledAccount`.
    let mut account = demo::account().unwrap();
    let document = crate::policy::Policy::from_json(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
    )
    .unwrap();
    account.scps = vec![vec![crate::model::OrgPolicy {
        id: String::new(),
        arn: String::new(),
        name: "root-allow".into(),
        target: String::new(),
        document,
    }]];
    let compiled = CompiledAccount::new(&account);
    for p in Principal::all(&account) {
        let labels = |set: &crate::eval::PolicySet| -> Vec<Vec<String>> {
            set.scps
                .iter()
                .map(|l| l.iter().map(|c| c.label().to_owned()).collect())
                .collect()
        };
        let ours = labels(&build::policy_set_of(&account, p));
        assert_eq!(ours, vec![vec!["scp level 1: root-allow".to_owned()]]);
        assert_eq!(ours, labels(&compiled.policy_set(&account, p)));
    }
}
