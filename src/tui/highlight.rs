//! Policy documents as styled lines: syntect highlighting on a worker thread, never on the
//! render path. The app shows the plain text at once and swaps in the highlighted lines when
//! the worker sends them; both are cached by the app, keyed by document.
//!
//! The theme maps JSON scopes to ANSI colour indexes (as `bat`'s `ansi` theme does), so the
//! terminal's palette picks the shade and it reads on dark and light backgrounds.

use std::ops::Range;
use std::str::FromStr;
use std::sync::{Arc, Condvar, Mutex, OnceLock};

use ratatui::text::{Line, Span};
use syntect::easy::HighlightLines;
use syntect::highlighting::{
    Color as SynColor, ScopeSelectors, StyleModifier, Theme as SynTheme, ThemeItem, ThemeSettings,
};
use syntect::parsing::{SyntaxReference, SyntaxSet};
use syntect::util::LinesWithEndings;

use super::theme::Theme;

/// A document ready to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    pub lines: Vec<Line<'static>>,
    /// Per statement, the lines it spans (same order as `Policy::statements`).
    pub statements: Vec<Range<usize>>,
    /// `false` until the worker has highlighted it.
    pub highlighted: bool,
}

impl Prepared {
    /// The unstyled text, shown until highlighting is done.
    pub fn plain(text: &str) -> Prepared {
        Prepared {
            lines: text.lines().map(|l| Line::raw(l.to_owned())).collect(),
            statements: statement_lines(text),
            highlighted: false,
        }
    }

    /// Highlighted with syntect. Falls back to the plain text if the JSON syntax is missing.
    pub fn highlight(text: &str, theme: Theme) -> Prepared {
        let Some((syntaxes, syntax, syn_theme)) = syntax() else {
            return Prepared::plain(text);
        };
        let mut h = HighlightLines::new(syntax, syn_theme);
        let mut lines = Vec::new();
        for line in LinesWithEndings::from(text) {
            let spans: Vec<Span<'static>> = match h.highlight_line(line, syntaxes) {
                Ok(ranges) => ranges
                    .into_iter()
                    .filter_map(|(style, piece)| {
                        let piece = piece.trim_end_matches(['\n', '\r']);
                        (!piece.is_empty())
                            .then(|| Span::styled(piece.to_owned(), ansi(style, theme)))
                    })
                    .collect(),
                Err(_) => vec![Span::raw(line.trim_end().to_owned())],
            };
            lines.push(effect_colors(Line::from(spans), theme));
        }
        Prepared {
            lines,
            statements: statement_lines(text),
            highlighted: true,
        }
    }
}

/// `"Effect": "Deny"` in red and `"Allow"` in green: the one word that flips a statement's
/// meaning should not look like every other string.
fn effect_colors(mut line: Line<'static>, theme: Theme) -> Line<'static> {
    let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
    if !text.trim_start().starts_with("\"Effect\"") {
        return line;
    }
    for span in line.spans.iter_mut() {
        match span.content.trim_matches('"') {
            "Deny" => span.style = theme.error(),
            "Allow" => span.style = theme.ok(),
            _ => {}
        }
    }
    line
}

fn ansi(style: syntect::highlighting::Style, theme: Theme) -> ratatui::style::Style {
    // Alpha 0 marks "ANSI colour index in the red channel"; anything else is the default colour.
    if style.foreground.a == 0 {
        theme.ansi(style.foreground.r)
    } else {
        theme.plain()
    }
}

type Syntax = (SyntaxSet, SyntaxReference, SynTheme);

/// Loading syntect's syntax set takes tens of milliseconds: done once, on first use, on the
/// worker thread.
fn syntax() -> Option<(
    &'static SyntaxSet,
    &'static SyntaxReference,
    &'static SynTheme,
)> {
    static SYNTAX: OnceLock<Option<Syntax>> = OnceLock::new();
    let (set, syntax, theme) = SYNTAX
        .get_or_init(|| {
            let set = SyntaxSet::load_defaults_newlines();
            let syntax = set.find_syntax_by_extension("json")?.clone();
            Some((set, syntax, ansi_theme()))
        })
        .as_ref()?;
    Some((set, syntax, theme))
}

fn ansi_theme() -> SynTheme {
    let color = |index: u8| SynColor {
        r: index,
        g: 0,
        b: 0,
        a: 0,
    };
    // Later items win over earlier ones of equal specificity; keys are strings inside a
    // mapping key, so their more specific selector wins.
    let rules: [(&str, u8); 5] = [
        ("string", 2),
        ("constant.numeric", 5),
        ("constant.language", 5),
        (
            "meta.mapping.key string, meta.structure.dictionary.key string",
            6,
        ),
        ("invalid", 1),
    ];
    let scopes = rules
        .iter()
        .filter_map(|(selector, index)| {
            Some(ThemeItem {
                scope: ScopeSelectors::from_str(selector).ok()?,
                style: StyleModifier {
                    foreground: Some(color(*index)),
                    background: None,
                    font_style: None,
                },
            })
        })
        .collect();
    SynTheme {
        name: Some("iamscope-ansi".into()),
        author: None,
        settings: ThemeSettings {
            // Alpha 1: "the terminal's default colour" (see `ansi`).
            foreground: Some(SynColor {
                r: 0,
                g: 0,
                b: 0,
                a: 1,
            }),
            ..ThemeSettings::default()
        },
        scopes,
    }
}

/// Line ranges of each statement in `serde_json`'s pretty form (two-space indent): the
/// elements of the top-level `"Statement"` list, or the single statement object.
pub fn statement_lines(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut in_list = false;
    let mut start = None;
    for (i, line) in text.lines().enumerate() {
        if !in_list && start.is_none() {
            match line {
                "  \"Statement\": [" => in_list = true,
                "  \"Statement\": {" => start = Some(i),
                _ => {}
            }
            continue;
        }
        if in_list {
            match line {
                "    {" => start = Some(i),
                "    }" | "    }," => {
                    if let Some(s) = start.take() {
                        out.push(s..i + 1);
                    }
                }
                "  ]" | "  ]," => in_list = false,
                _ => {}
            }
        } else if matches!(line, "  }" | "  },")
            && let Some(s) = start.take()
        {
            out.push(s..i + 1);
        }
    }
    out
}

/// A background highlighter with a latest-only job slot: while it works on one document,
/// newer requests replace older ones, so scrolling quickly through a list never queues work
/// for rows already left behind.
pub struct Worker<K> {
    slot: Arc<(Mutex<Slot<K>>, Condvar)>,
}

struct Slot<K> {
    job: Option<(K, Arc<str>)>,
    closed: bool,
}

impl<K: Send + 'static> Worker<K> {
    pub fn spawn(theme: Theme, done: impl Fn(K, Prepared) + Send + 'static) -> Worker<K> {
        let slot = Arc::new((
            Mutex::new(Slot {
                job: None,
                closed: false,
            }),
            Condvar::new(),
        ));
        let shared = Arc::clone(&slot);
        let spawned = std::thread::Builder::new()
            .name("highlight".into())
            .spawn(move || {
                let (lock, ready) = &*shared;
                loop {
                    let job = {
                        let Ok(mut s) = lock.lock() else { return };
                        while s.job.is_none() && !s.closed {
                            s = match ready.wait(s) {
                                Ok(s) => s,
                                Err(_) => return,
                            };
                        }
                        if s.closed {
                            return;
                        }
                        s.job.take()
                    };
                    if let Some((key, text)) = job {
                        // A document the highlighter chokes on is still shown, plain.
                        let prepared =
                            std::panic::catch_unwind(|| Prepared::highlight(&text, theme))
                                .unwrap_or_else(|_| Prepared::plain(&text));
                        done(key, prepared);
                    }
                }
            });
        if let Err(e) = spawned {
            tracing::warn!("cannot start the highlighter thread: {e}; documents stay plain");
        }
        Worker { slot }
    }

    /// Replaces any job not yet started.
    pub fn request(&self, key: K, text: Arc<str>) {
        let (lock, ready) = &*self.slot;
        if let Ok(mut s) = lock.lock() {
            s.job = Some((key, text));
            ready.notify_one();
        }
    }
}

impl<K> Drop for Worker<K> {
    fn drop(&mut self) {
        let (lock, ready) = &*self.slot;
        if let Ok(mut s) = lock.lock() {
            s.closed = true;
            ready.notify_one();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "A",
      "Effect": "Allow",
      "Action": "s3:GetObject",
      "Resource": "*"
    },
    {
      "Effect": "Deny",
      "Action": "*",
      "Resource": "*"
    }
  ]
}"#;

    #[test]
    fn finds_statement_lines() {
        assert_eq!(statement_lines(DOC), vec![3..9, 9..14]);
        let single = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": {\n    \"Effect\": \"Allow\"\n  }\n}";
        assert_eq!(statement_lines(single), vec![2..5]);
    }

    #[test]
    fn highlights_keys_strings_and_effects() {
        let p = Prepared::highlight(DOC, Theme::COLOR);
        assert!(p.highlighted);
        assert_eq!(p.lines.len(), DOC.lines().count());
        let text: Vec<String> = p.lines.iter().map(|l| l.to_string()).collect();
        assert_eq!(text, DOC.lines().collect::<Vec<_>>());
        let key = p.lines[1]
            .spans
            .iter()
            .find(|s| s.content.contains("Version"))
            .unwrap();
        let value = p.lines[1]
            .spans
            .iter()
            .find(|s| s.content.contains("2012"))
            .unwrap();
        assert_ne!(key.style, value.style, "{:?}", p.lines[1]);
        let deny = p.lines[10]
            .spans
            .iter()
            .find(|s| s.content.contains("Deny"))
            .unwrap();
        assert_eq!(deny.style, Theme::COLOR.error());
    }

    #[test]
    fn mono_theme_has_no_colour() {
        let p = Prepared::highlight(DOC, Theme::MONO);
        for span in p.lines.iter().flat_map(|l| &l.spans) {
            assert_eq!(span.style.fg, None, "{span:?}");
        }
    }
}
