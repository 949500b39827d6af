"""Raw httpx checks of the GoTrue / Kong wire format."""
from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qs, urlparse

import pytest

ERROR_CASES = [
    # id, method, path, json body, bearer, status, code
    ("bad-password", "POST", "/auth/v1/token?grant_type=password",
     {"email": "nobody-e2e@example.com", "password": "wrong-password"}, None, 400, "invalid_credentials"),
    ("unknown-refresh", "POST", "/auth/v1/token?grant_type=refresh_token",
     {"refresh_token": "unknowntoken"}, None, 400, "refresh_token_not_found"),
    ("user-no-bearer", "GET", "/auth/v1/user", None, None, 401, "no_authorization"),
    ("user-bad-jwt", "GET", "/auth/v1/user", None, "a.b.c", 403, "bad_jwt"),
    ("logout-no-bearer", "POST", "/auth/v1/logout", None, None, 401, "no_authorization"),
    ("verify-wrong-otp", "POST", "/auth/v1/verify",
     {"type": "signup", "email": "nobody-e2e@example.com", "token": "000000"}, None, 403, "otp_expired"),
]


@pytest.mark.parametrize("case", ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_error_shape_and_api_version_echo(kit, case):
    _, method, path, body, bearer, status, code = case
    r = kit.http.request(method, path, json=body, headers=kit.headers(bearer))
    assert r.status_code == status, r.text
    assert r.headers.get("x-supabase-api-version") == kit.API_VERSION
    data = r.json()
    assert data["code"] == code and isinstance(data["message"], str) and data["message"]

    # Unsure: without the version header GoTrue answers the legacy shape.
    legacy = kit.http.request(method, path, json=body, headers=kit.headers(bearer, version=False))
    assert legacy.status_code == status
    old = legacy.json()
    assert old.get("error_code") == code and old.get("code") == status and old.get("msg")


def test_session_and_user_wire_shape(kit):
    acc = kit.signup()
    r = kit.http.post("/auth/v1/token?grant_type=password", headers=kit.headers(),
                      json={"email": acc.email, "password": acc.password})
    assert r.status_code == 200, r.text
    s = r.json()
    kit.remember(s["access_token"], s["refresh_token"])
    assert s["token_type"] == "bearer" and s["expires_in"] == 3600
    assert isinstance(s["expires_at"], int) and isinstance(s["refresh_token"], str)
    u = s["user"]
    for key in ("id", "aud", "role", "email", "phone", "app_metadata", "user_metadata",
                "identities", "created_at", "updated_at", "is_anonymous"):
        assert key in u, key
    assert u["aud"] == "authenticated" and u["role"] == "authenticated" and u["phone"] == ""
    assert u["app_metadata"] == {"provider": "email", "providers": ["email"]}
    assert u["is_anonymous"] is False
    for key in ("created_at", "updated_at", "email_confirmed_at", "last_sign_in_at"):
        assert u[key].endswith("Z"), (key, u[key])
        datetime.fromisoformat(u[key].replace("Z", "+00:00"))
    (ident,) = u["identities"]
    assert ident["provider"] == "email" and ident["user_id"] == u["id"] and ident["id"] == u["id"]
    assert ident["identity_data"]["sub"] == u["id"] and ident["identity_data"]["email"] == acc.email
    assert {"identity_id", "created_at", "updated_at"} <= set(ident)

    # supabase-py sends the (possibly expired) user JWT even on /token: ignored.
    r2 = kit.http.post("/auth/v1/token?grant_type=refresh_token",
                       headers=kit.headers("eyJhbGciOiJIUzI1NiJ9.e30.invalid"),
                       json={"refresh_token": s["refresh_token"]})
    assert r2.status_code == 200, r2.text
    kit.remember(r2.json()["access_token"], r2.json()["refresh_token"])

    out = kit.http.post("/auth/v1/logout?scope=local", headers=kit.headers(r2.json()["access_token"]))
    assert out.status_code == 204 and out.content == b""


MISSING_KEY_ROUTES = [
    ("POST", "/auth/v1/signup"), ("POST", "/auth/v1/token?grant_type=password"),
    ("GET", "/auth/v1/user"), ("POST", "/auth/v1/recover"), ("POST", "/auth/v1/resend"),
    ("POST", "/auth/v1/logout"), ("POST", "/functions/v1/member-get"),
    ("POST", "/functions/v1/member-init"),
]


@pytest.mark.parametrize("method,path", MISSING_KEY_ROUTES)
def test_missing_apikey_is_rejected(kit, method, path):
    r = kit.http.request(method, path, json={}, headers=kit.headers(apikey=False))
    assert r.status_code == 401, r.text
    assert r.json() == {"message": "No API key found in request"}


def test_apikey_query_parameter_is_accepted(kit):
    r = kit.http.post(f"/auth/v1/token?grant_type=password&apikey={kit.KEY}",
                      headers=kit.headers(apikey=False),
                      json={"email": kit.email(), "password": "wrong-password"})
    assert r.status_code == 400 and r.json()["code"] == "invalid_credentials"


def test_verify_and_jwks_need_no_apikey(kit):
    jwks = kit.http.get("/auth/v1/.well-known/jwks.json")
    assert jwks.status_code == 200
    r = kit.http.get("/auth/v1/verify", params={"token": "bogus", "type": "signup",
                                                "redirect_to": f"{kit.url}/welcome"})
    assert "No API key" not in r.text
    # Unsure: GoTrue redirects a bad link back with the error in the fragment.
    assert r.status_code == 303, r.text
    fragment = parse_qs(urlparse(r.headers["location"]).fragment)
    assert fragment.get("error_code") == ["otp_expired"] and "error_description" in fragment


def test_malformed_json_is_a_4xx_with_code(kit):
    headers = kit.headers()
    r = kit.http.post("/auth/v1/signup", headers=headers, content=b'{"email": "x@y.z", ')
    assert 400 <= r.status_code < 500 and r.status_code != 401
    assert r.json()["code"] in ("validation_failed", "bad_json")
    assert r.headers.get("x-supabase-api-version") == kit.API_VERSION


AUTH_HEADERS = ["apikey", "authorization", "x-client-info", "content-type", "x-supabase-api-version"]
FN_HEADERS = ["apikey", "authorization", "x-client-info", "content-type", "x-region"]


@pytest.mark.parametrize("path,wanted", [
    ("/auth/v1/token?grant_type=password", AUTH_HEADERS),
    ("/auth/v1/user", AUTH_HEADERS),
    ("/functions/v1/member-get", FN_HEADERS),
])
def test_cors_preflight(kit, path, wanted):
    origin = "http://localhost:5173"
    r = kit.http.options(path, headers={  # a browser preflight carries no apikey
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": ", ".join(wanted)})
    assert r.status_code in (200, 204), r.text
    assert r.headers.get("access-control-allow-origin") in ("*", origin)
    allowed = {h.strip().lower() for h in r.headers.get("access-control-allow-headers", "").split(",")}
    assert "*" in allowed or set(wanted) <= allowed, allowed
    methods = r.headers.get("access-control-allow-methods", "").upper()
    assert "POST" in methods or "*" in methods


def test_cors_exposes_api_version_on_responses(kit):
    headers = {**kit.headers(), "Origin": "http://localhost:5173"}
    r = kit.http.post("/auth/v1/token?grant_type=password", headers=headers,
                      json={"email": kit.email(), "password": "wrong-password"})
    assert r.headers.get("access-control-allow-origin") in ("*", "http://localhost:5173")
    exposed = {h.strip().lower() for h in r.headers.get("access-control-expose-headers", "").split(",")}
    assert "x-supabase-api-version" in exposed


def test_jwks(kit):
    r = kit.http.get("/auth/v1/.well-known/jwks.json")
    assert r.status_code == 200
    assert r.headers.get("cache-control") == "public, max-age=600"
    keys = r.json()["keys"]
    assert keys and len({k["kid"] for k in keys}) == len(keys)
    for k in keys:
        assert (k["kty"], k["crv"], k["alg"], k["use"]) == ("EC", "P-256", "ES256", "sig")
        assert isinstance(k["kid"], str) and k["kid"] and k["x"] and k["y"]
        assert "d" not in k, "a private key is published"
        assert k.get("key_ops", ["verify"]) == ["verify"]
    token = kit.signed_in().session.access_token
    assert kit.jwt_parts(token)[0]["kid"] in {k["kid"] for k in keys}
