//! Drives the app without a terminal: the same `update` and `view` the binary runs, with
//! effects performed in place (highlighting synchronously, clipboard writes recorded). Used by
//! the tests, the benchmark and the screenshot generator.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::Timestamp;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

use super::app::{App, Effect, Msg};
use super::highlight::Prepared;
use super::insights::Part;
use super::theme::Theme;
use super::views::view;
use crate::model::Account;
use crate::source::LoadError;

pub struct Harness {
    pub app: App,
    /// What `y` put on the clipboard.
    pub copied: Vec<String>,
    pub quit: bool,
    /// How many background reloads were asked for.
    pub reloads: usize,
    /// Highlight documents at once (`true`), or drop the requests as if the background worker
    /// had not answered yet (benchmarks: the real loop never highlights on the key path).
    pub highlight_inline: bool,
    theme: Theme,
}

impl Harness {
    /// The app before loading, as the first frame shows it.
    pub fn loading(source: &str, size: (u16, u16), now: Timestamp, theme: Theme) -> Harness {
        Harness {
            app: App::new(source, now, theme, size),
            copied: Vec::new(),
            quit: false,
            reloads: 0,
            highlight_inline: true,
            theme,
        }
    }

    /// The app with `account` loaded, its clock at `now`.
    pub fn with_account(
        account: Account,
        size: (u16, u16),
        now: Timestamp,
        theme: Theme,
    ) -> Harness {
        let mut h = Harness::loading(&account.source.to_string(), size, now, theme);
        h.send(Msg::Loaded(Ok(Box::new(account))));
        h
    }

    /// The demo account, with the clock at its fetch time so ages never change.
    pub fn demo(size: (u16, u16)) -> Result<Harness, LoadError> {
        Harness::demo_with(size, Theme::COLOR)
    }

    pub fn demo_with(size: (u16, u16), theme: Theme) -> Result<Harness, LoadError> {
        let account = crate::source::demo::account()?;
        let now = account.info.fetched_at.unwrap_or(Timestamp::UNIX_EPOCH);
        Ok(Harness::with_account(account, size, now, theme))
    }

    /// Sends a message and performs the effects in place.
    pub fn send(&mut self, msg: Msg) {
        let mut queue = vec![msg];
        while let Some(msg) = queue.pop() {
            for effect in self.app.update(msg) {
                match effect {
                    Effect::Quit => self.quit = true,
                    Effect::Copy(text) => self.copied.push(text),
                    Effect::Highlight(key, text) if self.highlight_inline => {
                        queue.push(Msg::Highlighted(
                            key,
                            Prepared::highlight(&text, self.theme),
                        ));
                    }
                    Effect::Highlight(..) => {}
                    Effect::Reload => self.reloads += 1,
                    Effect::Analyze {
                        generation,
                        account,
                        now,
                    } => {
                        for part in Part::ALL {
                            queue
                                .push(Msg::Analyzed(generation, Box::new(part.run(&account, now))));
                        }
                    }
                }
            }
        }
    }

    pub fn key(&mut self, code: KeyCode, mods: KeyModifiers) {
        self.send(Msg::Key(KeyEvent::new(code, mods)));
    }

    /// Types `keys`: characters as themselves, named keys in angle brackets: `<Enter>`,
    /// `<Esc>`, `<Tab>`, `<S-Tab>`, `<Up>`, `<Down>`, `<Left>`, `<Right>`, `<PgUp>`, `<PgDn>`,
    /// `<Home>`, `<End>`, `<BS>`, `<C-x>` (Ctrl+x), `<lt>` (a literal `<`).
    pub fn keys(&mut self, keys: &str) {
        let mut rest = keys;
        while let Some(c) = rest.chars().next() {
            if c == '<'
                && let Some(end) = rest.find('>')
            {
                let name = &rest[1..end];
                rest = &rest[end + 1..];
                let (code, mods) = match name {
                    "Enter" => (KeyCode::Enter, KeyModifiers::NONE),
                    "Esc" => (KeyCode::Esc, KeyModifiers::NONE),
                    "Tab" => (KeyCode::Tab, KeyModifiers::NONE),
                    "S-Tab" => (KeyCode::BackTab, KeyModifiers::SHIFT),
                    "Up" => (KeyCode::Up, KeyModifiers::NONE),
                    "Down" => (KeyCode::Down, KeyModifiers::NONE),
                    "Left" => (KeyCode::Left, KeyModifiers::NONE),
                    "Right" => (KeyCode::Right, KeyModifiers::NONE),
                    "PgUp" => (KeyCode::PageUp, KeyModifiers::NONE),
                    "PgDn" => (KeyCode::PageDown, KeyModifiers::NONE),
                    "Home" => (KeyCode::Home, KeyModifiers::NONE),
                    "End" => (KeyCode::End, KeyModifiers::NONE),
                    "BS" => (KeyCode::Backspace, KeyModifiers::NONE),
                    "lt" => (KeyCode::Char('<'), KeyModifiers::NONE),
                    other => match other.strip_prefix("C-").and_then(|c| c.chars().next()) {
                        Some(c) => (KeyCode::Char(c), KeyModifiers::CONTROL),
                        None => (KeyCode::Null, KeyModifiers::NONE),
                    },
                };
                self.key(code, mods);
                continue;
            }
            rest = &rest[c.len_utf8()..];
            let mods = if c.is_uppercase() {
                KeyModifiers::SHIFT
            } else {
                KeyModifiers::NONE
            };
            self.key(KeyCode::Char(c), mods);
        }
    }

    /// Draws one frame at the app's size.
    pub fn render(&self) -> Buffer {
        let size = self.app.size;
        let mut terminal = match Terminal::new(TestBackend::new(size.width, size.height)) {
            Ok(t) => t,
            Err(never) => match never {},
        };
        if let Err(never) = terminal.draw(|f| view(&self.app, f)) {
            match never {}
        }
        terminal.backend().buffer().clone()
    }

    /// The frame as text, one line per row, trailing spaces trimmed.
    pub fn text(&self) -> String {
        buffer_text(&self.render())
    }
}

pub fn buffer_text(buffer: &Buffer) -> String {
    let area = buffer.area;
    let mut out = String::new();
    for y in area.top()..area.bottom() {
        let mut line = String::new();
        for x in area.left()..area.right() {
            if let Some(cell) = buffer.cell((x, y)) {
                line.push_str(cell.symbol());
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
