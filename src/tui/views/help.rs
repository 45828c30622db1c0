//! The help screen, generated from the key binding table that drives dispatch.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::loading::popup;
use crate::tui::app::App;
use crate::tui::keymap::{BINDINGS, COMMANDS, FORM_KEYS, PROMPT_KEYS, Scope};

/// Width of the key column.
const KEYS: usize = 14;

pub fn lines(app: &App) -> Vec<Line<'static>> {
    let t = app.theme;
    let mut out = Vec::new();
    let row = |keys: String, text: &str| {
        Line::from(vec![
            Span::styled(format!("  {keys:<KEYS$}"), t.key()),
            Span::raw(text.to_owned()),
        ])
    };
    for scope in [Scope::Everywhere, Scope::List, Scope::Document] {
        out.push(Line::styled(scope.title(), t.title()));
        for b in BINDINGS.iter().filter(|b| b.scope == scope) {
            out.push(row(b.keys_label(), b.help));
        }
        out.push(Line::default());
    }
    out.push(Line::styled(
        "In the simulator and explainer form",
        t.title(),
    ));
    for (k, text) in FORM_KEYS {
        out.push(row((*k).to_owned(), text));
    }
    out.push(Line::default());
    out.push(Line::styled("In the : and / prompts", t.title()));
    for (k, text) in PROMPT_KEYS {
        out.push(row((*k).to_owned(), text));
    }
    out.push(Line::default());
    out.push(Line::styled("Views (:name)", t.title()));
    for (name, text) in COMMANDS {
        out.push(row(format!(":{name}"), text));
    }
    out.push(Line::default());
    out.push(Line::styled("Mouse", t.title()));
    out.push(row(
        "click".into(),
        "select; click the selection again to open it",
    ));
    out.push(row(
        "wheel".into(),
        "move the selection, or scroll the policy",
    ));
    out
}

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.theme;
    let lines = lines(app);
    let width = area.width.saturating_sub(4).min(96);
    let height = area.height.saturating_sub(2);
    let r = popup(area, width, height);
    let scroll = app.help.unwrap_or(0).min(
        lines
            .len()
            .saturating_sub(usize::from(height.saturating_sub(2))),
    );
    frame.render_widget(Clear, r);
    frame.render_widget(
        Paragraph::new(lines)
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(t.border(true))
                    .title(Line::styled(" keys · Esc closes ", t.title())),
            )
            .scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0)),
        r,
    );
}
