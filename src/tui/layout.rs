//! Where each pane goes for a terminal size. Pure, and shared by the views (to draw) and the
//! update (to scroll by a page and to hit-test mouse clicks), so both agree.

use ratatui::layout::{Constraint, Layout, Rect};

use super::state::{Pane, Screen};

/// Below this the UI shows only a "terminal too small" note.
pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 10;
/// From this width the list shows its selection's detail and policy beside it.
pub const WIDE: u16 = 100;
/// From this height the header has a tab line and the footer its key hints.
pub const TALL: u16 = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Areas {
    pub header: Rect,
    /// The tab and breadcrumb line (tall terminals only).
    pub tabs: Option<Rect>,
    pub body: Rect,
    pub list: Option<Rect>,
    pub detail: Option<Rect>,
    pub policy: Option<Rect>,
    pub tree: Option<Rect>,
    pub form: Option<Rect>,
    pub status: Rect,
    pub footer: Option<Rect>,
    pub too_small: bool,
}

impl Areas {
    /// The panes Tab cycles through, in order.
    pub fn panes(&self) -> Vec<Pane> {
        [
            (self.list, Pane::List),
            (self.detail, Pane::Detail),
            (self.policy, Pane::Policy),
            (self.tree, Pane::Tree),
            (self.form, Pane::Form),
        ]
        .into_iter()
        .filter_map(|(r, p)| r.map(|_| p))
        .collect()
    }

    pub fn pane(&self, pane: Pane) -> Option<Rect> {
        match pane {
            Pane::List => self.list,
            Pane::Detail => self.detail,
            Pane::Policy => self.policy,
            Pane::Tree => self.tree,
            Pane::Form => self.form,
        }
    }

    /// The pane under a mouse position.
    pub fn pane_at(&self, column: u16, row: u16) -> Option<Pane> {
        let pos = ratatui::layout::Position::new(column, row);
        self.panes()
            .into_iter()
            .find(|p| self.pane(*p).is_some_and(|r| r.contains(pos)))
    }
}

/// Rows inside a bordered pane.
pub fn inner_height(r: Rect) -> usize {
    usize::from(r.height.saturating_sub(2))
}

/// Rows of a list pane below its border and column header.
pub fn list_rows(r: Rect) -> usize {
    usize::from(r.height.saturating_sub(3))
}

pub fn areas(size: Rect, screen: &Screen, loaded: bool) -> Areas {
    if size.width < MIN_WIDTH || size.height < MIN_HEIGHT {
        return Areas {
            body: size,
            too_small: true,
            ..Areas::default()
        };
    }
    let tall = size.height >= TALL;
    let [header, tabs, body, status, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(u16::from(tall)),
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(u16::from(tall)),
    ])
    .areas(size);
    let mut a = Areas {
        header,
        tabs: tall.then_some(tabs),
        body,
        status,
        footer: tall.then_some(footer),
        ..Areas::default()
    };
    if !loaded {
        return a;
    }
    let wide = size.width >= WIDE;
    match screen {
        Screen::List(_) if wide => {
            let [list, side] =
                Layout::horizontal([Constraint::Percentage(52), Constraint::Fill(1)]).areas(body);
            let [detail, policy] =
                Layout::vertical([Constraint::Percentage(45), Constraint::Fill(1)]).areas(side);
            a.list = Some(list);
            a.detail = Some(detail);
            a.policy = Some(policy);
        }
        Screen::List(_) => a.list = Some(body),
        Screen::Inspect(_) => {
            let [detail, policy] = if wide {
                Layout::horizontal([Constraint::Percentage(40), Constraint::Fill(1)]).areas(body)
            } else {
                Layout::vertical([Constraint::Percentage(40), Constraint::Fill(1)]).areas(body)
            };
            a.detail = Some(detail);
            a.policy = Some(policy);
        }
        Screen::Trust(_) => a.tree = Some(body),
        Screen::Tool(_) => {
            let [form, policy] = if wide {
                Layout::horizontal([Constraint::Percentage(48), Constraint::Fill(1)]).areas(body)
            } else {
                Layout::vertical([Constraint::Percentage(50), Constraint::Fill(1)]).areas(body)
            };
            a.form = Some(form);
            a.policy = Some(policy);
        }
    }
    a
}
