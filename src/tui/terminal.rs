//! Entering and leaving the terminal's UI mode. Leaving runs on every way out: normal quit,
//! error, Ctrl-C, SIGTERM (the event loop returns) and panic (the hook below), so the shell is
//! never left in raw mode on the alternate screen.

use std::io::{self, Stdout, Write};

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

pub type Term = Terminal<CrosstermBackend<Stdout>>;

/// Restores the terminal when dropped.
pub struct Guard {
    pub terminal: Term,
}

impl Guard {
    pub fn enter() -> io::Result<Guard> {
        use std::io::IsTerminal;
        if !io::stdout().is_terminal() {
            return Err(io::Error::other(
                "the terminal UI needs a terminal on stdout; in scripts use a command such as `iamscope ls roles` (see `iamscope --help`)",
            ));
        }
        install_panic_hook();
        enable_raw_mode()?;
        let mut out = io::stdout();
        if let Err(e) = execute!(
            out,
            EnterAlternateScreen,
            EnableMouseCapture,
            EnableBracketedPaste
        ) {
            leave();
            return Err(e);
        }
        let terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
        Ok(Guard { terminal })
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        leave();
    }
}

/// Best effort: each step runs even if an earlier one failed.
///
/// Writes to the terminal device rather than stdout: a panic on a worker thread runs this
/// while the main thread may hold the stdout lock, and must not wait for it.
pub fn leave() {
    let _ = disable_raw_mode();
    fn restore(out: &mut impl Write) {
        let _ = execute!(
            out,
            DisableBracketedPaste,
            DisableMouseCapture,
            LeaveAlternateScreen,
            crossterm::cursor::Show
        );
        let _ = out.flush();
    }
    match std::fs::OpenOptions::new().write(true).open("/dev/tty") {
        Ok(mut tty) => restore(&mut tty),
        Err(_) => restore(&mut io::stdout()),
    }
}

/// A panic on the UI thread restores the terminal, then prints as usual. A panic on a
/// background thread is caught there and shown in the UI (see `event_loop`): restoring the
/// terminal or printing under the running UI would wreck the screen, so it is only logged.
fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let thread = std::thread::current();
        if thread.name() == Some("main") {
            leave();
            tracing::error!("panic: {info}");
            previous(info);
        } else {
            tracing::error!("panic on thread {:?}: {info}", thread.name());
        }
    }));
}

/// Puts `text` on the clipboard with OSC 52, which terminals (and tmux with
/// `set-clipboard on`) forward to the system clipboard, over SSH too.
pub fn copy_osc52(text: &str) -> io::Result<()> {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    let mut out = io::stdout();
    write!(out, "\x1b]52;c;{encoded}\x07")?;
    out.flush()
}
