//! Keeps the layering honest: the core is pure, the SDK stays in the fetch module, the terminal
//! stays in the TUI.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Source lines, without comments, of every file under `src/` with its path relative to `src/`.
fn sources() -> Vec<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(files.len() > 10, "found only {} source files", files.len());
    files
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let code: String = std::fs::read_to_string(&p)
                .unwrap()
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            (rel, code)
        })
        .collect()
}

fn offenders(allowed: impl Fn(&str) -> bool, needles: &[&str]) -> Vec<String> {
    sources()
        .into_iter()
        .filter(|(path, _)| !allowed(path))
        .filter_map(|(path, code)| {
            let hits: Vec<&str> = needles
                .iter()
                .copied()
                .filter(|n| code.contains(n))
                .collect();
            (!hits.is_empty()).then(|| format!("{path}: {}", hits.join(", ")))
        })
        .collect()
}

#[test]
fn only_the_fetch_module_talks_to_aws() {
    let bad = offenders(
        |p| p.starts_with("source/aws"),
        &[
            "aws_sdk_",
            "aws_config",
            "aws_smithy",
            "aws_types",
            "aws_credential_types",
        ],
    );
    assert!(
        bad.is_empty(),
        "AWS SDK used outside src/source/aws: {bad:?}"
    );
}

#[test]
fn only_the_tui_draws() {
    let bad = offenders(
        |p| p.starts_with("tui"),
        &["ratatui", "crossterm", "syntect"],
    );
    assert!(
        bad.is_empty(),
        "terminal crates used outside src/tui: {bad:?}"
    );
}

#[test]
fn the_core_does_no_io() {
    let core = ["policy/", "model/", "eval/", "analysis/", "catalog/"];
    let bad = offenders(
        |p| !core.iter().any(|c| p.starts_with(c)),
        &[
            "std::fs",
            "TcpStream",
            "UdpSocket",
            "tokio",
            "println!",
            "eprintln!",
            "std::process",
            "std::env",
        ],
    );
    assert!(bad.is_empty(), "I/O in the pure core: {bad:?}");
}
