"""End-to-end fixtures: start the real `scritorio` binary and drive it with the
official supabase-py client (2.34.1) plus raw httpx for wire-level checks.

Every server is started through `start_server`; every secret the suite handles
(passwords, access and refresh tokens) is remembered in SECRETS and each
server's log is checked for them when the server stops.
"""
from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
import jwt
import pytest
from supabase import Client, ClientOptions, create_client
from supabase_auth import SyncMemoryStorage
from supabase_auth.errors import AuthError

KEY = "sb_publishable_e2e_test_key"
API_VERSION = "2024-01-01"
REPO_ROOT = Path(__file__).resolve().parents[2]
BUILT_BIN = Path(os.environ.get("SCRITORIO_BIN") or REPO_ROOT / ".build" / "debug" / "scritorio")
# The suite runs a copy of the binary, so that a build during the run (the README's quick start runs
# `swift build`, a developer may too) can replace the built file without "Text file busy" or a server that
# changes under a test.
_BIN_DIR = Path(tempfile.mkdtemp(prefix="scritorio-e2e-bin-"))
BIN = _BIN_DIR / "scritorio"
shutil.copy2(BUILT_BIN, BIN)
POSTGRES_URL = os.environ.get("SCRITORIO_E2E_POSTGRES_URL")
STORES = ["sqlite"] + (["postgres"] if POSTGRES_URL else [])
SECRETS: set[str] = set()  # every password and token this run handled


def remember(*values: str | None) -> None:
    SECRETS.update(v for v in values if v)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str
    store: str
    proc: subprocess.Popen
    log_path: Path
    root: Path  # holds data/ (the --data-dir) and server.log

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def leaked_secrets(self) -> list[str]:
        text = self.log_text()
        leaked = [s for s in SECRETS if s in text]
        # An access token's signature alone must not appear either.
        leaked += [s for s in SECRETS if s.count(".") == 2 and s.rsplit(".", 1)[1] in text]
        return sorted(set(leaked))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def start_server(extra_env: dict, store: str, restart: Server | None = None, open_files: int | None = None) -> Server:
    """Start `scritorio serve --sandbox` on a free port with a fresh data dir.

    `extra_env` overrides the defaults; a value of None removes the variable
    (e.g. {"SCRITORIO_RATE_LIMIT_MULTIPLIER": None} for real rate limits).
    `restart` (a stopped server) starts again on its port, data dir and store."""
    if not BIN.exists():
        pytest.fail(f"scritorio binary not found at {BIN} (build it or set SCRITORIO_BIN)")
    port = int(restart.url.rsplit(":", 1)[1]) if restart else _free_port()
    url = f"http://127.0.0.1:{port}"
    root = restart.root if restart else Path(tempfile.mkdtemp(prefix=f"scritorio-e2e-{store}-"))
    data_dir = root / "data"
    data_dir.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("SCRITORIO_") and k != "DATABASE_URL"}
    env.update({
        "SCRITORIO_PUBLISHABLE_KEY": KEY,
        "SCRITORIO_EXTERNAL_URL": url,
        "SCRITORIO_RATE_LIMIT_MULTIPLIER": "100",
        # Servers on one PostgreSQL database are replicas (any one's processor may apply another's webhooks), and
        # replicas share the secret Scritorio's licence keys are derived from.
        "SCRITORIO_LICENSE_SECRET": "e2e-licence-secret-shared-by-every-server",
    })
    if store == "postgres":
        # The harness hands us a ready (empty or already migrated) database;
        # every test uses fresh random emails so sharing it is harmless.
        env["DATABASE_URL"] = POSTGRES_URL
    for k, v in extra_env.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = str(v)
    log_path = root / ("server-restarted.log" if restart else "server.log")  # beside, not inside, the data dir
    cmd = [str(BIN), "serve", "--sandbox", "--host", "127.0.0.1", "--port", str(port),
           "--data-dir", str(data_dir)]
    with open(log_path, "wb") as log:
        def limit_open_files():  # `ulimit -n` for the server alone
            if open_files:
                import resource
                resource.setrlimit(resource.RLIMIT_NOFILE, (open_files, open_files))
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, preexec_fn=limit_open_files if open_files else None)
    server = Server(url=url, store=store, proc=proc, log_path=log_path, root=root)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return server
        time.sleep(0.2)
    server.stop()
    pytest.fail(f"scritorio did not become healthy on {url} within 30 s (exit code "
                f"{proc.poll()}); log {log_path}:\n{server.log_text()[-6000:]}")


def serve(extra_env: dict, store: str):
    """Generator body shared by every server fixture: start, yield, stop, and
    fail if the log contains any secret the suite handled."""
    server = start_server(extra_env, store)
    try:
        yield server
    finally:
        server.stop()
    leaked = server.leaked_secrets()
    if leaked:
        pytest.fail(f"server log {server.log_path} contains {len(leaked)} secret(s), "
                    f"starting {[s[:6] + '…' for s in leaked]}")
    if not os.environ.get("SCRITORIO_E2E_KEEP_DATA"):
        shutil.rmtree(server.root, ignore_errors=True)


@pytest.fixture(scope="session", params=STORES)
def store(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def server(store):
    yield from serve({}, store)


@pytest.fixture(scope="module")
def strict_refresh_server(store):
    """Refresh-token reuse interval 0: any reuse of a non-parent token is abuse."""
    yield from serve({"SCRITORIO_AUTH_REFRESH_REUSE_INTERVAL": "0"}, store)


@pytest.fixture(scope="module")
def rate_limited_server(store):
    yield from serve({"SCRITORIO_RATE_LIMIT_MULTIPLIER": None,
                      "SCRITORIO_RATE_LIMIT_SIGNUP": "3"}, store)


# ---------------------------------------------------------------- helpers


def b64url_json(segment: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


@dataclass
class Account:
    email: str
    password: str
    user_id: str
    client: Client
    session: object | None  # supabase_auth.types.Session


class Kit:
    """Per-test toolbox bound to one server: clients, users, mail, JWTs."""

    KEY = KEY
    API_VERSION = API_VERSION
    remember = staticmethod(remember)

    def __init__(self, server: Server):
        self.server = server
        self.url = server.url
        self._clients: list[Client] = []
        self.http = httpx.Client(base_url=server.url, timeout=10, follow_redirects=False)

    def close(self) -> None:
        for c in self._clients:
            with contextlib.suppress(Exception):
                c.auth._remove_session()  # cancels the auto-refresh timer
                c.auth.close()
        self.http.close()

    # -- clients and credentials
    def client(self, flow_type: str = "pkce") -> Client:
        # A fresh in-memory storage per client: sessions and PKCE verifiers
        # never leak between tests. flow_type "pkce" is create_client's default.
        opts = ClientOptions(storage=SyncMemoryStorage(), flow_type=flow_type)
        c = create_client(self.url, KEY, options=opts)
        c.auth.on_auth_state_change(
            lambda _e, s: remember(s.access_token, s.refresh_token) if s else None)
        self._clients.append(c)
        return c

    def client_with_key(self, key: str, headers: dict | None = None) -> Client:
        """A client created with another key (the secret key, a legacy JWT) and optional extra headers;
        `client.auth.admin` then speaks with that key."""
        opts = ClientOptions(storage=SyncMemoryStorage(), headers=headers or {})
        c = create_client(self.url, key, options=opts)
        c.auth.on_auth_state_change(
            lambda _e, s: remember(s.access_token, s.refresh_token) if s else None)
        self._clients.append(c)
        return c

    @staticmethod
    def email() -> str:
        return f"e2e-{uuid.uuid4().hex[:16]}@example.com"

    @staticmethod
    def password() -> str:
        pw = f"Pw-{secrets.token_hex(12)}"
        remember(pw)
        return pw

    def headers(self, token: str | None = None, version: bool = True, apikey: bool = True) -> dict:
        h = {"Content-Type": "application/json", "apikey": KEY if apikey else None,
             "X-Supabase-Api-Version": API_VERSION if version else None,
             "Authorization": f"Bearer {token}" if token else None}
        return {k: v for k, v in h.items() if v is not None}

    # -- sandbox mail
    def mails(self, email: str) -> list[dict]:
        r = self.http.get("/sandbox/mail", params={"to": email})
        assert r.status_code == 200, r.text
        msgs = r.json()["messages"]
        return [m for m in msgs if m["to"].lower() == email.lower()]

    def wait_mail(self, email: str, type_: str, exclude: tuple = ()) -> dict:
        deadline = time.monotonic() + 10
        while True:
            found = [m for m in self.mails(email) if m["type"] == type_ and m["id"] not in exclude]
            if found:
                return found[0]  # newest first
            if time.monotonic() > deadline:
                pytest.fail(f"no {type_!r} mail for {email}")
            time.sleep(0.2)

    # -- users
    def signup(self, client: Client | None = None, *, confirm: bool = True,
               otp_type: str = "signup", data: dict | None = None,
               email: str | None = None) -> Account:
        client = client or self.client()
        email = email or self.email()
        password = self.password()
        creds = {"email": email, "password": password}
        if data is not None:
            creds["options"] = {"data": data}
        res = client.auth.sign_up(creds)
        assert res.session is None, "confirmation is on: sign-up must not return a session"
        assert res.user is not None and res.user.email == email
        account = Account(email, password, res.user.id, client, None)
        if confirm:
            otp = self.wait_mail(email, "signup")["otp"]
            v = client.auth.verify_otp({"email": email, "token": otp, "type": otp_type})
            assert v.session is not None and v.user.id == account.user_id
            account.session = v.session
        return account

    def signed_in(self, **kw) -> Account:
        """A confirmed user signed in with a password on a fresh client."""
        acc = self.signup(**kw)
        acc.client = self.client()
        acc.session = acc.client.auth.sign_in_with_password(
            {"email": acc.email, "password": acc.password}).session
        return acc

    def google_token(self, email: str, sub: str | None = None, nonce: str | None = None) -> str:
        body = {k: v for k, v in {"email": email, "sub": sub, "nonce": nonce}.items() if v is not None}
        r = self.http.post("/sandbox/google/id-token", json=body)
        assert r.status_code == 200, r.text
        return r.json()["id_token"]

    # -- JWTs
    @staticmethod
    def jwt_parts(token: str) -> tuple[dict, dict]:
        header, payload, _ = token.split(".")
        return b64url_json(header), b64url_json(payload)

    def verify_jwt(self, token: str) -> dict:
        """Verify the signature against the server's JWKS and check iss/aud/exp."""
        header, _ = self.jwt_parts(token)
        keys = self.http.get("/auth/v1/.well-known/jwks.json").json()["keys"]
        jwk = next(k for k in keys if k.get("kid") == header["kid"])
        return jwt.decode(token, jwt.PyJWK(jwk).key, algorithms=["ES256"],
                          audience="authenticated", issuer=f"{self.url}/auth/v1",
                          options={"require": ["exp", "iat", "sub"]}, leeway=5)

    # -- errors
    @contextlib.contextmanager
    def auth_error(self, status: int, code: str | tuple[str, ...] | None):
        """Expect the client to raise an AuthError with this HTTP status and code."""
        with pytest.raises(AuthError) as info:
            yield info
        err = info.value
        codes = code if isinstance(code, tuple) else (code,)
        assert getattr(err, "status", None) == status and err.code in codes, (
            f"got {type(err).__name__} status={getattr(err, 'status', None)} "
            f"code={err.code!r} message={err.message!r}; want {status} {codes}")


@pytest.fixture
def make_kit():
    kits: list[Kit] = []

    yield lambda server: kits.append(Kit(server)) or kits[-1]
    for k in kits:
        k.close()


@pytest.fixture
def kit(make_kit, server) -> Kit:
    return make_kit(server)


# Tests clean up what they create: Scritorio's temporary folders left behind by the run fail it.
_TEMP = Path(tempfile.gettempdir())
# The folders this suite makes (servers' data, the command line's sessions); Swift tests running beside it make their own.
_SUITE_PREFIXES = ("scritorio-e2e-", "scritorio-cli-")
_TEMP_BEFORE = {p.name for p in _TEMP.glob("scritorio-*")}


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_BIN_DIR, ignore_errors=True)
    if os.environ.get("SCRITORIO_E2E_KEEP_DATA") or exitstatus != 0:
        return
    left = sorted(p.name for p in _TEMP.glob("scritorio-*") if p.name not in _TEMP_BEFORE and p.name.startswith(_SUITE_PREFIXES))
    if left:
        print(f"\nFAILED: the run left temporary folders behind: {left[:10]}")
        session.exitstatus = 1
