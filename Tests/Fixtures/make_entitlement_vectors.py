"""Writes entitlement-vectors.json: Ed25519 entitlement documents signed by an independent JOSE implementation
(PyJWT + cryptography), which the Swift verifier must accept or refuse exactly as listed.

    .build/e2e-venv/bin/python Tests/Fixtures/make_entitlement_vectors.py > Tests/Fixtures/entitlement-vectors.json

The key is RFC 8032's test 1 key (public test material, never used for anything else).
"""
import base64, hashlib, json
import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization

SEED = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
key = Ed25519PrivateKey.from_private_bytes(SEED)
public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
x = b64(public)
kid = b64(hashlib.sha256(json.dumps({"crv": "Ed25519", "kty": "OKP", "x": x}, separators=(",", ":"), sort_keys=True).encode()).digest())
HEADERS = {"kid": kid, "typ": "entitlements+jwt"}
IAT = 1_790_000_000
EXP = IAT + 7 * 86_400

def sign(payload, headers=HEADERS, signer=key, algorithm="EdDSA"):
    return jwt.encode(payload, signer, algorithm=algorithm, headers=headers)

def flip(token, part, index):
    """The token with one character of one segment replaced by another base64url character."""
    parts = token.split(".")
    s = parts[part]
    c = "A" if s[index] != "A" else "B"
    parts[part] = s[:index] + c + s[index + 1:]
    return ".".join(parts)

user = {"iss": "http://scritorio.test", "sub": "6f1c2a52-3f7e-4a8e-9b0e-0c9d8e7f6a5b",
        "entitlements": [{"code": "scritorio_pro", "expires_at": EXP + 86_400}, {"code": "scritorio_ai", "expires_at": None}],
        "iat": IAT, "exp": EXP, "server_time": IAT}
lic = {"iss": "http://scritorio.test", "license": "0b7e5e4c-1d2a-4c55-8a44-3b1f2e9d7c60", "fingerprint": "mac-7f3a9c",
       "entitlements": [{"code": "scritorio_pro", "expires_at": IAT + 3600}], "iat": IAT, "exp": EXP, "server_time": IAT}
good = sign(user)
other = Ed25519PrivateKey.from_private_bytes(bytes(32))
vectors = [
    {"name": "user document", "token": good, "now": IAT + 100,
     "expect": {"sub": user["sub"], "license": None, "fingerprint": None, "server_time": IAT, "exp": EXP,
                "entitlements": user["entitlements"], "active_codes": ["scritorio_pro", "scritorio_ai"]}},
    {"name": "licence document bound to a device; its entitlement ended before the document", "token": sign(lic), "now": IAT + 7200,
     "expect": {"sub": None, "license": lic["license"], "fingerprint": "mac-7f3a9c", "server_time": IAT, "exp": EXP,
                "entitlements": lic["entitlements"], "active_codes": []}},
    {"name": "expired", "token": good, "now": EXP + 1, "error": "expired"},
    {"name": "issued in the future (beyond the clock skew)", "token": good, "now": IAT - 3600, "error": "notYetValid"},
    {"name": "one payload character changed", "token": flip(good, 1, 40), "now": IAT + 100, "error": "badSignature"},
    {"name": "one signature character changed", "token": flip(good, 2, 10), "now": IAT + 100, "error": "badSignature"},
    {"name": "signed by another key under the same kid", "token": sign(user, signer=other), "now": IAT + 100, "error": "badSignature"},
    {"name": "unknown kid", "token": sign(user, headers={"kid": "not-published", "typ": "entitlements+jwt"}), "now": IAT + 100,
     "error": "unknownKey"},
    {"name": "not typed as an entitlement document", "token": sign(user, headers={"kid": kid, "typ": "JWT"}), "now": IAT + 100,
     "error": "unsupportedHeader"},
    {"name": "HS256 with the public key as secret (algorithm confusion)",
     "token": jwt.encode(user, "x" * 32, algorithm="HS256", headers=HEADERS), "now": IAT + 100, "error": "unsupportedHeader"},
    {"name": "two segments", "token": ".".join(good.split(".")[:2]), "now": IAT + 100, "error": "malformed"},
]
print(json.dumps({
    "about": "Entitlement documents (compact JWS, EdDSA/Ed25519, RFC 8037) signed with PyJWT; made by make_entitlement_vectors.py.",
    "private_key_seed_hex": SEED.hex(),
    "jwks": {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "alg": "EdDSA", "use": "sig"}]},
    "vectors": vectors,
}, indent=2))
