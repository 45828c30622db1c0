//! The body before an account is loaded: a progress gauge, or why loading failed and how to
//! start iamscope on something it can read.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Gauge, Paragraph, Wrap};

use crate::tui::app::{App, Load};

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.theme;
    match app.load_state() {
        Load::Failed(message) => {
            let box_area = centered(area, 84, 14);
            let block = Block::default()
                .borders(Borders::ALL)
                .border_style(t.error())
                .title(Line::styled(" could not load the account ", t.error()));
            let lines = vec![
                Line::raw(message.clone()),
                Line::default(),
                Line::styled("Start iamscope on something it can read:", t.bold()),
                Line::raw("  iamscope --demo               the embedded demo account"),
                Line::raw(
                    "  iamscope --snapshot FILE      output of `aws iam get-account-authorization-details`",
                ),
                Line::raw(
                    "  iamscope --profile NAME       live, with an AWS profile (also --region, --endpoint-url)",
                ),
                Line::default(),
                Line::styled("R tries again · q quits", t.dim()),
            ];
            frame.render_widget(
                Paragraph::new(lines)
                    .block(block)
                    .wrap(Wrap { trim: false }),
                box_area,
            );
        }
        Load::Loading(p) | Load::Reloading(p) => {
            let box_area = centered(area, 60, 5);
            let block = Block::default()
                .borders(Borders::ALL)
                .border_style(t.border(true))
                .title(Line::styled(format!(" loading {} ", app.source), t.title()));
            let label = format!("{}…", p.stage);
            frame.render_widget(
                Gauge::default()
                    .block(block)
                    .gauge_style(t.accent())
                    .ratio(p.fraction.unwrap_or(0.0).clamp(0.0, 1.0))
                    .label(label),
                box_area,
            );
        }
        Load::Ready => {}
    }
}

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [row] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [cell] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(row);
    cell
}

pub(super) fn popup(area: Rect, width: u16, height: u16) -> Rect {
    centered(area, width, height)
}
