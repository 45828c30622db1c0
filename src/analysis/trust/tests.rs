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
