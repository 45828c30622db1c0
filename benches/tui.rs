//! Terminal UI latency on a large account: a key press (move, filter keystroke, drill in) to a
//! finished frame must stay under 16 ms; the first frame, drawn before anything is loaded,
//! under 100 ms.
//!
//! The account is the demo's users and roles cloned under new names up to 10,000 principals,
//! built in-process. Highlighting is left to the background worker, as in the real loop, so
//! frames show the plain text the app shows until the highlighted lines arrive.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use iamscope::model::{Account, Role, User};
use iamscope::source::demo;
use iamscope::tui::Theme;
use iamscope::tui::harness::Harness;

const PRINCIPALS: usize = 10_000;
const SIZE: (u16, u16) = (120, 36);

fn big_account() -> Account {
    let d = demo::account().unwrap();
    let half = PRINCIPALS / 2;
    let rename = |arn: &str, name: &str, new: &str| {
        let base = arn.strip_suffix(name).unwrap_or(arn);
        format!("{base}{new}")
    };
    let users: Vec<User> = (0..half)
        .map(|i| {
            let mut u = d.users[i % d.users.len()].clone();
            let name = format!("{}-{i:05}", u.name);
            u.arn = rename(&u.arn, &u.name, &name);
            u.id = format!("AIDA{i:016}");
            u.name = name;
            u
        })
        .collect();
    let roles: Vec<Role> = (0..half)
        .map(|i| {
            let mut r = d.roles[i % d.roles.len()].clone();
            let name = format!("{}-{i:05}", r.name);
            r.arn = rename(&r.arn, &r.name, &name);
            r.id = format!("AROA{i:016}");
            r.name = name;
            r
        })
        .collect();
    Account::new(
        d.source.clone(),
        d.info.clone(),
        users,
        d.groups.clone(),
        roles,
        d.policies.clone(),
    )
}

fn loaded() -> Harness {
    let account = big_account();
    let now = account.info.fetched_at.unwrap();
    let mut h = Harness::loading("bench", SIZE, now, Theme::COLOR);
    h.highlight_inline = false;
    // Loading and the analysis run off the UI thread in the real loop; here, once, and timed
    // for the record: it is how long badges and trust take to appear after the lists.
    let started = std::time::Instant::now();
    h.send(iamscope::tui::Msg::Loaded(Ok(Box::new(account))));
    eprintln!(
        "account of {PRINCIPALS} principals: update on load + background analysis took {:.2?}",
        started.elapsed()
    );
    assert!(h.app.data().unwrap().trust.is_some(), "analysis ran");
    h
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("tui");
    g.sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));

    g.bench_function("first frame (before loading)", |b| {
        b.iter(|| {
            let h = Harness::loading("bench", SIZE, jiff::Timestamp::UNIX_EPOCH, Theme::COLOR);
            black_box(h.render())
        })
    });

    let mut h = loaded();
    assert_eq!(h.app.list(iamscope::tui::Kind::Users).visible.len(), 5_000);
    let mut down = true;
    g.bench_function("move (j/k) to frame, 5,000 users", |b| {
        b.iter(|| {
            h.keys(if down { "j" } else { "k" });
            down = !down;
            black_box(h.render())
        })
    });

    h.keys("/");
    let mut typed = false;
    g.bench_function("filter keystroke to frame, 5,000 users", |b| {
        b.iter(|| {
            h.keys(if typed { "<BS>" } else { "a" });
            typed = !typed;
            black_box(h.render())
        })
    });
    h.keys("<Esc>:roles<Enter>");

    let mut open = false;
    g.bench_function("drill in / back to frame, 5,000 roles", |b| {
        b.iter(|| {
            h.keys(if open { "<Esc>" } else { "<Enter>" });
            open = !open;
            black_box(h.render())
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
