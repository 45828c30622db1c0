//! What the benches share: generated accounts and CPU time.

use std::path::PathBuf;
use std::process::Command;

use iamscope::model::Account;

/// A generated account of `principals` principals, `target/bench/account-{name}.json`, made
/// with `python3 scripts/gen_account.py --principals N --seed 1` when missing.
pub fn generated_account(principals: usize, name: &str) -> Account {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let path = root.join(format!("target/bench/account-{name}.json"));
    if !path.exists() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let status = Command::new("python3")
            .arg(root.join("scripts/gen_account.py"))
            .args([
                "--principals",
                &principals.to_string(),
                "--seed",
                "1",
                "--out",
            ])
            .arg(&path)
            .status()
            .expect("python3 runs scripts/gen_account.py");
        assert!(status.success(), "gen_account.py failed");
    }
    iamscope::source::read_file(&path).unwrap()
}

/// CPU time of this process, all threads, in ns (Linux; 10 ms resolution), which other
/// processes on a shared machine do not inflate the way they inflate wall time.
pub fn process_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/stat").ok()?;
    // After the command name: state is field 3, utime and stime fields 14 and 15, in clock
    // ticks (100 per second on Linux).
    let mut fields = s.rsplit_once(')')?.1.split_whitespace().skip(11);
    let user: u64 = fields.next()?.parse().ok()?;
    let system: u64 = fields.next()?.parse().ok()?;
    Some((user + system) * 10_000_000)
}

/// Runs `f` `runs` times; the best wall and CPU times in ms, and the last result.
pub fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, f64, T) {
    let mut best = (f64::MAX, f64::MAX);
    let mut last = None;
    for _ in 0..runs {
        // The previous run's result is let go of before this run, outside the measured time:
        // a scan does not run next to the findings of another, nor next to the threads on
        // which the previous one lets go of its answers.
        drop(last.take());
        wait_for_other_threads();
        let (t, cpu) = (std::time::Instant::now(), process_cpu_ns());
        let out = f();
        let wall = t.elapsed().as_secs_f64() * 1e3;
        let cpu = match (cpu, process_cpu_ns()) {
            (Some(a), Some(b)) => (b - a) as f64 / 1e6,
            _ => f64::NAN,
        };
        best = (best.0.min(wall), best.1.min(cpu));
        last = Some(out);
    }
    (best.0, best.1, last.expect("at least one run"))
}

/// Waits (up to 5 s) until this process runs no thread but the calling one: the scan lets go
/// of its answers on threads of their own, which would otherwise take a core from the next run
/// (Linux; elsewhere it returns at once).
fn wait_for_other_threads() {
    let threads = || std::fs::read_dir("/proc/self/task").map(|d| d.count()).ok();
    let start = std::time::Instant::now();
    while threads().is_some_and(|n| n > 1) && start.elapsed().as_secs() < 5 {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}
