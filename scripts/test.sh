#!/usr/bin/env bash
# The whole test suite: starts the local IAM API server the live-fetch tests talk to, runs every
# test, and stops the server again. Installs what it needs on first use.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v tmux >/dev/null 2>&1; then
  echo "installing tmux (the TUI end-to-end test drives iamscope inside it)" >&2
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq tmux >/dev/null
  else
    sudo apt-get update -qq && sudo apt-get install -y -qq tmux >/dev/null
  fi
fi

scripts/moto.sh install
scripts/moto.sh start
trap 'scripts/moto.sh stop' EXIT
IAMSCOPE_MOTO_ENDPOINT="$(cat target/moto.endpoint)"
export IAMSCOPE_MOTO_ENDPOINT

cargo test --locked "$@"
