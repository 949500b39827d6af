#!/usr/bin/env bash
# Licence validation benchmark (not run in CI).
#
#   bash Benchmarks/licenses.sh
#
# Builds the release binary, starts `scritorio serve --sandbox` on SQLite (and on PostgreSQL when
# BENCH_POSTGRES_URL is set), buys Pro through the Paddle sandbox, activates the issued key on one device, and
# measures POST /v1/licenses/validate {license_key, instance_id, fingerprint} with wrk (-t2 -c32, BENCH_SECONDS,
# default 10, after a 2 s warm-up). Every answer is a VALID with a freshly signed Ed25519 entitlement document.
# Prints req/s and p99 with PASS/FAIL against the goals: >= 2,000 validations/s and p99 < 10 ms on SQLite.
# The licence rate limits are raised for the run (one key from one address would otherwise be limited).
#
# Environment:
#   BENCH_SECONDS       measurement duration in seconds (default 10)
#   BENCH_BIN           use this binary instead of building (a debug binary checks the script, not the figures)
#   BENCH_POSTGRES_URL  also run against this PostgreSQL database (e.g. postgres://postgres@127.0.0.1:5432/bench)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
BENCH_SECONDS=${BENCH_SECONDS:-10}
GOAL_RPS=2000
GOAL_P99_MS=10
KEY=sb_publishable_bench

section() { printf '\n==> [%s] %s\n' "$(date '+%H:%M:%S')" "$*"; }
command -v wrk >/dev/null 2>&1 || { echo "wrk is required (apt-get install -y wrk)" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/scritorio-bench-licenses.XXXXXX")
SERVER_PID=""
stop_server() {
    if [[ -n "$SERVER_PID" ]]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=""
    fi
}
trap 'stop_server; rm -rf "$WORK"' EXIT

if [[ -n "${BENCH_BIN:-}" ]]; then
    BIN=$BENCH_BIN
else
    section "swift build -c release --product scritorio"
    swift build -c release --product scritorio
    BIN="$(swift build -c release --show-bin-path)/scritorio"
fi

json() { python3 -c "import sys, json; print(json.load(sys.stdin)$1)"; }

# to_ms 812.00us|1.23ms|2.01s -> milliseconds
to_ms() {
    awk -v v="$1" 'BEGIN { n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
        if (u == "us") n /= 1000; else if (u == "s") n *= 1000; printf "%.3f\n", n }'
}

declare -a REPORT=()
bench() {
    local store=$1 database_url=${2:-}
    local port data url
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    data="$WORK/data-$store"
    mkdir -p "$data"
    url="http://127.0.0.1:$port"
    section "$store: serve --sandbox on $url"
    env -i PATH="$PATH" HOME="${HOME:-/tmp}" ${database_url:+DATABASE_URL="$database_url"} \
        SCRITORIO_PUBLISHABLE_KEY=$KEY SCRITORIO_AUTH_AUTOCONFIRM=1 SCRITORIO_LOG_LEVEL=warning \
        SCRITORIO_RATE_LIMIT_MULTIPLIER=100 SCRITORIO_RATE_LIMIT_LICENSE_KEY=100000000 SCRITORIO_RATE_LIMIT_LICENSE_IP=100000000 \
        "$BIN" serve --sandbox --host 127.0.0.1 --port "$port" --data-dir "$data" >"$WORK/server-$store.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 100); do curl -fs "$url/health" >/dev/null 2>&1 && break; sleep 0.2; done

    local email="bench-$RANDOM$RANDOM@example.com" token txn key instance
    token=$(curl -fs -H "apikey: $KEY" -H 'Content-Type: application/json' "$url/auth/v1/signup" \
        -d "{\"email\":\"$email\",\"password\":\"correct-horse-1\"}" | json '["access_token"]')
    txn=$(curl -fs -H "Authorization: Bearer $token" -H 'Content-Type: application/json' "$url/v1/checkout" \
        -d '{"plan":"pro_monthly"}' | json '["transactionId"]')
    curl -fs -X POST "$url/sandbox/paddle/transactions/$txn/complete" >/dev/null
    key=""
    for _ in $(seq 1 100); do
        key=$(curl -fs -H "Authorization: Bearer $token" "$url/v1/me/licenses" \
            | python3 -c 'import sys, json; l = json.load(sys.stdin)["licenses"]; print(l[0]["key"] if l else "")')
        [[ -n "$key" ]] && break
        sleep 0.2
    done
    [[ -n "$key" ]] || { echo "no licence key was issued" >&2; tail -20 "$WORK/server-$store.log" >&2; exit 1; }
    instance=$(curl -fs -H 'Content-Type: application/json' "$url/v1/licenses/activate" \
        -d "{\"license_key\":\"$key\",\"instance_name\":\"bench\",\"fingerprint\":\"bench-device\"}" | json '["instance"]["id"]')

    cat >"$WORK/validate.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"license_key":"$key","instance_id":"$instance","fingerprint":"bench-device"}'
LUA
    local check
    check=$(curl -fs -H 'Content-Type: application/json' "$url/v1/licenses/validate" \
        -d "{\"license_key\":\"$key\",\"instance_id\":\"$instance\",\"fingerprint\":\"bench-device\"}" | json '["code"]')
    [[ "$check" == "VALID" ]] || { echo "validation answered $check" >&2; exit 1; }

    # A reference on the same server and machine state: how noisy is the host right now?
    section "$store: wrk -t2 -c32 -d${BENCH_SECONDS}s GET /health (reference)"
    wrk -t2 -c32 -d"${BENCH_SECONDS}s" --latency "$url/health" | tee "$WORK/health-$store.txt"
    section "$store: wrk -t2 -c32 -d${BENCH_SECONDS}s POST /v1/licenses/validate"
    wrk -t2 -c32 -d2s -s "$WORK/validate.lua" "$url/v1/licenses/validate" >/dev/null 2>&1 || true
    wrk -t2 -c32 -d"${BENCH_SECONDS}s" --latency -s "$WORK/validate.lua" "$url/v1/licenses/validate" | tee "$WORK/wrk-$store.txt"
    stop_server

    local rps p99 non2xx verdict
    rps=$(awk '/^Requests\/sec:/ { print $2 }' "$WORK/wrk-$store.txt")
    p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$WORK/wrk-$store.txt")")
    non2xx=$(awk -F': *' '/Non-2xx or 3xx responses/ { print $2 }' "$WORK/wrk-$store.txt")
    verdict=$(awk -v r="$rps" -v p="$p99" -v n="${non2xx:-0}" -v gr=$GOAL_RPS -v gp=$GOAL_P99_MS \
        'BEGIN { print (r >= gr && p < gp && n == 0) ? "PASS" : "FAIL" }')
    [[ "$store" == sqlite ]] || verdict="(goal is for SQLite)"
    local health_rps health_p99
    health_rps=$(awk '/^Requests\/sec:/ { print $2 }' "$WORK/health-$store.txt")
    health_p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$WORK/health-$store.txt")")
    REPORT+=("$(printf '%-9s %10.0f validations/s   p99 %7.2f ms   non-2xx %s   %s   (GET /health just before: %.0f/s, p99 %.2f ms)' \
        "$store" "$rps" "$p99" "${non2xx:-0}" "$verdict" "$health_rps" "$health_p99")")
}

bench sqlite
if [[ -n "${BENCH_POSTGRES_URL:-}" ]]; then bench postgres "$BENCH_POSTGRES_URL"; fi

section "Licence validation (goal on SQLite: >= $GOAL_RPS/s, p99 < $GOAL_P99_MS ms; $(nproc) cores)"
printf '%s\n' "${REPORT[@]}"
