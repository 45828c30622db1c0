//! The one key binding table: dispatch, the footer hints and the help screen are all read from
//! [`BINDINGS`], so they cannot disagree.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a key does. Names match the help screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Quit,
    Help,
    Command,
    Back,
    Open,
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    Left,
    Right,
    NextPane,
    PrevPane,
    Filter,
    RiskyOnly,
    Sort,
    CopyArn,
    Refresh,
    Trust,
    NextDocument,
    PrevDocument,
    PlainEnglish,
    Simulate,
    Explain,
}

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    Everywhere,
    /// A list of users, groups, roles, policies or findings is on screen.
    List,
    /// A policy document is on screen.
    Document,
}

impl Scope {
    pub fn title(self) -> &'static str {
        match self {
            Scope::Everywhere => "Everywhere",
            Scope::List => "In a list",
            Scope::Document => "Where a policy is shown",
        }
    }

    /// Why a key of this scope does nothing elsewhere.
    pub fn why_not(self) -> &'static str {
        match self {
            Scope::Everywhere => "",
            Scope::List => "only in a list (`:users`, `:roles`, ...)",
            Scope::Document => {
                "only where a policy is shown (Enter on a user, group, role or policy)"
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

const fn ch(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        mods: KeyModifiers::NONE,
    }
}
const fn code(code: KeyCode) -> Key {
    Key {
        code,
        mods: KeyModifiers::NONE,
    }
}
const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        mods: KeyModifiers::CONTROL,
    }
}

impl Key {
    fn matches(&self, ev: &KeyEvent) -> bool {
        // Shift is part of the character for letters and symbols (`G`, `?`), so it is ignored
        // there; it matters for named keys (BackTab carries its own code).
        let mods = ev.modifiers - KeyModifiers::SHIFT;
        self.code == ev.code && self.mods == mods
    }

    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "Space".to_owned(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "S-Tab".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            other => format!("{other:?}"),
        };
        if self.mods.contains(KeyModifiers::CONTROL) {
            format!("C-{base}")
        } else {
            base
        }
    }
}

pub struct Binding {
    pub keys: &'static [Key],
    pub action: Action,
    pub scope: Scope,
    /// The word in the footer; `None`: help only (movement keys everyone knows).
    pub hint: Option<&'static str>,
    pub help: &'static str,
}

impl Binding {
    pub fn keys_label(&self) -> String {
        self.keys
            .iter()
            .map(Key::label)
            .collect::<Vec<_>>()
            .join("/")
    }
}

pub const BINDINGS: &[Binding] = &[
    Binding {
        keys: &[code(KeyCode::Enter)],
        action: Action::Open,
        scope: Scope::Everywhere,
        hint: Some("open"),
        help: "open the selection: drill into it, or jump to a related entity",
    },
    Binding {
        keys: &[code(KeyCode::Esc), ch('h')],
        action: Action::Back,
        scope: Scope::Everywhere,
        hint: Some("back"),
        help: "go back one view (in a list with a filter: clear the filter)",
    },
    Binding {
        keys: &[ch(':')],
        action: Action::Command,
        scope: Scope::Everywhere,
        hint: Some("jump"),
        help: "jump to a view: :users :groups :roles :policies :findings :trust (Tab completes)",
    },
    Binding {
        keys: &[ch('/')],
        action: Action::Filter,
        scope: Scope::List,
        hint: Some("filter"),
        help: "filter by name, fuzzy; start with ! to keep the rows that do not match",
    },
    Binding {
        keys: &[ch('r')],
        action: Action::RiskyOnly,
        scope: Scope::List,
        hint: Some("risky"),
        help: "show only rows with findings (risky only), or all rows again",
    },
    Binding {
        keys: &[ch('s')],
        action: Action::Sort,
        scope: Scope::List,
        hint: Some("sort"),
        help: "cycle the sort: name, created, last used, policies, risk",
    },
    Binding {
        keys: &[code(KeyCode::Tab)],
        action: Action::NextPane,
        scope: Scope::Everywhere,
        hint: Some("pane"),
        help: "focus the next pane",
    },
    Binding {
        keys: &[code(KeyCode::BackTab)],
        action: Action::PrevPane,
        scope: Scope::Everywhere,
        hint: None,
        help: "focus the previous pane",
    },
    Binding {
        keys: &[ch(']')],
        action: Action::NextDocument,
        scope: Scope::Document,
        hint: Some("next doc"),
        help: "show the next policy document of this entity",
    },
    Binding {
        keys: &[ch('[')],
        action: Action::PrevDocument,
        scope: Scope::Document,
        hint: None,
        help: "show the previous policy document",
    },
    Binding {
        keys: &[ch('p')],
        action: Action::PlainEnglish,
        scope: Scope::Document,
        hint: Some("plain English"),
        help: "switch the policy between its JSON and a plain-English reading",
    },
    Binding {
        keys: &[ch('t')],
        action: Action::Trust,
        scope: Scope::Everywhere,
        hint: Some("trust"),
        help: "show who can assume the selected role, as a tree with conditions",
    },
    Binding {
        keys: &[ch('S')],
        action: Action::Simulate,
        scope: Scope::Everywhere,
        hint: Some("simulate"),
        help: "simulate a request as the selected user or role: the decision and its trace",
    },
    Binding {
        keys: &[ch('E')],
        action: Action::Explain,
        scope: Scope::Everywhere,
        hint: Some("explain"),
        help: "explain an AccessDenied message: paste it, see the cause and the fix",
    },
    Binding {
        keys: &[ch('y')],
        action: Action::CopyArn,
        scope: Scope::Everywhere,
        hint: Some("copy ARN"),
        help: "copy the selection's ARN to the clipboard (OSC 52)",
    },
    Binding {
        keys: &[ch('R')],
        action: Action::Refresh,
        scope: Scope::Everywhere,
        hint: Some("refresh"),
        help: "refresh: load the account again in the background, keeping the selection",
    },
    Binding {
        keys: &[ch('?')],
        action: Action::Help,
        scope: Scope::Everywhere,
        hint: Some("help"),
        help: "show or hide this help",
    },
    Binding {
        keys: &[ch('q'), ctrl('c')],
        action: Action::Quit,
        scope: Scope::Everywhere,
        hint: Some("quit"),
        help: "quit",
    },
    Binding {
        keys: &[ch('k'), code(KeyCode::Up)],
        action: Action::Up,
        scope: Scope::Everywhere,
        hint: None,
        help: "move up",
    },
    Binding {
        keys: &[ch('j'), code(KeyCode::Down)],
        action: Action::Down,
        scope: Scope::Everywhere,
        hint: None,
        help: "move down",
    },
    Binding {
        keys: &[ch('g'), code(KeyCode::Home)],
        action: Action::Top,
        scope: Scope::Everywhere,
        hint: None,
        help: "go to the top",
    },
    Binding {
        keys: &[ch('G'), code(KeyCode::End)],
        action: Action::Bottom,
        scope: Scope::Everywhere,
        hint: None,
        help: "go to the bottom",
    },
    Binding {
        keys: &[code(KeyCode::PageUp), ctrl('u')],
        action: Action::PageUp,
        scope: Scope::Everywhere,
        hint: None,
        help: "page up",
    },
    Binding {
        keys: &[code(KeyCode::PageDown), ctrl('d')],
        action: Action::PageDown,
        scope: Scope::Everywhere,
        hint: None,
        help: "page down",
    },
    Binding {
        keys: &[code(KeyCode::Left)],
        action: Action::Left,
        scope: Scope::Document,
        hint: None,
        help: "scroll the policy left",
    },
    Binding {
        keys: &[code(KeyCode::Right)],
        action: Action::Right,
        scope: Scope::Document,
        hint: None,
        help: "scroll the policy right (long ARNs)",
    },
];

/// Keys of the `:` and `/` prompts; handled by the prompt, listed here for the help screen.
pub const PROMPT_KEYS: &[(&str, &str)] = &[
    (
        "Enter",
        "apply (`:` runs the command, `/` keeps the filter)",
    ),
    ("Esc", "cancel"),
    ("Tab", "complete the command"),
    ("!", "at the start of a filter: invert it"),
];

/// Keys of the simulator's and explainer's form; handled by the form, listed for the help.
pub const FORM_KEYS: &[(&str, &str)] = &[
    ("Enter", "run"),
    ("Tab/↓", "next field, then the policy"),
    ("S-Tab/↑", "previous field"),
    ("C-u", "clear field"),
    ("PgUp/PgDn", "scroll result"),
    ("Esc", "leave"),
    ("C-c", "quit"),
];

/// The views `:` jumps to, with what each shows.
pub const COMMANDS: &[(&str, &str)] = &[
    ("users", "IAM users"),
    ("groups", "IAM groups"),
    ("roles", "IAM roles"),
    ("policies", "managed policies"),
    ("findings", "risk findings"),
    ("trust", "who can assume each role"),
    ("simulate", "decide a request, with its trace"),
    ("explain", "explain an AccessDenied message"),
    ("help", "this help"),
    ("quit", "quit iamscope"),
];

/// The outcome of looking a key up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    Action(Action),
    /// Bound, but not in any scope that is active: the binding says where it applies.
    NotHere(&'static Binding),
    Unbound,
}

impl std::fmt::Debug for Binding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Binding({:?} {:?})", self.action, self.keys_label())
    }
}

impl PartialEq for Binding {
    fn eq(&self, other: &Self) -> bool {
        self.action == other.action
    }
}
impl Eq for Binding {}

pub fn lookup(active: &[Scope], ev: &KeyEvent) -> Lookup {
    let mut elsewhere = None;
    for b in BINDINGS {
        if b.keys.iter().any(|k| k.matches(ev)) {
            if active.contains(&b.scope) {
                return Lookup::Action(b.action);
            }
            elsewhere.get_or_insert(b);
        }
    }
    elsewhere.map_or(Lookup::Unbound, Lookup::NotHere)
}

/// The footer: hints of the bindings active here, in table order.
pub fn hints(active: &[Scope]) -> impl Iterator<Item = (&'static Binding, &'static str)> {
    BINDINGS.iter().filter_map(move |b| {
        let hint = b.hint?;
        (active.contains(&b.scope) && !b.keys.is_empty()).then_some((b, hint))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn press(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn no_key_is_bound_twice_in_overlapping_scopes() {
        let mut seen = HashSet::new();
        for b in BINDINGS {
            for k in b.keys {
                // Every scope overlaps with Everywhere, so keys must be unique overall.
                assert!(seen.insert((k.code, k.mods)), "{} bound twice", k.label());
            }
        }
    }

    #[test]
    fn every_action_has_a_binding() {
        let bound: HashSet<Action> = BINDINGS.iter().map(|b| b.action).collect();
        assert_eq!(bound.len(), 26, "{bound:?}");
    }

    #[test]
    fn lookup_respects_scope_and_shift() {
        let all = [Scope::Everywhere, Scope::List, Scope::Document];
        assert_eq!(
            lookup(&all, &press(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Lookup::Action(Action::Bottom)
        );
        assert_eq!(
            lookup(&all, &press(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Lookup::Action(Action::Quit)
        );
        match lookup(
            &[Scope::Everywhere],
            &press(KeyCode::Char('/'), KeyModifiers::NONE),
        ) {
            Lookup::NotHere(b) => assert_eq!(b.scope, Scope::List),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            lookup(&all, &press(KeyCode::Char('Z'), KeyModifiers::SHIFT)),
            Lookup::Unbound
        );
    }
}
