"""The seed app's member flow (functions member-init / member-get), the
product API (/v1/me, /v1/me/init) validated against /openapi.json, health,
and the secrets-in-log check."""
from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import quote

import httpx
import pytest
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from supabase_functions.errors import FunctionsHttpError

MEMBER_KEYS = {"id", "type", "plan", "wordsToday", "wordsThisMonth", "wordsTotal",
               "tokensToday", "tokensThisMonth", "tokensTotal", "todayResetAt",
               "thisMonthResetAt", "isOnTrial", "trialEndsAt", "createdAt", "updatedAt"}
COUNTERS = ["wordsToday", "wordsThisMonth", "wordsTotal",
            "tokensToday", "tokensThisMonth", "tokensTotal"]
DOC_URI = "urn:scritorio:openapi"


def _esc(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


class OpenAPI:
    """Validates bodies against the response schemas of an OpenAPI 3.1 document
    (its schemas are JSON Schema 2020-12; `#/components/...` refs resolve
    inside the document)."""

    def __init__(self, doc: dict):
        self.doc = doc
        self.registry = Registry().with_resource(DOC_URI, DRAFT202012.create_resource(doc))

    def _at(self, pointer: str):
        node = self.doc
        for part in pointer.lstrip("/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def validate(self, path: str, method: str, status: int, body) -> None:
        pointer = f"/paths/{_esc(path)}/{method.lower()}/responses"
        responses = self._at(pointer)
        key = next((k for k in (str(status), f"{str(status)[0]}XX", "default") if k in responses), None)
        assert key, f"{method} {path} documents no {status} response (has {list(responses)})"
        pointer += f"/{key}"
        while "$ref" in (node := self._at(pointer)):  # a shared response object
            pointer = node["$ref"].removeprefix("#")
        ctype = next(k for k in node["content"] if "json" in k)
        pointer += f"/content/{_esc(ctype)}/schema"
        assert "#/components/schemas/" in json.dumps(self._at(pointer)), \
            f"{method} {path} {status}: the schema should reference a component schema"
        validator = Draft202012Validator({"$ref": f"{DOC_URI}#{quote(pointer, safe='/~')}"},
                                         registry=self.registry,
                                         format_checker=Draft202012Validator.FORMAT_CHECKER)
        error = best_match(validator.iter_errors(body))
        assert error is None, (f"{method} {path} {status} does not match its OpenAPI schema at "
                               f"{list(error.absolute_path)}: {error.message}\nbody: {body}")


@pytest.fixture(scope="module")
def openapi(server) -> OpenAPI:
    r = httpx.get(f"{server.url}/openapi.json", timeout=10)
    assert r.status_code == 200
    doc = r.json()
    assert str(doc.get("openapi", "")).startswith("3.1")
    assert {"/v1/me", "/v1/me/init"} <= set(doc["paths"])
    return OpenAPI(doc)


def _iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def assert_fresh_member(member: dict, user_id: str) -> None:
    assert MEMBER_KEYS <= set(member), MEMBER_KEYS - set(member)
    assert member["id"] == user_id and member["type"] == "user" and member["plan"] == "free"
    assert all(member[c] == 0 for c in COUNTERS), {c: member[c] for c in COUNTERS}
    assert member["isOnTrial"] is False and member["trialEndsAt"] is None
    assert _iso(member["createdAt"]) <= _iso(member["updatedAt"])


# --------------------------------------------------------------- functions


def test_member_init_is_idempotent(kit):
    acc = kit.signed_in()
    fx = acc.client.functions
    # supabase-py 2.34.1 returns the raw bytes unless responseType is "json".
    raw = fx.invoke("member-get")
    assert isinstance(raw, bytes) and json.loads(raw) == {"member": None}

    assert json.loads(fx.invoke("member-init")) == {}  # POST with no body at all
    first = fx.invoke("member-get", {"body": {}, "responseType": "json"})["member"]
    assert_fresh_member(first, acc.user_id)

    assert fx.invoke("member-init", {"body": {}, "responseType": "json"}) == {}
    second = fx.invoke("member-get", {"body": {}, "responseType": "json"})["member"]
    assert second["createdAt"] == first["createdAt"]
    assert second == first  # ignoreDuplicates: the row is untouched


def test_members_are_per_user(kit):
    a, b = kit.signed_in(), kit.signed_in()
    a.client.functions.invoke("member-init", {"body": {}})
    assert a.client.functions.invoke("member-get", {"responseType": "json"})["member"]["id"] == a.user_id
    assert b.client.functions.invoke("member-get", {"responseType": "json"}) == {"member": None}


def test_google_sign_in_then_member_init(kit):
    # The seed's handleGoogleAuthPayload: signInWithIdToken, then tryInit().
    client = kit.client()
    res = client.auth.sign_in_with_id_token(
        {"provider": "google", "token": kit.google_token(kit.email())})
    client.functions.invoke("member-init", {"body": {}})
    member = client.functions.invoke("member-get", {"body": {}, "responseType": "json"})["member"]
    assert_fresh_member(member, res.user.id)


def test_functions_reject_anonymous_callers(kit):
    client = kit.client()  # signed out: Authorization is "Bearer <publishable key>"
    for name in ("member-init", "member-get"):
        with pytest.raises(FunctionsHttpError) as info:
            client.functions.invoke(name, {"body": {}})
        assert info.value.status == 401
        assert isinstance(info.value.message, str) and info.value.message  # body["error"]
    for auth in (None, "Bearer not-a-jwt", "Bearer a.b.c"):
        headers = {"apikey": kit.KEY, "Content-Type": "application/json"}
        if auth:
            headers["Authorization"] = auth
        r = kit.http.post("/functions/v1/member-get", headers=headers, json={})
        assert r.status_code == 401, (auth, r.text)
        body = r.json()
        assert isinstance(body.get("error"), str) and isinstance(body.get("message"), str)


def test_unknown_function_is_404(kit):
    acc = kit.signed_in()
    with pytest.raises(FunctionsHttpError) as info:
        acc.client.functions.invoke("no-such-function", {"body": {}})
    assert info.value.status == 404


# ------------------------------------------------------------- product API


def test_me_and_init_match_openapi(kit, openapi):
    acc = kit.signed_in(data={"display_name": "Grace"})
    auth = {"Authorization": f"Bearer {acc.session.access_token}"}

    r = kit.http.get("/v1/me", headers=auth)
    assert r.status_code == 200, r.text
    openapi.validate("/v1/me", "get", 200, r.json())
    me = r.json()
    assert me["user"]["id"] == acc.user_id and me["member"] is None

    r = kit.http.post("/v1/me/init", headers=auth)
    assert r.status_code == 200, r.text
    openapi.validate("/v1/me/init", "post", 200, r.json())
    member = r.json()["member"]
    assert_fresh_member(member, acc.user_id)

    again = kit.http.post("/v1/me/init", headers=auth)
    assert again.status_code == 200 and again.json()["member"]["createdAt"] == member["createdAt"]

    r = kit.http.get("/v1/me", headers=auth)
    openapi.validate("/v1/me", "get", 200, r.json())
    assert r.json()["member"]["createdAt"] == member["createdAt"]
    # The same member through the Supabase-style surface.
    via_fn = acc.client.functions.invoke("member-get", {"responseType": "json"})["member"]
    assert via_fn["createdAt"] == member["createdAt"] and via_fn["plan"] == member["plan"]



def test_billing_reads_match_openapi(kit, openapi):
    acc = kit.signed_in()
    auth = {"Authorization": f"Bearer {acc.session.access_token}"}
    r = kit.http.get("/v1/me/entitlements", headers=auth)
    assert r.status_code == 200, r.text
    openapi.validate("/v1/me/entitlements", "get", 200, r.json())
    assert {k: v for k, v in r.json().items() if k != "entitlementToken"} == {"plan": "free", "entitlements": []}
    assert r.json()["entitlementToken"].count(".") == 2  # a signed document, checked in test_licenses.py
    r = kit.http.get("/v1/me/subscription", headers=auth)
    assert r.status_code == 200, r.text
    openapi.validate("/v1/me/subscription", "get", 200, r.json())
    assert r.json() == {"subscription": None}
    r = kit.http.get("/v1/me/subscription")
    assert r.status_code == 401
    openapi.validate("/v1/me/subscription", "get", 401, r.json())

@pytest.mark.parametrize("authorization", [None, "Bearer garbage", "Bearer a.b.c", "publishable key"])
def test_me_unauthorized_matches_error_schema(kit, openapi, authorization):
    # No token (or the publishable key, which clients send while signed out) is 401 no_authorization;
    # a token that does not verify is the reference's 403 bad_jwt.
    expected = (401, "no_authorization") if authorization in (None, "publishable key") else (403, "bad_jwt")
    if authorization == "publishable key":
        authorization = f"Bearer {kit.KEY}"
    headers = {"Authorization": authorization} if authorization else {}
    for method, path in (("get", "/v1/me"), ("post", "/v1/me/init")):
        r = kit.http.request(method.upper(), path, headers=headers)
        assert (r.status_code, r.json().get("error")) == expected, (method, path, r.text)
        openapi.validate(path, method, expected[0], r.json())


# ----------------------------------------------------------- health, logs


def test_health_reports_store(kit, store):
    r = kit.http.get("/health")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert isinstance(body.get("store"), dict)
    # Unsure of the exact key: the store's kind should be named somewhere in it.
    assert store in json.dumps(body["store"]).lower()


def test_server_log_has_no_secrets_so_far(server):
    # Runs last in this file; every server fixture also re-checks at teardown.
    leaked = server.leaked_secrets()
    assert not leaked, f"{len(leaked)} secret(s) in {server.log_path}"
