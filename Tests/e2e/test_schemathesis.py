"""The OpenAPI document and the server agree: schemathesis (`--checks all`) generates requests from
`/openapi.json` (valid and invalid bodies, undeclared methods, stateful sequences) against a signed-in user, and
finds no failure: every schema-valid request is accepted, every schema-violating one refused with a 4xx, every
answer matches its declared schema and status, no 500."""
import os
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest

from conftest import KEY, remember, serve

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"


@pytest.fixture(scope="module")
def api_server(store):
    yield from serve({"SCRITORIO_AUTH_AUTOCONFIRM": "1"}, store)


@pytest.mark.timeout(600)
def test_schemathesis_finds_no_failure(api_server):
    password = "Schemathesis-pw-1"
    remember(password)
    r = httpx.post(f"{api_server.url}/auth/v1/signup", timeout=10, json={"email": f"st-{uuid.uuid4().hex[:12]}@example.com", "password": password},
                   headers={"apikey": KEY, "Content-Type": "application/json"})
    assert r.status_code == 200, r.text
    token = r.json()["access_token"]
    remember(token, r.json()["refresh_token"])
    run = subprocess.run(
        [str(SCHEMATHESIS), "run", f"{api_server.url}/openapi.json", "--checks", "all",
         "-H", f"Authorization: Bearer {token}", "-H", f"apikey: {KEY}",
         "--max-examples", "50", "--seed", "20261207", "--no-color"],
        capture_output=True, text=True, timeout=540, env={**os.environ, "SCHEMATHESIS_TELEMETRY": "false"})
    out = run.stdout + run.stderr
    print(out[-1500:])
    assert run.returncode == 0, out[-6000:]
    assert "generated" in out and " failed" not in out, out[-6000:]
