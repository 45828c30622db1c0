//! A frame as an SVG image: each cell's character, colours and weight on a fixed grid. The
//! README screenshots are made this way from the real views (`scripts/screenshots.sh`).

use std::fmt::Write;

use ratatui::buffer::{Buffer, Cell};
use ratatui::style::{Color, Modifier};

const CELL_W: f32 = 8.4;
const CELL_H: f32 = 18.0;
const FONT: f32 = 14.0;
const BACKGROUND: &str = "#1d1f21";
const FOREGROUND: &str = "#d5d8d6";

/// A dark palette for the 16 ANSI colours (Tomorrow Night).
const ANSI: [&str; 16] = [
    "#1d1f21", "#cc6666", "#b5bd68", "#f0c674", "#81a2be", "#b294bb", "#8abeb7", "#c5c8c6",
    "#969896", "#d54e53", "#b9ca4a", "#e7c547", "#7aa6da", "#c397d8", "#70c0b1", "#eaeaea",
];

fn color(c: Color, default: &str) -> String {
    let named = |i: usize| ANSI[i].to_owned();
    match c {
        Color::Reset => default.to_owned(),
        Color::Black => named(0),
        Color::Red => named(1),
        Color::Green => named(2),
        Color::Yellow => named(3),
        Color::Blue => named(4),
        Color::Magenta => named(5),
        Color::Cyan => named(6),
        Color::Gray => named(7),
        Color::DarkGray => named(8),
        Color::LightRed => named(9),
        Color::LightGreen => named(10),
        Color::LightYellow => named(11),
        Color::LightBlue => named(12),
        Color::LightMagenta => named(13),
        Color::LightCyan => named(14),
        Color::White => named(15),
        Color::Rgb(r, g, b) => format!("#{r:02x}{g:02x}{b:02x}"),
        Color::Indexed(i) => indexed(i),
    }
}

/// The xterm 256-colour palette.
fn indexed(i: u8) -> String {
    match i {
        0..=15 => ANSI[usize::from(i)].to_owned(),
        16..=231 => {
            let i = i - 16;
            let level = |v: u8| if v == 0 { 0 } else { 55 + v * 40 };
            format!(
                "#{:02x}{:02x}{:02x}",
                level(i / 36),
                level((i / 6) % 6),
                level(i % 6)
            )
        }
        _ => {
            let v = 8 + (i - 232) * 10;
            format!("#{v:02x}{v:02x}{v:02x}")
        }
    }
}

/// How a cell looks, after `REVERSED`.
#[derive(PartialEq)]
struct Paint {
    fg: String,
    bg: String,
    bold: bool,
    dim: bool,
}

fn paint(cell: &Cell) -> Paint {
    let mut fg = color(cell.fg, FOREGROUND);
    let mut bg = color(cell.bg, BACKGROUND);
    if cell.modifier.contains(Modifier::REVERSED) {
        std::mem::swap(&mut fg, &mut bg);
    }
    Paint {
        fg,
        bg,
        bold: cell.modifier.contains(Modifier::BOLD),
        dim: cell.modifier.contains(Modifier::DIM),
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

pub fn to_svg(buffer: &Buffer) -> String {
    let area = buffer.area;
    let width = f32::from(area.width) * CELL_W;
    let height = f32::from(area.height) * CELL_H;
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.1} {height:.1}" font-family="'DejaVu Sans Mono', Menlo, Consolas, monospace" font-size="{FONT}">"#
    );
    let _ = writeln!(
        out,
        r#"<rect width="100%" height="100%" fill="{BACKGROUND}"/>"#
    );
    for y in area.top()..area.bottom() {
        let cells: Vec<(&Cell, Paint)> = (area.left()..area.right())
            .filter_map(|x| buffer.cell((x, y)))
            .map(|c| (c, paint(c)))
            .collect();
        let top = f32::from(y - area.top()) * CELL_H;
        // Backgrounds first, one rect per run of equal colour.
        let mut x = 0;
        while x < cells.len() {
            let bg = &cells[x].1.bg;
            let start = x;
            while x < cells.len() && &cells[x].1.bg == bg {
                x += 1;
            }
            if bg != BACKGROUND {
                let _ = writeln!(
                    out,
                    r#"<rect x="{:.1}" y="{top:.1}" width="{:.1}" height="{CELL_H}" fill="{bg}"/>"#,
                    start as f32 * CELL_W,
                    (x - start) as f32 * CELL_W
                );
            }
        }
        // Then text, one element per run of equal style, stretched to its cells so the grid
        // holds whatever the viewer's font.
        let mut x = 0;
        while x < cells.len() {
            let Paint { fg, bold, dim, .. } = &cells[x].1;
            let start = x;
            let mut text = String::new();
            while x < cells.len() && {
                let p = &cells[x].1;
                &p.fg == fg && p.bold == *bold && p.dim == *dim
            } {
                text.push_str(cells[x].0.symbol());
                x += 1;
            }
            if text.trim().is_empty() {
                continue;
            }
            let _ = writeln!(
                out,
                r#"<text x="{:.1}" y="{:.1}" fill="{fg}"{}{} textLength="{:.1}" lengthAdjust="spacingAndGlyphs" xml:space="preserve">{}</text>"#,
                start as f32 * CELL_W,
                top + CELL_H * 0.75,
                if *bold { r#" font-weight="bold""# } else { "" },
                if *dim { r#" opacity="0.6""# } else { "" },
                (x - start) as f32 * CELL_W,
                escape(&text)
            );
        }
    }
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;
    use ratatui::style::Style;

    #[test]
    fn cells_become_text_and_rects() {
        let mut b = Buffer::empty(Rect::new(0, 0, 6, 1));
        b.set_string(0, 0, "a<b", Style::new().fg(Color::Red).bg(Color::Blue));
        let svg = to_svg(&b);
        assert!(svg.contains(">a&lt;b</text>"), "{svg}");
        assert!(svg.contains(&format!(r#"fill="{}""#, ANSI[4])), "{svg}");
        assert!(svg.contains(&format!(r#"fill="{}""#, ANSI[1])), "{svg}");
        assert_eq!(indexed(236), "#303030");
    }
}
