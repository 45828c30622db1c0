//! The header: account, source, counts and risk summary; below it the tabs and breadcrumbs.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use crate::tui::app::{App, Load};
use crate::tui::rows::{Kind, Target};
use crate::tui::state::Screen;

const SEP: &str = " │ ";

pub fn render(app: &App, frame: &mut Frame, header: Rect, tabs: Option<Rect>) {
    let t = app.theme;
    let mut spans = vec![Span::styled(" iamscope", t.title())];
    match app.data() {
        None => {
            let what = match app.load_state() {
                Load::Failed(_) => "no account loaded",
                _ => "loading",
            };
            spans.push(Span::raw(SEP));
            spans.push(Span::raw(format!("{what} ({})", app.source)));
        }
        Some(data) => {
            let a = &data.account;
            spans.push(Span::raw(SEP));
            spans.push(Span::styled(
                format!("account {}", a.info.account_id),
                t.bold(),
            ));
            spans.push(Span::raw(SEP));
            spans.push(Span::raw(app.source.clone()));
            spans.push(Span::raw(SEP));
            spans.push(Span::raw(format!(
                "{} users {} groups {} roles {} policies",
                a.users.len(),
                a.groups.len(),
                a.roles.len(),
                a.policies.len()
            )));
            spans.push(Span::raw(SEP));
            match &data.insights.unavailable {
                Some(why) => spans.push(Span::styled(format!("risk: {why}"), t.dim())),
                None => {
                    spans.push(Span::raw("risk "));
                    let counts: Vec<_> = data
                        .insights
                        .summary()
                        .into_iter()
                        .filter(|(_, n)| *n > 0)
                        .collect();
                    if counts.is_empty() {
                        spans.push(Span::styled("no findings", t.ok()));
                    }
                    for (i, (s, n)) in counts.into_iter().enumerate() {
                        if i > 0 {
                            spans.push(Span::raw(" "));
                        }
                        spans.push(Span::styled(format!("{n} {}", s.as_str()), t.severity(s)));
                    }
                }
            }
            if matches!(app.load_state(), Load::Reloading(_)) {
                spans.push(Span::raw(SEP));
                spans.push(Span::styled("refreshing…", t.warn()));
            }
        }
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), header);
    if let Some(r) = tabs {
        render_tabs(app, frame, r);
    }
}

/// The list kinds as tabs (the current one reversed), and the view stack as breadcrumbs.
fn render_tabs(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.theme;
    let current = app.stack.first().and_then(|s| match s {
        Screen::List(k) => Some(*k),
        _ => None,
    });
    let mut spans = vec![Span::raw(" ")];
    for kind in Kind::ALL {
        let label = format!(" {} ", kind.title());
        if Some(kind) == current {
            spans.push(Span::styled(label, t.selected(true)));
        } else {
            spans.push(Span::styled(label, t.dim()));
        }
    }
    let crumbs = breadcrumbs(app);
    let left: usize = spans.iter().map(|s| s.content.width()).sum();
    let room = usize::from(area.width).saturating_sub(left + 2);
    let crumbs = fit_left(&crumbs, room);
    let pad = room.saturating_sub(crumbs.width());
    spans.push(Span::raw(" ".repeat(pad + 1)));
    spans.push(Span::styled(crumbs, t.accent()));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// `Roles › MyAppTaskRole › trust`.
pub fn breadcrumbs(app: &App) -> String {
    let Some(data) = app.data() else {
        return String::new();
    };
    app.stack
        .iter()
        .map(|s| match s {
            Screen::List(kind) => {
                let filter = &app.list(*kind).filter;
                if filter.is_empty() {
                    kind.title().to_owned()
                } else {
                    format!("{} /{filter}", kind.title())
                }
            }
            Screen::Inspect(i) => match i.target {
                Target::Entity(e) => data.account.name_of(e).to_owned(),
                Target::Finding(f) => data
                    .insights
                    .findings
                    .get(f)
                    .map_or_else(|| "finding".into(), |f| f.badge.clone()),
            },
            Screen::Trust(_) => "trust".to_owned(),
            Screen::Tool(t) => match t.kind {
                crate::tui::tools::ToolKind::Simulate => "simulate".to_owned(),
                crate::tui::tools::ToolKind::Explain => "explain".to_owned(),
            },
        })
        .collect::<Vec<_>>()
        .join(" › ")
}

/// Keeps the end of `s` (the deepest crumbs) when it does not fit.
fn fit_left(s: &str, room: usize) -> String {
    if s.width() <= room {
        return s.to_owned();
    }
    let mut out: Vec<char> = Vec::new();
    let mut width = 1;
    for c in s.chars().rev() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if width + w > room {
            break;
        }
        width += w;
        out.push(c);
    }
    out.push('…');
    out.into_iter().rev().collect()
}
