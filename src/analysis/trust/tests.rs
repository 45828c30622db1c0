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
