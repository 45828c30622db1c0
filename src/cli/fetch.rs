//! `iamscope fetch --out FILE`: reads the live account and writes its snapshot, which every
//! command then reads with `--snapshot FILE`. Also the live branch of [`SourceArgs::load`]: the
//! same fetch, converted to the account.
//!
//! The commands are synchronous; the fetch runs on a runtime of its own. While it runs, a
//! progress bar is drawn on stderr, and only when stderr is a terminal (never in a pipe or a
//! log).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::{CliError, CliResult, Exit, SourceArgs};
use crate::model::{Account, SourceKind};
use crate::source::aws::{self, Fetched, Gauge, LiveOptions, Progress};
use crate::source::convert;

#[derive(Debug, Args)]
#[command(
    after_help = "Credentials come from the AWS default chain (environment, ~/.aws/config and credentials, SSO, web identity, instance metadata), or from --profile.\nThe caller needs iam:GetAccountAuthorizationDetails; whatever else it may not read (credential report, access keys' last use, MFA devices, SCPs, ...) is listed as a gap in the snapshot.\nExample:\n  iamscope fetch --profile prod-audit --out prod.json && iamscope ls roles --snapshot prod.json"
)]
pub struct FetchArgs {
    /// Where to write the snapshot (JSON); `-` for standard output.
    #[arg(long, short, value_name = "FILE")]
    pub out: PathBuf,
}

/// The fetch options that the shared source flags describe.
pub fn live_options(source: &SourceArgs) -> LiveOptions {
    LiveOptions {
        profile: source.profile.clone().filter(|p| !p.is_empty()),
        region: source.region.clone().filter(|r| !r.is_empty()),
        endpoint_url: source.endpoint_url.clone().filter(|u| !u.is_empty()),
        ..LiveOptions::default()
    }
}

/// Fetches the live account, showing progress on a terminal.
pub fn fetch_live(source: &SourceArgs) -> Result<Fetched, CliError> {
    let opts = live_options(source);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError {
            message: format!("cannot start the async runtime for the fetch: {e}"),
        })?;
    let fetched = runtime.block_on(async {
        let bar = progress_bar();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Progress>();
        let shown = bar.clone();
        let draw = tokio::spawn(async move {
            let mut gauge = Gauge::new();
            while let Some(event) = rx.recv().await {
                gauge.update(&event);
                if let Some(bar) = &shown {
                    bar.set_position((gauge.fraction() * 1000.0) as u64);
                    bar.set_message(gauge.message());
                }
            }
        });
        let fetched = aws::fetch_with_stats(&opts, Some(tx)).await;
        // The fetch dropped its sender: the drawing task ends after the last event.
        let _ = draw.await;
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        fetched
    })?;
    Ok(fetched)
}

fn progress_bar() -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::with_draw_target(Some(1000), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{spinner} [{bar:30}] {msg}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar.set_message("connecting");
    Some(bar)
}

/// The live branch of [`SourceArgs::load`]: fetch, then the one conversion every source uses.
pub fn load_live(source: &SourceArgs) -> Result<Account, CliError> {
    let fetched = fetch_live(source)?;
    warn_gaps(&fetched);
    let opts = live_options(source);
    let origin = format!(
        "live account {}",
        fetched
            .snapshot
            .header
            .as_ref()
            .and_then(|h| h.account_id.as_deref())
            .unwrap_or("?")
    );
    Ok(convert::to_account(
        fetched.snapshot,
        SourceKind::Live {
            profile: aws::effective_profile(&opts),
        },
        &origin,
    )?)
}

/// Parts of the account the caller could not read: on stderr, so that results on stdout stay
/// clean but nobody mistakes a partial account for a whole one.
fn warn_gaps(fetched: &Fetched) {
    let Some(header) = &fetched.snapshot.header else {
        return;
    };
    let mut err = std::io::stderr().lock();
    for gap in &header.gaps {
        let _ = writeln!(err, "warning: {} not read: {}", gap.part, gap.reason);
    }
}

pub fn run(args: &FetchArgs, source: &SourceArgs, out: &mut dyn Write) -> CliResult {
    if !source.is_live() {
        return Err(CliError {
            message: "`fetch` reads a live account: drop --demo/--snapshot, and name the account with --profile (and --region or --endpoint-url if needed)".into(),
        });
    }
    let fetched = fetch_live(source)?;
    warn_gaps(&fetched);
    let json = serde_json::to_string_pretty(&fetched.snapshot)?;
    if args.out.as_os_str() == "-" {
        out.write_all(json.as_bytes())?;
        writeln!(out)?;
    } else {
        write_atomically(&args.out, json.as_bytes())?;
    }
    let s = &fetched.stats;
    let account = fetched
        .snapshot
        .header
        .as_ref()
        .and_then(|h| h.account_id.as_deref())
        .unwrap_or("?");
    eprintln!(
        "{}account {account}: {} users, {} groups, {} roles, {} managed policies; {} API calls ({} attempts) in {:.1} s{}",
        if args.out.as_os_str() == "-" {
            String::new()
        } else {
            format!("wrote {}: ", args.out.display())
        },
        s.users,
        s.groups,
        s.roles,
        s.policies,
        s.api_calls,
        s.attempts,
        s.elapsed.as_secs_f64(),
        match s.gaps {
            0 => String::new(),
            1 => "; 1 part not read (see the warning above)".into(),
            n => format!("; {n} parts not read (see the warnings above)"),
        }
    );
    Ok(Exit::Success)
}

/// Writes next to the target, then renames: an interrupted write never leaves half a snapshot
/// where a previous good one was.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let name = path.file_name().ok_or_else(|| CliError {
        message: format!("`{}` is not a file name", path.display()),
    })?;
    let mut partial = name.to_owned();
    partial.push(".partial");
    let tmp = path.with_file_name(partial);
    let fail = |e: std::io::Error| CliError {
        message: format!("cannot write `{}`: {e}", path.display()),
    };
    std::fs::write(&tmp, bytes).map_err(fail)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        fail(e)
    })
}
