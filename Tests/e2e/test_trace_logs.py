"""Nothing secret in any log at any level. A server at `trace` goes through sign-up, the emailed code, password
sign-in, refresh, a password reset, a purchase with Paddle's signed webhooks and an AI call; then its log holds
none of the secrets the run used (passwords, access and refresh tokens, codes, the webhook and licence secrets),
no password hash and no private key, while it does hold trace and debug lines (the level took effect)."""
import os
import shutil
import time

from conftest import remember, start_server, Kit

PADDLE_SANDBOX_SECRET = "pdl_ntfset_01sandbox0000000000000000000_sandboxsecret"
LICENSE_SECRET = "e2e-licence-secret-shared-by-every-server"


def test_a_trace_log_holds_no_secret(store):
    server = start_server({"SCRITORIO_LOG_LEVEL": "trace"}, store)
    kit = Kit(server)
    try:
        remember(PADDLE_SANDBOX_SECRET, LICENSE_SECRET)
        acc = kit.signed_in()
        remember(kit.wait_mail(acc.email, "signup")["otp"])
        refreshed = acc.client.auth.refresh_session()
        remember(refreshed.session.access_token, refreshed.session.refresh_token)
        token = refreshed.session.access_token

        # A password reset by code, then the new password.
        reset_client = kit.client()
        reset_client.auth.reset_password_for_email(acc.email)
        code = kit.wait_mail(acc.email, "recovery")["otp"]
        remember(code)
        verified = reset_client.auth.verify_otp({"email": acc.email, "token": code, "type": "recovery"})
        remember(verified.session.access_token, verified.session.refresh_token)
        new_password = kit.password()
        reset_client.auth.update_user({"password": new_password})
        # A new password ends the account's other sessions: go on with the one that set it.
        token = reset_client.auth.get_session().access_token
        remember(token)

        # A purchase: the sandbox's Paddle signs its webhooks with its secret.
        checkout = kit.http.post("/v1/checkout", json={"plan": "pro_monthly"}, headers={"Authorization": f"Bearer {token}"})
        assert checkout.status_code == 200, checkout.text
        paid = kit.http.post(f"/sandbox/paddle/transactions/{checkout.json()['transactionId']}/complete")
        assert paid.status_code == 200, paid.text
        deadline = time.monotonic() + 20
        while (kit.http.get("/v1/me", headers={"Authorization": f"Bearer {token}"}).json().get("member") or {}).get("plan") != "pro":
            assert time.monotonic() < deadline, "the purchase was never applied"
            time.sleep(0.2)

        # A managed AI call with the user's token.
        answer = kit.http.post("/ai/v1/chat/completions", headers={"Authorization": f"Bearer {token}"},
                               json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]})
        assert answer.status_code == 200, answer.text
    finally:
        kit.close()
        server.stop()
    log = server.log_text()
    try:
        assert " debug " in log, "no debug lines: the level did not take effect"
        leaked = server.leaked_secrets()
        assert not leaked, f"secrets in the trace log: {[s[:6] + '…' for s in leaked]}"
        assert "$2a$" not in log and "$2b$" not in log, "a password hash is in the log"
        assert "PRIVATE KEY" not in log and '"d":' not in log, "a private key is in the log"
    finally:
        if not os.environ.get("SCRITORIO_E2E_KEEP_DATA"):
            shutil.rmtree(server.root, ignore_errors=True)
