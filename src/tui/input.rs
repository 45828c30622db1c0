//! From keys and mouse events to actions: the keymap decides what a key means here, the
//! prompt takes keys while it is open, and a key that does not apply says why.

use crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};

use super::app::{App, Effect, Load, Prompt, PromptKind};
use super::keymap::{self, Action, COMMANDS, Lookup, Scope};
use super::layout;
use super::rows::Kind;
use super::state::{Pane, Screen};
use super::tools::ToolKind;

/// How far one wheel notch scrolls a document.
const WHEEL_LINES: isize = 3;

impl App {
    /// The scopes whose bindings apply right now.
    pub fn scopes(&self) -> Vec<Scope> {
        let mut s = vec![Scope::Everywhere];
        if self.data.is_some() && matches!(self.screen(), Screen::List(_)) {
            s.push(Scope::List);
        }
        if self.areas().policy.is_some() && !self.documents().is_empty() {
            s.push(Scope::Document);
        }
        s
    }

    pub(crate) fn on_key(&mut self, key: KeyEvent, fx: &mut Vec<Effect>) {
        if key.kind == KeyEventKind::Release {
            return;
        }
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            fx.push(Effect::Quit);
            return;
        }
        self.status = None;
        if self.prompt.is_some() {
            self.prompt_key(key, fx);
            return;
        }
        if self.help.is_some() {
            self.help_key(key);
            return;
        }
        if self.focus() == Pane::Form {
            self.form_key(key);
            return;
        }
        let lookup = keymap::lookup(&self.scopes(), &key);
        if self.data.is_none() {
            match lookup {
                Lookup::Action(a @ (Action::Quit | Action::Help | Action::Refresh)) => {
                    self.act(a, fx);
                }
                _ => match &self.load {
                    Load::Failed(_) => self.set_error("no account is loaded: R retries, q quits"),
                    _ => self.set_status("still loading the account: q quits"),
                },
            }
            return;
        }
        match lookup {
            Lookup::Action(a) => self.act(a, fx),
            Lookup::NotHere(b) => {
                let key = keymap::Key {
                    code: key.code,
                    mods: key.modifiers - KeyModifiers::SHIFT,
                };
                self.set_error(format!(
                    "`{}` ({}) works {}",
                    key.label(),
                    b.help,
                    b.scope.why_not()
                ));
            }
            Lookup::Unbound => {
                let key = keymap::Key {
                    code: key.code,
                    mods: key.modifiers - KeyModifiers::SHIFT,
                };
                self.set_error(format!(
                    "`{}` does nothing here: ? shows the keys",
                    key.label()
                ));
            }
        }
    }

    fn help_key(&mut self, key: KeyEvent) {
        let Some(scroll) = self.help else { return };
        match key.code {
            KeyCode::Esc | KeyCode::Char('?' | 'q' | 'h') => self.help = None,
            KeyCode::Char('j') | KeyCode::Down => self.help = Some(scroll + 1),
            KeyCode::Char('k') | KeyCode::Up => self.help = Some(scroll.saturating_sub(1)),
            KeyCode::PageDown => self.help = Some(scroll + 10),
            KeyCode::PageUp => self.help = Some(scroll.saturating_sub(10)),
            KeyCode::Char('g') | KeyCode::Home => self.help = Some(0),
            _ => self.set_status("Esc closes the help"),
        }
    }

    pub(crate) fn act(&mut self, action: Action, fx: &mut Vec<Effect>) {
        match action {
            Action::Quit => fx.push(Effect::Quit),
            Action::Help => self.help = Some(0),
            Action::Command => {
                self.prompt = Some(Prompt {
                    kind: PromptKind::Command,
                    text: String::new(),
                    before: String::new(),
                });
            }
            Action::Filter => {
                if let Screen::List(kind) = self.screen() {
                    let before = self.lists[kind.index()].filter.clone();
                    self.prompt = Some(Prompt {
                        kind: PromptKind::Filter,
                        text: before.clone(),
                        before,
                    });
                }
            }
            Action::Back => self.back(),
            Action::Open => self.open(),
            Action::Up => self.move_by(-1),
            Action::Down => self.move_by(1),
            Action::Top => self.move_by(isize::MIN / 2),
            Action::Bottom => self.move_by(isize::MAX / 2),
            Action::PageUp => self.move_by(-self.page()),
            Action::PageDown => self.move_by(self.page()),
            Action::Left => self.scroll_sideways(-8),
            Action::Right => self.scroll_sideways(8),
            Action::NextPane => self.cycle_pane(1),
            Action::PrevPane => self.cycle_pane(-1),
            Action::RiskyOnly => self.toggle_risky(),
            Action::Sort => self.cycle_sort(),
            Action::CopyArn => match self.selected_arn() {
                Some(arn) => {
                    self.set_status(format!("copied {arn}"));
                    fx.push(Effect::Copy(arn));
                }
                None => self.set_error("nothing selected to copy"),
            },
            Action::Refresh => self.refresh(fx),
            Action::Trust => self.open_trust(),
            Action::NextDocument => self.cycle_document(1),
            Action::PrevDocument => self.cycle_document(-1),
            Action::PlainEnglish => self.toggle_plain(),
            Action::Simulate => self.open_tool(ToolKind::Simulate),
            Action::Explain => self.open_tool(ToolKind::Explain),
        }
    }

    /// Keys while the simulator's or explainer's form has the focus: text goes into the field.
    fn form_key(&mut self, key: KeyEvent) {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let Some(Screen::Tool(t)) = self.stack.last_mut() else {
            return;
        };
        let last = t.fields.len().saturating_sub(1);
        match key.code {
            KeyCode::Esc => self.back(),
            KeyCode::Enter => self.run_tool(),
            KeyCode::Tab if t.field == last && t.inspect.is_some() => t.focus = Pane::Policy,
            KeyCode::Tab | KeyCode::Down => t.field = (t.field + 1).min(last),
            KeyCode::BackTab | KeyCode::Up => t.field = t.field.saturating_sub(1),
            KeyCode::PageDown => t.result_scroll += 5,
            KeyCode::PageUp => t.result_scroll = t.result_scroll.saturating_sub(5),
            KeyCode::Backspace => {
                if let Some(f) = t.fields.get_mut(t.field) {
                    f.value.pop();
                }
            }
            KeyCode::Char('u') if ctrl => {
                if let Some(f) = t.fields.get_mut(t.field) {
                    f.value.clear();
                }
            }
            KeyCode::Char(c) if !ctrl => {
                if let Some(f) = t.fields.get_mut(t.field) {
                    f.value.push(c);
                }
            }
            _ => self.set_status("Enter runs · Tab next field · Esc leaves the form"),
        }
    }

    fn refresh(&mut self, fx: &mut Vec<Effect>) {
        match &self.load {
            Load::Loading(_) | Load::Reloading(_) => {
                self.set_status("already loading");
            }
            Load::Failed(_) => {
                self.load = Load::Loading(Default::default());
                fx.push(Effect::Reload);
            }
            Load::Ready => {
                self.load = Load::Reloading(Default::default());
                self.set_status("refreshing in the background…");
                fx.push(Effect::Reload);
            }
        }
    }

    fn prompt_key(&mut self, key: KeyEvent, fx: &mut Vec<Effect>) {
        let Some(prompt) = &mut self.prompt else {
            return;
        };
        match key.code {
            KeyCode::Esc => {
                let p = self.prompt.take();
                if let Some(p) = p
                    && p.kind == PromptKind::Filter
                {
                    self.set_filter(p.before);
                }
            }
            KeyCode::Enter => {
                let Some(p) = self.prompt.take() else { return };
                match p.kind {
                    PromptKind::Command => self.run_command(&p.text, fx),
                    PromptKind::Filter => {
                        if let Screen::List(kind) = self.screen() {
                            let n = self.lists[kind.index()].visible.len();
                            if !p.text.is_empty() {
                                let rows = if n == 1 { "row" } else { "rows" };
                                self.set_status(format!("filter `{}`: {n} {rows}", p.text));
                            }
                        }
                    }
                }
            }
            KeyCode::Tab if prompt.kind == PromptKind::Command => {
                let matches = completions(&prompt.text);
                match matches.as_slice() {
                    [] => {
                        let text = prompt.text.clone();
                        self.set_error(format!("no view starts with `{text}`"));
                    }
                    [one] => prompt.text = (*one).to_owned(),
                    many => prompt.text = common_prefix(many),
                }
            }
            KeyCode::Backspace => {
                if prompt.text.pop().is_none() {
                    self.prompt = None;
                }
                self.prompt_changed();
            }
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                prompt.text.push(c);
                self.prompt_changed();
            }
            _ => {}
        }
    }

    /// The filter applies as it is typed.
    fn prompt_changed(&mut self) {
        if let Some(p) = &self.prompt
            && p.kind == PromptKind::Filter
        {
            let text = p.text.clone();
            self.set_filter(text);
        }
    }

    pub(crate) fn on_paste(&mut self, text: &str) {
        if self.focus() == Pane::Form
            && let Some(Screen::Tool(t)) = self.stack.last_mut()
            && let Some(f) = t.fields.get_mut(t.field)
        {
            // An error message pasted from a terminal wraps over lines: one field, one line.
            let joined: Vec<&str> = text.lines().map(str::trim).collect();
            f.value.push_str(&joined.join(" "));
            return;
        }
        // One line only: a pasted newline would otherwise be typed into a one-line prompt.
        let line = text.lines().next().unwrap_or_default();
        if let Some(p) = &mut self.prompt {
            p.text.push_str(line);
            self.prompt_changed();
        }
    }

    fn set_filter(&mut self, text: String) {
        if let Screen::List(kind) = *self.screen() {
            self.lists[kind.index()].filter = text;
            self.refilter(kind);
        }
    }

    fn run_command(&mut self, text: &str, fx: &mut Vec<Effect>) {
        let text = text.trim().trim_start_matches(':');
        if text.is_empty() {
            return;
        }
        let matches = completions(text);
        let name = match matches.as_slice() {
            _ if COMMANDS.iter().any(|(c, _)| *c == text) => text,
            [one] => one,
            [] if text == "q" => "quit",
            [] => {
                let all: Vec<String> = COMMANDS.iter().map(|(c, _)| format!(":{c}")).collect();
                self.set_error(format!("no view `:{text}`: try {}", all.join(" ")));
                return;
            }
            many => {
                self.set_error(format!("`:{text}` could be {}", many.join(", ")));
                return;
            }
        };
        match name {
            "quit" => fx.push(Effect::Quit),
            "help" => self.help = Some(0),
            "trust" => self.open_trust_all(),
            "simulate" => self.open_tool(ToolKind::Simulate),
            "explain" => self.open_tool(ToolKind::Explain),
            other => {
                if let Some(kind) = Kind::ALL.into_iter().find(|k| k.command() == other) {
                    self.jump(kind);
                }
            }
        }
    }

    pub(crate) fn on_mouse(&mut self, m: MouseEvent, fx: &mut Vec<Effect>) {
        if self.help.is_some() {
            match m.kind {
                MouseEventKind::ScrollDown => self.help = self.help.map(|s| s + 3),
                MouseEventKind::ScrollUp => self.help = self.help.map(|s| s.saturating_sub(3)),
                MouseEventKind::Down(_) => self.help = None,
                _ => {}
            }
            return;
        }
        if self.data.is_none() || self.prompt.is_some() {
            return;
        }
        let areas = self.areas();
        let Some(pane) = areas.pane_at(m.column, m.row) else {
            return;
        };
        match m.kind {
            MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
                let down = m.kind == MouseEventKind::ScrollDown;
                self.set_focus(pane);
                let step = if pane == Pane::Policy { WHEEL_LINES } else { 1 };
                self.move_by(if down { step } else { -step });
            }
            MouseEventKind::Down(MouseButton::Left) => {
                let Some(rect) = areas.pane(pane) else { return };
                self.set_focus(pane);
                // Rows start below the border (and the list's column header).
                let first = rect.y + if pane == Pane::List { 2 } else { 1 };
                if m.row < first || m.row + 1 >= rect.y + rect.height {
                    return;
                }
                let line = usize::from(m.row - first);
                if self.click_line(pane, line) {
                    self.act(Action::Open, fx);
                }
            }
            _ => {}
        }
    }

    /// The page size for PgUp/PgDn in the focused pane.
    fn page(&self) -> isize {
        let areas = self.areas();
        let rows = match areas.pane(self.focus()) {
            Some(r) if self.focus() == Pane::List => layout::list_rows(r),
            Some(r) => layout::inner_height(r),
            None => 10,
        };
        rows.max(1) as isize
    }
}

/// The commands starting with `text`.
fn completions(text: &str) -> Vec<&'static str> {
    COMMANDS
        .iter()
        .map(|(c, _)| *c)
        .filter(|c| c.starts_with(text))
        .collect()
}

fn common_prefix(words: &[&str]) -> String {
    let Some(first) = words.first() else {
        return String::new();
    };
    let mut len = first.len();
    for w in words {
        len = len.min(
            first
                .bytes()
                .zip(w.bytes())
                .take_while(|(a, b)| a == b)
                .count(),
        );
    }
    first[..len].to_owned()
}

/// What the prompt line offers while `:` is open.
pub fn command_hint(text: &str) -> Vec<&'static str> {
    completions(text.trim_start_matches(':'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completes_to_the_common_prefix() {
        assert_eq!(completions("r"), vec!["roles"]);
        assert_eq!(common_prefix(&["users", "use"]), "use");
        assert_eq!(completions("x"), Vec::<&str>::new());
    }
}
