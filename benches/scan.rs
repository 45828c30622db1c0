#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! `scan` (every rule and the privilege-escalation analysis) on generated accounts.
//!
//! The accounts are `target/bench/account-{1k,10k}.json`, generated with
//! `python3 scripts/gen_account.py --principals N --seed 1` when missing. Run with
//! `cargo bench --bench scan`. The 10,000-principal scan is timed (best of 3, wall and CPU of
//! all threads); criterion samples the 1,000-principal one and the demo account.

mod support;

use std::collections::BTreeMap;

use criterion::{Criterion, criterion_group, criterion_main};
use iamscope::analysis::findings::Finding;
use iamscope::analysis::rules;
use iamscope::model::Account;

// The allocator the binary uses: the scan allocates heavily, on two threads.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn scan(account: &Account) -> Vec<Finding> {
    let now = account.info.fetched_at.unwrap_or_else(jiff::Timestamp::now);
    rules::scan(account, now)
}

fn report(name: &str, account: &Account, runs: usize) {
    let (wall, cpu, findings) = support::best_of(runs, || scan(account));
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for f in &findings {
        *kinds.entry(format!("{:?}", f.kind)).or_default() += 1;
    }
    eprintln!(
        "{name} account: {} users, {} roles; scanned in {wall:.0} ms wall, {cpu:.0} ms CPU in all threads (best of {runs}): {} findings {kinds:?}",
        account.users.len(),
        account.roles.len(),
        findings.len(),
    );
}

fn bench(c: &mut Criterion) {
    // As the binary does.
    iamscope::cli::keep_freed_memory();
    let large = support::generated_account(10_000, "10k");
    report("10k", &large, 3);
    drop(large);

    let small = support::generated_account(1_000, "1k");
    report("1k", &small, 3);
    let mut group = c.benchmark_group("scan");
    group.sample_size(10);
    group.bench_function("scan 1k", |b| b.iter_with_large_drop(|| scan(&small)));
    group.finish();

    let demo = iamscope::source::demo::account().unwrap();
    c.bench_function("scan demo", |b| b.iter(|| scan(&demo)));
}

criterion_group!(benches, bench);
criterion_main!(benches);
