"""GoTrue parity beyond the password life cycle, through the official supabase-py client (plus pyotp):
the admin API with the secret key and the legacy JWTs, passwordless sign-in, email change, reauthentication,
anonymous users, TOTP MFA, and the features GoTrue answers as switched off (SAML, phone, unknown grants).

Expected answers are GoTrue v2.196.0's; where Scritorio deliberately goes further the test says so."""
from __future__ import annotations

import time
from urllib.parse import parse_qs, unquote, urlparse

import jwt
import pyotp
import pytest

from conftest import remember, serve

SECRET_KEY = "sb_secret_e2e-0123456789abcdefghijklmnopq"
JWT_SECRET = "e2e-legacy-jwt-secret-0123456789abcdefghij"

# GoTrue v2.196.0's ProviderSettings, the keys of /settings' "external".
GOTRUE_PROVIDERS = {
    "anonymous_users", "apple", "azure", "bitbucket", "discord", "facebook", "snapchat", "figma", "fly", "github",
    "gitlab", "google", "keycloak", "kakao", "linkedin", "linkedin_oidc", "notion", "spotify", "slack", "slack_oidc",
    "workos", "twitch", "twitter", "email", "phone", "zoom"}


def legacy_jwt(role: str, ttl: int = 3600) -> str:
    now = int(time.time())
    token = jwt.encode({"role": role, "iss": "supabase-demo", "iat": now, "exp": now + ttl}, JWT_SECRET, algorithm="HS256")
    remember(token)
    return token


@pytest.fixture(scope="module")
def parity_server(store):
    remember(SECRET_KEY, JWT_SECRET)
    yield from serve({"SCRITORIO_SECRET_KEY": SECRET_KEY, "SCRITORIO_JWT_SECRET": JWT_SECRET,
                      "SCRITORIO_AUTH_ANONYMOUS": "1", "SCRITORIO_AUTH_PASSWORD_CHANGE_REAUTH": "1"}, store)


@pytest.fixture
def px(make_kit, parity_server):
    return make_kit(parity_server)


def admin(px, key: str = SECRET_KEY):
    return px.client_with_key(key).auth.admin


def claims(px, session) -> dict:
    return px.jwt_parts(session.access_token)[1]


def methods(px, session) -> list[str]:
    return [a["method"] for a in claims(px, session)["amr"]]


def wrong_totp(secret: str) -> str:
    """A 6-digit code that no step within GoTrue's skew (one period either side) accepts."""
    totp, now = pyotp.TOTP(secret), time.time()
    valid = {totp.at(now + k * 30) for k in range(-2, 3)}
    return next(c for c in (f"{n:06d}" for n in range(0, 1_000_000, 7919)) if c not in valid)


def enroll_verified(px, acc, name: str = "laptop"):
    """Enrols a TOTP factor on the account's client and verifies it: (factor id, secret, used code)."""
    factor = acc.client.auth.mfa.enroll({"factor_type": "totp", "friendly_name": name})
    remember(factor.totp.secret)
    code = pyotp.TOTP(factor.totp.secret).now()
    acc.session = acc.client.auth.mfa.challenge_and_verify({"factor_id": factor.id, "code": code})
    return factor.id, factor.totp.secret, code


def error_code(response) -> str | None:
    body = response.json()
    return body.get("error_code") or (body["code"] if isinstance(body.get("code"), str) else None)


# ------------------------------------------------------------------ admin API


def test_admin_creates_gets_lists_and_updates_users(px):
    """create_user with metadata (confirmed), get_user_by_id, list_users paging with GoTrue's Link and
    X-Total-Count headers, app_metadata merged by update_user_by_id."""
    api = admin(px)
    email, password = px.email(), px.password()
    user = api.create_user({"email": email, "password": password, "email_confirm": True,
                            "user_metadata": {"display_name": "Grace"},
                            "app_metadata": {"plan": "pro", "roles": ["a"]}}).user
    assert user.email == email and user.email_confirmed_at is not None
    assert user.user_metadata["display_name"] == "Grace"
    assert user.app_metadata["provider"] == "email" and user.app_metadata["providers"] == ["email"]
    assert user.app_metadata["plan"] == "pro" and user.app_metadata["roles"] == ["a"]
    assert [i.provider for i in user.identities] == ["email"]
    for _ in range(2):  # at least three users: the first page of two has a next one
        assert api.create_user({"email": px.email(), "password": px.password()}).user.email_confirmed_at is None

    got = api.get_user_by_id(user.id).user
    assert got.id == user.id and got.email == email and got.app_metadata["plan"] == "pro"
    # Confirmed by the admin: the password signs in without any mail.
    assert px.client().auth.sign_in_with_password({"email": email, "password": password}).user.id == user.id
    assert px.mails(email) == []

    page = api.list_users(page=1, per_page=2)
    assert isinstance(page, list) and len(page) == 2 and all(u.id for u in page)
    r = px.http.get("/auth/v1/admin/users", params={"page": 1, "per_page": 2},
                    headers=px.headers(SECRET_KEY) | {"apikey": SECRET_KEY})
    assert r.status_code == 200, r.text
    total = int(r.headers["X-Total-Count"])
    last = (total + 1) // 2
    assert total >= 3 and len(r.json()["users"]) == 2
    assert r.headers["Link"] == (f'</admin/users?page=2&per_page=2>; rel="next", '
                                 f'</admin/users?page={last}&per_page=2>; rel="last"')

    updated = api.update_user_by_id(user.id, {"app_metadata": {"roles": ["b"], "tier": 2},
                                              "user_metadata": {"locale": "pt-PT"}}).user
    assert updated.app_metadata["plan"] == "pro" and updated.app_metadata["roles"] == ["b"]
    assert updated.app_metadata["tier"] == 2 and updated.app_metadata["provider"] == "email"
    assert updated.user_metadata["display_name"] == "Grace" and updated.user_metadata["locale"] == "pt-PT"
    assert api.get_user_by_id(user.id).user.app_metadata["tier"] == 2


def test_admin_ban_blocks_sign_in_and_live_tokens_until_lifted(px):
    """ban_duration "24h": password sign-in 400 user_banned, the live access token 403 user_banned, refresh
    400 user_banned; "none" lifts it and the same session works again."""
    acc = px.signed_in()
    api = admin(px)
    banned = api.update_user_by_id(acc.user_id, {"ban_duration": "24h"}).user
    assert banned.banned_until is not None
    with px.auth_error(400, "user_banned"):
        px.client().auth.sign_in_with_password({"email": acc.email, "password": acc.password})
    with px.auth_error(403, "user_banned"):
        px.client().auth.get_user(acc.session.access_token)
    with px.auth_error(400, "user_banned"):
        px.client().auth.refresh_session(acc.session.refresh_token)

    lifted = api.update_user_by_id(acc.user_id, {"ban_duration": "none"}).user
    assert lifted.banned_until is None
    assert px.client().auth.get_user(acc.session.access_token).user.id == acc.user_id
    assert px.client().auth.sign_in_with_password({"email": acc.email, "password": acc.password}).user.id == acc.user_id


def test_admin_hard_delete(px):
    """Hard delete: the user's live token 403 user_not_found, get_user_by_id 404 user_not_found."""
    api = admin(px)
    gone = px.signed_in()
    assert api.delete_user(gone.user_id) is None
    with px.auth_error(404, "user_not_found"):
        api.get_user_by_id(gone.user_id)
    with px.auth_error(403, "user_not_found"):
        px.client().auth.get_user(gone.session.access_token)


def test_admin_soft_delete(px):
    """Soft delete keeps the row emptied (deleted_at set), frees the address, ends the password; GoTrue still
    finds the user, so the live token fails on its deleted session: 403 session_not_found."""
    api = admin(px)
    soft = px.signed_in()
    api.delete_user(soft.user_id, should_soft_delete=True)
    with px.auth_error(400, "invalid_credentials"):
        px.client().auth.sign_in_with_password({"email": soft.email, "password": soft.password})
    kept = api.get_user_by_id(soft.user_id).user
    assert kept.deleted_at is not None and kept.email != soft.email and kept.user_metadata == {}
    again = api.create_user({"email": soft.email, "password": px.password(), "email_confirm": True}).user
    assert again.id != soft.user_id
    with px.auth_error(403, "session_not_found"):
        px.client().auth.get_user(soft.session.access_token)


def test_admin_generate_link_sends_no_mail(px):
    """generate_link for signup, magiclink, recovery and invite: action_link, email_otp, hashed_token and
    verification_type; each verifies through verify_otp; nothing is mailed."""
    api = admin(px)
    email, password = px.email(), px.password()
    signup = api.generate_link({"type": "signup", "email": email, "password": password})
    p = signup.properties
    assert p.verification_type == "signup" and p.email_otp.isdigit() and len(p.email_otp) == 6
    assert p.hashed_token and f"token={p.hashed_token}" in p.action_link and "type=signup" in p.action_link
    assert p.action_link.startswith(f"{px.url}/auth/v1/verify?")
    assert signup.user.email == email and signup.user.email_confirmed_at is None
    s = px.client().auth.verify_otp({"email": email, "token": p.email_otp, "type": "signup"})
    assert s.session is not None and s.user.id == signup.user.id
    assert px.client().auth.sign_in_with_password({"email": email, "password": password}).user.id == signup.user.id

    magic = api.generate_link({"type": "magiclink", "email": email}).properties
    assert magic.verification_type == "magiclink" and "type=magiclink" in magic.action_link
    s = px.client().auth.verify_otp({"token_hash": magic.hashed_token, "type": "magiclink"})
    assert s.user.id == signup.user.id

    recovery = api.generate_link({"type": "recovery", "email": email}).properties
    assert recovery.verification_type == "recovery"
    s = px.client().auth.verify_otp({"email": email, "token": recovery.email_otp, "type": "recovery"})
    assert s.user.id == signup.user.id

    # A magic link for an unknown address is a sign-up (GoTrue creates the user).
    stranger = px.email()
    assert api.generate_link({"type": "magiclink", "email": stranger}).properties.verification_type == "signup"

    invited = px.email()
    invite = api.generate_link({"type": "invite", "email": invited})
    assert invite.properties.verification_type == "invite" and invite.user.invited_at is not None
    s = px.client().auth.verify_otp({"email": invited, "token": invite.properties.email_otp, "type": "invite"})
    assert s.user.id == invite.user.id and s.user.email_confirmed_at is not None

    # The sandbox outbox records a mail before the request that sends it answers: none means none was sent.
    assert [m["type"] for e in (email, stranger, invited) for m in px.mails(e)] == []


def test_admin_invite_mails_a_code(px):
    """invite_user_by_email: the mail's code verifies as type "invite"; the user then sets a password."""
    email = px.email()
    user = admin(px).invite_user_by_email(email).user
    assert user.email == email and user.invited_at is not None and user.email_confirmed_at is None
    mail = px.wait_mail(email, "invite")
    assert mail["otp"].isdigit() and "type=invite" in mail["link"]
    client = px.client()
    res = client.auth.verify_otp({"email": email, "token": mail["otp"], "type": "invite"})
    assert res.session is not None and res.user.id == user.id and res.user.email_confirmed_at is not None
    password = px.password()
    client.auth.update_user({"password": password})
    assert px.client().auth.sign_in_with_password({"email": email, "password": password}).user.id == user.id


def test_admin_lists_and_deletes_a_users_factors(px):
    """admin.mfa.list_factors shows the verified TOTP factor; delete_factor removes it and the session it
    raised falls back to aal1 on refresh."""
    acc = px.signed_in()
    factor_id, _, _ = enroll_verified(px, acc)
    api = admin(px)
    factors = api.mfa.list_factors({"user_id": acc.user_id})
    assert [(f.id, f.factor_type, f.status, f.friendly_name) for f in factors] == [
        (factor_id, "totp", "verified", "laptop")]
    assert api.mfa.delete_factor({"user_id": acc.user_id, "id": factor_id}).id == factor_id
    assert api.mfa.list_factors({"user_id": acc.user_id}) == []
    refreshed = acc.client.auth.refresh_session().session
    assert claims(px, refreshed)["aal"] == "aal1" and "totp" not in methods(px, refreshed)
    with px.auth_error(404, "mfa_factor_not_found"):
        api.mfa.delete_factor({"user_id": acc.user_id, "id": factor_id})


def test_admin_needs_the_service_role(px):
    """A user's access token as the bearer is not an admin (403 not_admin), even beside the publishable key;
    the legacy anon JWT is no admin either."""
    acc = px.signed_in()
    as_user = px.client_with_key(px.KEY, headers={"Authorization": f"Bearer {acc.session.access_token}"})
    with px.auth_error(403, "not_admin"):
        as_user.auth.admin.list_users()
    with px.auth_error(403, "not_admin"):
        admin(px, px.KEY).list_users()
    with px.auth_error(403, "not_admin"):
        admin(px, legacy_jwt("anon")).get_user_by_id(acc.user_id)


def test_legacy_jwts_are_keys(px):
    """A service_role JWT signed with SCRITORIO_JWT_SECRET is the admin key; an anon one is a publishable key."""
    api = admin(px, legacy_jwt("service_role"))
    email, password = px.email(), px.password()
    user = api.create_user({"email": email, "password": password, "email_confirm": True}).user
    assert api.get_user_by_id(user.id).user.email == email
    anon = px.client_with_key(legacy_jwt("anon"))
    session = anon.auth.sign_in_with_password({"email": email, "password": password}).session
    assert session.user.id == user.id
    assert anon.auth.get_user().user.id == user.id


# ------------------------------------------------------------------ passwordless


def test_otp_without_sign_up_for_unknown_address(px):
    """should_create_user False for an address with no account: 422 otp_disabled, no mail."""
    email = px.email()
    with px.auth_error(422, "otp_disabled"):
        px.client().auth.sign_in_with_otp({"email": email, "options": {"should_create_user": False}})
    assert px.mails(email) == []


@pytest.mark.parametrize("otp_type", ["email", "magiclink"])
def test_otp_signs_in_a_confirmed_user(px, otp_type):
    """A confirmed user gets one magic-link mail with a 6-digit code; POST /verify with it (PKCE request or
    not) returns a session with amr otp."""
    acc = px.signup()
    client = px.client()  # create_client's default flow: PKCE, so the request carries code_challenge
    assert client.auth.sign_in_with_otp({"email": acc.email, "options": {"should_create_user": False}}).user is None
    assert client.auth._storage.get_item(f"{client.auth._storage_key}-code-verifier")
    mail = px.wait_mail(acc.email, "magiclink")
    assert mail["otp"].isdigit() and len(mail["otp"]) == 6
    assert "/auth/v1/verify?" in mail["link"] and "type=magiclink" in mail["link"]
    res = client.auth.verify_otp({"email": acc.email, "token": mail["otp"], "type": otp_type})
    assert res.session is not None and res.user.id == acc.user_id
    assert methods(px, res.session) == ["otp"]
    assert client.auth.get_user().user.id == acc.user_id
    with px.auth_error(403, "otp_expired"):  # single use
        px.client().auth.verify_otp({"email": acc.email, "token": mail["otp"], "type": otp_type})


def test_otp_for_new_address_signs_up(px):
    """should_create_user defaults to True: the mail is the sign-up confirmation and verifying it as
    "email" signs the new user in."""
    email = px.email()
    client = px.client()
    client.auth.sign_in_with_otp({"email": email})
    mail = px.wait_mail(email, "signup")
    res = client.auth.verify_otp({"email": email, "token": mail["otp"], "type": "email"})
    assert res.session is not None and res.user.email == email and res.user.email_confirmed_at is not None
    assert admin(px).get_user_by_id(res.user.id).user.email == email


# ------------------------------------------------------------------ email change


def test_email_change_needs_both_addresses(px):
    """update_user({email}) mails both addresses; the current one's code answers without a session, the new
    one's completes the change and signs in."""
    acc = px.signed_in()
    new = px.email()
    pending = acc.client.auth.update_user({"email": new}).user
    assert pending.email == acc.email and pending.new_email == new and pending.email_change_sent_at is not None
    old_mail, new_mail = px.wait_mail(acc.email, "email_change"), px.wait_mail(new, "email_change")
    assert old_mail["otp"] != new_mail["otp"] and "type=email_change" in new_mail["link"]

    first = px.client().auth.verify_otp({"email": acc.email, "token": old_mail["otp"], "type": "email_change"})
    assert first.session is None and first.user is None  # GoTrue's {"code":"200","msg":…}
    assert acc.client.auth.get_user().user.email == acc.email  # not yet

    done = px.client().auth.verify_otp({"email": new, "token": new_mail["otp"], "type": "email_change"})
    assert done.session is not None and done.user.id == acc.user_id
    assert done.user.email == new and not done.user.new_email
    assert claims(px, done.session)["email"] == new
    assert px.client().auth.sign_in_with_password({"email": new, "password": acc.password}).user.id == acc.user_id
    with px.auth_error(400, "invalid_credentials"):
        px.client().auth.sign_in_with_password({"email": acc.email, "password": acc.password})


def test_email_change_resend_replaces_the_codes(px):
    """resend({type: email_change, email: current}) mails both addresses again (the test servers have no
    resend interval); the first code for the new address stops working, the new ones complete the change."""
    acc = px.signed_in()
    new = px.email()
    acc.client.auth.update_user({"email": new})
    first_old, first_new = px.wait_mail(acc.email, "email_change"), px.wait_mail(new, "email_change")
    px.client().auth.resend({"type": "email_change", "email": acc.email})
    old_mail = px.wait_mail(acc.email, "email_change", exclude=(first_old["id"],))
    new_mail = px.wait_mail(new, "email_change", exclude=(first_new["id"],))
    with px.auth_error(403, "otp_expired"):
        px.client().auth.verify_otp({"email": new, "token": first_new["otp"], "type": "email_change"})
    px.client().auth.verify_otp({"email": acc.email, "token": old_mail["otp"], "type": "email_change"})
    done = px.client().auth.verify_otp({"email": new, "token": new_mail["otp"], "type": "email_change"})
    assert done.user.email == new


# ------------------------------------------------------------------ reauthentication


def test_password_change_on_a_fresh_session_skips_the_nonce(px):
    """With SCRITORIO_AUTH_PASSWORD_CHANGE_REAUTH=1 the nonce is required only once the session is a day old:
    a fresh session changes its password without one, with the mailed one, and with a wrong one (GoTrue does
    not look at it within 24 h)."""
    acc = px.signed_in()
    auth = acc.client.auth
    first = px.password()
    auth.update_user({"password": first})

    auth.reauthenticate()
    mail = px.wait_mail(acc.email, "reauthentication")
    code = mail["otp"]
    assert code.isdigit() and len(code) == 6 and mail["subject"] == f"{code} is your verification code"
    second = px.password()
    auth.update_user({"password": second, "nonce": code})
    third = px.password()
    auth.update_user({"password": third, "nonce": "000000" if code != "000000" else "111111"})

    for stale in (acc.password, first, second):
        with px.auth_error(400, "invalid_credentials"):
            px.client().auth.sign_in_with_password({"email": acc.email, "password": stale})
    assert px.client().auth.sign_in_with_password({"email": acc.email, "password": third}).user.id == acc.user_id


# ------------------------------------------------------------------ anonymous users


def test_anonymous_user_becomes_permanent_with_the_same_id(px):
    """sign_in_anonymously: is_anonymous everywhere, no identities; adding an email mails the new address only
    (there is no current one); verifying it keeps the id and ends is_anonymous; then a password signs in."""
    client = px.client()
    res = client.auth.sign_in_anonymously()
    user = res.user
    assert res.session is not None and user.is_anonymous is True
    assert user.email in (None, "") and user.app_metadata == {} and user.identities == []
    c = claims(px, res.session)
    assert c["is_anonymous"] is True and c["sub"] == user.id and c["role"] == "authenticated"
    assert methods(px, res.session) == ["anonymous"]

    new = px.email()
    pending = client.auth.update_user({"email": new}).user
    assert pending.new_email == new and pending.is_anonymous is True
    mail = px.wait_mail(new, "email_change")
    everything = px.http.get("/sandbox/mail").json()["messages"]
    assert [m["to"] for m in everything if new in m["text"]] == [new]

    done = client.auth.verify_otp({"email": new, "token": mail["otp"], "type": "email_change"})
    assert done.session is not None and done.user.id == user.id
    assert done.user.is_anonymous is False and done.user.email == new
    assert claims(px, done.session)["is_anonymous"] is False
    assert [i.provider for i in done.user.identities] == ["email"]

    password = px.password()
    client.auth.update_user({"password": password})
    signed = px.client().auth.sign_in_with_password({"email": new, "password": password})
    assert signed.user.id == user.id and signed.user.is_anonymous is False


def test_anonymous_sign_ins_are_off_by_default(kit):
    """The default server: 422 anonymous_provider_disabled and no session."""
    client = kit.client()
    with kit.auth_error(422, "anonymous_provider_disabled"):
        client.auth.sign_in_anonymously()
    assert client.auth.get_session() is None


# ------------------------------------------------------------------ TOTP MFA


def test_totp_enroll_verify_and_unenroll(px):
    """enroll (secret, otpauth URI, SVG QR code), wrong code refused, challenge_and_verify to aal2 (amr totp),
    other aal1 sessions ended, refresh keeps aal2, a used code refused, duplicate name refused, an aal1
    session cannot unenroll, the aal2 one can."""
    acc = px.signed_in()
    earlier = px.client()
    earlier_session = earlier.auth.sign_in_with_password({"email": acc.email, "password": acc.password}).session
    auth = acc.client.auth

    factor = auth.mfa.enroll({"factor_type": "totp", "friendly_name": "laptop"})
    secret = factor.totp.secret
    remember(secret)
    assert factor.type == "totp" and factor.friendly_name == "laptop" and factor.id
    assert factor.totp.uri.startswith("otpauth://totp/") and f"secret={secret}" in factor.totp.uri
    assert acc.email in unquote(factor.totp.uri)
    query = parse_qs(urlparse(factor.totp.uri).query)
    assert query["secret"] == [secret] and query["period"] == ["30"] and query["digits"] == ["6"]
    assert query["issuer"] == [urlparse(px.url).netloc]  # GoTrue: the site URL's host
    assert factor.totp.qr_code.startswith("data:image/svg+xml;utf-8,<svg")
    assert factor.totp.qr_code.rstrip().endswith("</svg>")
    assert [f.status for f in auth.mfa.list_factors().all] == ["unverified"]

    with px.auth_error(422, "mfa_verification_failed"):
        auth.mfa.challenge_and_verify({"factor_id": factor.id, "code": wrong_totp(secret)})
    code = pyotp.TOTP(secret).now()
    session = auth.mfa.challenge_and_verify({"factor_id": factor.id, "code": code})
    c = claims(px, session)
    assert c["aal"] == "aal2" and "totp" in methods(px, session) and "password" in methods(px, session)
    assert session.user.id == acc.user_id
    level = auth.mfa.get_authenticator_assurance_level()
    assert level.current_level == "aal2" and level.next_level == "aal2"
    listed = auth.mfa.list_factors()
    assert [(f.id, f.status) for f in listed.all] == [(factor.id, "verified")] and len(listed.totp) == 1
    # GoTrue ends the user's sessions below aal2 once a factor is verified.
    with px.auth_error(403, "session_not_found"):
        px.client().auth.get_user(earlier_session.access_token)

    refreshed = auth.refresh_session().session
    assert claims(px, refreshed)["aal"] == "aal2" and "totp" in methods(px, refreshed)

    # Scritorio, beyond GoTrue: a code of a time step already used for this factor is refused.
    with px.auth_error(422, "mfa_verification_failed"):
        auth.mfa.challenge_and_verify({"factor_id": factor.id, "code": code})
    with px.auth_error(422, "mfa_factor_name_conflict"):
        auth.mfa.enroll({"factor_type": "totp", "friendly_name": "laptop"})

    aal1 = px.client()
    aal1_session = aal1.auth.sign_in_with_password({"email": acc.email, "password": acc.password}).session
    assert claims(px, aal1_session)["aal"] == "aal1"
    level = aal1.auth.mfa.get_authenticator_assurance_level()
    assert level.current_level == "aal1" and level.next_level == "aal2"
    with px.auth_error(422, "insufficient_aal"):
        aal1.auth.mfa.unenroll({"factor_id": factor.id})

    assert auth.mfa.unenroll({"factor_id": factor.id}).id == factor.id
    assert auth.mfa.list_factors().all == []
    assert admin(px).mfa.list_factors({"user_id": acc.user_id}) == []


# ------------------------------------------------------------------ switched off


def test_saml_and_phone_are_off(px):
    """POST /sso 404 saml_provider_disabled; /otp with a phone 400 phone_provider_disabled."""
    r = px.http.post("/auth/v1/sso", json={"domain": "example.com"}, headers=px.headers())
    assert r.status_code == 404 and error_code(r) == "saml_provider_disabled", r.text
    r = px.http.post("/auth/v1/otp", json={"phone": "+15555550100"}, headers=px.headers())
    assert r.status_code == 400 and error_code(r) == "phone_provider_disabled", r.text
    with px.auth_error(400, "phone_provider_disabled"):
        px.client().auth.sign_in_with_otp({"phone": "+15555550100"})


def test_unknown_grant_type(px):
    """/token?grant_type=magic: GoTrue v2.196.0 answers 400 invalid_credentials with the message
    "unsupported_grant_type" (an HTTPError, not the OAuth error shape)."""
    r = px.http.post("/auth/v1/token", params={"grant_type": "magic"}, json={}, headers=px.headers())
    assert r.status_code == 400, r.text
    assert r.json() == {"code": "invalid_credentials", "message": "unsupported_grant_type"}


def test_settings_list_every_provider(px, kit):
    """GET /settings: GoTrue's external map, every value a boolean; anonymous_users follows the switch."""
    on = px.http.get("/auth/v1/settings", headers=px.headers())
    off = kit.http.get("/auth/v1/settings", headers=kit.headers())
    assert on.status_code == off.status_code == 200
    for body, anonymous in ((on.json(), True), (off.json(), False)):
        external = body["external"]
        assert all(isinstance(v, bool) for v in external.values())
        assert set(external) == GOTRUE_PROVIDERS
        assert external["anonymous_users"] is anonymous
        assert external["email"] is True and external["apple"] is False and external["github"] is False
        assert external["phone"] is False
        assert body["saml_enabled"] is False and body["disable_signup"] is False
