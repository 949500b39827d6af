#!/usr/bin/env bash
# Signed Paddle webhooks against the release build, on SQLite and on PostgreSQL (BENCH_STORES, default both):
#
# 1. ingest: the server with its processor off (SCRITORIO_WEBHOOK_PROCESSOR=0) takes wrk -t2 -c32 for
#    BENCH_SECONDS (default 10): events acknowledged per second, ack p99, none lost;
# 2. apply: the server restarted with its processor on (default workers) drains that backlog alone: events
#    applied per second (between the first and the last processed_at), and whether every subscription ends in
#    its newest event's state (each user has BENCH_STEPS events, default 3, applied in order or marked stale);
# 3. PostgreSQL only: a second backlog ingested the same way, drained by two replicas at once.
#
# Goals: >= 1,000 events/s acknowledged with p99 < 25 ms and none lost; >= 1,000 events/s applied on PostgreSQL
# by one replica, more by two; every subscription in its newest state. Prints PASS/FAIL per goal; exits 0 when the
# report was produced.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
SECONDS_RUN=${BENCH_SECONDS:-10}
EVENTS=${BENCH_EVENTS:-60000}
STEPS=${BENCH_STEPS:-3}
STORES=${BENCH_STORES:-sqlite postgres}
SECRET=pdl_ntfset_bench_secret
command -v wrk >/dev/null || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
if [[ -n "${BENCH_BIN:-}" ]]; then BIN=$BENCH_BIN; else
  swift build -c release --product scritorio >/dev/null
  BIN=$(swift build -c release --show-bin-path)/scritorio
fi
WORK=$(mktemp -d)
PIDS=()
PG_DIR=""
stop_servers() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  PIDS=()
}
cleanup() {
  stop_servers
  [[ -n "$PG_DIR" ]] && { bash scripts/postgres.sh stop "$PG_DIR" >/dev/null 2>&1 || true; rm -rf "$PG_DIR"; }
  rm -rf "$WORK"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start <name> [env...]: one server on a free port; its port in $PORT.
start() {
  local name=$1; shift
  PORT=$(free_port)
  env "${DB_ENV[@]}" PADDLE_WEBHOOK_SECRETS=$SECRET PADDLE_SIGNATURE_TOLERANCE=86400 SCRITORIO_SANDBOX=1 "$@" \
    "$BIN" serve --host 127.0.0.1 --port "$PORT" --data-dir "$WORK/data-$STORE" >"$WORK/server-$STORE-$name.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 200); do curl -fs "http://127.0.0.1:$PORT/health" >/dev/null && return 0; sleep 0.1; done
  echo "server $name did not start:"; tail -20 "$WORK/server-$STORE-$name.log"; return 1
}

# ingest <set>: posts the set's events to a server whose processor is off; prints what wrk saw.
ingest() {
  local set=$1
  python3 Benchmarks/gen_webhooks.py "$EVENTS" "$SECRET" "$WORK/events-$set.tsv" "$set" "$STEPS"
  start "ingest-$set" SCRITORIO_WEBHOOK_PROCESSOR=0
  wrk -t2 -c32 -d1s "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 || true  # warm-up
  WEBHOOK_FILE="$WORK/events-$set.tsv" wrk -t2 -c32 -d"${SECONDS_RUN}s" --latency -s Benchmarks/webhooks.lua \
    "http://127.0.0.1:$PORT" >"$WORK/wrk-$STORE-$set.txt"
  stop_servers
}

# drain <replicas>: starts that many servers with their processors on and waits until nothing is pending.
drain() {
  local count=$1
  for index in $(seq 1 "$count"); do start "drain-$count-$index"; done
  while [[ "$(python3 Benchmarks/webhooks_check.py pending "$STORE" "$DSN")" != "0" ]]; do sleep 0.5; done
  stop_servers
}

declare -A RESULT
for STORE in $STORES; do
  echo "==> $STORE"
  DB_ENV=(-u DATABASE_URL)
  if [[ $STORE == postgres ]]; then
    PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/scritorio-bench-pg.XXXXXX")
    PG_PORT=$(bash scripts/postgres.sh start "$PG_DIR" scritorio_bench)
    DSN="postgres://postgres@127.0.0.1:$PG_PORT/scritorio_bench"
    DB_ENV=("DATABASE_URL=$DSN")
  else
    DSN="$WORK/data-$STORE/scritorio.sqlite"
  fi
  ingest a
  cat "$WORK/wrk-$STORE-a.txt"
  drain 1
  RESULT[$STORE/a]=$(python3 Benchmarks/webhooks_check.py report "$STORE" "$DSN" a)
  echo "one replica: ${RESULT[$STORE/a]}"
  if [[ $STORE == postgres ]]; then
    ingest b
    drain 2
    RESULT[$STORE/b]=$(python3 Benchmarks/webhooks_check.py report "$STORE" "$DSN" b)
    echo "two replicas: ${RESULT[$STORE/b]}"
    # The floor: PostgreSQL alone running the statements one applied event costs (Benchmarks/webhook_floor.sql),
    # from pgbench (a C client) with 8 connections, as sent today (each statement parsed and planned) and prepared.
    PGBENCH=$(ls /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | sort -rV | head -1 || true)
    PGBENCH=${PGBENCH:-$(command -v pgbench || true)}
    for protocol in simple prepared; do
      if [[ -n "$PGBENCH" ]]; then
        RESULT[$STORE/floor-$protocol]=$("$PGBENCH" -h 127.0.0.1 -p "$PG_PORT" -U postgres -n -c 8 -j 2 -T "$SECONDS_RUN" \
          -M "$protocol" -f Benchmarks/webhook_floor.sql scritorio_bench 2>/dev/null | awk '/^tps/ {printf "%.0f", $3}')
      fi
      echo "floor ($protocol): ${RESULT[$STORE/floor-$protocol]:-not measured} events/s"
    done
    bash scripts/postgres.sh stop "$PG_DIR" >/dev/null 2>&1 || true; rm -rf "$PG_DIR"; PG_DIR=""
  fi
done

echo
echo "==> Results (events per second; one run each)"
for STORE in $STORES; do
  python3 - "$STORE" "$WORK/wrk-$STORE-a.txt" "${RESULT[$STORE/a]}" "${RESULT[$STORE/b]:-}" \
    "${RESULT[$STORE/floor-simple]:-}" "${RESULT[$STORE/floor-prepared]:-}" <<'PY'
import json, re, sys
store, wrk, one, two = sys.argv[1], open(sys.argv[2]).read(), json.loads(sys.argv[3]), sys.argv[4]
floor_simple, floor_prepared = (float(x) if x else None for x in sys.argv[5:7])
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", wrk).group(1))
p99 = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s)\s*$", wrk, re.M)
ms = float(p99.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
sent = int(re.search(r"(\d+) requests in", wrk).group(1))
non2xx = int((re.search(r"Non-2xx or 3xx responses: (\d+)", wrk) or [0, 0])[1])
verdict = lambda ok: "PASS" if ok else "FAIL"
print(f"{store}: acknowledged {rps:.0f}/s, p99 {ms:.2f} ms, {sent} sent, {non2xx} non-2xx, {one['stored']} stored")
print(f"  {verdict(rps >= 1000)}: {rps:.0f} events/s acknowledged (goal >= 1000)")
print(f"  {verdict(ms < 25)}: ack p99 {ms:.2f} ms (goal < 25 ms)")
print(f"  {verdict(non2xx == 0 and one['stored'] > 0)}: none refused, every acknowledged event stored ({one['stored']} distinct)")
applied = sum(one["statuses"].get(s, 0) for s in ("processed", "stale"))
print(f"  one replica applied {one['rate']}/s over {one['span_s']} s: {one['statuses']}")
print(f"  {verdict(applied == one['stored'] and one['not_newest'] == 0)}: every event applied or stale, every subscription in its newest state ({one['not_newest']} not)")
if store == "postgres":
    print(f"  {verdict((one['rate'] or 0) >= 1000)}: one replica applies {one['rate']} events/s (goal >= 1000)")
    if floor_simple:
        print(f"  floor: PostgreSQL alone runs one event's statements {floor_simple:.0f}/s as sent (parsed each time), "
              f"{floor_prepared or 0:.0f}/s prepared; one replica = {(one['rate'] or 0) / floor_simple:.2f} x the first")
if two:
    two = json.loads(two)
    applied = sum(two["statuses"].get(s, 0) for s in ("processed", "stale"))
    print(f"  two replicas applied {two['rate']}/s over {two['span_s']} s: {two['statuses']}")
    print(f"  {verdict((two['rate'] or 0) > (one['rate'] or 0))}: two replicas apply more than one ({two['rate']} vs {one['rate']})")
    print(f"  {verdict(applied == two['stored'] and two['not_newest'] == 0)}: every event applied or stale, every subscription in its newest state ({two['not_newest']} not)")
PY
done
