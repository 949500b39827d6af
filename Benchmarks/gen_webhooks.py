"""Writes signed Paddle subscription.updated notifications for Benchmarks/webhooks.sh, one per line (signature TAB
body): `steps` events for each of count/steps users' subscriptions, step by step across users (all first events, then
all second ones...), each step an hour newer than the one before with a period that ends a day later, alternately
active and past due. The id of each event says its set, step and user (evt_<set><step><user>), so
webhooks_check.py can tell which state each subscription must end in.

    python3 gen_webhooks.py COUNT SECRET PATH [SET] [STEPS]     # SET: a letter, default a; STEPS default 3
"""
import hashlib
import hmac
import json
import sys
import time
import uuid

count, secret, path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
tag = sys.argv[4] if len(sys.argv) > 4 else "a"
steps = int(sys.argv[5]) if len(sys.argv) > 5 else 3
users = max(1, count // steps)
ts = int(time.time())
user_ids = [str(uuid.uuid4()) for _ in range(users)]
with open(path, "w") as out:
    for step in range(steps):
        for user in range(users):
            # Paddle's ids: a prefix, then 26 lowercase letters and digits.
            event = f"bench{tag}{step:02d}{user:018d}"
            ident = f"bench{tag}{user:020d}"
            body = json.dumps({
                "event_id": f"evt_{event}", "event_type": "subscription.updated",
                "occurred_at": f"2026-11-25T{step:02d}:00:00.000000Z", "notification_id": f"ntf_{event}",
                "data": {"id": f"sub_{ident}", "status": "past_due" if step % 2 else "active", "customer_id": f"ctm_{ident}",
                         "custom_data": {"userId": user_ids[user]},
                         "items": [{"price": {"id": "pri_01sandboxpromonthly0000000"}}],
                         "current_billing_period": {"starts_at": "2026-11-01T00:00:00.000000Z",
                                                    "ends_at": f"2026-12-{1 + step:02d}T00:00:00.000000Z"},
                         "scheduled_change": None},
            }, separators=(",", ":"))
            h1 = hmac.new(secret.encode(), f"{ts}:{body}".encode(), hashlib.sha256).hexdigest()
            out.write(f"ts={ts};h1={h1}\t{body}\n")
