#!/usr/bin/env bash
# HTTP throughput/latency benchmark for the scritorio server (not run in CI).
#
#   bash Benchmarks/run.sh
#
# Builds the release binary, then for each store (sqlite, postgres) starts
# `scritorio serve` on 127.0.0.1, signs up a user, and measures GET /health and
# GET /v1/me with wrk (-t2 -c32, BENCH_SECONDS per endpoint, default 10, after
# a 2 s warm-up). Prints req/s and p99 latency plus PASS/FAIL against the goals
#   /v1/me req/s >= 0.5 x /health req/s      and      /v1/me p99 <= 1.5 x /health p99
# Exits 0 when the report was produced, whether or not the goals are met.
#
# Environment:
#   BENCH_SECONDS  measurement duration per endpoint in seconds (default 10)
#   BENCH_STORES   stores to run (default "sqlite postgres")
#   PG_BINDIR      directory with initdb/pg_ctl (see scripts/postgres.sh)
#   BENCH_BIN      a scritorio binary to measure instead of building this tree's release binary (to compare
#                  two builds in one session: run the script once with each)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

BENCH_SECONDS=${BENCH_SECONDS:-10}
BENCH_STORES=${BENCH_STORES:-sqlite postgres}
WRK_ARGS=(-t2 -c32)
PUBLISHABLE_KEY=sb_publishable_bench
GOAL_RATIO=0.5
# /v1/me's p99 at most this many times /health's p99 in the same run (absolute times move with the host's load).
GOAL_P99_RATIO=1.5

section() { printf '\n==> [%s] %s\n' "$(date '+%H:%M:%S')" "$*"; }
log() { printf '%s\n' "$*" >&2; }

apt_updated=""
apt_install() {
    local sudo=()
    if [[ $(id -u) -ne 0 ]]; then
        sudo=(sudo)
    fi
    if [[ -z "$apt_updated" ]]; then
        "${sudo[@]}" apt-get update
        apt_updated=1
    fi
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "$@"
}

free_port() {
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# --- cleanup -----------------------------------------------------------------
WORK=""
SERVER_PID=""
PG_DIR=""
stop_server() {
    if [[ -n "$SERVER_PID" ]]; then
        kill "$SERVER_PID" 2>/dev/null || true
        local i
        for ((i = 0; i < 50; i++)); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=""
    fi
}
stop_postgres() {
    if [[ -n "$PG_DIR" ]]; then
        bash "$ROOT/scripts/postgres.sh" stop "$PG_DIR" >/dev/null 2>&1 || true
        rm -rf "$PG_DIR" || true
        PG_DIR=""
    fi
}
# shellcheck disable=SC2317  # invoked via trap
cleanup() {
    stop_server
    stop_postgres
    if [[ -n "$WORK" ]]; then
        rm -rf "$WORK" || true
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- prerequisites -----------------------------------------------------------
section "Prerequisites"
if ! command -v wrk >/dev/null 2>&1; then
    log "wrk not found; installing"
    apt_install wrk
fi
if ! command -v curl >/dev/null 2>&1; then
    log "curl not found; installing"
    apt_install curl
fi
command -v python3 >/dev/null 2>&1 || { log "python3 is required"; exit 1; }
echo "wrk: $(command -v wrk)"

if [[ -n "${BENCH_BIN:-}" ]]; then
    BIN=$BENCH_BIN
else
    section "swift build -c release --product scritorio"
    swift build -c release --product scritorio
    BIN="$(swift build -c release --show-bin-path)/scritorio"
fi
[[ -x "$BIN" ]] || { log "binary not found: $BIN"; exit 1; }
echo "binary: $BIN"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/scritorio-bench.XXXXXX")

# --- helpers -----------------------------------------------------------------
# Converts a wrk duration like 812.00us / 1.23ms / 2.01s / 1.00m to milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN {
        n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
        if (u == "us") n = n / 1000
        else if (u == "ms") n = n
        else if (u == "s") n = n * 1000
        else if (u == "m") n = n * 60000
        else if (u == "h") n = n * 3600000
        else { print "nan"; exit }
        printf "%.3f\n", n
    }'
}

# Results, keyed "<store>/<key>" with key health (GET /health) or me (GET /v1/me).
declare -A RPS P99 NOTE STORE_ERROR
declare -A PATH_OF=([health]=/health [me]=/v1/me)

# run_wrk <store> <key> <url> [wrk args...]: 2 s warm-up, then the measured run.
run_wrk() {
    local store=$1 key=$2 url=$3
    shift 3
    local out="$WORK/wrk-$store-$key.txt"
    wrk "${WRK_ARGS[@]}" -d2s "$@" "$url" >/dev/null 2>&1 || true
    if ! wrk "${WRK_ARGS[@]}" -d"${BENCH_SECONDS}s" --latency "$@" "$url" >"$out" 2>&1; then
        log "wrk failed for $store ${PATH_OF[$key]}:"
        cat "$out" >&2
        return 1
    fi
    echo "--- $store GET ${PATH_OF[$key]}"
    sed 's/^/    /' "$out"

    local rps p99 non2xx errors note=""
    rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
    p99=$(awk '$1 == "99%" { print $2 }' "$out")
    non2xx=$(awk -F': *' '/Non-2xx or 3xx responses/ { print $2 }' "$out")
    errors=$(awk '/Socket errors:/ { sub(/^.*Socket errors: */, ""); print }' "$out")
    RPS[$store/$key]=${rps:-nan}
    if [[ -n "$p99" ]]; then
        P99[$store/$key]=$(to_ms "$p99")
    else
        P99[$store/$key]=nan
    fi
    [[ -n "$non2xx" ]] && note+="non-2xx responses: $non2xx; "
    [[ -n "$errors" ]] && note+="socket errors: $errors; "
    NOTE[$store/$key]=${note%; }
    return 0
}

# bench_store <store>: start server, sign up, benchmark, stop server.
bench_store() {
    local store=$1
    local data_dir="$WORK/data-$store" port db_env=()
    mkdir -p "$data_dir"

    if [[ $store == postgres ]]; then
        # Own top-level temp dir: as root the cluster runs as another user,
        # which cannot enter the root-private $WORK.
        PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/scritorio-bench-pg.XXXXXX")
        local pg_port
        if ! pg_port=$(bash scripts/postgres.sh start "$PG_DIR" scritorio_bench); then
            STORE_ERROR[$store]="could not start PostgreSQL"
            return 1
        fi
        db_env=("DATABASE_URL=postgres://postgres@127.0.0.1:${pg_port}/scritorio_bench")
    elif [[ $store != sqlite ]]; then
        STORE_ERROR[$store]="unknown store"
        return 1
    fi

    port=$(free_port)
    local base="http://127.0.0.1:$port" log_file="$WORK/server-$store.log"
    env -u DATABASE_URL \
        SCRITORIO_AUTH_AUTOCONFIRM=1 \
        SCRITORIO_PUBLISHABLE_KEY="$PUBLISHABLE_KEY" \
        SCRITORIO_RATE_LIMIT_MULTIPLIER=1000 \
        "${db_env[@]}" \
        "$BIN" serve --host 127.0.0.1 --port "$port" --data-dir "$data_dir" \
        >"$log_file" 2>&1 </dev/null &
    SERVER_PID=$!

    local i code=""
    for ((i = 0; i < 120; i++)); do
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            break
        fi
        code=$(curl -s -o /dev/null -w '%{http_code}' "$base/health" || true)
        [[ $code == 200 ]] && break
        sleep 0.5
    done
    if [[ $code != 200 ]]; then
        log "server ($store) did not become healthy (last status: ${code:-none}); log tail:"
        tail -n 30 "$log_file" >&2 || true
        STORE_ERROR[$store]="server did not become healthy"
        return 1
    fi
    echo "server ($store) healthy on $base"

    local email signup token
    email="bench-$(date +%s)-$RANDOM@example.com"
    signup=$(curl -sS -X POST "$base/auth/v1/signup" \
        -H "apikey: $PUBLISHABLE_KEY" \
        -H 'Content-Type: application/json' \
        -H 'X-Supabase-Api-Version: 2024-01-01' \
        -d "{\"email\":\"$email\",\"password\":\"bench-password-1\"}" || true)
    if ! token=$(printf '%s' "$signup" | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])' 2>/dev/null) \
        || [[ -z "$token" ]]; then
        log "signup ($store) returned no access_token: $signup"
        STORE_ERROR[$store]="signup failed"
        return 1
    fi

    code=$(curl -s -o "$WORK/init-$store.json" -w '%{http_code}' -X POST "$base/v1/me/init" \
        -H "Authorization: Bearer $token" \
        -H "apikey: $PUBLISHABLE_KEY" \
        -H 'Content-Type: application/json' \
        -d '{}' || true)
    if [[ $code != 2* ]]; then
        log "POST /v1/me/init ($store) returned $code: $(cat "$WORK/init-$store.json" 2>/dev/null)"
    fi
    code=$(curl -s -o "$WORK/me-$store.json" -w '%{http_code}' "$base/v1/me" \
        -H "Authorization: Bearer $token" || true)
    if [[ $code != 200 ]]; then
        log "GET /v1/me ($store) returned $code: $(cat "$WORK/me-$store.json" 2>/dev/null)"
        STORE_ERROR[$store]="GET /v1/me returned $code"
        return 1
    fi

    run_wrk "$store" health "$base/health" || { STORE_ERROR[$store]="wrk failed"; return 1; }
    run_wrk "$store" me "$base/v1/me" -H "Authorization: Bearer $token" \
        || { STORE_ERROR[$store]="wrk failed"; return 1; }
}

# --- run -----------------------------------------------------------------------
for store in $BENCH_STORES; do
    section "Store: $store (wrk ${WRK_ARGS[*]} -d${BENCH_SECONDS}s --latency)"
    bench_store "$store" || log "store $store: ${STORE_ERROR[$store]:-failed}"
    stop_server
    stop_postgres
done

# --- report ----------------------------------------------------------------------
section "Results"
printf '%-9s %-9s %12s %10s  %s\n' store endpoint req/s "p99 ms" note
for store in $BENCH_STORES; do
    for key in health me; do
        if [[ -n "${RPS[$store/$key]:-}" ]]; then
            printf '%-9s %-9s %12s %10s  %s\n' "$store" "${PATH_OF[$key]}" \
                "${RPS[$store/$key]}" "${P99[$store/$key]}" "${NOTE[$store/$key]:-}"
        else
            printf '%-9s %-9s %12s %10s  %s\n' "$store" "${PATH_OF[$key]}" - - \
                "${STORE_ERROR[$store]:-not measured}"
        fi
    done
done

echo
echo "Goals: /v1/me req/s >= ${GOAL_RATIO} x /health req/s; /v1/me p99 <= ${GOAL_P99_RATIO} x /health p99"
fails=0
for store in $BENCH_STORES; do
    h=${RPS[$store/health]:-nan}
    m=${RPS[$store/me]:-nan}
    p=${P99[$store/me]:-nan}
    if [[ $h == nan || $m == nan || $p == nan ]]; then
        echo "FAIL $store: not measured (${STORE_ERROR[$store]:-no data})"
        fails=$((fails + 1))
        continue
    fi
    ratio=$(awk -v m="$m" -v h="$h" 'BEGIN { if (h > 0) printf "%.3f", m / h; else print "0" }')
    if awk -v r="$ratio" -v g="$GOAL_RATIO" 'BEGIN { exit !(r >= g) }'; then
        echo "PASS $store: /v1/me ÷ /health req/s = $ratio (goal >= $GOAL_RATIO)"
    else
        echo "FAIL $store: /v1/me ÷ /health req/s = $ratio (goal >= $GOAL_RATIO)"
        fails=$((fails + 1))
    fi
    hp=${P99[$store/health]:-nan}
    p99ratio=$(awk -v p="$p" -v h="$hp" 'BEGIN { if (h > 0) printf "%.2f", p / h; else print "nan" }')
    if awk -v r="$p99ratio" -v g="$GOAL_P99_RATIO" 'BEGIN { exit !(r <= g) }'; then
        echo "PASS $store: /v1/me p99 $p ms = $p99ratio x /health p99 $hp ms (goal <= $GOAL_P99_RATIO x)"
    else
        echo "FAIL $store: /v1/me p99 $p ms = $p99ratio x /health p99 $hp ms (goal <= $GOAL_P99_RATIO x)"
        fails=$((fails + 1))
    fi
    for key in health me; do
        # Error responses make the numbers meaningless.
        if [[ -n "${NOTE[$store/$key]:-}" ]]; then
            echo "FAIL $store: errors during GET ${PATH_OF[$key]}: ${NOTE[$store/$key]}"
            fails=$((fails + 1))
        fi
    done
done
echo
if [[ $fails -eq 0 ]]; then
    echo "ALL GOALS PASSED"
else
    echo "FAIL: $fails goal check(s) missed"
fi
exit 0
