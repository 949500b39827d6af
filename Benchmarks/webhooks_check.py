"""Reads the store after a Benchmarks/webhooks.sh run and reports on one set of events (gen_webhooks.py).

    python3 webhooks_check.py pending STORE DSN              # events still waiting (pending or retry), all sets
    python3 webhooks_check.py report  STORE DSN SET          # one line of JSON about SET

STORE is sqlite (DSN: the database file) or postgres (DSN: a postgres:// URL, read with psql). The report gives
how many of the set's events are stored, applied (`processed`), `stale` or anything else, the processor's rate
(events finished per second between the first and the last `processed_at`), and how many subscriptions do not
hold the newest state their stored events describe (0 when every user's events were applied in order).
"""
import glob
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import datetime, timezone

mode, store, dsn = sys.argv[1], sys.argv[2], sys.argv[3]


def rows(sql):
    if store == "sqlite":
        with sqlite3.connect(dsn, timeout=30) as connection:
            return [tuple(row) for row in connection.execute(sql).fetchall()]
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"), reverse=True) + [shutil.which("psql") or "psql"]
    psql = os.environ.get("PSQL") or next(p for p in candidates if p and os.path.exists(p))
    out = subprocess.run([psql, dsn, "-AtqF", "\t", "-c", sql], check=True, capture_output=True, text=True).stdout
    return [tuple(line.split("\t")) for line in out.splitlines() if line]


def epoch(column):
    return column if store == "sqlite" else f"extract(epoch from {column})"


if mode == "pending":
    print(rows("SELECT count(*) FROM billing_webhook_events WHERE status IN ('pending', 'retry')")[0][0])
    sys.exit(0)

tag = sys.argv[4]
events = rows(f"SELECT event_id, status, {epoch('processed_at')} FROM billing_webhook_events WHERE event_id LIKE 'evt_bench{tag}%'")
statuses = {}
newest = {}
finished = []
for event_id, status, processed_at in events:
    statuses[status] = statuses.get(status, 0) + 1
    step, user = int(event_id[10:12]), int(event_id[12:])
    newest[user] = max(newest.get(user, -1), step)
    if processed_at not in (None, ""):
        finished.append(float(processed_at))
subscriptions = rows(
    f"SELECT provider_subscription_id, {epoch('current_period_end')} FROM subscriptions WHERE provider_subscription_id LIKE 'sub_bench{tag}%'")
first_end = datetime(2026, 12, 1, tzinfo=timezone.utc).timestamp()
held = {int(sub[10:]): round((float(end) - first_end) / 86_400) for sub, end in subscriptions}
wrong = sum(1 for user, step in newest.items() if held.get(user) != step)
span = max(finished) - min(finished) if len(finished) > 1 else 0.0
print(json.dumps({
    "stored": len(events), "statuses": statuses, "users": len(newest), "not_newest": wrong,
    "rate": round(len(finished) / span) if span > 0 else None, "span_s": round(span, 2),
}))
