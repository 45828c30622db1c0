//! The simulator's and explainer's form and the answer below it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::pane_block;
use crate::tui::app::App;
use crate::tui::state::{Pane, ToolView};
use crate::tui::tools::{Tone, ToolKind};

/// Width of the field labels.
const LABEL: usize = 10;

pub fn render(app: &App, view: &ToolView, frame: &mut Frame, area: Rect) {
    let t = app.theme;
    let title = match view.kind {
        ToolKind::Simulate => " simulate a request ",
        ToolKind::Explain => " explain an AccessDenied message ",
    };
    let block = pane_block(app, Pane::Form, Line::styled(title, t.title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let focused = app.focus() == Pane::Form;
    let mut lines: Vec<Line> = Vec::new();
    for (i, f) in view.fields.iter().enumerate() {
        let active = focused && i == view.field;
        let mut spans = vec![Span::styled(
            format!("{:<LABEL$}", f.label),
            if active { t.key() } else { t.dim() },
        )];
        if f.value.is_empty() && !active {
            spans.push(Span::styled(f.hint, t.dim()));
        } else {
            spans.push(Span::raw(f.value.clone()));
        }
        if active {
            spans.push(Span::styled("▏", t.accent()));
            if f.value.is_empty() {
                spans.push(Span::styled(f.hint, t.dim()));
            }
        }
        lines.push(Line::from(spans));
    }
    lines.push(Line::default());
    match &view.outcome {
        None => lines.push(Line::styled(
            "Enter runs · Tab next field · Esc leaves",
            t.dim(),
        )),
        Some(o) => {
            for (i, (tone, text)) in o.lines.iter().enumerate().skip(view.result_scroll) {
                if *tone == Tone::Heading && i > 0 {
                    lines.push(Line::default());
                }
                let style = match tone {
                    Tone::Allowed => t.ok().add_modifier(ratatui::style::Modifier::BOLD),
                    Tone::Denied | Tone::Error => t.error(),
                    Tone::Heading => t.title(),
                    Tone::Text => t.plain(),
                    Tone::Detail => t.dim(),
                };
                lines.push(Line::styled(text.clone(), style));
            }
        }
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
