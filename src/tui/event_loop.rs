//! The one loop: terminal events, background results (load, highlighting) and shutdown
//! signals joined in a `tokio::select!`; each message goes through `App::update`, the effects
//! are performed here, and a frame is drawn.

use std::io;

use crossterm::event::{Event, EventStream, KeyEventKind};
use futures_util::StreamExt;
use jiff::Timestamp;
use tokio::sync::{mpsc, oneshot};

use super::app::{App, DocKey, Effect, Msg, Progress};
use super::highlight::Worker;
use super::insights::Part;
use super::terminal::{self, Guard};
use super::theme::Theme;
use super::views::view;
use crate::cli::SourceArgs;
use crate::model::SourceKind;
use crate::source::aws;

/// Runs the UI until the user quits. Errors are terminal errors; a failed load is shown in the
/// UI, not returned.
pub fn run(args: &SourceArgs) -> io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(run_loop(args.clone()))
}

async fn run_loop(args: SourceArgs) -> io::Result<()> {
    let theme = Theme::from_env();
    let mut guard = Guard::enter()?;
    let size = guard.terminal.size()?;
    let mut app = App::new(
        source_label(&args).to_string(),
        Timestamp::now(),
        theme,
        (size.width, size.height),
    );
    // The first frame goes out before anything is loaded.
    guard.terminal.draw(|f| view(&app, f))?;

    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    spawn_load(&args, tx.clone());
    let highlighter = {
        let tx = tx.clone();
        Worker::spawn(theme, move |key: DocKey, prepared| {
            let _ = tx.send(Msg::Highlighted(key, prepared));
        })
    };
    let mut shutdown = shutdown_signal();
    let mut events = EventStream::new();
    let ctx = Context {
        args: &args,
        tx: &tx,
        highlighter: &highlighter,
    };

    loop {
        let msg = tokio::select! {
            event = events.next() => match event {
                Some(Ok(event)) => match to_msg(event) {
                    Some(msg) => msg,
                    None => continue,
                },
                Some(Err(e)) => return Err(e),
                None => break,
            },
            Some(msg) = rx.recv() => msg,
            _ = &mut shutdown => {
                tracing::info!("signal received: restoring the terminal");
                break;
            }
        };
        let mut quit = ctx.perform(&mut app, msg);
        // Background messages that queued up meanwhile are applied before one frame is drawn.
        while !quit && let Ok(msg) = rx.try_recv() {
            quit = ctx.perform(&mut app, msg);
        }
        if quit {
            break;
        }
        guard.terminal.draw(|f| view(&app, f))?;
    }
    drop(guard);
    Ok(())
}

struct Context<'a> {
    args: &'a SourceArgs,
    tx: &'a mpsc::UnboundedSender<Msg>,
    highlighter: &'a Worker<DocKey>,
}

impl Context<'_> {
    /// Updates the app and performs its effects; `true` when it asked to quit.
    fn perform(&self, app: &mut App, msg: Msg) -> bool {
        for effect in app.update(msg) {
            match effect {
                Effect::Quit => return true,
                Effect::Copy(text) => {
                    if let Err(e) = terminal::copy_osc52(&text) {
                        tracing::warn!("cannot write to the clipboard: {e}");
                    }
                }
                Effect::Highlight(key, text) => self.highlighter.request(key, text),
                Effect::Reload => spawn_load(self.args, self.tx.clone()),
                Effect::Analyze {
                    generation,
                    account,
                    now,
                } => spawn_analysis(generation, account, now, self.tx.clone()),
            }
        }
        false
    }
}

fn to_msg(event: Event) -> Option<Msg> {
    match event {
        Event::Key(k) if k.kind != KeyEventKind::Release => Some(Msg::Key(k)),
        Event::Mouse(m) => Some(Msg::Mouse(m)),
        Event::Paste(p) => Some(Msg::Paste(p)),
        Event::Resize(w, h) => Some(Msg::Resize(w, h)),
        _ => None,
    }
}

/// What the header calls the source: the same words as `SourceKind`'s display.
fn source_label(args: &SourceArgs) -> SourceKind {
    if args.demo {
        SourceKind::Demo
    } else if let Some(p) = &args.snapshot {
        SourceKind::Snapshot(p.display().to_string())
    } else {
        SourceKind::Live {
            profile: args.profile.clone(),
        }
    }
}

/// Loads the account in the background: a live fetch as a task on the runtime, reporting its
/// progress; a file or the demo on a plain thread, since reading and parsing block.
fn spawn_load(args: &SourceArgs, tx: mpsc::UnboundedSender<Msg>) {
    if args.is_live() {
        tokio::spawn(fetch_live(args.clone(), tx));
        return;
    }
    let args = args.clone();
    let stage = match source_label(&args) {
        SourceKind::Snapshot(p) => format!("reading {p}"),
        _ => "reading the demo account".to_owned(),
    };
    let spawned = std::thread::Builder::new()
        .name("load".into())
        .spawn(move || {
            let _ = tx.send(Msg::Progress(Progress {
                stage,
                fraction: None,
            }));
            let started = std::time::Instant::now();
            let result = std::panic::catch_unwind(|| args.load())
                .map_err(|_| BUG.to_owned())
                .and_then(|r| r.map(Box::new).map_err(|e| e.message));
            tracing::info!(
                ok = result.is_ok(),
                ms = started.elapsed().as_millis() as u64,
                "load finished"
            );
            let _ = tx.send(Msg::Loaded(result));
        });
    if let Err(e) = spawned {
        tracing::error!("cannot start the loader thread: {e}");
    }
}

/// Fetches the live account, folding the fetch's progress events into the gauge.
async fn fetch_live(args: SourceArgs, tx: mpsc::UnboundedSender<Msg>) {
    let opts = aws::LiveOptions {
        profile: args.profile.clone(),
        region: args.region.clone(),
        endpoint_url: args.endpoint_url.clone(),
        ..aws::LiveOptions::default()
    };
    let (progress_tx, mut progress_rx) = mpsc::unbounded_channel();
    let forward = {
        let tx = tx.clone();
        tokio::spawn(async move {
            let mut gauge = aws::Gauge::new();
            while let Some(event) = progress_rx.recv().await {
                gauge.update(&event);
                let _ = tx.send(Msg::Progress(Progress {
                    stage: gauge.message(),
                    fraction: Some(gauge.fraction()),
                }));
            }
        })
    };
    let started = std::time::Instant::now();
    // Its own task, so that a panic in the fetch becomes a message instead of a gauge that
    // never finishes.
    let fetch = tokio::spawn(async move { aws::load_account(&opts, Some(progress_tx)).await });
    let result = match fetch.await {
        Ok(r) => r.map(Box::new).map_err(|e| e.to_string()),
        Err(_) => Err(BUG.to_owned()),
    };
    // The fetch dropped its sender: the forwarder ends once the last event is sent.
    let _ = forward.await;
    tracing::info!(
        ok = result.is_ok(),
        ms = started.elapsed().as_millis() as u64,
        "live fetch finished"
    );
    let _ = tx.send(Msg::Loaded(result));
}

/// Analyses on plain threads, one per part: it is CPU work that can take a while on large
/// accounts, and each part shows up as soon as it is done.
fn spawn_analysis(
    generation: u64,
    account: std::sync::Arc<crate::model::Account>,
    now: Timestamp,
    tx: mpsc::UnboundedSender<Msg>,
) {
    for part in Part::ALL {
        let account = std::sync::Arc::clone(&account);
        let tx = tx.clone();
        let spawned = std::thread::Builder::new()
            .name(part.name().into())
            .spawn(move || {
                let started = std::time::Instant::now();
                let analysis = std::panic::catch_unwind(|| part.run(&account, now));
                tracing::info!(
                    part = part.name(),
                    ok = analysis.is_ok(),
                    ms = started.elapsed().as_millis() as u64,
                    "analysis finished"
                );
                let _ = tx.send(match analysis {
                    Ok(a) => Msg::Analyzed(generation, Box::new(a)),
                    Err(_) => Msg::AnalysisFailed(generation, part, BUG.to_owned()),
                });
            });
        if let Err(e) = spawned {
            tracing::error!("cannot start the {} thread: {e}", part.name());
        }
    }
}

/// What the UI says when a background job panicked (the log has the panic).
const BUG: &str = "iamscope hit a bug doing this; the log file has the details";

/// Resolves on SIGTERM, SIGHUP or SIGINT sent from outside (Ctrl-C typed in the UI arrives
/// as a key, since the terminal is in raw mode).
fn shutdown_signal() -> oneshot::Receiver<()> {
    let (tx, rx) = oneshot::channel();
    tokio::spawn(async move {
        wait_for_signal().await;
        let _ = tx.send(());
    });
    rx
}

#[cfg(unix)]
async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut hup), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::hangup()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::warn!("cannot listen for signals");
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = hup.recv() => {}
        _ = int.recv() => {}
    }
}

#[cfg(not(unix))]
async fn wait_for_signal() {
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}
