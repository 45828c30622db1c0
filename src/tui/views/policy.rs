//! The policy pane: the selected document, syntax-highlighted (or its plain-English reading),
//! with badges beside the statements findings point at.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::pane_block;
use crate::tui::app::{App, Data};
use crate::tui::insights::{Finding, statement_index};
use crate::tui::layout;
use crate::tui::relations;
use crate::tui::state::Pane;

pub fn render(app: &App, data: &Data, frame: &mut Frame, area: Rect) {
    let t = app.theme;
    let docs = app.documents();
    let Some(inspect) = app.inspect() else {
        let block = pane_block(app, Pane::Policy, Line::styled(" policy ", t.title()));
        frame.render_widget(block, area);
        return;
    };
    let mut title = vec![Span::styled(" policy ", t.title())];
    if let Some(doc) = docs.get(inspect.doc) {
        title.push(Span::raw(format!(
            "{}/{}: {} ",
            inspect.doc + 1,
            docs.len(),
            doc.title
        )));
    }
    if inspect.plain {
        title.push(Span::styled("plain English ", t.accent()));
    }
    let block = pane_block(app, Pane::Policy, Line::from(title));
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let Some(doc) = docs.get(inspect.doc) else {
        let name = app.selected_name().unwrap_or_default();
        frame.render_widget(
            Paragraph::new(format!("{name} has no policy documents")).style(t.dim()),
            inner,
        );
        return;
    };
    let Some((key, _)) = app.shown_document() else {
        frame.render_widget(
            Paragraph::new("the input names this policy but does not include its document")
                .style(t.warn())
                .wrap(Wrap { trim: true }),
            inner,
        );
        return;
    };
    // Findings whose evidence is a statement of this document, by statement index.
    let entity = relations::entity_of(&data.insights, inspect.target);
    let mut on_statement: Vec<(usize, &Finding)> = Vec::new();
    let document = crate::tui::documents::policy(&data.account, key.1);
    if let Some(e) = entity {
        let policy_entity = match key.1 {
            crate::tui::documents::DocSource::Managed(id, _) => {
                Some(crate::model::EntityRef::Policy(id))
            }
            _ => None,
        };
        // The policy's own findings too, when it is not the entity itself.
        let findings = data.insights.of(e).chain(
            policy_entity
                .filter(|p| *p != e)
                .into_iter()
                .flat_map(|p| data.insights.of(p)),
        );
        for f in findings {
            for ev in &f.evidence {
                if *ev.policy == *doc.evidence_name
                    && let Some(i) = document.and_then(|p| statement_index(ev, p))
                {
                    on_statement.push((i, f));
                }
            }
        }
    }

    if inspect.plain {
        let Some(reading) = app.reading(&key) else {
            return;
        };
        let mut lines = Vec::new();
        for (i, sentence) in reading.iter().enumerate() {
            let mut spans = vec![Span::styled(format!("{}. ", i + 1), t.dim())];
            for (_, f) in on_statement.iter().filter(|(s, _)| *s == i) {
                spans.push(Span::styled(format!(" {} ", f.badge), t.badge(f.severity)));
                spans.push(Span::raw(" "));
            }
            spans.push(Span::raw(sentence.clone()));
            let line = Line::from(spans);
            lines.push(if inspect.mark == Some(i) {
                line.style(t.marked_line())
            } else {
                line
            });
            lines.push(Line::default());
        }
        frame.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .scroll((u16::try_from(inspect.scroll).unwrap_or(u16::MAX), 0)),
            inner,
        );
        return;
    }

    let Some(prepared) = app.prepared(&key) else {
        return;
    };
    let height = layout::inner_height(area);
    let marked = inspect
        .mark
        .and_then(|s| prepared.statements.get(s))
        .cloned()
        .unwrap_or(0..0);
    let lines: Vec<Line> = prepared
        .lines
        .iter()
        .enumerate()
        .skip(inspect.scroll)
        .take(height)
        .map(|(n, line)| {
            let mut line = line.clone();
            // Badges go on the statement's first line, right of its text.
            for (s, f) in &on_statement {
                if prepared.statements.get(*s).is_some_and(|r| r.start == n) {
                    line.spans.push(Span::raw("  "));
                    line.spans
                        .push(Span::styled(format!(" {} ", f.badge), t.badge(f.severity)));
                }
            }
            if marked.contains(&n) {
                line.style(t.marked_line())
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).scroll((0, inspect.hscroll)), inner);
}
