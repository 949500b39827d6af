"""The command line's share of GoTrue parity, in a real terminal (a pty driven by pexpect) or piped:
`account login --code` (the emailed code, which also signs an unknown address up), `account mfa
enroll|verify|list|remove` with the authenticator-app step of `account login`, `admin users
list|show|create|ban|delete` with the secret key, and `keys secret` printing the key a server generated."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time

import pexpect
import pyotp
import pytest

from conftest import BIN, KEY, remember, serve

SECRET_KEY = "sb_secret_e2e-cli-0123456789abcdefghijklmn"


@pytest.fixture(scope="module")
def admin_server(store):
    """A server whose secret key is fixed (SCRITORIO_SECRET_KEY), as the admin commands' env carries it."""
    remember(SECRET_KEY)
    yield from serve({"SCRITORIO_SECRET_KEY": SECRET_KEY}, store)


@pytest.fixture
def ak(make_kit, admin_server):
    return make_kit(admin_server)


def clean_env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRITORIO_")}
    env.update(extra)
    return env


@pytest.fixture
def cli(server):
    """`scritorio account …` in a pty, pointed at the server with --url (no SCRITORIO_URL in its env)."""
    config = tempfile.mkdtemp(prefix="scritorio-cli-")
    env = clean_env(SCRITORIO_PUBLISHABLE_KEY=KEY, SCRITORIO_CONFIG_DIR=config, TERM="dumb")

    def spawn(*args: str) -> pexpect.spawn:
        return pexpect.spawn(str(BIN), ["account", *args, "--url", server.url], env=env, encoding="utf-8",
                             timeout=60, echo=False)

    spawn.config = config
    yield spawn
    shutil.rmtree(config, ignore_errors=True)


def finish(child: pexpect.spawn) -> tuple[str, int]:
    child.expect(pexpect.EOF)
    child.close()
    return child.before, child.exitstatus


def admin_users(url: str, *args: str, key: str | None = SECRET_KEY, stdin: str | None = None,
                cwd: str | None = None, **env: str) -> subprocess.CompletedProcess:
    """`scritorio admin users …` piped, with the secret key in SCRITORIO_SECRET_KEY (none: not set)."""
    env = clean_env(**env, **({"SCRITORIO_SECRET_KEY": key} if key is not None else {}))
    return subprocess.run([str(BIN), "admin", "users", *args, "--url", url], env=env, input=stdin, cwd=cwd,
                          capture_output=True, text=True, timeout=60)


def step_now() -> int:
    return int(time.time()) // 30


def fresh_code(secret: str, used_step: int | None) -> tuple[str, int]:
    """A code of a time step after `used_step` that the server accepts (the current step or the next): the
    server refuses a step already used for this factor and any step more than one away from now."""
    step = step_now() if used_step is None else max(step_now(), used_step + 1)
    while step > step_now() + 1:  # only when two steps were used in one period
        time.sleep(0.5)
    return pyotp.TOTP(secret).at(step * 30), step


def wrong_totp(secret: str) -> str:
    """A 6-digit code no step within the server's window accepts."""
    totp, now = pyotp.TOTP(secret), time.time()
    valid = {totp.at(now + k * 30) for k in range(-2, 3)}
    return next(c for c in (f"{n:06d}" for n in range(0, 1_000_000, 7919)) if c not in valid)


def login_password(cli, email: str, password: str, totp: str | None = None) -> tuple[str, int]:
    """`account login EMAIL --password-stdin`, answering the authenticator prompt with `totp` when given."""
    child = cli("login", email, "--password-stdin")
    child.sendline(password)
    if totp is not None:
        child.expect("Code from your authenticator app: ")
        child.sendline(totp)
    return finish(child)


def enroll(cli, name: str) -> tuple[str, str]:
    child = cli("mfa", "enroll", "--name", name)
    child.expect(r"factor: (\S+)\r?\n")
    factor = child.match.group(1)
    child.expect(r"secret: ([A-Z2-7]+)\r?\n")
    secret = child.match.group(1)
    remember(secret)
    child.expect(r"uri: (otpauth://\S+)\r?\n")
    uri = child.match.group(1)
    out, status = finish(child)
    assert status == 0, out
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri
    return factor, secret


def mfa_list(cli) -> list[str]:
    out, status = finish(cli("mfa", "list"))
    assert status == 0, out
    return [line.strip() for line in out.splitlines() if line.strip()]


# ------------------------------------------------------------------ account login --code


def test_login_with_emailed_code(kit, cli):
    """An unknown address is signed up by the code (should_create_user defaults to true); a confirmed
    account signs in with its magic-link code; a wrong code is refused."""
    email = kit.email()
    child = cli("login", email, "--code")
    child.expect(f"A sign-in code was sent to {re.escape(email)}")
    child.expect("Code from the email: ")
    child.sendline(kit.wait_mail(email, "signup")["otp"])
    child.expect(f"Signed in as {re.escape(email)}")
    out, status = finish(child)
    assert status == 0, out
    child = cli("status")
    child.expect(f"user: {re.escape(email)}")
    assert finish(child)[1] == 0

    acc = kit.signup()  # confirmed, with a password
    child = cli("login", acc.email, "--code")
    child.expect("Code from the email: ")
    first = kit.wait_mail(acc.email, "magiclink")
    child.sendline("000000" if first["otp"] != "000000" else "111111")
    child.expect("error: ")
    assert finish(child)[1] == 1
    child = cli("login", acc.email, "--code")
    child.expect("Code from the email: ")
    child.sendline(kit.wait_mail(acc.email, "magiclink", exclude=(first["id"],))["otp"])
    child.expect(f"Signed in as {re.escape(acc.email)}")
    out, status = finish(child)
    assert status == 0, out
    child = cli("status")
    child.expect(f"user: {re.escape(acc.email)}")
    assert finish(child)[1] == 0


# ------------------------------------------------------------------ account mfa


def test_mfa_enroll_verify_list_sign_in_and_remove(kit, cli):
    acc = kit.signup()
    out, status = login_password(cli, acc.email, acc.password)
    assert status == 0 and f"Signed in as {acc.email}" in out, out
    assert mfa_list(cli) == ["assurance level: aal1 (can reach aal1)"]

    factor, secret = enroll(cli, "laptop")
    assert mfa_list(cli) == [f"{factor}\ttotp\tunverified\tlaptop", "assurance level: aal1 (can reach aal1)"]

    child = cli("mfa", "verify", factor, wrong_totp(secret))
    child.expect("error: ")
    assert finish(child)[1] == 1
    code, step = fresh_code(secret, None)
    child = cli("mfa", "verify", factor, code)
    child.expect(r"Verified\. Assurance level: aal2\.")
    out, status = finish(child)
    assert status == 0, out
    assert mfa_list(cli) == [f"{factor}\ttotp\tverified\tlaptop", "assurance level: aal2 (can reach aal2)"]
    child = cli("mfa", "verify", factor, code)  # a time step already used is refused
    child.expect("error: ")
    assert finish(child)[1] == 1

    child = cli("logout")
    child.expect("Signed out.")
    assert finish(child)[1] == 0
    out, status = login_password(cli, acc.email, acc.password, totp=wrong_totp(secret))
    assert status == 1 and "error: " in out and "Signed in as" not in out, out
    code, step = fresh_code(secret, step)
    out, status = login_password(cli, acc.email, acc.password, totp=code)
    assert status == 0 and f"Signed in as {acc.email}" in out, out
    assert mfa_list(cli) == [f"{factor}\ttotp\tverified\tlaptop", "assurance level: aal2 (can reach aal2)"]

    child = cli("mfa", "remove", factor)
    child.expect(f"Removed {re.escape(factor)}")
    out, status = finish(child)
    assert status == 0, out
    assert not [line for line in mfa_list(cli) if factor in line]
    # Without the factor the password alone signs in again (no authenticator prompt).
    out, status = login_password(cli, acc.email, acc.password)
    assert status == 0 and f"Signed in as {acc.email}" in out and "authenticator" not in out, out
    assert mfa_list(cli) == ["assurance level: aal1 (can reach aal1)"]


def test_login_with_code_then_authenticator(kit, cli):
    """A code sign-in of an account with a verified factor asks for the authenticator app's code too."""
    email = kit.email()
    child = cli("login", email, "--code")
    child.expect("Code from the email: ")
    child.sendline(kit.wait_mail(email, "signup")["otp"])
    child.expect(f"Signed in as {re.escape(email)}")
    assert finish(child)[1] == 0
    factor, secret = enroll(cli, "phone")
    code, step = fresh_code(secret, None)
    child = cli("mfa", "verify", factor)  # the code is asked for
    child.expect("Code from your authenticator app: ")
    child.sendline(code)
    child.expect(r"Verified\. Assurance level: aal2\.")
    assert finish(child)[1] == 0
    child = cli("logout")
    child.expect("Signed out.")
    assert finish(child)[1] == 0

    child = cli("login", email, "--code")
    child.expect("Code from the email: ")
    child.sendline(kit.wait_mail(email, "magiclink")["otp"])
    child.expect("Code from your authenticator app: ")
    child.sendline(fresh_code(secret, step)[0])
    child.expect(f"Signed in as {re.escape(email)}")
    out, status = finish(child)
    assert status == 0, out
    assert mfa_list(cli) == [f"{factor}\ttotp\tverified\tphone", "assurance level: aal2 (can reach aal2)"]


# ------------------------------------------------------------------ admin users


def created_id(result: subprocess.CompletedProcess, email: str) -> str:
    assert result.returncode == 0, result.stderr
    fields = result.stdout.strip().split("\t")
    assert re.fullmatch(r"[0-9a-f-]{36}", fields[0]) and fields[1] == email, result.stdout
    return fields[0]


def test_admin_users_create_list_show_ban_delete(ak):
    email, password = ak.email(), ak.password()
    user_id = created_id(admin_users(ak.url, "create", email, "--confirm", "--password-stdin", stdin=password + "\n"),
                         email)
    assert ak.client().auth.sign_in_with_password({"email": email, "password": password}).user.id == user_id

    listed = admin_users(ak.url, "list")
    assert listed.returncode == 0, listed.stderr
    assert any(line.startswith(user_id + "\t" + email + "\t") for line in listed.stdout.splitlines()), listed.stdout
    filtered = admin_users(ak.url, "list", "--filter", email)
    assert filtered.returncode == 0, filtered.stderr
    lines = filtered.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(user_id + "\t") and "\tconfirmed" in lines[0], filtered.stdout
    nothing = admin_users(ak.url, "list", "--filter", "no-such-address-" + ak.email())
    assert nothing.returncode == 0 and nothing.stdout.strip() == "no accounts", nothing.stdout + nothing.stderr

    shown = admin_users(ak.url, "show", user_id)
    assert shown.returncode == 0, shown.stderr
    body = json.loads(shown.stdout)
    assert body["id"] == user_id and body["email"] == email and body["email_confirmed_at"]

    banned = admin_users(ak.url, "ban", user_id, "--duration", "24h")
    assert banned.returncode == 0 and banned.stdout.startswith(user_id) and "banned until" in banned.stdout, \
        banned.stdout + banned.stderr
    with ak.auth_error(400, "user_banned"):
        ak.client().auth.sign_in_with_password({"email": email, "password": password})
    lifted = admin_users(ak.url, "ban", user_id, "--duration", "none")
    assert lifted.returncode == 0 and "banned until" not in lifted.stdout, lifted.stdout + lifted.stderr
    assert ak.client().auth.sign_in_with_password({"email": email, "password": password}).user.id == user_id

    deleted = admin_users(ak.url, "delete", user_id)
    assert deleted.returncode == 0 and deleted.stdout.strip() == f"deleted {user_id}", deleted.stdout + deleted.stderr
    gone = admin_users(ak.url, "show", user_id)
    assert gone.returncode == 1 and "404" in gone.stderr and gone.stdout == "", gone.stdout + gone.stderr
    with ak.auth_error(400, "invalid_credentials"):
        ak.client().auth.sign_in_with_password({"email": email, "password": password})


def test_admin_users_soft_delete(ak):
    email = ak.email()
    user_id = created_id(admin_users(ak.url, "create", email), email)  # no password, unconfirmed
    assert admin_users(ak.url, "show", user_id).returncode == 0
    deleted = admin_users(ak.url, "delete", user_id, "--soft")
    assert deleted.returncode == 0 and deleted.stdout.strip() == f"deleted {user_id} (soft)", \
        deleted.stdout + deleted.stderr
    shown = admin_users(ak.url, "show", user_id)
    assert shown.returncode == 0, shown.stderr
    body = json.loads(shown.stdout)
    assert body["id"] == user_id and body["deleted_at"] and body["email"] != email
    listed = admin_users(ak.url, "list")
    assert listed.returncode == 0, listed.stderr
    line = next((x for x in listed.stdout.splitlines() if x.startswith(user_id + "\t")), None)
    assert line is not None and "\tdeleted " in line, listed.stdout


def test_admin_users_needs_the_secret_key(ak, tmp_path):
    wrong = admin_users(ak.url, "list", key="sb_secret_not-the-servers-key-0123456789abcdef")
    assert wrong.returncode == 1 and wrong.stdout == "", wrong.stdout
    assert wrong.stderr.strip() == "error: 401 Invalid API key", wrong.stderr
    public = admin_users(ak.url, "list", key=KEY)  # the publishable key is not the service role
    assert public.returncode == 1 and public.stderr.startswith("error: 40"), public.stdout + public.stderr
    # No key in the environment and no data directory here: the command says how to get one.
    missing = admin_users(ak.url, "list", key=None, cwd=str(tmp_path))
    assert missing.returncode != 0 and "SCRITORIO_SECRET_KEY" in missing.stderr, missing.stdout + missing.stderr


def test_admin_users_bad_or_unreachable_url_is_a_clear_error():
    """As `account …` does: a non-http(s) --url is refused by name, an unreachable server is one line."""
    bad = admin_users("ftp://nowhere", "list")
    assert bad.returncode != 0 and "must be an http" in bad.stderr, bad.stderr
    down = admin_users(f"http://127.0.0.1:{_closed_port()}", "list")
    assert down.returncode == 1 and "could not be reached" in down.stderr, down.stderr
    assert "NSURLErrorDomain" not in down.stderr and len(down.stderr.strip().splitlines()) == 1, down.stderr


def _closed_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ------------------------------------------------------------------ keys secret


def test_keys_secret_prints_the_generated_key(kit, server, tmp_path):
    """The default server has no SCRITORIO_SECRET_KEY: it generated one into its data directory, which `keys
    secret` prints (from --data-dir or SCRITORIO_DATA_DIR) and the admin commands and API accept."""
    data_dir = str(server.root / "data")
    printed = subprocess.run([str(BIN), "keys", "secret", "--data-dir", data_dir], env=clean_env(),
                             capture_output=True, text=True, timeout=60, cwd=str(tmp_path))
    assert printed.returncode == 0, printed.stderr
    key = printed.stdout.strip()
    remember(key)
    assert re.fullmatch(r"sb_secret_[A-Za-z0-9_-]{32}", key), "not a secret key"
    from_env = subprocess.run([str(BIN), "keys", "secret"], env=clean_env(SCRITORIO_DATA_DIR=data_dir),
                              capture_output=True, text=True, timeout=60, cwd=str(tmp_path))
    assert from_env.returncode == 0 and from_env.stdout.strip() == key, from_env.stderr

    acc = kit.signup()
    listed = admin_users(server.url, "list", "--filter", acc.email, key=key)
    assert listed.returncode == 0 and listed.stdout.startswith(acc.user_id + "\t"), listed.stdout + listed.stderr
    # Without SCRITORIO_SECRET_KEY the admin commands read the key from SCRITORIO_DATA_DIR.
    shown = admin_users(server.url, "show", acc.user_id, key=None, cwd=str(tmp_path), SCRITORIO_DATA_DIR=data_dir)
    assert shown.returncode == 0 and json.loads(shown.stdout)["email"] == acc.email, shown.stderr
    assert kit.client_with_key(key).auth.admin.get_user_by_id(acc.user_id).user.email == acc.email
