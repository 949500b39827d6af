"""Password recovery and Google ID-token sign-in through supabase-py."""
from __future__ import annotations

import hashlib
import secrets
import time
from urllib.parse import parse_qs, urlparse

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa


def _amr(kit, session) -> list[str]:
    return [a["method"] for a in kit.jwt_parts(session.access_token)[1]["amr"]]


# ------------------------------------------------------------------ recovery


def test_password_recovery_with_otp(kit):
    acc = kit.signup()
    client = kit.client()
    assert client.auth.reset_password_for_email(acc.email) is None
    mail = kit.wait_mail(acc.email, "recovery")
    assert "type=recovery" in mail["link"] and mail["otp"].isdigit()

    res = client.auth.verify_otp({"email": acc.email, "token": mail["otp"], "type": "recovery"})
    assert res.session is not None and res.user.id == acc.user_id
    assert res.user.recovery_sent_at is not None
    assert _amr(kit, res.session) == ["otp"]

    new_password = kit.password()
    assert client.auth.update_user({"password": new_password}).user.id == acc.user_id
    with kit.auth_error(400, "invalid_credentials"):
        kit.client().auth.sign_in_with_password({"email": acc.email, "password": acc.password})
    s = kit.client().auth.sign_in_with_password({"email": acc.email, "password": new_password})
    assert s.user.id == acc.user_id


def test_password_recovery_with_pkce_link(kit):
    acc = kit.signup()
    client = kit.client("pkce")
    events = []
    client.auth.on_auth_state_change(lambda e, _s: events.append(e))
    client.auth.reset_password_for_email(acc.email, {"redirect_to": f"{kit.url}/reset"})

    r = kit.http.get(kit.wait_mail(acc.email, "recovery")["link"])
    assert r.status_code == 303, r.text
    query = parse_qs(urlparse(r.headers["location"]).query)
    res = client.auth.exchange_code_for_session({"auth_code": query["code"][0]})
    assert res.user.id == acc.user_id
    assert "PASSWORD_RECOVERY" in events  # from the "/PASSWORD_RECOVERY" verifier suffix
    client.auth.update_user({"password": kit.password()})


def test_recovery_for_unknown_email_is_silent(kit):
    email = kit.email()
    assert kit.client().auth.reset_password_for_email(email) is None  # 200 {}, no enumeration
    time.sleep(0.5)
    assert kit.mails(email) == []


# -------------------------------------------------------------------- google


def test_google_id_token_creates_then_reuses_user(kit):
    email, sub = kit.email(), str(secrets.randbelow(10**20))
    first = kit.client().auth.sign_in_with_id_token(
        {"provider": "google", "token": kit.google_token(email, sub=sub)})
    user = first.user
    assert first.session is not None and user.email == email
    assert user.app_metadata["provider"] == "google" and "google" in user.app_metadata["providers"]
    google = [i for i in user.identities if i.provider == "google"]
    assert len(google) == 1 and google[0].id == sub and google[0].identity_data["sub"] == sub
    # Unsure: the sandbox token says email_verified=true, so the email is confirmed.
    assert user.email_confirmed_at is not None
    claims = kit.verify_jwt(first.session.access_token)
    assert [a["method"] for a in claims["amr"]] == ["oauth"]

    second = kit.client().auth.sign_in_with_id_token(
        {"provider": "google", "token": kit.google_token(email, sub=sub)})
    assert second.user.id == user.id
    second_claims = kit.jwt_parts(second.session.access_token)[1]
    assert second_claims["session_id"] != claims["session_id"]


def test_google_id_token_with_nonce(kit):
    raw = secrets.token_urlsafe(24)
    hashed = hashlib.sha256(raw.encode()).hexdigest()
    email = kit.email()
    res = kit.client().auth.sign_in_with_id_token(
        {"provider": "google", "token": kit.google_token(email, nonce=hashed), "nonce": raw})
    assert res.session is not None and res.user.email == email


@pytest.mark.parametrize("token_nonce,sent_nonce", [
    ("hash-of-other", "raw"),  # mismatch
    ("hash-of-raw", None),     # token has a nonce, request has none
    (None, "raw"),             # request has a nonce, token has none
])
def test_google_nonce_mismatch_is_rejected(kit, token_nonce, sent_nonce):
    raw = secrets.token_urlsafe(24)
    minted = {"hash-of-other": hashlib.sha256(b"other").hexdigest(),
              "hash-of-raw": hashlib.sha256(raw.encode()).hexdigest(), None: None}[token_nonce]
    creds = {"provider": "google", "token": kit.google_token(kit.email(), nonce=minted)}
    if sent_nonce:
        creds["nonce"] = raw
    client = kit.client()
    # GoTrue answers the id_token grant's errors in the OAuth shape
    # {"error":"invalid request","error_description":…}: status 400, no code.
    with kit.auth_error(400, (None, "validation_failed", "bad_oauth_callback")):
        client.auth.sign_in_with_id_token(creds)
    assert client.auth.get_session() is None


def test_google_token_with_forged_signature_is_rejected(kit):
    genuine = kit.google_token(kit.email())
    header, claims = kit.jwt_parts(genuine)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(claims, key, algorithm="RS256", headers={"kid": header.get("kid")})
    with kit.auth_error(400, (None, "validation_failed", "bad_jwt")):
        kit.client().auth.sign_in_with_id_token({"provider": "google", "token": forged})


def test_google_sign_in_links_to_existing_email_user(kit):
    # Unsure: GoTrue links a verified provider email to the confirmed user
    # that owns it (automatic identity linking) instead of a second account.
    acc = kit.signup()
    res = kit.client().auth.sign_in_with_id_token(
        {"provider": "google", "token": kit.google_token(acc.email)})
    assert res.user.id == acc.user_id
    assert sorted(i.provider for i in res.user.identities) == ["email", "google"]
