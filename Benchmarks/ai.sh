#!/usr/bin/env bash
# The AI gateway benchmark (not run in CI):
#
#   bash Benchmarks/ai.sh
#
# On loopback, against the sandbox's fake OpenAI upstream answering at once, with wrk, for non-streamed and
# streamed chat completions at 1 and 32 connections:
#   (1) the upstream directly,
#   (2) through Scritorio's /ai/v1 (token check, plan, one-statement reservation, upstream call, settlement
#       with the usage event and member counters), SQLite store,
#   (3) through the LiteLLM proxy (installed into .build/litellm-venv from ../shared/bench/litellm), pointed at
#       the same upstream.
# The server under test runs pinned to core 0 (taskset), the upstream and wrk share core 1. Scritorio is run
# with one user (the issue's setup) and with 32 users taking turns; when nginx is installed, a bare nginx relay
# on core 0 is run too, as a reference for what relaying alone costs there.
# Then the floor (Benchmarks/RelayFloor, core 0, 32 connections): Hummingbird answering at once, a relay through the
# gateway's AsyncHTTPClient upstream and one through a bare NIO client, none of them checking or recording anything.
# Prints req/s, p50/p99 and the server's peak RSS for each run, the latency each gateway adds at p50, and
# the ratios against the goals. Exits 0 when the report was produced, whether or not the goals are met.
#
# Environment:
#   BENCH_SECONDS   measured seconds per run (default 8), after a 2 s warm-up
#   BENCH_LITELLM   0 skips LiteLLM (default 1)
#   BENCH_FLOOR     0 skips the floor runs (default 1)
#   BENCH_BIN       a scritorio binary to measure instead of building this tree's (its directory must hold
#                   scritorio-relay-floor too, unless BENCH_FLOOR=0): to compare two builds in one session
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
SHARED="$ROOT/../shared/bench/litellm"
BENCH_SECONDS=${BENCH_SECONDS:-8}
BENCH_LITELLM=${BENCH_LITELLM:-1}
WORK=$(mktemp -d /tmp/scritorio-ai-bench.XXXXXX)
PIDS=()

section() { printf '\n==> [%s] %s\n' "$(date '+%H:%M:%S')" "$*"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

wait_http() { # url
    local i
    for ((i = 0; i < 600; i++)); do
        curl -s -o /dev/null "$1" && return 0
        sleep 0.2
    done
    echo "no answer from $1" >&2
    return 1
}

# Peak resident set (VmHWM, MiB) of a process and its descendants.
peak_rss_mib() {
    local total=0 pid kb
    for pid in $1 $(pgrep -P "$1" 2>/dev/null || true); do
        kb=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
        total=$((total + ${kb:-0}))
    done
    echo $((total / 1024))
}

if [[ -n "${BENCH_BIN:-}" ]]; then
    BIN=$BENCH_BIN
    FLOOR="$(dirname "$BENCH_BIN")/scritorio-relay-floor"
else
    section "swift build -c release --product scritorio scritorio-relay-floor"
    swift build -c release --product scritorio
    swift build -c release --product scritorio-relay-floor
    BIN="$(swift build -c release --show-bin-path)/scritorio"
    FLOOR="$(swift build -c release --show-bin-path)/scritorio-relay-floor"
fi

# --- the fake upstream (core 1) -----------------------------------------------------------------------------
section "fake OpenAI upstream"
UP_PORT=$(free_port)
mkdir -p "$WORK/upstream"
env -i PATH="$PATH" HOME="$HOME" SCRITORIO_LOG_LEVEL=error SCRITORIO_WEBHOOK_PROCESSOR=0 \
    taskset -c 1 "$BIN" serve --sandbox --port "$UP_PORT" --data-dir "$WORK/upstream" >"$WORK/upstream.log" 2>&1 &
PIDS+=($!)
UPSTREAM="http://127.0.0.1:$UP_PORT/sandbox/openai/v1"
wait_http "http://127.0.0.1:$UP_PORT/health"
echo "upstream: $UPSTREAM"

# --- Scritorio (core 0) -----------------------------------------------------------------------------------
section "Scritorio gateway"
GW_PORT=$(free_port)
mkdir -p "$WORK/gateway"
# One plan with the benchmark's model and limits no run reaches: every request is checked against all of them
# in the reservation and settled.
echo '{"plans":[{"code":"bench","models":["gpt-4o-mini"],"limits":{"tokens_per_day":100000000000,"tokens_per_month":100000000000,"requests_per_minute":100000000,"requests_per_day":100000000}}]}' >"$WORK/plans.json"
env -i PATH="$PATH" HOME="$HOME" SCRITORIO_LOG_LEVEL=error SCRITORIO_AUTH_AUTOCONFIRM=1 SCRITORIO_RATE_LIMIT_MULTIPLIER=1000 \
    SCRITORIO_PUBLISHABLE_KEY=sb_publishable_bench SCRITORIO_WEBHOOK_PROCESSOR=0 \
    OPENAI_API_KEY=sk-bench-upstream OPENAI_BASE_URL="$UPSTREAM" SCRITORIO_AI_PLANS="$WORK/plans.json" \
    taskset -c 0 "$BIN" serve --port "$GW_PORT" --data-dir "$WORK/gateway" >"$WORK/gateway.log" 2>&1 &
GW_PID=$!
PIDS+=($GW_PID)
wait_http "http://127.0.0.1:$GW_PORT/health"
signup() { # email -> access token
    curl -s -H "apikey: sb_publishable_bench" -H "Content-Type: application/json" \
        "http://127.0.0.1:$GW_PORT/auth/v1/signup" -d "{\"email\":\"$1\",\"password\":\"correct-horse-1\"}" |
        python3 -c 'import sys,json; print(json.load(sys.stdin)["access_token"])'
}
# One user (an app's heavy user: the group commit can reserve their concurrent requests together) and 32 users
# taking turns (a different user on each request, as a busy service sees).
TOKEN=$(signup bench@example.com)
TOKENS=$(for i in $(seq 1 32); do signup "bench$i@example.com"; done | tr '\n' ' ')

# --- LiteLLM (core 0, one worker) -------------------------------------------------------------------------
LL_PID=""
if [[ "$BENCH_LITELLM" == 1 ]]; then
    section "LiteLLM proxy"
    VENV="$ROOT/.build/litellm-venv"
    if [[ ! -x "$VENV/bin/litellm" ]]; then
        python3 -m venv "$VENV"
        "$VENV/bin/pip" install -q -r "$SHARED/requirements.txt"
    fi
    LL_PORT=$(free_port)
    sed "s#UPSTREAM_BASE_URL#$UPSTREAM#" "$SHARED/config.yaml" >"$WORK/litellm.yaml"
    LITELLM_LOCAL_MODEL_COST_MAP=True LITELLM_LOG=ERROR \
        taskset -c 0 "$VENV/bin/litellm" --config "$WORK/litellm.yaml" --host 127.0.0.1 --port "$LL_PORT" --num_workers 1 \
        >"$WORK/litellm.log" 2>&1 &
    LL_PID=$!
    PIDS+=($LL_PID)
    wait_http "http://127.0.0.1:$LL_PORT/health/liveliness" || { tail -30 "$WORK/litellm.log"; BENCH_LITELLM=0; }
fi

# --- nginx (core 0, one worker), when installed: a bare relay, no token, no quota, no ledger ---------------
# Not a goal: it shows what relaying alone costs on the pinned core, next to the gateway's full path.
NG_PID=""
if command -v nginx >/dev/null && [[ "${BENCH_NGINX:-1}" == 1 ]]; then
    section "nginx relay"
    NG_PORT=$(free_port)
    mkdir -p "$WORK/nginx"
    cat >"$WORK/nginx/nginx.conf" <<NGINX
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log error;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  upstream openai { server 127.0.0.1:$UP_PORT; keepalive 64; }
  server {
    listen 127.0.0.1:$NG_PORT;
    location / { proxy_pass http://openai; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_buffering off; }
  }
}
NGINX
    taskset -c 0 nginx -c "$WORK/nginx/nginx.conf" >"$WORK/nginx.log" 2>&1 &
    NG_PID=$!
    PIDS+=($NG_PID)
    sleep 1
fi

# --- runs ---------------------------------------------------------------------------------------------------
PLAIN='{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say hello in a few words."}],"max_tokens":32}'
STREAM='{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say hello in a few words."}],"max_tokens":32,"stream":true}'
RESULTS="$WORK/results.tsv"
: >"$RESULTS"

to_ms() { # wrk duration (us/ms/s) -> ms
    python3 -c 'import sys,re
v=sys.argv[1]; m=re.match(r"([0-9.]+)(us|ms|s|m)$", v)
n,u=float(m.group(1)),m.group(2)
print(round(n*{"us":0.001,"ms":1,"s":1000,"m":60000}[u],3))' "$1"
}

run() { # name url token conns mode
    local name=$1 url=$2 token=$3 conns=$4 mode=$5 body out
    body=$PLAIN
    [[ "$mode" == stream ]] && body=$STREAM
    export BENCH_BODY=$body BENCH_TOKEN=$token
    taskset -c 1 wrk -t1 -c"$conns" -d2s -s Benchmarks/ai_post.lua "$url" >/dev/null 2>&1 || true
    out=$(taskset -c 1 wrk -t1 -c"$conns" -d"${BENCH_SECONDS}s" --latency -s Benchmarks/ai_post.lua "$url")
    echo "--- $name c=$conns $mode"
    echo "$out" | grep -E "Requests/sec|Non-2xx|Socket errors|50%|99%" | sed 's/^/    /'
    local rps p50 p99 errors
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p50=$(to_ms "$(echo "$out" | awk '$1=="50%" {print $2}')")
    p99=$(to_ms "$(echo "$out" | awk '$1=="99%" {print $2}')")
    errors=$(echo "$out" | awk '/Non-2xx/ {print $5}')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$conns" "$mode" "$rps" "$p50" "$p99" "${errors:-0}" >>"$RESULTS"
}

section "runs (${BENCH_SECONDS}s each)"
for mode in plain stream; do
    for conns in 1 32; do
        run upstream "$UPSTREAM/chat/completions" sk-bench-direct "$conns" "$mode"
        run scritorio "http://127.0.0.1:$GW_PORT/ai/v1/chat/completions" "$TOKEN" "$conns" "$mode"
        if [[ "$conns" == 32 ]]; then
            run scritorio-32u "http://127.0.0.1:$GW_PORT/ai/v1/chat/completions" "$TOKENS" "$conns" "$mode"
            if [[ -n "$NG_PID" ]]; then
                run nginx-relay "http://127.0.0.1:$NG_PORT/sandbox/openai/v1/chat/completions" sk-bench-direct "$conns" "$mode"
            fi
        fi
        if [[ "$BENCH_LITELLM" == 1 ]]; then
            run litellm "http://127.0.0.1:$LL_PORT/v1/chat/completions" sk-bench-master "$conns" "$mode"
        fi
    done
done
# --- the floor: the same server and client stack on core 0 with no bookkeeping at all (Benchmarks/RelayFloor) ---
# Not a goal: `answer` is Hummingbird answering at once, `ahc` relays through the gateway's own AsyncHTTPClient
# upstream (chunk by chunk, as /ai/v1), `nio` through a bare NIO client buffering the answer (an upper bound).
if [[ "${BENCH_FLOOR:-1}" == 1 ]]; then
    section "floor (32 connections)"
    for floor in answer ahc nio; do
        FL_PORT=$(free_port)
        env -i PATH="$PATH" HOME="$HOME" NIO_SINGLETON_GROUP_LOOP_COUNT=1 NIO_SINGLETON_BLOCKING_POOL_THREAD_COUNT=2 \
            taskset -c 0 "$FLOOR" "$floor" "$FL_PORT" "$UPSTREAM" >"$WORK/floor-$floor.log" 2>&1 &
        FL_PID=$!
        PIDS+=($FL_PID)
        for ((i = 0; i < 100; i++)); do
            curl -s -o /dev/null -X POST -d "$PLAIN" "http://127.0.0.1:$FL_PORT/v1/chat/completions" && break
            sleep 0.1
        done
        for mode in plain stream; do
            [[ "$floor" == answer && "$mode" == stream ]] && continue
            run "floor-$floor" "http://127.0.0.1:$FL_PORT/v1/chat/completions" sk-bench-direct 32 "$mode"
        done
        kill "$FL_PID" 2>/dev/null || true
        wait "$FL_PID" 2>/dev/null || true
    done
fi

GW_RSS=$(peak_rss_mib "$GW_PID")
LL_RSS=""
[[ -n "$LL_PID" ]] && LL_RSS=$(peak_rss_mib "$LL_PID")
EVENTS=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from ai_usage_events").fetchone()[0])' "$WORK/gateway/scritorio.sqlite" 2>/dev/null || echo "?")

section "report"
python3 - "$RESULTS" "$GW_RSS" "${LL_RSS:-}" "$EVENTS" <<'PY'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
gw_rss, ll_rss, events = sys.argv[2], sys.argv[3], sys.argv[4]
data = {(r[0], int(r[1]), r[2]): (float(r[3]), float(r[4]), float(r[5]), int(r[6] or 0)) for r in rows}
rss = {"upstream": "", "scritorio": gw_rss, "scritorio-32u": gw_rss, "litellm": ll_rss}
print(f"{'target':<13} {'conns':>5} {'mode':<7} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8} {'peak RSS MiB':>13}")
for (name, conns, mode), (rps, p50, p99, errors) in sorted(data.items(), key=lambda kv: (kv[0][2], kv[0][1], kv[0][0])):
    print(f"{name:<13} {conns:>5} {mode:<7} {rps:>10,.0f} {p50:>8.2f} {p99:>8.2f} {errors:>8} {rss.get(name, ''):>13}")
print(f"usage events written by Scritorio: {events}")
def get(name, conns, mode): return data.get((name, conns, mode))
print()
for mode in ("plain", "stream"):
    up1, gw1, ll1 = get("upstream", 1, mode), get("scritorio", 1, mode), get("litellm", 1, mode)
    up32, gw32, ll32 = get("upstream", 32, mode), get("scritorio", 32, mode), get("litellm", 32, mode)
    if up1 and gw1:
        added = gw1[1] - up1[1]
        print(f"[{mode}] Scritorio adds {added:.2f} ms at p50 (1 connection); goal < 1 ms: {'met' if added < 1 else 'NOT met'}")
    if ll1 and up1:
        print(f"[{mode}] LiteLLM adds {ll1[1] - up1[1]:.2f} ms at p50 (1 connection)")
    if gw32 and up32:
        r = gw32[0] / up32[0]
        print(f"[{mode}] 32 connections: Scritorio / upstream = {r:.2f}; goal >= 0.5: {'met' if r >= 0.5 else 'NOT met'}")
    if gw32 and ll32 and ll32[0] > 0:
        r = gw32[0] / ll32[0]
        print(f"[{mode}] 32 connections: Scritorio / LiteLLM = {r:.1f}x; goal >= 40x: {'met' if r >= 40 else 'NOT met'}")
    relay = get("nginx-relay", 32, mode)
    if relay and up32:
        print(f"[{mode}] 32 connections: a bare nginx relay on the same core / upstream = {relay[0] / up32[0]:.2f} (reference, no goal)")
    for floor, what in (("answer", "Hummingbird answering at once"), ("ahc", "relay through AsyncHTTPClient, nothing else"),
                        ("nio", "relay through a bare NIO client, nothing else")):
        row = get("floor-" + floor, 32, mode)
        if row and up32:
            print(f"[{mode}] 32 connections: floor, {what} / upstream = {row[0] / up32[0]:.2f} (reference, no goal)")
    many = get("scritorio-32u", 32, mode)
    if many and up32:
        print(f"[{mode}] 32 connections, 32 users: Scritorio / upstream = {many[0] / up32[0]:.2f}", end="")
        print(f", / LiteLLM = {many[0] / ll32[0]:.1f}x" if ll32 and ll32[0] > 0 else "")
if gw_rss:
    print(f"Scritorio peak RSS {gw_rss} MiB; goal < 100 MB: {'met' if int(gw_rss) * 1.048576 < 100 else 'NOT met'}")
if ll_rss:
    print(f"LiteLLM peak RSS {ll_rss} MiB")
PY
