//! The README screenshots: the real views drawn on the demo account and saved as SVG. Fails when
//! a screen changed and its screenshot did not follow; `scripts/screenshots.sh` regenerates
//! them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use iamscope::tui::harness::Harness;
use iamscope::tui::svg::to_svg;

/// File name, terminal size, keys typed after start.
const SHOTS: &[(&str, (u16, u16), &str)] = &[
    ("users", (120, 36), ""),
    ("role", (120, 36), ":roles<Enter>/MyAppTask<Enter><Enter>"),
    (
        "plain-english",
        (120, 36),
        ":roles<Enter>/MyAppTask<Enter><Enter>]<Tab>p",
    ),
    ("trust", (120, 36), ":roles<Enter>/MyAppTask<Enter>t"),
    ("trust-all", (120, 36), ":trust<Enter>"),
    (
        "simulate",
        (120, 36),
        "Ss3:DeleteObject<Tab><C-u>arn:aws:s3:::my-app-prod-data/x<Enter>",
    ),
    ("help", (120, 36), "?"),
    ("roles-80x24", (80, 24), ":roles<Enter>/task<Enter>"),
];

#[test]
fn screenshots_match_the_ui() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("screenshots");
    let update = std::env::var_os("IAMSCOPE_UPDATE_SCREENSHOTS").is_some();
    let mut stale = Vec::new();
    for (name, size, keys) in SHOTS {
        let mut h = Harness::demo(*size).unwrap();
        h.keys(keys);
        let svg = to_svg(&h.render());
        let path = dir.join(format!("{name}.svg"));
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &svg).unwrap();
            println!("wrote {}", path.display());
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(svg.as_str()) {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "screenshots out of date (run scripts/screenshots.sh): {stale:?}"
    );
}
