//! The terminal UI: `iamscope` without a command.
//!
//! Elm-style: [`App`] holds the state, [`App::update`] turns a [`Msg`] into new state and
//! [`Effect`]s (pure, tested without a terminal), [`view`] draws the state (pure), and
//! `event_loop` joins terminal input and background work in one `tokio::select!` loop and
//! performs the effects.

mod app;
mod documents;
mod event_loop;
pub mod harness;
mod highlight;
mod input;
mod insights;
mod keymap;
mod layout;
pub mod logging;
mod navigation;
mod plain_english;
mod relations;
mod rows;
mod state;
pub mod svg;
mod terminal;
mod theme;
mod tools;
mod trust;
mod views;

pub use app::{App, Effect, Load, Msg, Progress, Prompt, PromptKind, Status};
pub use event_loop::run;
pub use highlight::Prepared;
pub use rows::Kind;
pub use state::{Pane, Screen};
pub use theme::Theme;
pub use views::view;
