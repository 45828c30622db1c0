//! Logs go to a file, never to the screen: the UI owns the terminal.
//!
//! The file is `$IAMSCOPE_LOG` if set, else `$XDG_STATE_HOME/iamscope/iamscope.log` (or
//! `~/.local/state/iamscope/iamscope.log`). The level comes from `RUST_LOG` (default `info`).

use std::path::PathBuf;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Where the log goes.
pub fn log_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("IAMSCOPE_LOG").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let state = std::env::var_os("XDG_STATE_HOME")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))?;
    Some(state.join("iamscope").join("iamscope.log"))
}

/// Starts logging to the file; keep the guard alive until exit so the last lines are written.
/// `None` when the file cannot be opened: the UI then runs without a log rather than write
/// to the screen.
pub fn init() -> Option<WorkerGuard> {
    let path = log_path()?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).ok()?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .ok()?;
    let (writer, guard) = tracing_appender::non_blocking(file);
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .ok()?;
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "iamscope ui starting");
    Some(guard)
}
