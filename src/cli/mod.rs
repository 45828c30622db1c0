//! The headless commands. Each command lives in its own file with its own args; they share
//! [`SourceArgs`] (where the account comes from) and exit codes from FORMATS.md §6.

pub mod explain;
pub mod fetch;
pub mod ls;
pub mod policy_files;
pub mod scan;
pub mod show;
pub mod simulate;
pub mod trust;

use std::io::{self, Write};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::model::Account;

/// Exit codes shared by all commands (FORMATS.md §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Success = 0,
    Error = 1,
    /// `simulate` / `explain`: the request is denied.
    Denied = 2,
    /// `scan`: findings at or above `--fail-on`.
    Findings = 3,
}

#[derive(Debug, Parser)]
#[command(
    name = "iamscope",
    version,
    about = "Explore and audit an AWS account's IAM: who can do what, who can assume what, and why access is denied.",
    long_about = None,
    after_help = "Without a command, iamscope opens the terminal UI.\nExamples:\n  iamscope --demo                      open the UI on the embedded demo account\n  iamscope ls roles --demo --format json\n  iamscope show MyAppTaskRole --demo"
)]
pub struct Cli {
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Where the account comes from. Shared by every command.
#[derive(Debug, Clone, Default, Args)]
pub struct SourceArgs {
    /// Use the embedded demo account (no AWS access needed).
    #[arg(long, global = true, conflicts_with = "snapshot")]
    pub demo: bool,
    /// Read an account from FILE: `aws iam get-account-authorization-details` output (either
    /// form) or an iamscope snapshot.
    #[arg(long, global = true, value_name = "FILE")]
    pub snapshot: Option<PathBuf>,
    /// AWS profile for live use.
    #[arg(long, global = true, env = "AWS_PROFILE", value_name = "NAME")]
    pub profile: Option<String>,
    /// AWS region for live use.
    #[arg(long, global = true, value_name = "REGION")]
    pub region: Option<String>,
    /// IAM/STS endpoint for live use (e.g. a local test server).
    #[arg(long, global = true, env = "AWS_ENDPOINT_URL", value_name = "URL")]
    pub endpoint_url: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List users, groups, roles or policies.
    Ls(ls::LsArgs),
    /// Show one user, group, role or policy: its relations and policy documents.
    Show(show::ShowArgs),
    /// Find risks: administrators, privilege escalation paths, wildcards, trust and
    /// credential problems. Exits 3 when a finding reaches `--fail-on`.
    Scan(scan::ScanArgs),
    /// Decide whether a principal may perform an action on a resource, with the full trace.
    Simulate(simulate::SimulateArgs),
    /// Explain an AccessDenied message: the cause in the account, and the least-privilege fix.
    Explain(explain::ExplainArgs),
    /// Who can assume a role: users, roles, services, identity providers, other accounts,
    /// anyone; directly and through role chaining, with the conditions that must hold.
    WhoCanAssume(trust::WhoCanAssumeArgs),
    /// Every role a principal can assume, directly and through role chaining.
    CanAssume(trust::CanAssumeArgs),
    /// Read the live account (read-only API calls) and write it as a snapshot file.
    Fetch(fetch::FetchArgs),
}

/// A failed command: the message to print (already says what to do) and the exit code.
#[derive(Debug)]
pub struct CliError {
    pub message: String,
}

impl<E: std::fmt::Display> From<E> for CliError {
    fn from(e: E) -> Self {
        CliError {
            message: e.to_string(),
        }
    }
}

pub type CliResult = Result<Exit, CliError>;

impl SourceArgs {
    pub fn is_live(&self) -> bool {
        !self.demo && self.snapshot.is_none()
    }

    /// Loads the account this run is about.
    pub fn load(&self) -> Result<Account, CliError> {
        if self.demo {
            return Ok(crate::source::demo::account()?);
        }
        if let Some(path) = &self.snapshot {
            return Ok(crate::source::read_file(path)?);
        }
        fetch::load_live(self)
    }
}

/// Output format for listings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
}

/// Output format for single results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TextFormat {
    Text,
    Json,
}

/// Runs a parsed command line; the caller turns the result into the process exit code.
pub fn run(cli: Cli) -> CliResult {
    // Reports run to hundreds of megabytes on large accounts: one write per line (what a
    // locked stdout does) would spend more time in the kernel than the scan takes.
    let mut out = io::BufWriter::with_capacity(1 << 16, io::stdout().lock());
    let result = match cli.command {
        Some(Command::Ls(args)) => ls::run(&args, &cli.source.load()?, &mut out),
        Some(Command::Show(args)) => show::run(&args, &cli.source.load()?, &mut out),
        Some(Command::Scan(args)) => {
            let account = match &args.source {
                Some(path) => crate::source::read_file(path)?,
                None => cli.source.load()?,
            };
            scan::run(&args, &account, &mut out)
        }
        Some(Command::Simulate(args)) => simulate::run(&args, &cli.source, &mut out),
        Some(Command::Explain(args)) => explain::run(&args, &cli.source, &mut out),
        Some(Command::WhoCanAssume(args)) => {
            trust::run_who_can_assume(&args, &cli.source.load()?, &mut out)
        }
        Some(Command::CanAssume(args)) => {
            trust::run_can_assume(&args, &cli.source.load()?, &mut out)
        }
        Some(Command::Fetch(args)) => fetch::run(&args, &cli.source, &mut out),
        None => {
            crate::tui::run(&cli.source)?;
            Ok(Exit::Success)
        }
    };
    match out.flush() {
        Err(e) if result.is_ok() && e.kind() != io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => result,
    }
}

/// Writes JSON with a trailing newline.
pub fn write_json(out: &mut dyn Write, value: &impl serde::Serialize) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)
}

/// Tunes mimalloc, the global allocator of the `iamscope` binary and its benchmarks, to keep
/// the memory a program frees instead of handing it back to the system after a delay. A scan
/// of a large account fills and drops caches of hundreds of megabytes; returning those pages
/// and faulting them in again (zeroed, and as transparent huge pages) cost up to a second of
/// system time on a 10,000-principal account. Call it first thing in `main`.
#[allow(unsafe_code)]
pub fn keep_freed_memory() {
    // SAFETY: `mi_option_set` only stores an integer in mimalloc's option table; the option
    // is read when mimalloc decides to purge, and -1 means never.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) }
}

/// `mi_option_purge_delay` in the `mimalloc.h` (v3) that libmimalloc-sys builds; the crate
/// names no constant for it. A test checks it against the option's default.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// `true` when writing failed because the reader went away (`iamscope ls | head`): not an error.
pub fn is_broken_pipe(message: &str) -> bool {
    message.contains("Broken pipe") || message.contains("os error 32")
}

/// Days between `t` and now, for ages shown to users.
pub fn days_since(t: jiff::Timestamp) -> i64 {
    (jiff::Timestamp::now().as_second() - t.as_second()) / 86_400
}

pub fn date(t: Option<jiff::Timestamp>) -> String {
    match t {
        Some(t) => t.strftime("%Y-%m-%d").to_string(),
        None => "-".into(),
    }
}

#[cfg(test)]
mod tests {
    /// mimalloc's purge delay defaults to 1000 ms (v3 `src/options.c`), which tells its index
    /// from its neighbours'.
    #[test]
    #[allow(unsafe_code)]
    fn the_purge_delay_option_is_the_one_set() {
        // SAFETY: reads an integer from mimalloc's option table.
        let value = unsafe { libmimalloc_sys::mi_option_get(super::MI_OPTION_PURGE_DELAY) };
        assert_eq!(value, 1000);
    }
}
