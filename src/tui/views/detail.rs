//! The detail pane: summary, relations (Enter follows them) and findings with their fix.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{badges, pane_block};
use crate::tui::app::{App, Data};
use crate::tui::layout;
use crate::tui::relations::{self, Item};
use crate::tui::state::Pane;

/// Width of the label column of summary fields.
const LABEL: usize = 10;

pub fn render(app: &App, data: &Data, frame: &mut Frame, area: Rect) {
    let t = app.theme;
    let block = pane_block(app, Pane::Detail, Line::styled(" detail ", t.title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(inspect) = app.inspect() else {
        frame.render_widget(Paragraph::new("nothing selected").style(t.dim()), inner);
        return;
    };
    let items = app.items();
    let focused = app.focus() == Pane::Detail;
    let height = layout::inner_height(area);
    let entity = relations::entity_of(&data.insights, inspect.target);
    let lines: Vec<Line> = items
        .iter()
        .enumerate()
        .skip(inspect.item_offset)
        .take(height)
        .map(|(i, item)| {
            let selected = i == inspect.item;
            match item {
                Item::Heading { kind, name } => {
                    let mut spans = vec![
                        Span::styled(format!("{kind} "), t.dim()),
                        Span::styled(name.clone(), t.bold()),
                        Span::raw("  "),
                    ];
                    if *kind != "finding"
                        && let Some(e) = entity
                    {
                        spans.extend(badges(t, data.insights.of(e)));
                    }
                    Line::from(spans)
                }
                Item::Field { label, value } => Line::from(vec![
                    Span::styled(format!("{label:<LABEL$}"), t.dim()),
                    Span::raw(value.clone()),
                ]),
                Item::Section(title) => Line::styled(*title, t.title()),
                Item::Link { text, severity, .. } => {
                    let mut spans = vec![Span::raw(if selected { "› " } else { "  " })];
                    if let Some(s) = severity {
                        spans.push(Span::styled(
                            format!("{:<9}", s.as_str().to_uppercase()),
                            t.severity(*s),
                        ));
                    }
                    spans.push(Span::raw(text.clone()));
                    let line = Line::from(spans);
                    if selected {
                        line.style(t.selected(focused))
                    } else {
                        line
                    }
                }
                Item::Entry(text) => Line::raw(format!("  {text}")),
                Item::Note(text) => Line::styled(format!("    {text}"), t.dim()),
                Item::Blank => Line::default(),
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
