"""Lemon Squeezy end to end against `serve --sandbox`: a checkout carries the user id, the buyer pays in the
Lemon Squeezy fake, its PHP-style signed webhooks arrive, the processor applies them in `updated_at` order, and
the app sees Pro; then cancel (access until ends_at), expire, pause modes, duplicates and reorderings, the other
mode's events and forged signatures."""
import hashlib
import hmac
import http.server
import json
import os
import subprocess
import threading
import time
import uuid

import pytest

from conftest import BIN, POSTGRES_URL, serve

SANDBOX_API_KEY = "ls_sandbox_apikey_test"
SANDBOX_SECRET = "scritorio-sandbox-lemonsqueezy"
FAKE = "/sandbox/lemonsqueezy"


def bearer(acc) -> dict:
    return {"Authorization": f"Bearer {acc.session.access_token}"}


def member_plan(acc) -> str | None:
    member = acc.client.functions.invoke("member-get", {"responseType": "json"})["member"]
    return member and member["plan"]


def wait_for(what: str, probe, seconds: float = 15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"{what} did not happen within {seconds} s")


def wait_for_plan(acc, plan: str) -> None:
    wait_for(f"member plan {plan!r}", lambda: member_plan(acc) == plan)


def subscription(kit, acc) -> dict | None:
    return kit.http.get("/v1/me/subscription", headers=bearer(acc)).json()["subscription"]


def wait_for_status(kit, acc, status: str) -> dict:
    return wait_for(f"subscription status {status!r}", lambda: (s := subscription(kit, acc)) and s["status"] == status and s)


def checkout(kit, acc, plan="pro_monthly") -> dict:
    r = kit.http.post("/v1/checkout", json={"plan": plan, "provider": "lemonsqueezy"}, headers=bearer(acc))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["provider"] == "lemonsqueezy" and body["plan"] == plan
    assert f"/checkout/custom/{body['checkoutId']}?signature=" in body["checkoutUrl"]
    return body


def bought(kit, **params) -> tuple:
    """A signed-in member who bought Pro monthly through Lemon Squeezy; returns (account, simulator answer)."""
    acc = kit.signed_in()
    acc.client.functions.invoke("member-init", {"body": {}})
    checkout_id = checkout(kit, acc)["checkoutId"]
    paid = kit.http.post(f"{FAKE}/checkouts/{checkout_id}/complete", params=params)
    assert paid.status_code == 200, paid.text
    data = paid.json()["data"]
    assert all(status == 200 for status in data["delivered"]), data
    wait_for_plan(acc, "pro")
    return acc, data


def simulate(kit, sub_id: str, action: str) -> dict:
    r = kit.http.post(f"{FAKE}/subscriptions/{sub_id}/{action}")
    assert r.status_code == 200, r.text
    assert all(status == 200 for status in r.json()["data"]["delivered"])
    return r.json()["data"]


def signed(body: bytes, secret: str = SANDBOX_SECRET) -> dict:
    return {"Content-Type": "application/json", "X-Event-Name": "subscription_created",
            "X-Signature": hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()}


def php(obj) -> bytes:
    return json.dumps(obj, separators=(",", ":")).replace("/", "\\/").encode()


def subscription_body(user_id: str, sub_id: str, test_mode: bool, updated_at: str) -> bytes:
    return php({
        "meta": {"test_mode": test_mode, "event_name": "subscription_created", "custom_data": {"user_id": user_id}},
        "data": {"type": "subscriptions", "id": sub_id, "attributes": {
            "store_id": 41000, "customer_id": 900001, "order_id": 900002, "variant_id": 520001, "status": "active",
            "user_email": "someone@example.com", "pause": None, "cancelled": False, "renews_at": "2099-01-01T00:00:00.000000Z",
            "ends_at": None, "created_at": updated_at, "updated_at": updated_at, "test_mode": test_mode},
            "links": {"self": f"https://api.lemonsqueezy.com/v1/subscriptions/{sub_id}"}},
    })


def test_checkout_with_user_id_complete_webhook_pro(kit):
    acc = kit.signed_in()
    acc.client.functions.invoke("member-init", {"body": {}})
    assert member_plan(acc) == "free"
    checkout_id = checkout(kit, acc)["checkoutId"]
    # The checkout Lemon Squeezy holds carries the user id and email (they come back in every webhook).
    seen = kit.http.get(f"{FAKE}/v1/checkouts/{checkout_id}", headers={"Authorization": f"Bearer {SANDBOX_API_KEY}"})
    assert seen.status_code == 200 and seen.headers["content-type"].startswith("application/vnd.api+json")
    attributes = seen.json()["data"]["attributes"]
    assert attributes["checkout_data"] == {"email": acc.email, "custom": {"user_id": acc.user_id}}
    assert attributes["test_mode"] is True and attributes["variant_id"] == 520001
    assert "https:\\/\\/" in seen.text  # PHP-style: escaped slashes

    paid = kit.http.post(f"{FAKE}/checkouts/{checkout_id}/complete")
    assert paid.status_code == 200, paid.text
    data = paid.json()["data"]
    assert data["events"] == ["order_created", "subscription_created", "subscription_payment_success", "license_key_created"]
    assert all(status == 200 for status in data["delivered"])
    wait_for_plan(acc, "pro")
    sub = wait_for_status(kit, acc, "active")
    assert sub["provider"] == "lemonsqueezy" and sub["id"] == data["subscription_id"] and sub["plan"] == "pro_monthly"
    assert sub["active"] and sub["willRenew"]
    ents = kit.http.get("/v1/me/entitlements", headers=bearer(acc)).json()
    assert [e["code"] for e in ents["entitlements"]] == ["scritorio_pro"]

    # The fake's API answers microsecond dates and string ids, as Lemon Squeezy does.
    api = kit.http.get(f"{FAKE}/v1/subscriptions/{sub['id']}", headers={"Authorization": f"Bearer {SANDBOX_API_KEY}"})
    assert api.status_code == 200
    obj = api.json()["data"]
    assert obj["id"] == sub["id"] and obj["attributes"]["status"] == "active"
    assert len(obj["attributes"]["updated_at"]) == len("2024-01-01T00:00:00.000000Z")
    assert kit.http.get(f"{FAKE}/v1/subscriptions/{sub['id']}").status_code == 401


def test_shuffled_and_duplicated_delivery_ends_the_same(kit):
    acc, data = bought(kit, shuffle=1, duplicate=1)
    assert len(data["delivered"]) == 8 and len(set(data["digests"])) == 4
    assert data["events"] != ["order_created", "subscription_created", "subscription_payment_success", "license_key_created"] * 2
    sub = wait_for_status(kit, acc, "active")
    assert sub["active"] and sub["id"] == data["subscription_id"]
    # The first order belongs to the subscription and grants nothing of its own; the licence key sold with it
    # joins the union (bounded by the subscription) once its event is applied, in whatever order it arrived.
    deadline = time.monotonic() + 15
    while True:
        ents = kit.http.get("/v1/me/entitlements", headers=bearer(acc)).json()["entitlements"]
        found = [(e["code"], sorted(s["type"] for s in e["sources"])) for e in ents]
        if found == [("scritorio_pro", ["license", "subscription"])] or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert found == [("scritorio_pro", ["license", "subscription"])]


def test_cancel_keeps_access_until_ends_at_then_expire_removes_it_and_its_key(kit):
    acc, data = bought(kit)
    sub_id = data["subscription_id"]
    renews = wait_for_status(kit, acc, "active")["renewsAt"]
    simulate(kit, sub_id, "cancel")
    cancelled = wait_for_status(kit, acc, "canceled")
    assert cancelled["active"] and not cancelled["willRenew"] and cancelled["endsAt"] == renews
    assert member_plan(acc) == "pro"
    ents = kit.http.get("/v1/me/entitlements", headers=bearer(acc)).json()["entitlements"]
    assert ents[0]["code"] == "scritorio_pro" and ents[0]["expiresAt"] == renews

    simulate(kit, sub_id, "resume")
    assert wait_for_status(kit, acc, "active")["willRenew"]
    expired = simulate(kit, sub_id, "expire")
    assert expired["events"] == ["subscription_updated", "subscription_expired", "license_key_updated"]
    wait_for_plan(acc, "free")
    assert not wait_for_status(kit, acc, "expired")["active"]
    # The licence key expired with its subscription (Lemon Squeezy's licence API, form-encoded as documented).
    check = kit.http.post(f"{FAKE}/v1/licenses/validate", data={"license_key": data["license_key"]})
    assert check.status_code == 200 and check.json()["valid"] is False and check.json()["license_key"]["status"] == "expired"


def test_pause_modes_failed_payment_and_recovery(kit):
    acc, data = bought(kit)
    sub_id = data["subscription_id"]
    simulate(kit, sub_id, "pause-free")
    assert wait_for_status(kit, acc, "paused")["active"]  # mode free keeps access
    assert member_plan(acc) == "pro"
    simulate(kit, sub_id, "pause-void")
    wait_for_plan(acc, "free")  # mode void does not
    simulate(kit, sub_id, "resume")
    wait_for_plan(acc, "pro")
    simulate(kit, sub_id, "fail-payment")
    past_due = wait_for_status(kit, acc, "past_due")
    assert past_due["active"] and past_due["billingIssue"]  # grace
    simulate(kit, sub_id, "recover")
    assert not wait_for_status(kit, acc, "active")["billingIssue"]
    simulate(kit, sub_id, "refund")
    wait_for_plan(acc, "free")


def test_the_other_modes_events_are_never_applied(kit):
    """The sandbox runs Lemon Squeezy in test mode: a live-mode event (even correctly signed) is kept, not applied."""
    victim = kit.signed_in()
    victim.client.functions.invoke("member-init", {"body": {}})
    live = subscription_body(victim.user_id, str(800000 + uuid.uuid4().int % 99999), False, "2026-01-01T00:00:00.000000Z")
    r = kit.http.post("/webhooks/lemonsqueezy", content=live, headers=signed(live))
    assert r.status_code == 200 and r.json() == {"received": True, "duplicate": False}
    # A test-mode event for someone else, stored after it, is applied; by then the live one has been handled.
    other = kit.signed_in()
    test = subscription_body(other.user_id, str(700000 + uuid.uuid4().int % 99999), True, "2026-01-01T00:00:01.000000Z")
    assert kit.http.post("/webhooks/lemonsqueezy", content=test, headers=signed(test)).status_code == 200
    wait_for_plan(other, "pro")
    assert member_plan(victim) == "free" and subscription(kit, victim) is None


def test_signature_failures_and_duplicates(kit):
    acc = kit.signed_in()
    body = subscription_body(acc.user_id, str(600000 + uuid.uuid4().int % 99999), True, "2026-01-01T00:00:00.000000Z")
    missing = kit.http.post("/webhooks/lemonsqueezy", content=body, headers={"Content-Type": "application/json"})
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_signature"
    forged = kit.http.post("/webhooks/lemonsqueezy", content=body, headers=signed(body, secret="not-the-secret"))
    assert forged.status_code == 401 and forged.json()["error"] == "invalid_signature"
    reencoded = body.replace(b"\\/", b"/")
    assert kit.http.post("/webhooks/lemonsqueezy", content=reencoded, headers=signed(body)).status_code == 401
    first = kit.http.post("/webhooks/lemonsqueezy", content=body, headers=signed(body))
    again = kit.http.post("/webhooks/lemonsqueezy", content=body, headers=signed(body))
    assert first.json() == {"received": True, "duplicate": False} and again.json() == {"received": True, "duplicate": True}
    wait_for_plan(acc, "pro")


def test_simulate_command_drives_the_fake(kit):
    acc = kit.signed_in()
    acc.client.functions.invoke("member-init", {"body": {}})
    checkout_id = checkout(kit, acc)["checkoutId"]
    out = subprocess.run([str(BIN), "simulate", "lemonsqueezy", "complete", checkout_id, "--url", kit.url, "--shuffle"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    sub_id = json.loads(out.stdout)["data"]["subscription_id"]
    wait_for_plan(acc, "pro")
    out = subprocess.run([str(BIN), "simulate", "lemonsqueezy", "pause-void", sub_id, "--url", kit.url],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    wait_for_plan(acc, "free")
    bad = subprocess.run([str(BIN), "simulate", "lemonsqueezy", "explode", sub_id, "--url", kit.url],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0


class _Down(http.server.BaseHTTPRequestHandler):
    """A webhook endpoint that is down: every delivery fails."""

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(503)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def lost_webhooks_server(store):
    """Lemon Squeezy's deliveries never arrive (it gives up after its retries): only reconciliation can help."""
    down = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Down)
    threading.Thread(target=down.serve_forever, daemon=True).start()
    try:
        yield from serve({"SCRITORIO_SANDBOX_LEMONSQUEEZY_WEBHOOK_URL": f"http://127.0.0.1:{down.server_port}/hook"}, store)
    finally:
        down.shutdown()


def test_billing_reconcile_recovers_lost_webhooks(make_kit, lost_webhooks_server):
    kit = make_kit(lost_webhooks_server)
    acc = kit.signed_in()
    acc.client.functions.invoke("member-init", {"body": {}})
    checkout_id = checkout(kit, acc)["checkoutId"]
    paid = kit.http.post(f"{FAKE}/checkouts/{checkout_id}/complete")
    assert paid.status_code == 200 and all(status != 200 for status in paid.json()["data"]["delivered"])
    time.sleep(0.5)
    assert member_plan(acc) == "free" and subscription(kit, acc) is None
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRITORIO_") and k != "DATABASE_URL"}
    env.update({"LEMONSQUEEZY_API_KEY": SANDBOX_API_KEY, "LEMONSQUEEZY_STORE_ID": "41000",
                "LEMONSQUEEZY_API_BASE_URL": f"{kit.url}{FAKE}", "SCRITORIO_SANDBOX": "1"})
    if lost_webhooks_server.store == "postgres":
        env["DATABASE_URL"] = POSTGRES_URL
    out = subprocess.run([str(BIN), "billing", "reconcile", "--data-dir", str(lost_webhooks_server.root / "data")],
                         env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "1 repaired, 0 failed" in out.stdout, out.stdout
    assert SANDBOX_API_KEY not in out.stdout + out.stderr
    # The API carries no custom_data: the subscription found its user through the buyer's email.
    assert member_plan(acc) == "pro"
    sub = subscription(kit, acc)
    assert sub["provider"] == "lemonsqueezy" and sub["id"] == paid.json()["data"]["subscription_id"] and sub["active"]
