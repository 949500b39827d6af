"""Graceful shutdown: SIGTERM under load stops `serve` with exit status 0 within 10 s, and every request it
answered 2xx before stopping has its effect in the store when it starts again (users can sign in, acknowledged
webhook events are in the log and get applied)."""
import hashlib
import hmac
import json
import os
import shutil
import signal
import subprocess
import threading
import time
import uuid

import httpx
import pytest

from conftest import BIN, KEY, POSTGRES_URL, start_server

SANDBOX_SECRET = "pdl_ntfset_01sandbox0000000000000000000_sandboxsecret"
PASSWORD = "Shutdown-pw-1"
ENV = {"SCRITORIO_AUTH_AUTOCONFIRM": "1"}
HEADERS = {"apikey": KEY, "Content-Type": "application/json", "X-Supabase-Api-Version": "2024-01-01"}


def paddle_event() -> tuple[str, bytes]:
    """A notification the processor applies as `ignored` (no subscription state to settle)."""
    event_id = f"evt_01shutdown{uuid.uuid4().hex[:16]}"
    body = json.dumps({"event_id": event_id, "event_type": "address.created",
                       "occurred_at": "2026-01-01T00:00:00Z", "data": {}}).encode()
    return event_id, body


def signed(body: bytes) -> dict:
    ts = int(time.time())
    h1 = hmac.new(SANDBOX_SECRET.encode(), f"{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return {"Paddle-Signature": f"ts={ts};h1={h1}", "Content-Type": "application/json"}


class Load:
    """Threads that sign up, read /v1/me and post webhooks until told to stop, remembering what was acknowledged."""

    def __init__(self, url: str, token: str):
        self.url, self.token = url, token
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.users: list[str] = []
        self.events: list[str] = []
        self.me_ok = 0
        self.threads = [threading.Thread(target=work, daemon=True)
                        for work in (self.signups, self.signups, self.me, self.me, self.webhooks, self.webhooks)]

    def run(self, work):
        with httpx.Client(base_url=self.url, timeout=10) as http:
            while not self.stop.is_set():
                try:
                    work(http)
                except httpx.HTTPError:
                    time.sleep(0.02)  # refused or cut while stopping: not acknowledged, so nothing to check

    def signups(self):
        def one(http):
            email = f"e2e-stop-{uuid.uuid4().hex[:16]}@example.com"
            r = http.post("/auth/v1/signup", json={"email": email, "password": PASSWORD}, headers=HEADERS)
            if 200 <= r.status_code < 300:
                with self.lock:
                    self.users.append(email)
        self.run(one)

    def me(self):
        def one(http):
            r = http.get("/v1/me", headers={**HEADERS, "Authorization": f"Bearer {self.token}"})
            if r.status_code == 200:
                with self.lock:
                    self.me_ok += 1
        self.run(one)

    def webhooks(self):
        def one(http):
            event_id, body = paddle_event()
            r = http.post("/webhooks/paddle", content=body, headers=signed(body))
            if 200 <= r.status_code < 300:
                with self.lock:
                    self.events.append(event_id)
        self.run(one)

    def counts(self) -> tuple[int, int, int]:
        with self.lock:
            return len(self.users), self.me_ok, len(self.events)


def stored_events(server, ids: set[str]) -> dict[str, str]:
    """Status by event id of the given events, read with `scritorio admin events` from the server's store."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRITORIO_") and k != "DATABASE_URL"}
    if server.store == "postgres":
        env["DATABASE_URL"] = POSTGRES_URL
    out = subprocess.run(
        [str(BIN), "admin", "events", "list", "--status", "all", "--limit", "1000000", "--data-dir", str(server.root / "data")],
        env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    statuses = {}
    for line in out.stdout.splitlines():
        fields = line.split("\t")
        if len(fields) > 3 and fields[1] in ids:
            statuses[fields[1]] = fields[3]
    return statuses


def assert_users_sign_in(server, users: list[str]) -> None:
    """Every sign-up the server answered 2xx before it stopped is a user who can sign in."""
    with httpx.Client(base_url=server.url, timeout=10) as http:
        for email in users:
            r = http.post("/auth/v1/token", params={"grant_type": "password"}, headers=HEADERS,
                          json={"email": email, "password": PASSWORD})
            assert r.status_code == 200, f"{email} (acknowledged before the stop): {r.status_code} {r.text}"


def assert_applied(server, ids: set[str], within: float) -> None:
    """Every acknowledged webhook is in the log, and the processor applies what was left pending within `within` s."""
    deadline = time.monotonic() + within
    while True:
        statuses = stored_events(server, ids)
        pending = {i: s for i, s in statuses.items() if s in ("pending", "retry")}
        if len(statuses) == len(ids) and not pending or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert set(statuses) == ids, f"acknowledged but not stored: {sorted(ids - set(statuses))[:5]}"
    assert not pending, f"stored but never applied: {list(pending.items())[:5]}"
    assert set(statuses.values()) == {"ignored"}, statuses


def test_sigterm_under_load_exits_0_and_keeps_what_was_acknowledged(store):
    server = start_server(ENV, store)
    try:
        r = httpx.post(f"{server.url}/auth/v1/signup", headers=HEADERS,
                       json={"email": f"e2e-stop-{uuid.uuid4().hex[:16]}@example.com", "password": PASSWORD})
        assert r.status_code == 200 and r.json().get("access_token"), r.text
        load = Load(server.url, r.json()["access_token"])
        for thread in load.threads:
            thread.start()
        deadline = time.monotonic() + 30
        while min(load.counts()) < 5 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert min(load.counts()) >= 5, f"no load reached the server: {load.counts()}"

        started = time.monotonic()
        server.proc.send_signal(signal.SIGTERM)
        try:
            status = server.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pytest.fail(f"serve did not stop within 10 s of SIGTERM; log:\n{server.log_text()[-4000:]}")
        elapsed = time.monotonic() - started
        load.stop.set()
        for thread in load.threads:
            thread.join(timeout=15)
        assert status == 0, f"exit status {status} after SIGTERM; log:\n{server.log_text()[-4000:]}"
        users, me_ok, events = load.counts()
        print(f"stopped in {elapsed:.2f} s after {users} sign-ups, {me_ok} /v1/me, {events} webhooks answered 2xx")
    finally:
        server.stop()

    again = start_server(ENV, store, restart=server)
    try:
        assert_users_sign_in(again, load.users)
        assert_applied(again, set(load.events), within=20)

        again.proc.send_signal(signal.SIGTERM)
        assert again.proc.wait(timeout=10) == 0, again.log_text()[-4000:]
    finally:
        again.stop()
        if not os.environ.get("SCRITORIO_E2E_KEEP_DATA"):
            shutil.rmtree(server.root, ignore_errors=True)
