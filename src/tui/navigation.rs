//! Moving around: the cursor in each pane, drilling in and going back on the view stack,
//! pane focus, and the list toggles (sort, risky only).

use super::app::{App, new_inspect};
use super::documents;
use super::highlight;
use super::layout;
use super::relations::{Item, Link};
use super::rows::{Kind, Target};
use super::state::{Inspect, Pane, Screen, ToolView, TrustView};
use super::tools::{self, ToolKind};
use super::trust;
use crate::analysis::principal::Principal;
use crate::model::{EntityRef, RoleId};

impl App {
    /// Moves the cursor of the focused pane (or scrolls the policy) by `delta` rows, clamped.
    pub(crate) fn move_by(&mut self, delta: isize) {
        match self.focus() {
            Pane::List => {
                let Screen::List(kind) = *self.screen() else {
                    return;
                };
                let list = &mut self.lists[kind.index()];
                if list.visible.is_empty() {
                    return;
                }
                list.selected = clamp_add(list.selected, delta, list.visible.len());
                self.sync_inspect(kind);
            }
            Pane::Detail => {
                let items = self.items();
                let links: Vec<usize> = (0..items.len()).filter(|i| items[*i].is_link()).collect();
                let Some(inspect) = self.inspect_mut() else {
                    return;
                };
                if links.is_empty() {
                    // Nothing to select: scroll the text instead.
                    inspect.item_offset = clamp_add(inspect.item_offset, delta, items.len());
                    return;
                }
                let at = links.iter().position(|i| *i >= inspect.item).unwrap_or(0);
                let item = links[clamp_add(at, delta, links.len())];
                inspect.item = item;
                // Moving onto a policy shows it: the policy pane follows the detail cursor.
                if let Some(Item::Link {
                    link: Link::Document { index, .. },
                    ..
                }) = items.get(item)
                    && inspect.doc != *index
                {
                    inspect.doc = *index;
                    inspect.scroll = 0;
                    inspect.hscroll = 0;
                    inspect.mark = None;
                }
            }
            Pane::Policy => {
                let lines = self.document_lines();
                let height = self.areas().policy.map_or(1, layout::inner_height).max(1);
                if let Some(inspect) = self.inspect_mut() {
                    let max = lines.saturating_sub(height) + 1;
                    inspect.scroll = clamp_add(inspect.scroll, delta, max);
                }
            }
            Pane::Tree => {
                if let Some(Screen::Trust(t)) = self.stack.last_mut() {
                    if t.nodes.is_empty() {
                        return;
                    }
                    t.selected = clamp_add(t.selected, delta, t.nodes.len());
                }
            }
            Pane::Form => {
                if let Some(Screen::Tool(t)) = self.stack.last_mut() {
                    let lines = t.outcome.as_ref().map_or(0, |o| o.lines.len());
                    t.result_scroll = clamp_add(t.result_scroll, delta, lines.max(1));
                }
            }
        }
        self.keep_in_view();
    }

    /// Lines of the policy pane's content (JSON or plain-English reading).
    pub(crate) fn document_lines(&self) -> usize {
        let Some((key, _)) = self.shown_document() else {
            return 0;
        };
        if self.inspect().is_some_and(|i| i.plain) {
            // Sentences wrap; scrolling counts one line per sentence, which is close enough.
            self.reading(&key).map_or(0, |r| r.len() * 2)
        } else {
            self.prepared(&key).map_or(0, |p| p.lines.len())
        }
    }

    pub(crate) fn scroll_sideways(&mut self, delta: i32) {
        if self.focus() != Pane::Policy {
            self.set_error("← → scroll the policy sideways: Tab to the policy pane first");
            return;
        }
        if let Some(i) = self.inspect_mut() {
            i.hscroll = (i32::from(i.hscroll) + delta).clamp(0, 400) as u16;
        }
    }

    /// Keeps every cursor inside its pane after a move or a resize.
    pub(crate) fn keep_in_view(&mut self) {
        let areas = self.areas();
        if let Some(Screen::List(kind)) = self.stack.last()
            && let Some(r) = areas.list
        {
            let list = &mut self.lists[kind.index()];
            list.offset = scrolled(list.offset, list.selected, layout::list_rows(r));
        }
        if let Some(r) = areas.detail {
            let height = layout::inner_height(r);
            if let Some(i) = self.inspect_mut() {
                // Near the top, show the summary above the first link.
                i.item_offset = if i.item < height {
                    0
                } else {
                    scrolled(i.item_offset, i.item, height)
                };
            }
        }
        if let Some(r) = areas.tree
            && let Some(Screen::Trust(t)) = self.stack.last_mut()
        {
            t.offset = scrolled(t.offset, t.selected, layout::inner_height(r));
        }
    }

    pub(crate) fn open(&mut self) {
        let Some(data) = &self.data else { return };
        match self.focus() {
            Pane::List => {
                let Some(i) = self.inspect() else {
                    self.set_error("nothing to open: the list is empty");
                    return;
                };
                let target = i.target;
                if let Target::Finding(f) = target
                    && data.insights.findings.get(f).and_then(|f| f.entity).is_none()
                {
                    self.set_error("this finding is about the account, not one entity");
                    return;
                }
                let inspect = new_inspect(data, target, Pane::Detail);
                self.stack.push(Screen::Inspect(inspect));
            }
            Pane::Detail => {
                let items = self.items();
                let Some(i) = self.inspect() else { return };
                match items.get(i.item) {
                    Some(Item::Link {
                        link: Link::Entity(e),
                        ..
                    }) => self.push_entity(*e),
                    Some(Item::Link {
                        link: Link::Document {
                            jump: Some(e), ..
                        },
                        ..
                    }) => self.push_entity(*e),
                    Some(Item::Link {
                        link: Link::Document { index, jump: None },
                        ..
                    }) => {
                        let index = *index;
                        if let Some(i) = self.inspect_mut() {
                            i.doc = index;
                            i.focus = Pane::Policy;
                        }
                    }
                    _ => self.set_error("nothing to open here: j/k select a relation"),
                }
            }
            Pane::Policy => self.set_error(
                "Enter does nothing in the policy: [ ] switch documents, p reads it in plain English",
            ),
            Pane::Form => self.run_tool(),
            Pane::Tree => {
                let target = match self.screen() {
                    Screen::Trust(t) => t.nodes.get(t.selected).and_then(|n| n.target),
                    _ => None,
                };
                match target {
                    Some(e) => self.push_entity(e),
                    None => self.set_error("this line is not a user or role of this account"),
                }
            }
        }
        self.keep_in_view();
    }

    fn push_entity(&mut self, e: EntityRef) {
        let Some(data) = &self.data else { return };
        let inspect = new_inspect(data, Target::Entity(e), Pane::Detail);
        self.stack.push(Screen::Inspect(inspect));
    }

    pub(crate) fn back(&mut self) {
        if self.stack.len() > 1 {
            self.stack.pop();
            self.keep_in_view();
            return;
        }
        if let Screen::List(kind) = *self.screen() {
            let list = &mut self.lists[kind.index()];
            if list.focus() != Pane::List {
                self.set_focus(Pane::List);
                return;
            }
            if !list.filter.is_empty() {
                list.filter.clear();
                self.refilter(kind);
                self.set_status("filter cleared");
                return;
            }
        }
        self.set_status("this is the first view: q quits");
    }

    /// `:users` and friends: the list becomes the only view on the stack.
    pub(crate) fn jump(&mut self, kind: Kind) {
        self.stack = vec![Screen::List(kind)];
        self.keep_in_view();
    }

    pub(crate) fn set_focus(&mut self, pane: Pane) {
        match self.stack.last_mut() {
            Some(Screen::List(kind)) => {
                if let Some(i) = &mut self.lists[kind.index()].inspect {
                    i.focus = pane;
                }
            }
            Some(Screen::Inspect(i)) if pane != Pane::List => i.focus = pane,
            Some(Screen::Tool(t)) if matches!(pane, Pane::Form | Pane::Policy) => t.focus = pane,
            _ => {}
        }
    }

    pub(crate) fn cycle_pane(&mut self, step: isize) {
        let panes = self.areas().panes();
        if panes.len() < 2 {
            self.set_status(format!(
                "one pane here{}: Enter opens the selection",
                if self.size.width < layout::WIDE {
                    " at this width"
                } else {
                    ""
                }
            ));
            return;
        }
        let at = panes.iter().position(|p| *p == self.focus()).unwrap_or(0) as isize;
        let next = panes[(at + step).rem_euclid(panes.len() as isize) as usize];
        self.set_focus(next);
    }

    pub(crate) fn toggle_risky(&mut self) {
        let Screen::List(kind) = *self.screen() else {
            return;
        };
        if let Some(why) = self
            .data
            .as_ref()
            .and_then(|d| d.insights.unavailable.clone())
        {
            self.set_error(format!("risky only needs findings: {why}"));
            return;
        }
        let list = &mut self.lists[kind.index()];
        list.risky_only = !list.risky_only;
        let on = list.risky_only;
        self.refilter(kind);
        self.set_status(if on {
            "showing risky rows only (r shows all)"
        } else {
            "showing all rows"
        });
    }

    pub(crate) fn cycle_sort(&mut self) {
        let Screen::List(kind) = *self.screen() else {
            return;
        };
        let list = &mut self.lists[kind.index()];
        list.sort = list.sort.next();
        let label = list.sort.label();
        self.refilter(kind);
        self.set_status(format!("sorted by {label}"));
    }

    /// The ARN of what the focused pane has selected.
    pub(crate) fn selected_arn(&self) -> Option<String> {
        let data = self.data.as_ref()?;
        let entity = match self.focus() {
            Pane::Tree => match self.screen() {
                Screen::Trust(t) => t.nodes.get(t.selected)?.target,
                _ => None,
            },
            Pane::Detail => {
                let items = self.items();
                match items.get(self.inspect()?.item) {
                    Some(Item::Link {
                        link: Link::Entity(e),
                        ..
                    })
                    | Some(Item::Link {
                        link: Link::Document { jump: Some(e), .. },
                        ..
                    }) => Some(*e),
                    _ => self.current_entity(),
                }
            }
            Pane::List | Pane::Policy | Pane::Form => self.current_entity(),
        }?;
        Some(data.account.arn_of(entity).to_owned())
    }

    /// `t`: who can assume the selected role and what it can assume; for a user, what they
    /// can assume.
    pub(crate) fn open_trust(&mut self) {
        let Some(data) = &self.data else { return };
        let Some(graph) = data.trust.clone() else {
            let why = data.trust_waiting.clone();
            self.set_status(format!("no trust graph yet: {why}"));
            return;
        };
        let entity = match self.screen() {
            Screen::Trust(t) => t.nodes.get(t.selected).and_then(|n| n.target),
            _ => self.current_entity(),
        };
        let account = &data.account;
        let (title, nodes) = match entity {
            Some(EntityRef::Role(id)) => {
                let mut nodes = trust::who_can_assume(account, &graph, id);
                nodes.extend(trust::can_assume(account, &graph, Principal::Role(id)));
                (format!("trust of {}", account.role(id).name), nodes)
            }
            Some(EntityRef::User(id)) => (
                format!("trust of {}", account.user(id).name),
                trust::can_assume(account, &graph, Principal::User(id)),
            ),
            Some(e) => {
                self.set_error(format!(
                    "`t` shows the trust of a user or role; {} is a {}",
                    account.name_of(e),
                    e.kind().as_str()
                ));
                return;
            }
            None => {
                self.set_error("`t` needs a user or role selected");
                return;
            }
        };
        self.stack.push(Screen::Trust(TrustView {
            title,
            nodes,
            selected: 0,
            offset: 0,
        }));
        self.keep_in_view();
    }

    /// `:trust`: every role with who can assume it directly.
    pub(crate) fn open_trust_all(&mut self) {
        let Some(data) = &self.data else { return };
        let Some(graph) = &data.trust else {
            let why = data.trust_waiting.clone();
            self.set_status(format!("no trust graph yet: {why}"));
            return;
        };
        let mut roles: Vec<RoleId> = (0..data.account.roles.len() as u32).map(RoleId).collect();
        roles.sort_by_key(|r| data.account.role(*r).name.to_lowercase());
        let view = TrustView {
            title: "trust: who can assume each role".into(),
            nodes: trust::every_role(&data.account, graph, &roles),
            selected: 0,
            offset: 0,
        };
        self.stack = vec![Screen::Trust(view)];
    }

    /// `S` / `E`: the simulator (as the selected user or role) or the explainer.
    pub(crate) fn open_tool(&mut self, kind: ToolKind) {
        let principal = match self.current_entity() {
            Some(e @ (EntityRef::User(_) | EntityRef::Role(_))) => self
                .data
                .as_ref()
                .map(|d| d.account.name_of(e).to_owned())
                .unwrap_or_default(),
            _ => String::new(),
        };
        let fields = tools::fields(kind, &principal);
        // Start where the typing starts: the action when the principal is known.
        let field = usize::from(kind == ToolKind::Simulate && !principal.is_empty());
        self.stack.push(Screen::Tool(ToolView {
            kind,
            fields,
            field,
            outcome: None,
            result_scroll: 0,
            inspect: None,
            focus: Pane::Form,
        }));
    }

    /// Enter in the form: decides and shows the principal's policies with the deciding
    /// statement marked and scrolled into view.
    pub(crate) fn run_tool(&mut self) {
        let Some(data) = &self.data else { return };
        let now = self.now;
        let Some(Screen::Tool(t)) = self.stack.last_mut() else {
            return;
        };
        let outcome = tools::run(t.kind, data, &t.fields, now);
        t.inspect = outcome.principal.map(|e| {
            let mut i = Inspect::new(Target::Entity(e), Pane::Policy);
            if let Some((doc, statement)) = outcome.deciding {
                i.doc = doc;
                i.mark = Some(statement);
                let docs = documents::documents(&data.account, e);
                let text = docs
                    .get(doc)
                    .and_then(|d| d.source)
                    .and_then(|s| documents::policy(&data.account, s))
                    .map(|p| p.to_json_pretty())
                    .unwrap_or_default();
                let lines = highlight::statement_lines(&text);
                i.scroll = lines
                    .get(statement)
                    .map_or(0, |r| r.start.saturating_sub(1));
            }
            i
        });
        t.outcome = Some(outcome);
        t.result_scroll = 0;
    }

    pub(crate) fn cycle_document(&mut self, step: isize) {
        let docs = self.documents();
        let name = self.selected_name().unwrap_or_default();
        if docs.len() < 2 {
            self.set_status(format!(
                "{name} has {} policy document{}",
                if docs.is_empty() { "no" } else { "one" },
                if docs.is_empty() { "s" } else { "" }
            ));
            return;
        }
        if let Some(i) = self.inspect_mut() {
            i.doc = (i.doc as isize + step).rem_euclid(docs.len() as isize) as usize;
            i.scroll = 0;
            i.hscroll = 0;
            i.mark = None;
        }
    }

    pub(crate) fn toggle_plain(&mut self) {
        let Some(i) = self.inspect_mut() else { return };
        i.plain = !i.plain;
        i.scroll = 0;
        let on = i.plain;
        self.set_status(if on {
            "plain English (p shows the JSON)"
        } else {
            "JSON (p reads it in plain English)"
        });
    }

    /// A click on line `line` of `pane`: selects it; `true` when it was already selected (a
    /// second click opens, as a double click would).
    pub(crate) fn click_line(&mut self, pane: Pane, line: usize) -> bool {
        match pane {
            Pane::List => {
                let Screen::List(kind) = *self.screen() else {
                    return false;
                };
                let list = &mut self.lists[kind.index()];
                let row = list.offset + line;
                if row >= list.visible.len() {
                    return false;
                }
                let again = row == list.selected;
                list.selected = row;
                self.sync_inspect(kind);
                again
            }
            Pane::Detail => {
                let items = self.items();
                let Some(inspect) = self.inspect_mut() else {
                    return false;
                };
                let index = inspect.item_offset + line;
                if !items.get(index).is_some_and(Item::is_link) {
                    return false;
                }
                let again = inspect.item == index;
                inspect.item = index;
                again
            }
            Pane::Tree => {
                let Some(Screen::Trust(t)) = self.stack.last_mut() else {
                    return false;
                };
                let index = t.offset + line;
                if index >= t.nodes.len() {
                    return false;
                }
                let again = t.selected == index;
                t.selected = index;
                again
            }
            Pane::Policy | Pane::Form => false,
        }
    }
}

/// `at + delta`, clamped to `0..len` (`len > 0`).
fn clamp_add(at: usize, delta: isize, len: usize) -> usize {
    let max = len.saturating_sub(1) as isize;
    (at as isize).saturating_add(delta).clamp(0, max) as usize
}

/// The scroll offset that keeps `selected` in a window of `height` rows, moving as little as
/// possible.
fn scrolled(offset: usize, selected: usize, height: usize) -> usize {
    let height = height.max(1);
    if selected < offset {
        selected
    } else if selected >= offset + height {
        selected + 1 - height
    } else {
        offset
    }
}
