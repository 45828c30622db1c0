#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The trust graph on a generated 10,000-principal account (and the demo account).
//!
//! The account is `target/bench/account-10k.json`, generated with
//! `python3 scripts/gen_account.py --principals 10000 --seed 1` when missing. Run with
//! `cargo bench --bench trust`.

mod support;

use criterion::{Criterion, criterion_group, criterion_main};
use iamscope::analysis::trust::{PathOptions, TrustGraph};

fn bench(c: &mut Criterion) {
    let account = support::generated_account(10_000, "10k");
    // A few timed builds first, with what they did: the numbers a reader wants next to the
    // bench (the best of them, as the machine may be shared).
    let (wall, cpu, g) = support::best_of(3, || TrustGraph::build(&account));
    let best = (wall, cpu);
    eprintln!(
        "10k account: {} users, {} roles; graph built in {:.0} ms wall, {:.0} ms CPU (best of 3): {} edges, {} nodes; {:?}",
        account.users.len(),
        account.roles.len(),
        best.0,
        best.1,
        g.edges().len(),
        g.node_count(),
        g.stats()
    );

    let mut group = c.benchmark_group("trust");
    group.sample_size(10);
    group.bench_function("graph 10k", |b| {
        b.iter_with_large_drop(|| TrustGraph::build(&account))
    });
    // The role with the most direct assumers: the heaviest who-can-assume.
    let busiest = (0..account.roles.len() as u32)
        .map(iamscope::model::RoleId)
        .max_by_key(|r| g.assumers_of(*r).len())
        .unwrap();
    let opts = PathOptions::default();
    group.bench_function("who-can-assume busiest role 10k", |b| {
        b.iter(|| g.who_can_assume(&account, busiest, &opts))
    });
    let user = g.user_node(iamscope::model::UserId(0));
    group.bench_function("can-assume first user 10k", |b| {
        b.iter(|| g.can_assume(&account, user, &opts))
    });
    group.finish();

    let demo = iamscope::source::demo::account().unwrap();
    c.bench_function("trust graph demo", |b| b.iter(|| TrustGraph::build(&demo)));
}

criterion_group!(benches, bench);
criterion_main!(benches);
