import Crypto
import Foundation
import _CryptoExtras

/// Keys of the JWT signers: a JWK from a key, and the key a published JWK describes (server-side only; the SDK
/// needs just the data types and Ed25519, which live in ScritorioModels).
extension JWK {
    /// The public JWK of a P-256 key.
    public init(p256 key: P256.Signing.PublicKey, kid: String) {
        let point = key.x963Representation.dropFirst()
        self.init(
            kty: "EC", kid: kid, alg: "ES256", crv: "P-256",
            x: Base64URL.encode(point.prefix(32)), y: Base64URL.encode(point.suffix(32)))
    }

    /// The public JWK of an RSA key.
    public init(rsa key: _RSA.Signing.PublicKey, kid: String) throws {
        let primitives = try key.getKeyPrimitives()
        self.init(
            kty: "RSA", kid: kid, alg: "RS256",
            n: Base64URL.encode(primitives.modulus), e: Base64URL.encode(primitives.publicExponent))
    }

    /// The RFC 7638 thumbprint of a P-256 key, used as its `kid` so a key always has the same id.
    public static func thumbprint(p256 key: P256.Signing.PublicKey) -> String {
        let jwk = JWK(p256: key, kid: "")
        let canonical = #"{"crv":"P-256","kty":"EC","x":"\#(jwk.x ?? "")","y":"\#(jwk.y ?? "")"}"#
        return Base64URL.encode(Data(SHA256.hash(data: Data(canonical.utf8))))
    }

    /// The verification key this JWK describes; `nil` for key types Scritorio does not verify.
    public func verificationKey() -> JWTVerificationKey? {
        switch kty {
        case "EC":
            guard crv == "P-256", alg == nil || alg == "ES256", let x = x.flatMap(Base64URL.decode),
                let y = y.flatMap(Base64URL.decode), x.count == 32, y.count == 32,
                let key = try? P256.Signing.PublicKey(x963Representation: [0x04] + x + y)
            else { return nil }
            return JWTVerificationKey(kid: kid, material: .es256(key))
        case "RSA":
            guard alg == nil || alg == "RS256", let n = n.flatMap(Base64URL.decode),
                let e = e.flatMap(Base64URL.decode), let key = try? _RSA.Signing.PublicKey(n: n, e: e)
            else { return nil }
            return JWTVerificationKey(kid: kid, material: .rs256(key))
        default:
            return nil
        }
    }
}

extension JWKS {
    /// The keys Scritorio can verify with; unknown key types are skipped, not fatal.
    public var keySet: JWTKeySet { JWTKeySet(keys.compactMap { $0.verificationKey() }) }
}
