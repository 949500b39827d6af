"""`scritorio account …` in a real terminal (a pty driven by pexpect): sign up, confirm with the emailed
code, sign in with the password typed without echo, `status` shows `plan: free`, `upgrade` prints the
checkout URL and waits while the Paddle simulator pays, then `status` shows `plan: pro`. Then the device
seat of the licence, the streamed AI answer, and sign-out."""
import os
import re
import shutil
import tempfile

import pexpect
import pytest

from conftest import BIN, KEY, remember

PASSWORD = "correct-horse-1"


@pytest.fixture
def cli(server):
    config = tempfile.mkdtemp(prefix="scritorio-cli-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRITORIO_")}
    env.update({"SCRITORIO_URL": server.url, "SCRITORIO_PUBLISHABLE_KEY": KEY, "SCRITORIO_CONFIG_DIR": config,
                "TERM": "dumb"})

    def spawn(*args: str) -> pexpect.spawn:
        return pexpect.spawn(str(BIN), ["account", *args], env=env, encoding="utf-8", timeout=60, echo=False)

    spawn.config = config
    yield spawn
    shutil.rmtree(config, ignore_errors=True)


def finish(child: pexpect.spawn) -> tuple[str, int]:
    child.expect(pexpect.EOF)
    child.close()
    return child.before, child.exitstatus


def test_signup_confirm_login_status_upgrade(kit, cli):
    email = kit.email()
    remember(PASSWORD)

    child = cli("signup", email)
    child.expect("Password: ")
    child.sendline(PASSWORD)
    child.expect("Confirm password: ")
    child.sendline(PASSWORD)
    child.expect(f"A confirmation code was sent to {re.escape(email)}")
    out, status = finish(child)
    assert status == 0, out
    assert PASSWORD not in child.before  # typed without echo

    code = kit.wait_mail(email, "signup")["otp"]
    child = cli("confirm")  # the email is remembered from the sign-up; the code is asked for
    child.expect("Code from the email: ")
    child.sendline(code)
    child.expect(f"Email confirmed. Signed in as {re.escape(email)}")
    assert finish(child)[1] == 0

    # A wrong password is refused with the form's message; the right one signs in (a session file, 0600).
    child = cli("login", email)
    child.expect("Password: ")
    child.sendline("wrong-password")
    child.expect("error: Wrong email or password.")
    assert finish(child)[1] == 1
    child = cli("login", email)
    child.expect("Password: ")
    child.sendline(PASSWORD)
    child.expect(f"Signed in as {re.escape(email)}")
    assert finish(child)[1] == 0
    session_file = os.path.join(cli.config, "session-default.json")
    assert oct(os.stat(session_file).st_mode & 0o777) == "0o600"
    assert PASSWORD not in open(session_file).read()

    child = cli("status")
    child.expect(f"user: {re.escape(email)}")
    child.expect("plan: free")
    child.expect("entitlements: none")
    out, status = finish(child)
    assert status == 0, out

    child = cli("upgrade", "--plan", "pro_monthly")
    child.expect("Open this page to pay:")
    child.expect(r"(http\S+/pay\?_ptxn=(txn_\w+))")
    txn = child.match.group(2)
    child.expect("Waiting for the payment")
    # The buyer pays in the browser: the Paddle simulator completes the transaction.
    assert kit.http.post(f"/sandbox/paddle/transactions/{txn}/complete").status_code == 200
    child.expect("plan: pro", timeout=120)
    out, status = finish(child)
    assert status == 0, out

    child = cli("status")
    child.expect("plan: pro")
    child.expect("entitlements: .*scritorio_pro")
    assert finish(child)[1] == 0

    # Pro comes with a licence key: activate this machine, see it, free it.
    child = cli("devices", "--activate")
    child.expect(r"Activated .* \(([\w-]+)\)")
    device = child.match.group(1)
    assert finish(child)[1] == 0
    child = cli("devices", "--free", device)
    child.expect(f"Freed {device}")
    child.expect("No devices.")
    assert finish(child)[1] == 0

    child = cli("ai", "Say something #sandbox:tokens=5")
    child.expect("The sandbox answers every prompt")
    assert finish(child)[1] == 0

    child = cli("logout")
    child.expect("Signed out.")
    assert finish(child)[1] == 0
    assert not os.path.exists(session_file)
    child = cli("status")
    child.expect("Not signed in.")
    assert finish(child)[1] == 1


def test_missing_key_and_bad_url_are_clear_errors(server):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRITORIO_")}
    child = pexpect.spawn(str(BIN), ["account", "status", "--url", server.url], env=env, encoding="utf-8", timeout=30)
    child.expect("SCRITORIO_PUBLISHABLE_KEY")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus != 0
    env["SCRITORIO_PUBLISHABLE_KEY"] = KEY
    child = pexpect.spawn(str(BIN), ["account", "status", "--url", "ftp://nowhere"], env=env, encoding="utf-8", timeout=30)
    child.expect("must be an http")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus != 0


def test_password_stdin_and_profiles(kit, cli):
    """Scripts pipe the password; each --profile keeps its own stored session."""
    import subprocess
    email = kit.email()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRITORIO_")}
    env.update({"SCRITORIO_URL": kit.url, "SCRITORIO_PUBLISHABLE_KEY": KEY, "SCRITORIO_CONFIG_DIR": cli.config})

    def run(*args, stdin=None):
        return subprocess.run([str(BIN), "account", *args], env=env, input=stdin, capture_output=True, text=True, timeout=60)

    signup = run("signup", email, "--password-stdin", "--profile", "work", stdin=PASSWORD + "\n")
    assert signup.returncode == 0 and "confirmation code was sent" in signup.stdout, signup.stderr
    code = kit.wait_mail(email, "signup")["otp"]
    wrong = run("confirm", email, "000000", "--profile", "work")
    assert wrong.returncode == 1 and "error:" in wrong.stderr and "otp_expired" in wrong.stderr
    assert run("confirm", email, code, "--profile", "work").returncode == 0
    login = run("login", email, "--password-stdin", "--profile", "work", stdin=PASSWORD + "\n")
    assert login.returncode == 0, login.stderr
    work = run("status", "--profile", "work")
    assert work.returncode == 0 and "plan: free" in work.stdout and email in work.stdout
    other = run("status")  # the default profile has no session
    assert other.returncode == 1 and "Not signed in" in other.stdout
    assert os.path.exists(os.path.join(cli.config, "session-work.json"))
    assert not os.path.exists(os.path.join(cli.config, "session-default.json"))
