#!/usr/bin/env bash
# Regenerates screenshots/*.svg from the real UI: the same views the binary draws, rendered on
# the embedded demo account into a test terminal and saved cell by cell (colours, bold) as SVG.
# tests/tui_screenshots.rs fails when a screen changes and this was not run.
set -euo pipefail
cd "$(dirname "$0")/.."

IAMSCOPE_UPDATE_SCREENSHOTS=1 cargo test --quiet --test tui_screenshots -- --nocapture
echo
echo "Markdown for the README:"
for f in screenshots/*.svg; do
    name="$(basename "$f" .svg)"
    echo "![iamscope: ${name}](${f})"
done
