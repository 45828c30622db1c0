#!/usr/bin/env bash
# A local moto server that stands in for the IAM, STS and Organizations APIs in the live-fetch
# tests and the fetch benchmark. Everything stays on 127.0.0.1.
#
#   scripts/moto.sh install   virtualenv at target/moto-venv with moto[server] 5.2.x (+ boto3)
#   scripts/moto.sh start     start moto_server in the background; prints `export IAMSCOPE_MOTO_ENDPOINT=...`
#   scripts/moto.sh stop      stop the server started by `start`
#   scripts/moto.sh status    exit 0 when the recorded server answers
#
# Environment: MOTO_PORT (default: a free port), MOTO_VENV (default target/moto-venv),
# MOTO_START_TIMEOUT seconds (default 60).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
venv="${MOTO_VENV:-$target/moto-venv}"
pid_file="$target/moto.pid"
endpoint_file="$target/moto.endpoint"
log_file="$target/moto.log"

die() {
    echo "moto.sh: $*" >&2
    exit 1
}

# Answers when the server is up: moto's own API, not an AWS one, so it needs no credentials.
answers() {
    "$venv/bin/python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1] + "/moto-api/config", timeout=2).read()' \
        "$1" >/dev/null 2>&1
}

free_port() {
    "$venv/bin/python" - <<'EOF'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
EOF
}

cmd_install() {
    mkdir -p "$target"
    if [[ ! -x "$venv/bin/python" ]]; then
        python3 -m venv "$venv" || die "cannot create a virtualenv at $venv (python3 -m venv)"
    fi
    # Already installed at the pinned series: nothing to do (keeps CI re-runs offline-friendly).
    if "$venv/bin/python" -c 'import moto, boto3, sys; sys.exit(0 if moto.__version__.startswith("5.2.") else 1)' 2>/dev/null \
        && [[ -x "$venv/bin/moto_server" ]]; then
        return 0
    fi
    "$venv/bin/pip" install --quiet --disable-pip-version-check 'moto[server]==5.2.*' boto3 \
        || die "pip install 'moto[server]==5.2.*' failed"
}

cmd_start() {
    [[ -x "$venv/bin/moto_server" ]] || die "moto is not installed: run scripts/moto.sh install"
    if [[ -f "$pid_file" && -f "$endpoint_file" ]] && kill -0 "$(cat "$pid_file")" 2>/dev/null \
        && answers "$(cat "$endpoint_file")"; then
        echo "export IAMSCOPE_MOTO_ENDPOINT=$(cat "$endpoint_file")"
        return 0
    fi
    local port="${MOTO_PORT:-$(free_port)}"
    local endpoint="http://127.0.0.1:$port"
    # AWS managed policies make `iam:GetAccountAuthorizationDetails` return ~1,400 real policy
    # documents, as a real account does.
    MOTO_IAM_LOAD_MANAGED_POLICIES=true \
        AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1 \
        nohup "$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$log_file" 2>&1 &
    local pid=$!
    echo "$pid" >"$pid_file"
    local deadline=$((SECONDS + ${MOTO_START_TIMEOUT:-60}))
    until answers "$endpoint"; do
        if ! kill -0 "$pid" 2>/dev/null; then
            rm -f "$pid_file"
            die "moto_server exited during start; see $log_file"
        fi
        if ((SECONDS > deadline)); then
            kill "$pid" 2>/dev/null || true
            rm -f "$pid_file"
            die "moto_server did not answer on $endpoint within ${MOTO_START_TIMEOUT:-60}s; see $log_file"
        fi
        sleep 0.3
    done
    echo "$endpoint" >"$endpoint_file"
    echo "export IAMSCOPE_MOTO_ENDPOINT=$endpoint"
}

cmd_stop() {
    if [[ -f "$pid_file" ]]; then
        local pid
        pid="$(cat "$pid_file")"
        if kill -0 "$pid" 2>/dev/null; then
            kill "$pid" 2>/dev/null || true
            for _ in $(seq 50); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
            done
            kill -9 "$pid" 2>/dev/null || true
        fi
    fi
    rm -f "$pid_file" "$endpoint_file"
}

cmd_status() {
    [[ -f "$endpoint_file" ]] && answers "$(cat "$endpoint_file")"
}

case "${1:-}" in
install) cmd_install ;;
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
*)
    echo "usage: scripts/moto.sh install|start|stop|status" >&2
    exit 2
    ;;
esac
