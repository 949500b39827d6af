"""Errors as supabase-py surfaces them: exact `code` and HTTP status."""
from __future__ import annotations

from supabase_auth.errors import AuthWeakPasswordError


def test_wrong_password_and_unknown_user(kit):
    acc = kit.signup()
    client = kit.client()
    with kit.auth_error(400, "invalid_credentials") as info:
        client.auth.sign_in_with_password({"email": acc.email, "password": kit.password()})
    assert info.value.message == "Invalid login credentials"
    with kit.auth_error(400, "invalid_credentials"):
        client.auth.sign_in_with_password({"email": kit.email(), "password": kit.password()})
    assert client.auth.get_session() is None


def test_unconfirmed_email_cannot_sign_in(kit):
    acc = kit.signup(confirm=False)
    with kit.auth_error(400, "email_not_confirmed"):
        kit.client().auth.sign_in_with_password({"email": acc.email, "password": acc.password})
    # The password is checked before the confirmation state.
    with kit.auth_error(400, "invalid_credentials"):
        kit.client().auth.sign_in_with_password({"email": acc.email, "password": kit.password()})


def test_duplicate_signup_of_confirmed_email_returns_fake_user(kit):
    acc = kit.signup()
    res = kit.client().auth.sign_up({"email": acc.email, "password": kit.password()})
    assert res.session is None
    assert res.user is not None and res.user.identities == []
    assert res.user.id != acc.user_id  # GoTrue obfuscates the id: no enumeration
    # The original password still works.
    kit.client().auth.sign_in_with_password({"email": acc.email, "password": acc.password})


def test_weak_password(kit):
    client = kit.client()
    try:
        client.auth.sign_up({"email": kit.email(), "password": "12345"})
    except AuthWeakPasswordError as err:
        assert err.status == 422 and err.code == "weak_password"
        assert "length" in err.reasons
    else:
        raise AssertionError("a 5-character password was accepted")


def test_wrong_otp(kit):
    acc = kit.signup(confirm=False)
    real = kit.wait_mail(acc.email, "signup")["otp"]
    wrong = f"{(int(real) + 1) % 1_000_000:06d}"
    with kit.auth_error(403, "otp_expired"):
        kit.client().auth.verify_otp({"email": acc.email, "token": wrong, "type": "signup"})


def test_bad_jwt_on_get_user(kit):
    client = kit.client()
    with kit.auth_error(403, "bad_jwt"):
        client.auth.get_user("a.b.c")
    acc = kit.signed_in()
    header, payload, sig = acc.session.access_token.split(".")
    tampered = f"{header}.{payload}.{sig[:-4]}{'AAAA' if sig[-4:] != 'AAAA' else 'BBBB'}"
    with kit.auth_error(403, "bad_jwt"):
        client.auth.get_user(tampered)


def test_unknown_refresh_token(kit):
    with kit.auth_error(400, "refresh_token_not_found") as info:
        kit.client().auth.refresh_session("notarealtoken")
    assert "Refresh Token Not Found" in info.value.message


def test_refresh_token_reuse_within_interval_is_tolerated(kit):
    """Normal server: reuse interval 10 s (the hosted default)."""
    acc = kit.signed_in()
    a = acc.session.refresh_token
    b = acc.client.auth.refresh_session().session.refresh_token
    assert b != a
    # (a) A is the parent of the active token B: the active token comes back.
    again = kit.client().auth.refresh_session(a).session
    assert again.refresh_token == b
    c = acc.client.auth.refresh_session(b).session.refresh_token
    assert c not in (a, b)
    # (b) A is no longer the parent of the active token (C), but it is reused
    # within the interval: a session is still issued, and the family survives.
    late = kit.client().auth.refresh_session(a).session
    assert late.user.id == acc.user_id
    assert kit.client().auth.refresh_session(c).session.user.id == acc.user_id


def test_refresh_token_reuse_revokes_the_family(make_kit, strict_refresh_server):
    """Reuse interval 0: a revoked token that is not the active token's parent
    is abuse; the whole family is revoked."""
    kit = make_kit(strict_refresh_server)
    acc = kit.signed_in()
    a = acc.session.refresh_token
    b = acc.client.auth.refresh_session().session.refresh_token
    # Even with interval 0, the parent of the active token returns it (GoTrue (a)).
    assert kit.client().auth.refresh_session(a).session.refresh_token == b
    c = acc.client.auth.refresh_session(b).session.refresh_token
    with kit.auth_error(400, "refresh_token_already_used") as info:
        kit.client().auth.refresh_session(a)
    assert "Already Used" in info.value.message
    with kit.auth_error(400, ("refresh_token_already_used", "refresh_token_not_found")):
        kit.client().auth.refresh_session(c)
    # A fresh sign-in is unaffected.
    again = kit.client().auth.sign_in_with_password({"email": acc.email, "password": acc.password})
    assert again.session is not None


def test_signup_rate_limit(make_kit, rate_limited_server):
    """SCRITORIO_RATE_LIMIT_SIGNUP=3 per IP per 5 min, no multiplier."""
    kit = make_kit(rate_limited_server)
    client = kit.client()
    for _ in range(3):
        assert client.auth.sign_up({"email": kit.email(), "password": kit.password()}).user
    with kit.auth_error(429, "over_request_rate_limit") as info:
        client.auth.sign_up({"email": kit.email(), "password": kit.password()})
    assert info.value.message == "Request rate limit reached"
    # Other endpoints have their own buckets: sign-in still answers normally.
    with kit.auth_error(400, "invalid_credentials"):
        client.auth.sign_in_with_password({"email": kit.email(), "password": kit.password()})
