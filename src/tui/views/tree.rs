//! The trust tree: role → who its trust policy lets assume it → conditions.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{badges, pane_block};
use crate::analysis::trust::Status;
use crate::tui::app::{App, Data};
use crate::tui::layout;
use crate::tui::state::{Pane, TrustView};
use crate::tui::trust::NodeKind;

pub fn render(app: &App, data: &Data, view: &TrustView, frame: &mut Frame, area: Rect) {
    let t = app.theme;
    let title = Line::from(vec![
        Span::styled(format!(" {} ", view.title), t.title()),
        Span::styled("· Enter opens a user or role · t shows its trust ", t.dim()),
    ]);
    let block = pane_block(app, Pane::Tree, title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let height = layout::inner_height(area);
    let lines: Vec<Line> = view
        .nodes
        .iter()
        .enumerate()
        .skip(view.offset)
        .take(height)
        .map(|(i, node)| {
            let text_style = match node.kind {
                NodeKind::Heading => t.title(),
                NodeKind::Subject => t.bold(),
                NodeKind::Edge(Status::Never) => t.dim(),
                NodeKind::Edge(Status::Always) => t.warn(),
                NodeKind::Edge(Status::Conditional) => t.plain(),
                NodeKind::Detail => t.dim(),
                NodeKind::Note(s) => t.severity(s),
            };
            let mut spans = vec![
                Span::styled(node.prefix.clone(), t.dim()),
                Span::styled(node.text.clone(), text_style),
            ];
            if matches!(node.kind, NodeKind::Subject | NodeKind::Heading)
                && let Some(e) = node.target
            {
                spans.push(Span::raw("  "));
                spans.extend(badges(t, data.insights.of(e)));
            }
            let line = Line::from(spans);
            if i == view.selected {
                line.style(t.selected(true))
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
