//! Colours and text styles. Only the 16 ANSI colours are used, so the terminal's own palette
//! decides the exact shade and the UI reads on dark and light backgrounds alike. With
//! `NO_COLOR` set every style keeps its modifiers (bold, reversed) and drops its colour.

use ratatui::style::{Color, Modifier, Style};

use super::insights::Severity;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    color: bool,
}

impl Theme {
    pub const COLOR: Theme = Theme { color: true };
    pub const MONO: Theme = Theme { color: false };

    /// Colour unless `NO_COLOR` is set to a non-empty value (<https://no-color.org>).
    pub fn from_env() -> Theme {
        match std::env::var_os("NO_COLOR") {
            Some(v) if !v.is_empty() => Theme::MONO,
            _ => Theme::COLOR,
        }
    }

    pub fn has_color(self) -> bool {
        self.color
    }

    fn fg(self, style: Style, color: Color) -> Style {
        if self.color { style.fg(color) } else { style }
    }

    pub fn plain(self) -> Style {
        Style::new()
    }
    pub fn dim(self) -> Style {
        Style::new().add_modifier(Modifier::DIM)
    }
    pub fn bold(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }
    pub fn title(self) -> Style {
        self.fg(self.bold(), Color::Cyan)
    }
    pub fn accent(self) -> Style {
        self.fg(Style::new(), Color::Cyan)
    }
    /// The selected row: reversed, so it shows without colour too.
    pub fn selected(self, focused: bool) -> Style {
        if focused {
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        }
    }
    pub fn border(self, focused: bool) -> Style {
        if focused {
            self.fg(self.bold(), Color::Cyan)
        } else {
            self.dim()
        }
    }
    pub fn key(self) -> Style {
        self.fg(self.bold(), Color::Cyan)
    }
    pub fn error(self) -> Style {
        self.fg(self.bold(), Color::Red)
    }
    pub fn ok(self) -> Style {
        self.fg(Style::new(), Color::Green)
    }
    pub fn warn(self) -> Style {
        self.fg(self.bold(), Color::Magenta)
    }
    /// Lines of a statement that the simulator or a finding points at.
    pub fn marked_line(self) -> Style {
        if self.color {
            Style::new()
                .bg(Color::Indexed(236))
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
        }
    }
    pub fn severity(self, s: Severity) -> Style {
        let color = match s {
            Severity::Critical | Severity::High => Color::Red,
            Severity::Medium => Color::Magenta,
            Severity::Low => Color::Blue,
            Severity::Info => Color::Reset,
        };
        let style = match s {
            Severity::Critical | Severity::High => self.bold(),
            _ => Style::new(),
        };
        self.fg(style, color)
    }
    /// A badge: the label on a coloured background, so it stands out in a row.
    pub fn badge(self, s: Severity) -> Style {
        if !self.color {
            return Style::new().add_modifier(Modifier::BOLD);
        }
        let bg = match s {
            Severity::Critical => Color::Red,
            Severity::High => Color::LightRed,
            Severity::Medium => Color::Magenta,
            Severity::Low => Color::Blue,
            Severity::Info => Color::DarkGray,
        };
        Style::new()
            .bg(bg)
            .fg(Color::White)
            .add_modifier(Modifier::BOLD)
    }
    /// Syntax colour by ANSI index (0–15) from the highlighter's theme.
    pub fn ansi(self, index: u8) -> Style {
        let color = match index {
            0 => Color::Black,
            1 => Color::Red,
            2 => Color::Green,
            3 => Color::Yellow,
            4 => Color::Blue,
            5 => Color::Magenta,
            6 => Color::Cyan,
            7 => Color::Gray,
            8 => Color::DarkGray,
            9 => Color::LightRed,
            10 => Color::LightGreen,
            11 => Color::LightYellow,
            12 => Color::LightBlue,
            13 => Color::LightMagenta,
            14 => Color::LightCyan,
            _ => Color::White,
        };
        self.fg(Style::new(), color)
    }
}
