//! The `iamscope` binary: parse the command line, run, map the result to an exit code.

use std::process::ExitCode;

use clap::Parser;
use iamscope::cli::{self, Cli, Exit};

// Loading an account makes millions of small allocations; mimalloc makes them several times
// cheaper than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    cli::keep_freed_memory();
    // A usage error is bad input: exit 1 (FORMATS.md §6), not clap's 2, which here means
    // "denied".
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            e.print().ok();
            return if e.use_stderr() {
                ExitCode::from(Exit::Error as u8)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    // The terminal UI owns the screen, so its logs go to a file; commands log nothing.
    let _log = cli
        .command
        .is_none()
        .then(iamscope::tui::logging::init)
        .flatten();
    match cli::run(cli) {
        Ok(exit) => ExitCode::from(exit as u8),
        Err(e) if cli::is_broken_pipe(&e.message) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", e.message);
            ExitCode::from(Exit::Error as u8)
        }
    }
}
