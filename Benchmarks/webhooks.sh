#!/usr/bin/env bash
# Signed Paddle webhook ingest against the release build on SQLite: events acknowledged per second and ack p99
# (wrk -t2 -c32), then how long the processor takes to apply every stored event, and whether any was lost.
# Goal: >= 1,000 events/s acknowledged with p99 < 25 ms, none lost.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
SECONDS_RUN=${BENCH_SECONDS:-10}
EVENTS=${BENCH_EVENTS:-60000}
SECRET=pdl_ntfset_bench_secret
command -v wrk >/dev/null || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
swift build -c release --product scritorio >/dev/null
BIN=$(swift build -c release --show-bin-path)/scritorio
WORK=$(mktemp -d)
trap 'kill "${PID:-0}" 2>/dev/null || true; rm -rf "$WORK"' EXIT
python3 Benchmarks/gen_webhooks.py "$EVENTS" "$SECRET" "$WORK/events.tsv"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
PADDLE_WEBHOOK_SECRETS=$SECRET PADDLE_SIGNATURE_TOLERANCE=86400 SCRITORIO_SANDBOX=1 \
  "$BIN" serve --host 127.0.0.1 --port "$PORT" --data-dir "$WORK/data" >"$WORK/server.log" 2>&1 &
PID=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done
START=$(date +%s.%N)
WEBHOOK_FILE="$WORK/events.tsv" wrk -t2 -c32 -d"${SECONDS_RUN}s" --latency -s Benchmarks/webhooks.lua \
  "http://127.0.0.1:$PORT" | tee "$WORK/wrk.txt"
sqlite() { python3 -c "import sqlite3,sys; c=sqlite3.connect('$WORK/data/scritorio.sqlite'); print(c.execute(sys.argv[1]).fetchone()[0])" "$1"; }
SENT=$(awk '/requests in/ {print $1}' "$WORK/wrk.txt")
NON2XX=$(awk '/Non-2xx/ {print $NF}' "$WORK/wrk.txt"); NON2XX=${NON2XX:-0}
RPS=$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk.txt")
P99=$(awk '$1=="99%" {print $2}' "$WORK/wrk.txt")
while [ "$(sqlite "select count(*) from billing_webhook_events where status in ('pending','retry')")" != "0" ]; do sleep 0.2; done
END=$(date +%s.%N)
STORED=$(sqlite "select count(*) from billing_webhook_events")
APPLIED=$(sqlite "select count(*) from billing_webhook_events where status = 'processed'")
UNIQUE=$(( SENT < EVENTS ? SENT : EVENTS ))
echo
echo "acknowledged: $RPS events/s, p99 $P99, $SENT sent ($NON2XX non-2xx)"
echo "stored: $STORED (acknowledged: $UNIQUE distinct); applied: $APPLIED"
python3 -c "print(f'all applied {float($END) - float($START):.1f} s after the load began')"
python3 - "$RPS" "$P99" "$STORED" "$UNIQUE" "$NON2XX" <<'PY'
import sys
rps, p99, stored, unique, non2xx = float(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
ms = float(p99[:-2]) if p99.endswith("ms") else float(p99[:-2]) / 1000 if p99.endswith("us") else float(p99[:-1]) * 1000
print(("PASS" if rps >= 1000 else "FAIL") + f": {rps:.0f} events/s acknowledged (goal >= 1000)")
print(("PASS" if ms < 25 else "FAIL") + f": ack p99 {ms:.2f} ms (goal < 25 ms)")
# wrk counts only answers it read before stopping; requests in flight at the end may be stored too.
print(("PASS" if stored >= unique - non2xx and non2xx == 0 else "FAIL") + f": none lost ({stored} stored, {unique} acknowledged, {non2xx} refused)")
PY
