//! The status line (the prompt, or the answer to the last key) and the key hints below it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use crate::tui::app::{App, PromptKind};
use crate::tui::input::command_hint;
use crate::tui::keymap::{self, Action, FORM_KEYS};
use crate::tui::state::Pane;

pub fn render(app: &App, frame: &mut Frame, status: Rect, footer: Option<Rect>) {
    let t = app.theme;
    let line = if let Some(p) = app.prompt() {
        let (sigil, hint) = match p.kind {
            PromptKind::Command => {
                let options = command_hint(&p.text);
                let hint = if options.is_empty() {
                    "  no such view".to_owned()
                } else {
                    format!(
                        "  {}  (Tab completes · Enter goes · Esc cancels)",
                        options.join(" ")
                    )
                };
                (":", hint)
            }
            PromptKind::Filter => (
                "/",
                "  (fuzzy · ! inverts · Enter keeps · Esc cancels)".to_owned(),
            ),
        };
        Line::from(vec![
            Span::styled(sigil, t.key()),
            Span::raw(p.text.clone()),
            Span::styled("▏", t.accent()),
            Span::styled(hint, t.dim()),
        ])
    } else if let Some(s) = app.status() {
        Line::styled(
            format!(" {}", s.text),
            if s.error { t.error() } else { t.ok() },
        )
    } else {
        Line::default()
    };
    frame.render_widget(Paragraph::new(line), status);

    if let Some(area) = footer {
        let mut spans = vec![Span::raw(" ")];
        let mut used = 1;
        let help = app.help_open();
        let scopes = app.scopes();
        let loaded = app.data().is_some();
        let hints: Vec<(String, &str)> = if help {
            vec![("Esc".into(), "close help"), ("j/k".into(), "scroll")]
        } else if app.focus() == Pane::Form {
            // Letters are typed into the form here: only the form's own keys apply.
            FORM_KEYS
                .iter()
                .map(|(k, h)| ((*k).to_owned(), *h))
                .collect()
        } else {
            keymap::hints(&scopes)
                // Before an account is loaded only these keys do anything.
                .filter(|(b, _)| {
                    loaded || matches!(b.action, Action::Quit | Action::Help | Action::Refresh)
                })
                .map(|(b, h)| (b.keys[0].label(), h))
                .collect()
        };
        for (key, hint) in hints {
            let width = key.width() + hint.width() + 3;
            // Whole hints only: a hint cut in half is worse than none.
            if used + width > usize::from(area.width) {
                break;
            }
            used += width;
            spans.push(Span::styled(key, t.key()));
            spans.push(Span::raw(format!(" {hint}  ")));
        }
        frame.render_widget(Paragraph::new(Line::from(spans)), area);
    }
}
