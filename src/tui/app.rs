//! The app state and its update: `update(msg) -> effects` is pure (no terminal, no I/O), so
//! every transition is testable; the event loop performs the effects.
//!
//! Key handling is in `input.rs`, moving around in `navigation.rs`; this file holds the state,
//! the messages and the loading life cycle.

use std::collections::HashMap;
use std::sync::Arc;

use crossterm::event::{KeyEvent, MouseEvent};
use jiff::Timestamp;
use ratatui::layout::Rect;

use super::documents::{self, DocSource, Document};
use super::highlight::Prepared;
use super::insights::{Analysis, Insights, Part, statement_index};
use super::layout::{self, Areas};
use super::plain_english;
use super::relations::{self, Item};
use super::rows::{Kind, Tables, Target};
use super::state::{Inspect, ListState, Pane, Screen};
use super::theme::Theme;
use crate::analysis::trust::TrustGraph;
use crate::model::{Account, EntityRef};

/// A document in the caches: which load of the account, and where in it.
pub type DocKey = (u64, DocSource);

/// Everything that can happen to the app.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Paste(String),
    Resize(u16, u16),
    Progress(Progress),
    /// The load finished (boxed: an account is large and messages are moved around).
    Loaded(Result<Box<Account>, String>),
    /// The analysis of load `generation` finished.
    Analyzed(u64, Box<Analysis>),
    /// A part of the analysis of load `generation` failed; the account stays browsable.
    AnalysisFailed(u64, Part, String),
    Highlighted(DocKey, Prepared),
}

/// What the app asks the event loop to do.
#[derive(Debug, Clone)]
pub enum Effect {
    Quit,
    /// Put text on the clipboard (OSC 52).
    Copy(String),
    /// Highlight a document in the background; the result comes back as `Msg::Highlighted`.
    Highlight(DocKey, Arc<str>),
    /// Load the account again in the background.
    Reload,
    /// Analyse a freshly loaded account in the background (trust graph, findings); the result
    /// comes back as `Msg::Analyzed`.
    Analyze {
        generation: u64,
        account: Arc<Account>,
        now: Timestamp,
    },
}

/// How far a load is.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Progress {
    /// What is going on, e.g. `reading users, groups, roles and policies (120/400)`.
    pub stage: String,
    /// 0.0 ..= 1.0; `None` when the loader cannot tell.
    pub fraction: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Load {
    Loading(Progress),
    Failed(String),
    Ready,
    /// A refresh is running; the current account stays on screen.
    Reloading(Progress),
}

/// The loaded account and what is derived from it once.
#[derive(Debug, Clone)]
pub struct Data {
    pub account: Arc<Account>,
    pub insights: Insights,
    pub tables: Tables,
    /// `None` until the trust analysis has run.
    pub trust: Option<Arc<TrustGraph>>,
    /// What to say where the trust graph is missing: running, or why it failed.
    pub trust_waiting: String,
}

/// The status line: the answer to the last key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub text: String,
    pub error: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    /// `:` jump to a view.
    Command,
    /// `/` filter the list.
    Filter,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    pub kind: PromptKind,
    pub text: String,
    /// The filter before the prompt opened, restored by Esc.
    pub before: String,
}

pub struct App {
    /// The clock ages are measured against; injected so tests and screenshots are stable.
    pub(crate) now: Timestamp,
    pub(crate) theme: Theme,
    /// Where the account comes from, as the header says it.
    pub(crate) source: String,
    pub(crate) load: Load,
    pub(crate) data: Option<Data>,
    /// Never empty: the bottom is a list or the trust tree.
    pub(crate) stack: Vec<Screen>,
    pub(crate) lists: [ListState; 5],
    pub(crate) prompt: Option<Prompt>,
    pub(crate) status: Option<Status>,
    /// `Some(scroll)` while the help is open.
    pub(crate) help: Option<usize>,
    pub(crate) docs: HashMap<DocKey, Arc<Prepared>>,
    pub(crate) readings: HashMap<DocKey, Arc<Vec<String>>>,
    /// The last document sent to the highlighter, so it is not sent again every update.
    requested: Option<DocKey>,
    pub(crate) size: Rect,
    generation: u64,
}

impl App {
    /// The app before the account is loaded: the first frame can be drawn at once.
    pub fn new(source: impl Into<String>, now: Timestamp, theme: Theme, size: (u16, u16)) -> App {
        App {
            now,
            theme,
            source: source.into(),
            load: Load::Loading(Progress {
                stage: "starting".into(),
                ..Progress::default()
            }),
            data: None,
            stack: vec![Screen::List(Kind::Users)],
            lists: Kind::ALL.map(|k| ListState {
                // Findings come most severe first.
                sort: if k == Kind::Findings {
                    super::rows::Sort::Risk
                } else {
                    super::rows::Sort::Name
                },
                ..ListState::default()
            }),
            prompt: None,
            status: None,
            help: None,
            docs: HashMap::new(),
            readings: HashMap::new(),
            requested: None,
            size: Rect::new(0, 0, size.0, size.1),
            generation: 0,
        }
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        let mut fx = Vec::new();
        match msg {
            Msg::Key(key) => self.on_key(key, &mut fx),
            Msg::Mouse(m) => self.on_mouse(m, &mut fx),
            Msg::Paste(text) => self.on_paste(&text),
            Msg::Resize(w, h) => {
                self.size = Rect::new(0, 0, w, h);
                self.keep_in_view();
            }
            Msg::Progress(p) => {
                if let Load::Loading(old) | Load::Reloading(old) = &mut self.load {
                    *old = p;
                }
            }
            Msg::Loaded(result) => self.on_loaded(result, &mut fx),
            Msg::Analyzed(generation, analysis) => self.on_analyzed(generation, *analysis),
            Msg::AnalysisFailed(generation, part, why) => {
                if generation == self.generation
                    && let Some(data) = &mut self.data
                {
                    let text = format!("{} failed: {why}", part.name());
                    match part {
                        Part::Trust => data.trust_waiting = text.clone(),
                        Part::Findings => data.insights.unavailable = Some(text.clone()),
                    }
                    self.set_error(text);
                }
            }
            Msg::Highlighted(key, prepared) => {
                // A result for an account replaced since is dropped.
                if key.0 == self.generation {
                    self.docs.insert(key, Arc::new(prepared));
                }
            }
        }
        self.prepare_document(&mut fx);
        fx
    }

    // ----- reading the state (views and tests) -----

    pub fn data(&self) -> Option<&Data> {
        self.data.as_ref()
    }

    pub fn load_state(&self) -> &Load {
        &self.load
    }

    pub fn status(&self) -> Option<&Status> {
        self.status.as_ref()
    }

    pub fn prompt(&self) -> Option<&Prompt> {
        self.prompt.as_ref()
    }

    pub fn screen(&self) -> &Screen {
        // The stack is never empty; the fallback only keeps this total.
        static FALLBACK: Screen = Screen::List(Kind::Users);
        self.stack.last().unwrap_or(&FALLBACK)
    }

    pub fn depth(&self) -> usize {
        self.stack.len()
    }

    pub fn list(&self, kind: Kind) -> &ListState {
        &self.lists[kind.index()]
    }

    pub fn help_open(&self) -> bool {
        self.help.is_some()
    }

    pub fn areas(&self) -> Areas {
        layout::areas(self.size, self.screen(), self.data.is_some())
    }

    /// The detail/policy state of the top view, if it has those panes.
    pub fn inspect(&self) -> Option<&Inspect> {
        match self.screen() {
            Screen::List(kind) => self.lists[kind.index()].inspect.as_ref(),
            Screen::Inspect(i) => Some(i),
            Screen::Trust(_) => None,
            Screen::Tool(t) => t.inspect.as_ref(),
        }
    }

    pub(crate) fn inspect_mut(&mut self) -> Option<&mut Inspect> {
        match self.stack.last_mut()? {
            Screen::List(kind) => self.lists[kind.index()].inspect.as_mut(),
            Screen::Inspect(i) => Some(i),
            Screen::Trust(_) => None,
            Screen::Tool(t) => t.inspect.as_mut(),
        }
    }

    pub fn focus(&self) -> Pane {
        match self.screen() {
            Screen::List(kind) => self.lists[kind.index()].focus(),
            Screen::Inspect(i) => i.focus,
            Screen::Trust(_) => Pane::Tree,
            Screen::Tool(t) => t.focus,
        }
    }

    /// The entity the detail and policy panes are about.
    pub fn current_entity(&self) -> Option<EntityRef> {
        let data = self.data.as_ref()?;
        relations::entity_of(&data.insights, self.inspect()?.target)
    }

    /// The name of what the cursor is on, as the user sees it.
    pub fn selected_name(&self) -> Option<String> {
        let data = self.data.as_ref()?;
        match self.screen() {
            Screen::Trust(t) => t.nodes.get(t.selected).map(|n| n.text.clone()),
            Screen::Tool(t) => t.fields.first().map(|f| f.value.clone()),
            _ => match self.inspect()?.target {
                Target::Entity(e) => Some(data.account.name_of(e).to_owned()),
                Target::Finding(i) => data.insights.findings.get(i).map(|f| f.title.clone()),
            },
        }
    }

    pub fn documents(&self) -> Vec<Document> {
        match (self.data.as_ref(), self.current_entity()) {
            (Some(d), Some(e)) => documents::documents(&d.account, e),
            _ => Vec::new(),
        }
    }

    pub fn items(&self) -> Vec<Item> {
        match (self.data.as_ref(), self.inspect()) {
            (Some(d), Some(i)) => relations::items(d, self.now, i.target),
            _ => Vec::new(),
        }
    }

    /// The document the policy pane shows, with its cache key.
    pub(crate) fn shown_document(&self) -> Option<(DocKey, Document)> {
        let i = self.inspect()?;
        let doc = self.documents().into_iter().nth(i.doc)?;
        let source = doc.source?;
        Some(((self.generation, source), doc))
    }

    pub fn prepared(&self, key: &DocKey) -> Option<&Prepared> {
        self.docs.get(key).map(Arc::as_ref)
    }

    pub fn reading(&self, key: &DocKey) -> Option<&[String]> {
        self.readings.get(key).map(|r| r.as_slice())
    }

    // ----- loading -----

    fn on_loaded(&mut self, result: Result<Box<Account>, String>, fx: &mut Vec<Effect>) {
        let account = match result {
            Ok(a) => Arc::new(*a),
            Err(message) if self.data.is_some() => {
                self.load = Load::Ready;
                self.set_error(format!("refresh failed: {message}"));
                return;
            }
            Err(message) => {
                self.load = Load::Failed(message);
                return;
            }
        };
        let refreshed = self.data.is_some();
        let remembered = self.remember();
        let insights = Insights::pending();
        let tables = Tables::build(&account, &insights);
        self.generation += 1;
        self.docs.clear();
        self.readings.clear();
        self.requested = None;
        fx.push(Effect::Analyze {
            generation: self.generation,
            account: Arc::clone(&account),
            now: self.now,
        });
        self.data = Some(Data {
            account,
            insights,
            tables,
            trust: None,
            trust_waiting: "trust analysis running…".into(),
        });
        self.load = Load::Ready;
        for kind in Kind::ALL {
            // Indexes of the old account mean nothing in the new one: fresh detail state.
            self.lists[kind.index()].inspect = None;
            self.refilter(kind);
        }
        self.restore(remembered);
        if refreshed {
            self.set_status("refreshed");
        }
    }

    fn on_analyzed(&mut self, generation: u64, analysis: Analysis) {
        // The analysis of an account replaced since is dropped.
        if generation != self.generation {
            return;
        }
        let Some(data) = &mut self.data else { return };
        match analysis {
            Analysis::Trust(graph) => data.trust = Some(graph),
            Analysis::Findings(insights) => {
                data.tables = Tables::build(&data.account, &insights);
                data.insights = insights;
                for kind in Kind::ALL {
                    self.refilter(kind);
                }
            }
        }
    }

    /// The selection, by ARN (or finding title), so a refresh can find it again in the new
    /// account even if indexes moved.
    fn remember(&self) -> Remembered {
        let Some(data) = &self.data else {
            return Remembered::default();
        };
        let key = |t: Target| row_key(data, t);
        Remembered {
            lists: Kind::ALL.map(|k| {
                let l = &self.lists[k.index()];
                l.inspect.as_ref().map(|i| key(i.target))
            }),
            stack: self
                .stack
                .iter()
                .map(|s| match s {
                    Screen::Inspect(i) => Some((key(i.target), i.clone())),
                    _ => None,
                })
                .collect(),
        }
    }

    fn restore(&mut self, r: Remembered) {
        let Some(data) = &self.data else { return };
        let table_keys: Vec<Vec<String>> = Kind::ALL
            .iter()
            .map(|k| {
                let t = data.tables.get(*k);
                self.lists[k.index()]
                    .visible
                    .iter()
                    .map(|i| row_key(data, t.rows[*i as usize].target))
                    .collect()
            })
            .collect();
        for kind in Kind::ALL {
            if let Some(Some(key)) = r.lists.get(kind.index()) {
                let pos = table_keys[kind.index()].iter().position(|k| k == key);
                self.lists[kind.index()].selected = pos.unwrap_or(0);
            }
        }
        let mut stack = Vec::with_capacity(self.stack.len());
        let mut lost = None;
        for (screen, remembered) in self
            .stack
            .drain(..)
            .zip(r.stack.into_iter().chain(std::iter::repeat(None)))
        {
            match (screen, remembered) {
                (Screen::Inspect(_), Some((key, mut inspect))) => match find_target(data, &key) {
                    Some(t) => {
                        inspect.target = t;
                        // The same entity may have other documents now.
                        let docs = relations::entity_of(&data.insights, t)
                            .map_or(0, |e| documents::documents(&data.account, e).len());
                        if inspect.doc >= docs {
                            inspect.doc = 0;
                            inspect.scroll = 0;
                            inspect.mark = None;
                        }
                        stack.push(Screen::Inspect(inspect));
                    }
                    None => {
                        lost = Some(key);
                        break;
                    }
                },
                (Screen::Trust(_) | Screen::Tool(_), _) => break,
                (screen, _) => stack.push(screen),
            }
        }
        if stack.is_empty() {
            stack.push(Screen::List(Kind::Users));
        }
        self.stack = stack;
        for kind in Kind::ALL {
            self.sync_inspect(kind);
        }
        if let Some(key) = lost {
            self.set_error(format!("`{key}` is gone from the refreshed account"));
        }
        self.keep_in_view();
    }

    /// Recomputes which rows a list shows, keeping the selected row if it is still shown.
    pub(crate) fn refilter(&mut self, kind: Kind) {
        let Some(data) = &self.data else { return };
        let table = data.tables.get(kind);
        let list = &mut self.lists[kind.index()];
        let before = list.visible.get(list.selected).copied();
        list.visible = table.select(list.sort, &list.filter, list.risky_only);
        list.selected = before
            .and_then(|row| list.visible.iter().position(|r| *r == row))
            .unwrap_or(0);
        list.offset = list.offset.min(list.selected);
        self.sync_inspect(kind);
        self.keep_in_view();
    }

    /// Points the list's detail panes at its selected row (fresh state when the row changed).
    pub(crate) fn sync_inspect(&mut self, kind: Kind) {
        let Some(data) = &self.data else { return };
        let list = &mut self.lists[kind.index()];
        let target = list
            .visible
            .get(list.selected)
            .map(|i| data.tables.get(kind).rows[*i as usize].target);
        match (target, &list.inspect) {
            (None, _) => list.inspect = None,
            (Some(t), Some(i)) if i.target == t => {}
            (Some(t), old) => {
                let focus = old.as_ref().map_or(Pane::List, |i| i.focus);
                list.inspect = Some(new_inspect(data, t, focus));
            }
        }
    }

    /// Makes sure the document on screen is in the cache, and asks for its highlighting.
    fn prepare_document(&mut self, fx: &mut Vec<Effect>) {
        if self.areas().policy.is_none() {
            return;
        }
        let Some((key, _)) = self.shown_document() else {
            return;
        };
        let Some(data) = &self.data else { return };
        let Some(policy) = documents::policy(&data.account, key.1) else {
            return;
        };
        let plain = self.inspect().is_some_and(|i| i.plain);
        if plain && !self.readings.contains_key(&key) {
            self.readings
                .insert(key, Arc::new(plain_english::describe(policy)));
        }
        let highlighted = match self.docs.get(&key) {
            Some(p) => p.highlighted,
            None => {
                let text = policy.to_json_pretty();
                self.docs.insert(key, Arc::new(Prepared::plain(&text)));
                self.requested = Some(key);
                fx.push(Effect::Highlight(key, text.into()));
                return;
            }
        };
        if !highlighted && self.requested != Some(key) {
            self.requested = Some(key);
            fx.push(Effect::Highlight(key, policy.to_json_pretty().into()));
        }
    }

    pub(crate) fn set_status(&mut self, text: impl Into<String>) {
        self.status = Some(Status {
            text: text.into(),
            error: false,
        });
    }

    pub(crate) fn set_error(&mut self, text: impl Into<String>) {
        self.status = Some(Status {
            text: text.into(),
            error: true,
        });
    }
}

/// A fresh detail state for `target`; a finding opens on the statement it rests on.
pub(crate) fn new_inspect(data: &Data, target: Target, focus: Pane) -> Inspect {
    let mut inspect = Inspect::new(target, focus);
    // The first link, not the heading: j/k move between links only. Ages do not move links,
    // so any clock will do here.
    let items = relations::items(data, Timestamp::UNIX_EPOCH, target);
    inspect.item = items.iter().position(Item::is_link).unwrap_or(0);
    if let Target::Finding(i) = target
        && let Some(f) = data.insights.findings.get(i)
        && let Some(e) = f.entity
        && let Some(ev) = f.evidence.first()
    {
        let docs = documents::documents(&data.account, e);
        if let Some(d) = docs.iter().position(|d| *d.evidence_name == *ev.policy) {
            inspect.doc = d;
            inspect.mark = docs[d]
                .source
                .and_then(|s| documents::policy(&data.account, s))
                .and_then(|p| statement_index(ev, p));
        }
    }
    inspect
}

#[derive(Debug, Default)]
struct Remembered {
    lists: [Option<String>; 5],
    stack: Vec<Option<(String, Inspect)>>,
}

fn row_key(data: &Data, t: Target) -> String {
    match t {
        Target::Entity(e) => data.account.arn_of(e).to_owned(),
        Target::Finding(i) => data
            .insights
            .findings
            .get(i)
            .map(|f| format!("finding {}", f.title))
            .unwrap_or_default(),
    }
}

fn find_target(data: &Data, key: &str) -> Option<Target> {
    if let Some(title) = key.strip_prefix("finding ") {
        return data
            .insights
            .findings
            .iter()
            .position(|f| f.title == title)
            .map(Target::Finding);
    }
    data.account.by_arn(key).map(Target::Entity)
}
