"""kill -9 during load: every sign-up and webhook the server acknowledged before it died is stored, and after a
restart the acknowledged webhooks are applied. Twice per store, the process killed at a moment of the load's choosing,
never between an acknowledgement and its write: webhooks are acknowledged only once stored."""
import os
import shutil
import signal
import time

import httpx
import pytest

from conftest import start_server
from test_shutdown import ENV, HEADERS, PASSWORD, Load, assert_applied, assert_users_sign_in


@pytest.mark.timeout(300)
def test_kill_9_under_load_loses_nothing_acknowledged(store):
    server = start_server(ENV, store)
    servers = [server]
    users: list[str] = []
    events: set[str] = set()
    try:
        for round_ in range(2):
            current = servers[-1]
            r = httpx.post(f"{current.url}/auth/v1/signup", headers=HEADERS, timeout=10,
                           json={"email": f"e2e-kill-{time.monotonic_ns()}@example.com", "password": PASSWORD})
            assert r.status_code == 200, r.text
            load = Load(current.url, r.json()["access_token"])
            for thread in load.threads:
                thread.start()
            deadline = time.monotonic() + 30
            # Kill in the middle of the traffic, after a different amount of it each round.
            while min(load.counts()) < 10 + 15 * round_ and time.monotonic() < deadline:
                time.sleep(0.05)
            current.proc.send_signal(signal.SIGKILL)
            current.proc.wait(timeout=10)
            load.stop.set()
            for thread in load.threads:
                thread.join(timeout=15)
            assert min(load.counts()) >= 10, f"no load reached the server: {load.counts()}"
            users += load.users
            events |= set(load.events)
            servers.append(start_server(ENV, store, restart=current))

        survivor = servers[-1]
        assert_users_sign_in(survivor, users)
        # On PostgreSQL the events a killed replica had claimed wait out their lease (60 s); SQLite's one server
        # takes them back at its start.
        assert_applied(survivor, events, within=90 if store == "postgres" else 30)
        print(f"{store}: {len(users)} sign-ups and {len(events)} webhooks acknowledged across two kill -9, all kept")
    finally:
        for running in servers:
            running.stop()
        if not os.environ.get("SCRITORIO_E2E_KEEP_DATA"):
            shutil.rmtree(server.root, ignore_errors=True)
