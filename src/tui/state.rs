//! The state of each view on the stack. Plain data: the app's update changes it, views read it.

use super::rows::{Kind, Sort, Target};
use super::tools::{Field, Outcome, ToolKind};
use super::trust::Node;

/// A pane that can have the focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    List,
    Detail,
    Policy,
    Tree,
    /// The simulator's or explainer's inputs and result.
    Form,
}

/// One entry of the view stack (Esc pops it).
#[derive(Debug, Clone, PartialEq)]
pub enum Screen {
    /// A list; its state lives in `App::lists` so it survives jumping away and back.
    List(Kind),
    /// One user, group, role, policy or finding, drilled into.
    Inspect(Inspect),
    Trust(TrustView),
    /// The simulator or the AccessDenied explainer.
    Tool(ToolView),
}

/// The detail and policy panes' state for one selection.
#[derive(Debug, Clone, PartialEq)]
pub struct Inspect {
    pub target: Target,
    pub focus: Pane,
    /// Index of the selected detail item (always a link, when there is one).
    pub item: usize,
    pub item_offset: usize,
    /// Index into the entity's documents.
    pub doc: usize,
    pub scroll: usize,
    pub hscroll: u16,
    /// Show the plain-English reading instead of the JSON.
    pub plain: bool,
    /// A statement to mark in the document (finding evidence).
    pub mark: Option<usize>,
}

impl Inspect {
    pub fn new(target: Target, focus: Pane) -> Inspect {
        Inspect {
            target,
            focus,
            item: 0,
            item_offset: 0,
            doc: 0,
            scroll: 0,
            hscroll: 0,
            plain: false,
            mark: None,
        }
    }
}

/// A list's state: what it shows and where the cursor is.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ListState {
    pub filter: String,
    pub risky_only: bool,
    pub sort: Sort,
    /// Row indexes shown, in order; recomputed when filter, sort or risky-only change.
    pub visible: Vec<u32>,
    pub selected: usize,
    pub offset: usize,
    /// The selection's detail and policy panes (wide layouts show them beside the list); its
    /// `focus` is the list screen's focus, `Pane::List` included.
    pub inspect: Option<Inspect>,
}

impl ListState {
    pub fn focus(&self) -> Pane {
        self.inspect.as_ref().map_or(Pane::List, |i| i.focus)
    }
}

/// The trust tree.
#[derive(Debug, Clone, PartialEq)]
pub struct TrustView {
    /// `who can assume MyAppTaskRole`, or `trust` for every role.
    pub title: String,
    pub nodes: Vec<Node>,
    pub selected: usize,
    pub offset: usize,
}

/// The simulator or the explainer: the form, the last answer, and the policy pane of the
/// principal it is about.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolView {
    pub kind: ToolKind,
    pub fields: Vec<Field>,
    /// The field being typed into.
    pub field: usize,
    pub outcome: Option<Outcome>,
    pub result_scroll: usize,
    pub inspect: Option<Inspect>,
    /// `Pane::Form` or `Pane::Policy`.
    pub focus: Pane,
}
