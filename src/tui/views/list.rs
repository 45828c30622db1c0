//! A list pane: one row per user, group, role, policy or finding, with badges.

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, Wrap};

use super::pane_block;
use crate::tui::app::{App, Data};
use crate::tui::insights::Finding;
use crate::tui::layout;
use crate::tui::rows::{self, Kind, LastUsed, Target};
use crate::tui::state::Pane;
use crate::tui::theme::Theme;

/// The width the name keeps before optional columns are added.
const NAME: u16 = 22;
/// The risk column: the worst badge and how many more.
const RISK: u16 = 16;

/// The most severe badge, and `+N` for the others (the detail pane lists them all).
fn worst_badge<'a>(t: Theme, mut findings: impl Iterator<Item = &'a Finding>) -> Line<'a> {
    let Some(first) = findings.next() else {
        return Line::default();
    };
    let more = findings.count();
    let mut spans = vec![Span::styled(
        format!(" {} ", first.badge),
        t.badge(first.severity),
    )];
    if more > 0 {
        spans.push(Span::styled(format!(" +{more}"), t.dim()));
    }
    Line::from(spans)
}

pub fn render(app: &App, data: &Data, kind: Kind, frame: &mut Frame, area: Rect) {
    let t = app.theme;
    let list = app.list(kind);
    let table = data.tables.get(kind);
    let mut title = vec![
        Span::styled(format!(" {} ", kind.title()), t.title()),
        Span::raw(format!("{}/{} ", list.visible.len(), table.rows.len())),
    ];
    if !list.filter.is_empty() {
        title.push(Span::styled(format!("/{} ", list.filter), t.accent()));
    }
    if list.risky_only {
        title.push(Span::styled("risky only ", t.warn()));
    }
    title.push(Span::styled(
        format!("sort: {} ", list.sort.label()),
        t.dim(),
    ));
    let block = pane_block(app, Pane::List, Line::from(title));
    let inner = block.inner(area);
    frame.render_widget(block, area);

    if list.visible.is_empty() {
        let why = empty_reason(app, data, kind);
        frame.render_widget(
            Paragraph::new(why)
                .style(t.dim())
                .alignment(Alignment::Center)
                .wrap(Wrap { trim: true }),
            inner,
        );
        return;
    }

    let show_risk = data.insights.unavailable.is_none();
    let columns = kind.columns();
    // Columns are added while the name keeps room; narrow panes drop the path, then the
    // creation date: the name matters most.
    let fixed = 9 + 8 + 2 + if show_risk { RISK + 1 } else { 0 };
    let room = |extra: u16| inner.width >= fixed + extra + NAME;
    let show_created = kind != Kind::Findings && room(11);
    let show_path = kind != Kind::Findings && room(11 + 15);
    let mut widths = vec![Constraint::Fill(1)];
    let mut header = vec![columns[0]];
    if kind == Kind::Findings {
        widths.push(Constraint::Length(22));
        header.push(columns[1]);
    } else {
        if show_path {
            widths.push(Constraint::Length(14));
            header.push(columns[1]);
        }
        if show_created {
            widths.push(Constraint::Length(10));
            header.push(columns[2]);
        }
        widths.push(Constraint::Length(9));
        header.push(columns[3]);
        widths.push(Constraint::Length(8));
        header.push(columns[4]);
    }
    if show_risk {
        widths.push(Constraint::Length(if kind == Kind::Findings {
            10
        } else {
            RISK
        }));
        header.push(columns[5]);
    }

    let height = layout::list_rows(area);
    let focused = app.focus() == Pane::List;
    let rows = list
        .visible
        .iter()
        .enumerate()
        .skip(list.offset)
        .take(height)
        .filter_map(|(pos, i)| {
            let row = table.rows.get(*i as usize)?;
            let mut cells = vec![Cell::from(row.name.clone())];
            if kind == Kind::Findings {
                cells.push(Cell::from(row.path.clone()));
            } else {
                if show_path {
                    cells.push(Cell::from(row.path.clone()));
                }
                if show_created {
                    cells.push(Cell::from(rows::date(row.created)));
                }
                let middle = match row.members {
                    Some(n) => n.to_string(),
                    None if kind == Kind::Policies => match row.last_used {
                        LastUsed::At(t) => rows::date(Some(t)),
                        _ => "-".into(),
                    },
                    None => rows::age(row.last_used, app.now),
                };
                cells.push(Cell::from(middle));
                cells.push(Cell::from(row.count.to_string()));
            }
            if show_risk {
                let line = match row.target {
                    Target::Entity(e) => worst_badge(t, data.insights.of(e)),
                    Target::Finding(f) => match data.insights.findings.get(f) {
                        Some(f) => Line::styled(f.severity.as_str(), t.severity(f.severity)),
                        None => Line::default(),
                    },
                };
                cells.push(Cell::from(line));
            }
            let style = if pos == list.selected {
                t.selected(focused)
            } else {
                t.plain()
            };
            Some(Row::new(cells).style(style))
        });
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(t.dim()))
        .column_spacing(1);
    frame.render_widget(table, inner);
}

fn empty_reason(app: &App, data: &Data, kind: Kind) -> String {
    let list = app.list(kind);
    if kind == Kind::Findings
        && let Some(why) = &data.insights.unavailable
    {
        return format!("{why}: no findings to list");
    }
    if !list.filter.is_empty() {
        return format!(
            "no {} match `/{}` (Esc clears the filter)",
            kind.command(),
            list.filter
        );
    }
    if list.risky_only {
        return format!("no risky {} (r shows all)", kind.command());
    }
    format!("the account has no {}", kind.command())
}
