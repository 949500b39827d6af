"""Licence keys end to end against `serve --sandbox` on both stores: a Paddle purchase in the sandbox issues a
Scritorio key, a desktop app activates it on up to three devices with Lemon Squeezy's License API calls (no
session, no apikey), the fourth is refused, the user frees a seat themself, and the key expires with its
subscription. The signed entitlement documents are checked with an independent JOSE library (PyJWT)."""
import time

import httpx
import jwt
import pytest

from test_billing import bearer, checkout, wait_for_plan, wait_for_subscription
from test_members import openapi  # noqa: F401  (fixture)


def licenses(kit, acc) -> list[dict]:
    r = kit.http.get("/v1/me/licenses", headers=bearer(acc))
    assert r.status_code == 200, r.text
    return r.json()["licenses"]


def wait_for(predicate, what: str, seconds: float = 15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"{what} did not happen within {seconds} s")


def licence_call(kit, op: str, form: bool = False, **fields) -> httpx.Response:
    """As a desktop app calls it: no Authorization, no apikey."""
    if form:
        return kit.http.post(f"/v1/licenses/{op}", data=fields, headers={"Accept": "application/json"})
    return kit.http.post(f"/v1/licenses/{op}", json=fields)


def verify_with_jwks(kit, token: str) -> dict:
    jwks = kit.http.get("/v1/entitlements/jwks.json").json()
    kid = jwt.get_unverified_header(token)["kid"]
    key = next(k for k in jwks["keys"] if k["kid"] == kid)
    assert key["kty"] == "OKP" and key["crv"] == "Ed25519"
    return jwt.decode(token, jwt.PyJWK(key).key, algorithms=["EdDSA"])


def tampered(token: str) -> str:
    """The token with one byte of its payload changed."""
    header, payload, signature = token.split(".")
    i = len(payload) // 2
    payload = payload[:i] + ("A" if payload[i] != "A" else "B") + payload[i + 1:]
    return ".".join([header, payload, signature])


def buy(kit, acc) -> tuple[str, dict]:
    txn = checkout(kit, acc)["transactionId"]
    paid = kit.http.post(f"/sandbox/paddle/transactions/{txn}/complete")
    assert paid.status_code == 200, paid.text
    wait_for_plan(acc, "pro")
    sub = wait_for_subscription(kit, acc)
    found = wait_for(lambda: licenses(kit, acc), "a licence key for the purchase")
    assert len(found) == 1
    return sub["id"], found[0]


def test_activate_to_the_limit_free_a_seat_and_verify_offline(kit, openapi):
    acc = kit.signed_in()
    _, licence = buy(kit, acc)
    key = licence["key"]
    kit.remember(key)  # the server log must never contain it
    assert key.startswith("SCR-") and len(key.split("-")) == 5 and licence["keyHint"] == "…" + key[-4:]
    assert licence["status"] == "inactive" and licence["activationLimit"] == 3 and licence["activationUsage"] == 0

    instances = []
    for i in range(3):
        r = licence_call(kit, "activate", form=(i % 2 == 0), license_key=key, instance_name=f"Mac {i}", fingerprint=f"fp-{i}")
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["activated"] is True and body["error"] is None and body["code"] == "ACTIVATED"
        assert body["license_key"]["activation_usage"] == i + 1 and body["license_key"]["key"] == key
        assert set(body["meta"]) >= {"store_id", "order_id", "product_id", "product_name", "variant_id", "variant_name",
                                     "customer_id", "customer_name", "customer_email"}
        instances.append(body["instance"]["id"])

    openapi.validate("/v1/licenses/activate", "post", 200, body)
    openapi.validate("/v1/me/licenses", "get", 200, {"licenses": licenses(kit, acc)})
    fourth = licence_call(kit, "activate", license_key=key, instance_name="PC", fingerprint="fp-3")
    assert fourth.status_code == 400
    openapi.validate("/v1/licenses/activate", "post", 400, fourth.json())
    assert fourth.json()["code"] == "TOO_MANY_ACTIVATIONS" and fourth.json()["activated"] is False
    assert fourth.json()["error"] == "This license key has reached the activation limit."

    devices = kit.http.get("/v1/me/devices", headers=bearer(acc)).json()["devices"]
    openapi.validate("/v1/me/devices", "get", 200, {"devices": devices})
    assert sorted(d["id"] for d in devices) == sorted(instances)
    other = kit.signed_in()
    assert kit.http.delete(f"/v1/me/devices/{instances[0]}", headers=bearer(other)).status_code == 404
    assert kit.http.delete(f"/v1/me/devices/{instances[0]}", headers=bearer(acc)).status_code == 204
    assert len(kit.http.get("/v1/me/devices", headers=bearer(acc)).json()["devices"]) == 2

    again = licence_call(kit, "activate", license_key=key, instance_name="PC", fingerprint="fp-3")
    assert again.status_code == 200 and again.json()["code"] == "ACTIVATED", again.text
    instance = again.json()["instance"]["id"]

    valid = licence_call(kit, "validate", form=True, license_key=key, instance_id=instance, fingerprint="fp-3")
    assert valid.status_code == 200 and valid.json()["valid"] is True and valid.json()["code"] == "VALID", valid.text
    openapi.validate("/v1/licenses/validate", "post", 200, valid.json())
    openapi.validate("/v1/entitlements/jwks.json", "get", 200, kit.http.get("/v1/entitlements/jwks.json").json())
    claims = verify_with_jwks(kit, valid.json()["entitlement_token"])
    assert claims["fingerprint"] == "fp-3" and claims["sub"] == acc.user_id and claims["license"]
    assert [e["code"] for e in claims["entitlements"]] == ["scritorio_pro"]
    assert claims["exp"] - claims["iat"] == 7 * 86_400 and claims["server_time"] == claims["iat"]
    with pytest.raises(jwt.InvalidTokenError):
        verify_with_jwks(kit, tampered(valid.json()["entitlement_token"]))

    wrong = licence_call(kit, "validate", license_key=key, instance_id=instance, fingerprint="fp-other")
    assert wrong.status_code == 400 and wrong.json()["code"] == "FINGERPRINT_MISMATCH"
    missing = licence_call(kit, "validate", license_key="SCR-00000-00000-00000-00000")
    assert missing.status_code == 404 and missing.json()["code"] == "NOT_FOUND"
    openapi.validate("/v1/licenses/validate", "post", 404, missing.json())

    # The account's own document: the union of the subscription and the licence.
    ents = kit.http.get("/v1/me/entitlements", headers=bearer(acc)).json()
    openapi.validate("/v1/me/entitlements", "get", 200, ents)
    assert {s["type"] for s in ents["entitlements"][0]["sources"]} == {"subscription", "license"}
    mine = verify_with_jwks(kit, ents["entitlementToken"])
    assert mine["sub"] == acc.user_id and "license" not in mine
    with pytest.raises(jwt.InvalidTokenError):
        verify_with_jwks(kit, tampered(ents["entitlementToken"]))


def test_key_expires_with_its_subscription(kit):
    acc = kit.signed_in()
    sub_id, licence = buy(kit, acc)
    key = licence["key"]
    kit.remember(key)
    r = licence_call(kit, "activate", license_key=key, instance_name="Mac", fingerprint="fp-mac")
    assert r.status_code == 200, r.text
    instance = r.json()["instance"]["id"]

    cancel = kit.http.post("/v1/me/subscription/cancel", headers=bearer(acc))
    assert cancel.status_code == 200, cancel.text
    # Cancelled at period end: still valid, now with an end date.
    dated = wait_for(lambda: [l for l in licenses(kit, acc) if l["expiresAt"]], "the key to take the end date")
    assert dated[0]["status"] == "active"
    assert licence_call(kit, "validate", license_key=key, instance_id=instance, fingerprint="fp-mac").json()["code"] == "VALID"

    ended = kit.http.post(f"/sandbox/paddle/subscriptions/{sub_id}/end-period")
    assert ended.status_code == 200, ended.text
    wait_for(lambda: licenses(kit, acc)[0]["status"] == "expired", "the key to expire")
    expired = licence_call(kit, "validate", license_key=key, instance_id=instance, fingerprint="fp-mac")
    assert expired.status_code == 400 and expired.json()["code"] == "EXPIRED" and expired.json()["valid"] is False
    assert expired.json()["license_key"]["status"] == "expired" and expired.json()["entitlement_token"] is None
    refused = licence_call(kit, "activate", license_key=key, instance_name="PC")
    assert refused.status_code == 400 and refused.json()["code"] == "EXPIRED"
    # Freeing a seat still works on an expired key.
    off = licence_call(kit, "deactivate", license_key=key, instance_id=instance)
    assert off.status_code == 200 and off.json()["deactivated"] is True


def test_bad_licence_requests_answer_in_shape(kit, openapi):
    assert licence_call(kit, "validate").status_code == 422
    r = kit.http.post("/v1/licenses/activate", content=b"{oops", headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and r.json()["code"] == "VALIDATION_FAILED" and r.json()["activated"] is False
    openapi.validate("/v1/licenses/activate", "post", 422, r.json())
    r = licence_call(kit, "deactivate", form=True, license_key="abc")
    assert r.status_code == 422 and r.json()["error"] == "The instance_id field is required."
    assert kit.http.get("/v1/me/licenses").status_code == 401
