"""Paddle end to end against `serve --sandbox`: checkout, the buyer pays in the Paddle fake, the signed
webhooks arrive, the processor applies them, and the app sees Pro. The fake's fidelity is checked with
Paddle's official Python SDK: its client reads the fake's API and its Verifier accepts the fake's webhooks."""
import http.server
import threading
import time
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
from requests.adapters import HTTPAdapter

from conftest import serve

SANDBOX_API_KEY = "pdl_sdbx_apikey_sandbox"
SANDBOX_SECRET = "pdl_ntfset_01sandbox0000000000000000000_sandboxsecret"


def bearer(acc) -> dict:
    return {"Authorization": f"Bearer {acc.session.access_token}"}


def checkout(kit, acc, plan="pro_monthly") -> dict:
    r = kit.http.post("/v1/checkout", json={"plan": plan}, headers=bearer(acc))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["transactionId"].startswith("txn_") and f"/pay?_ptxn={body['transactionId']}" in body["checkoutUrl"]
    return body


def member_plan(acc) -> str | None:
    member = acc.client.functions.invoke("member-get", {"responseType": "json"})["member"]
    return member and member["plan"]


def wait_for_plan(acc, plan: str, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if member_plan(acc) == plan:
            return
        time.sleep(0.2)
    pytest.fail(f"member plan did not become {plan!r} within {seconds} s (is {member_plan(acc)!r})")


def wait_for_subscription(kit, acc, seconds: float = 15) -> dict:
    """The subscription once its own events are applied (the paid order may make the user Pro a moment earlier)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        sub = kit.http.get("/v1/me/subscription", headers=bearer(acc)).json()["subscription"]
        if sub is not None:
            return sub
        time.sleep(0.2)
    pytest.fail("no subscription appeared")


def test_checkout_pay_webhook_pro(kit):
    acc = kit.signed_in()
    acc.client.functions.invoke("member-init", {"body": {}})
    assert member_plan(acc) == "free"
    txn = checkout(kit, acc)["transactionId"]
    paid = kit.http.post(f"/sandbox/paddle/transactions/{txn}/complete")
    assert paid.status_code == 200, paid.text
    assert all(status == 200 for status in paid.json()["data"]["delivered"])
    wait_for_plan(acc, "pro")
    sub = wait_for_subscription(kit, acc)
    assert sub["active"] and sub["willRenew"] and sub["plan"] == "pro_monthly" and sub["id"].startswith("sub_")
    ents = kit.http.get("/v1/me/entitlements", headers=bearer(acc)).json()
    assert [e["code"] for e in ents["entitlements"]] == ["scritorio_pro"]

    # Cancel at period end keeps Pro until the date, then the period ends and Pro goes.
    assert sub["portalUrl"] and sub["portalUrl"].startswith("http")
    cancel = kit.http.post("/v1/me/subscription/cancel", headers=bearer(acc))
    assert cancel.status_code == 200, cancel.text
    canceled = cancel.json()["subscription"]
    assert canceled["active"] and not canceled["willRenew"] and canceled["endsAt"] == sub["renewsAt"]
    time.sleep(1.0)
    assert member_plan(acc) == "pro"
    ended = kit.http.post(f"/sandbox/paddle/subscriptions/{sub['id']}/end-period")
    assert ended.status_code == 200, ended.text
    wait_for_plan(acc, "free")


def test_past_due_keeps_pro_in_grace(kit):
    acc = kit.signed_in()
    txn = checkout(kit, acc, "pro_yearly")["transactionId"]
    sub = kit.http.post(f"/sandbox/paddle/transactions/{txn}/complete").json()["data"]["subscription_id"]
    wait_for_plan(acc, "pro")
    failed = kit.http.post(f"/sandbox/paddle/subscriptions/{sub}/fail-payment")
    assert failed.status_code == 200, failed.text
    deadline = time.monotonic() + 15
    state = None
    while time.monotonic() < deadline:
        # Pro may come from the paid transaction before the subscription's own event is applied: until it is,
        # the subscription reads null.
        state = kit.http.get("/v1/me/subscription", headers=bearer(acc)).json()["subscription"]
        if state and state["status"] == "past_due":
            break
        time.sleep(0.2)
    assert state and state["status"] == "past_due" and state["billingIssue"] and state["active"], state
    assert member_plan(acc) == "pro"


def test_shuffled_duplicated_delivery_ends_the_same(kit):
    acc = kit.signed_in()
    txn = checkout(kit, acc)["transactionId"]
    paid = kit.http.post(f"/sandbox/paddle/transactions/{txn}/complete", params={"shuffle": 1, "duplicate": 1})
    assert paid.status_code == 200 and len(paid.json()["data"]["delivered"]) == 2 * len(set(paid.json()["data"]["events"]))
    wait_for_plan(acc, "pro")


@pytest.fixture(scope="module")
def no_processor_server(store):
    """Webhooks are stored but not applied: only paddle-verify can make the user Pro."""
    yield from serve({"SCRITORIO_WEBHOOK_PROCESSOR": "0"}, store)


def test_verify_without_webhook_and_someone_elses_transaction(make_kit, no_processor_server):
    kit = make_kit(no_processor_server)
    acc = kit.signed_in()
    txn = checkout(kit, acc)["transactionId"]
    early = kit.http.post("/v1/billing/paddle/verify", json={"transactionId": txn}, headers=bearer(acc))
    assert early.status_code == 400 and early.json()["error"] == "transaction_not_completed"
    assert kit.http.post(f"/sandbox/paddle/transactions/{txn}/complete").status_code == 200
    time.sleep(0.5)
    if no_processor_server.store == "sqlite":
        # The webhook is stored and nobody applies it. (On PostgreSQL the suite's other servers share the
        # database and their processors do apply it, as replicas would.)
        assert member_plan(acc) in (None, "free")
    other = kit.signed_in()
    theirs = kit.http.post("/v1/billing/paddle/verify", json={"transactionId": txn}, headers=bearer(other))
    assert theirs.status_code == 403
    ok = acc.client.functions.invoke("paddle-verify", {"body": {"transactionId": txn}, "responseType": "json"})
    assert ok["success"] is True and ok["plan"] == "pro"
    assert member_plan(acc) == "pro" and member_plan(other) in (None, "free")


def test_forged_and_stale_signatures_are_refused(kit):
    body = b'{"event_id":"evt_01forged000000000000000000","event_type":"subscription.updated","occurred_at":"2026-01-01T00:00:00Z","data":{}}'
    assert kit.http.post("/webhooks/paddle", content=body).status_code == 400
    forged = kit.http.post("/webhooks/paddle", content=body, headers={"Paddle-Signature": f"ts={int(time.time())};h1={'0' * 64}"})
    assert forged.status_code == 401
    import hashlib, hmac
    ts = int(time.time()) - 60
    h1 = hmac.new(SANDBOX_SECRET.encode(), f"{ts}:".encode() + body, hashlib.sha256).hexdigest()
    stale = kit.http.post("/webhooks/paddle", content=body, headers={"Paddle-Signature": f"ts={ts};h1={h1}"})
    assert stale.status_code == 401
    ts = int(time.time())
    h1 = hmac.new(SANDBOX_SECRET.encode(), f"{ts}:".encode() + body, hashlib.sha256).hexdigest()
    fresh = kit.http.post("/webhooks/paddle", content=body, headers={"Paddle-Signature": f"ts={ts};h1={h1}"})
    assert fresh.status_code == 200 and fresh.json()["received"] is True


# ------------------------------------------------------- the official SDK against the fake


class _PrefixAdapter(HTTPAdapter):
    """The SDK joins absolute paths onto the environment's host; the fake lives under /sandbox/paddle."""

    def send(self, request, **kwargs):
        parts = urlsplit(request.url)
        request.url = urlunsplit(parts._replace(path="/sandbox/paddle" + parts.path))
        return super().send(request, **kwargs)


class _Sink(http.server.BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        _Sink.received.append((dict(self.headers), self.rfile.read(length)))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def sink_server(store):
    sink = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    try:
        yield from serve({"SCRITORIO_SANDBOX_PADDLE_WEBHOOK_URL": f"http://127.0.0.1:{sink.server_port}/hook"}, store)
    finally:
        sink.shutdown()


def test_official_sdk_reads_the_fake_and_verifies_its_webhooks(make_kit, sink_server):
    from paddle_billing import Client, Options
    from paddle_billing.Notifications import Secret, Verifier

    kit = make_kit(sink_server)
    acc = kit.signed_in()
    txn = checkout(kit, acc)["transactionId"]

    class Env:
        base_url = sink_server.url

    client = Client(SANDBOX_API_KEY, options=Options(Env()))
    client.client.mount(sink_server.url, _PrefixAdapter())
    transaction = client.transactions.get(txn)
    assert transaction.id == txn and transaction.status.value in ("draft", "ready")
    assert transaction.custom_data.data["userId"] == acc.user_id

    _Sink.received.clear()
    assert kit.http.post(f"/sandbox/paddle/transactions/{txn}/complete").status_code == 200
    assert len(_Sink.received) >= 5
    verifier = Verifier()

    class Req:
        def __init__(self, headers, body):
            self.headers, self.body = headers, body

    for headers, body in _Sink.received:
        assert verifier.verify(Req(headers, body), Secret(SANDBOX_SECRET)), headers.get("Paddle-Signature")
        assert not verifier.verify(Req(headers, body + b" "), Secret(SANDBOX_SECRET))
    sub = client.subscriptions.get(kit.http.get(f"/sandbox/paddle/transactions/{txn}",
                                                headers={"Authorization": f"Bearer {SANDBOX_API_KEY}"}).json()["data"]["subscription_id"])
    assert sub.status.value == "active" and sub.custom_data.data["userId"] == acc.user_id
