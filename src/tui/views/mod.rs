//! Pure rendering: `view(&App, &mut Frame)` reads the state and draws it; it never changes
//! the state and does no I/O or slow work (highlighting is done before, off this path).

mod detail;
mod header;
mod help;
mod list;
mod loading;
mod policy;
mod status;
mod tool;
mod tree;

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::app::App;
use super::insights::Finding;
use super::state::{Pane, Screen};
use super::theme::Theme;

pub fn view(app: &App, frame: &mut Frame) {
    let areas = app.areas();
    if areas.too_small {
        too_small(app, frame, areas.body);
        return;
    }
    header::render(app, frame, areas.header, areas.tabs);
    match app.data() {
        None => loading::render(app, frame, areas.body),
        Some(data) => {
            if let (Screen::List(kind), Some(r)) = (app.screen(), areas.list) {
                list::render(app, data, *kind, frame, r);
            }
            if let (Screen::Trust(t), Some(r)) = (app.screen(), areas.tree) {
                tree::render(app, data, t, frame, r);
            }
            if let (Screen::Tool(t), Some(r)) = (app.screen(), areas.form) {
                tool::render(app, t, frame, r);
            }
            if let Some(r) = areas.detail {
                detail::render(app, data, frame, r);
            }
            if let Some(r) = areas.policy {
                policy::render(app, data, frame, r);
            }
        }
    }
    status::render(app, frame, areas.status, areas.footer);
    if app.help_open() {
        help::render(app, frame, frame.area());
    }
}

/// A pane's frame: the title in the border, highlighted when the pane has the focus.
fn pane_block<'a>(app: &App, pane: Pane, title: Line<'a>) -> Block<'a> {
    let focused = app.focus() == pane;
    Block::default()
        .borders(Borders::ALL)
        .border_style(app.theme.border(focused))
        .title(title)
}

/// Badges for a list of findings, most severe first, separated by a space.
fn badges<'a>(theme: Theme, findings: impl Iterator<Item = &'a Finding>) -> Vec<Span<'a>> {
    let mut spans = Vec::new();
    for f in findings {
        if !spans.is_empty() {
            spans.push(Span::raw(" "));
        }
        spans.push(Span::styled(
            format!(" {} ", f.badge),
            theme.badge(f.severity),
        ));
    }
    spans
}

fn too_small(app: &App, frame: &mut Frame, area: Rect) {
    let text = format!(
        "terminal too small: {}×{}; iamscope needs at least {}×{}",
        area.width,
        area.height,
        super::layout::MIN_WIDTH,
        super::layout::MIN_HEIGHT
    );
    frame.render_widget(
        Paragraph::new(text)
            .style(app.theme.warn())
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true }),
        area,
    );
}
