#!/usr/bin/env bash
# Load benchmark: how long `iamscope` takes, and how much memory it uses, to load a 10k-principal
# account. Generates target/bench/account-10k.json if missing, builds the release binary, then
# runs `iamscope ls users --snapshot FILE --format json` RUNS times under /usr/bin/time.
#
# Usage: scripts/bench_load.sh   (env: RUNS=3, PRINCIPALS=10000, SEED=1, INDENT=4, BENCH_FILE=..., IAMSCOPE_BIN=..., NO_BUILD=1)
# INDENT=4 writes the file as `aws iam get-account-authorization-details` prints it; INDENT=1 makes
# a denser file of the same account (the memory ratio to file size is then higher).
set -euo pipefail

cd "$(dirname "$0")/.."
RUNS="${RUNS:-3}"
PRINCIPALS="${PRINCIPALS:-10000}"
SEED="${SEED:-1}"
INDENT="${INDENT:-4}"
BENCH_FILE="${BENCH_FILE:-target/bench/account-$((PRINCIPALS / 1000))k-indent$INDENT.json}"
BIN="${IAMSCOPE_BIN:-target/release/iamscope}"   # IAMSCOPE_BIN + NO_BUILD=1 to bench another binary

# GNU time gives max RSS; the shell keyword `time` does not.
if [ ! -x /usr/bin/time ]; then
    echo "bench_load: /usr/bin/time (GNU time) is missing; it is the Debian package 'time'." >&2
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "bench_load: installing it: apt-get install -y time" >&2
        apt-get install -y -qq time >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq time; }
    else
        echo "bench_load: install it with: sudo apt-get install time" >&2
        exit 1
    fi
fi

if [ ! -f "$BENCH_FILE" ]; then
    echo "bench_load: generating $BENCH_FILE ($PRINCIPALS principals, seed $SEED)" >&2
    mkdir -p "$(dirname "$BENCH_FILE")"
    python3 scripts/gen_account.py --principals "$PRINCIPALS" --seed "$SEED" --indent "$INDENT" --out "$BENCH_FILE"
fi

if [ "${NO_BUILD:-0}" != 1 ]; then
    echo "bench_load: cargo build --release" >&2
    cargo build --release --quiet
fi

size_bytes=$(stat -c %s "$BENCH_FILE")
size_kib=$((size_bytes / 1024))
awk -v p="$BENCH_FILE" -v b="$size_bytes" 'BEGIN { printf "file: %s  %.1f MB (%.1f MiB)\n", p, b / 1e6, b / 1048576 }'

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
best_s=""
max_kib=0
for i in $(seq 1 "$RUNS"); do
    # Wall time depends on what else the machine runs; CPU time (user + sys) does not.
    if ! /usr/bin/time -f '%e s %M KiB %U %S' -o "$tmp" \
        "$BIN" ls users --snapshot "$BENCH_FILE" --format json >/dev/null; then
        echo "bench_load: run $i failed:" >&2
        cat "$tmp" >&2
        exit 1
    fi
    line=$(tail -n 1 "$tmp")
    secs=$(echo "$line" | awk '{print $1}')
    kib=$(echo "$line" | awk '{print $3}')
    cpu=$(echo "$line" | awk '{printf "%.2f", $5 + $6}')
    ratio=$(awk -v r="$kib" -v f="$size_kib" 'BEGIN { printf "%.2f", r / f }')
    echo "run $i: wall $secs s, cpu $cpu s, max RSS $kib KiB (${ratio}x file size)"
    if [ -z "$best_s" ] || awk -v a="$secs" -v b="$best_s" 'BEGIN { exit !(a < b) }'; then best_s=$secs; fi
    if [ "$kib" -gt "$max_kib" ]; then max_kib=$kib; fi
done

awk -v s="$best_s" -v r="$max_kib" -v f="$size_kib" -v n="$RUNS" 'BEGIN {
    printf "summary: %d runs, best wall %.2f s, max RSS %.1f MiB = %.2fx file size (%.1f MiB)\n",
           n, s, r / 1024, r / f, f / 1024 }'
