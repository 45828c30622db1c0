#!/usr/bin/env bash
# Benchmark of the live fetch: builds a 1,000-principal account (600 users, 400 roles, groups,
# customer policies, access keys, boundaries) in a local moto server, then times
# `iamscope fetch` on it and reports wall time and the number of API calls.
#
#   scripts/bench_fetch.sh [PRINCIPALS] [RUNS]      defaults: 1000 principals, 3 runs
#
# Uses the server of scripts/moto.sh (started here, and stopped again, if none is running) and
# target/release/iamscope (built here unless IAMSCOPE_BIN names another binary). Everything
# stays on 127.0.0.1.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}"
principals="${1:-1000}"
runs="${2:-3}"
work="$target/bench-fetch"
mkdir -p "$work"

scripts/moto.sh install
started_here=0
if ! scripts/moto.sh status; then
    scripts/moto.sh start >/dev/null
    started_here=1
fi
cleanup() {
    if [[ $started_here == 1 ]]; then scripts/moto.sh stop; fi
}
trap cleanup EXIT
endpoint="$(cat "$target/moto.endpoint")"

bin="${IAMSCOPE_BIN:-}"
if [[ -z $bin ]]; then
    echo "building target/release/iamscope ..." >&2
    cargo build --release --locked --bin iamscope >&2
    bin="$target/release/iamscope"
fi

echo "creating an account of $principals principals in moto ($endpoint) ..." >&2
setup="$("$target/moto-venv/bin/python" scripts/bench_fetch.py \
    --endpoint "$endpoint" --principals "$principals" --config "$work/config")"
echo "account: $setup" >&2
profile="$(printf '%s' "$setup" | "$target/moto-venv/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["profile"])')"

# A clean environment: the credentials come from the profile only.
fetch() {
    env -i PATH="$PATH" HOME="$work" AWS_CONFIG_FILE="$work/config" \
        AWS_SHARED_CREDENTIALS_FILE="$work/no-credentials" AWS_EC2_METADATA_DISABLED=true \
        "$bin" fetch --profile "$profile" --endpoint-url "$endpoint" --out "$work/snapshot.json"
}

printf '%-4s %10s %10s %10s %12s\n' run wall_s api_calls attempts snapshot_MB
walls=()
for i in $(seq "$runs"); do
    t0=$(date +%s.%N)
    summary="$(fetch 2>&1 >/dev/null | tail -n 1)"
    t1=$(date +%s.%N)
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
    walls+=("$wall")
    # "... N API calls (M attempts) in X s"
    calls=$(printf '%s' "$summary" | sed -n 's/.* \([0-9][0-9]*\) API calls (\([0-9][0-9]*\) attempts).*/\1/p')
    attempts=$(printf '%s' "$summary" | sed -n 's/.* \([0-9][0-9]*\) API calls (\([0-9][0-9]*\) attempts).*/\2/p')
    size=$(awk -v s="$(stat -c %s "$work/snapshot.json")" 'BEGIN { printf "%.1f", s / 1048576 }')
    if [[ -z $calls ]]; then
        echo "fetch failed: $summary" >&2
        exit 1
    fi
    printf '%-4s %10s %10s %10s %12s\n' "$i" "$wall" "$calls" "$attempts" "$size"
done
median=$(printf '%s\n' "${walls[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
echo "summary: $principals principals, median wall time ${median} s over $runs runs, $calls API calls per fetch ($summary)"
