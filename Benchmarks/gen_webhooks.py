"""Writes N distinct, signed Paddle subscription.updated notifications (one per line: signature TAB body) for
Benchmarks/webhooks.sh. Each names a fresh user and subscription, so every one is stored and applied."""
import hashlib
import hmac
import json
import sys
import time
import uuid

count, secret, path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ts = int(time.time())
with open(path, "w") as out:
    for i in range(count):
        body = json.dumps({
            "event_id": f"evt_bench{i:021d}", "event_type": "subscription.updated",
            "occurred_at": "2026-11-25T00:00:00.000000Z", "notification_id": f"ntf_bench{i:021d}",
            "data": {"id": f"sub_bench{i:021d}", "status": "active", "customer_id": f"ctm_bench{i:021d}",
                     "custom_data": {"userId": str(uuid.uuid4())},
                     "items": [{"price": {"id": "pri_01sandboxpromonthly0000000"}}],
                     "current_billing_period": {"starts_at": "2026-11-01T00:00:00.000000Z", "ends_at": "2026-12-01T00:00:00.000000Z"},
                     "scheduled_change": None},
        }, separators=(",", ":"))
        h1 = hmac.new(secret.encode(), f"{ts}:{body}".encode(), hashlib.sha256).hexdigest()
        out.write(f"ts={ts};h1={h1}\t{body}\n")
