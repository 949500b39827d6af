import Crypto
import Foundation
import ScritorioCore
import Testing
import _CryptoExtras

@Suite("JWK and JWKS")
struct JWKTests {
    @Test func p256JWKHasTheRFC7518Shape() throws {
        let key = P256.Signing.PrivateKey().publicKey
        let jwk = JWK(p256: key, kid: "k1")
        #expect(jwk.kty == "EC")
        #expect(jwk.crv == "P-256")
        #expect(jwk.alg == "ES256")
        #expect(jwk.kid == "k1")
        #expect(jwk.use == "sig")
        #expect(jwk.key_ops == ["verify"])
        #expect(jwk.n == nil && jwk.e == nil)

        let x = try #require(jwk.x.flatMap(Base64URL.decode))
        let y = try #require(jwk.y.flatMap(Base64URL.decode))
        #expect(x.count == 32)
        #expect(y.count == 32)
        #expect(Data([0x04]) + x + y == key.x963Representation)
        #expect(jwk.x?.contains("=") == false)
    }

    @Test func p256JWKEncodesWithoutRSAFields() throws {
        let jwk = JWK(p256: P256.Signing.PrivateKey().publicKey, kid: "k1")
        let object = try #require(
            try JSONSerialization.jsonObject(with: JSONEncoder().encode(jwk)) as? [String: Any])
        #expect(Set(object.keys) == ["kty", "kid", "alg", "use", "key_ops", "crv", "x", "y"])
    }

    @Test func verificationKeyFromJWKVerifiesTokensOfTheOriginalKey() throws {
        let signer = JWTSigningKey(kid: "k1", material: .es256(P256.Signing.PrivateKey()))
        guard case .es256(let privateKey) = signer.material else { return }
        // Through JSON, as a client fetching the JWKS would see it.
        let published = try JSONEncoder().encode(JWKS(keys: [JWK(p256: privateKey.publicKey, kid: "k1")]))
        let jwks = try JSONDecoder().decode(JWKS.self, from: published)
        let key = try #require(jwks.keys.first?.verificationKey())
        #expect(key.kid == "k1")
        #expect(key.algorithm == "ES256")

        let token = try signer.sign(["sub": "u1"])
        let (_, payload) = try JWTKeySet([key]).verify(token)
        #expect(try JSONDecoder().decode([String: String].self, from: payload) == ["sub": "u1"])

        let stranger = JWTSigningKey(kid: "k1", material: .es256(P256.Signing.PrivateKey()))
        #expect(throws: JWTError.badSignature) { try jwks.keySet.verify(try stranger.sign(["sub": "u1"])) }
    }

    @Test func rsaJWKRoundTrip() throws {
        let publicKey = Fixture.rsaKey.publicKey
        let jwk = try JWK(rsa: publicKey, kid: "rs")
        #expect(jwk.kty == "RSA")
        #expect(jwk.alg == "RS256")
        #expect(jwk.crv == nil && jwk.x == nil && jwk.y == nil)
        // A 2048-bit modulus is 256 bytes with no sign byte; e is 65537.
        #expect(try #require(jwk.n.flatMap(Base64URL.decode)).count == 256)
        #expect(jwk.e == "AQAB")

        let decoded = try JSONDecoder().decode(JWK.self, from: JSONEncoder().encode(jwk))
        #expect(decoded == jwk)
        let key = try #require(decoded.verificationKey())
        #expect(key.algorithm == "RS256")
        let token = try JWTSigningKey(kid: "rs", material: .rs256(Fixture.rsaKey)).sign(["sub": "g"])
        #expect(throws: Never.self) { try JWTKeySet([key]).verify(token) }
    }

    @Test func verificationKeyRejectsUnusableJWKs() {
        let good = JWK(p256: P256.Signing.PrivateKey().publicKey, kid: "k")
        var wrongCurve = good
        wrongCurve.crv = "P-384"
        var wrongAlg = good
        wrongAlg.alg = "ES384"
        var shortX = good
        shortX.x = Base64URL.encode(Data(repeating: 1, count: 31))
        var notOnCurve = good
        notOnCurve.y = Base64URL.encode(Data(repeating: 0, count: 32))
        var missingY = good
        missingY.y = nil
        var noAlg = good
        noAlg.alg = nil
        let okp = JWK(kty: "OKP", kid: "ed", alg: "EdDSA", crv: "Ed25519", x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")
        let oct = JWK(kty: "oct", kid: "hs", alg: "HS256")
        let rsaWrongAlg = JWK(kty: "RSA", kid: "r", alg: "RS512", n: "AQAB", e: "AQAB")

        #expect(good.verificationKey() != nil)
        #expect(noAlg.verificationKey() != nil, "alg is optional in a JWK")
        for bad in [wrongCurve, wrongAlg, shortX, notOnCurve, missingY, okp, oct, rsaWrongAlg] {
            #expect(bad.verificationKey() == nil, "\(bad)")
        }
    }

    @Test func jwksKeySetSkipsUnknownKeyTypes() throws {
        let json = """
            {"keys":[
              {"kty":"OKP","kid":"ed","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
              \(String(decoding: try JSONEncoder().encode(JWK(p256: P256.Signing.PrivateKey().publicKey, kid: "ec")), as: UTF8.self)),
              {"kty":"oct","kid":"hs","k":"c2VjcmV0"}
            ]}
            """
        let jwks = try decodeJSON(JWKS.self, json)
        #expect(jwks.keys.count == 3)
        #expect(jwks.keySet.keys.map(\.kid) == ["ec"])
    }

    @Test func emptyJWKSHasNoKeys() throws {
        #expect(try decodeJSON(JWKS.self, #"{"keys":[]}"#).keySet.keys.isEmpty)
        #expect(try encodeJSON(JWKS(keys: [])) == #"{"keys":[]}"#)
    }

    @Test func thumbprintIsStableAndDistinct() {
        let a = P256.Signing.PrivateKey().publicKey
        let b = P256.Signing.PrivateKey().publicKey
        #expect(JWK.thumbprint(p256: a) == JWK.thumbprint(p256: a))
        #expect(JWK.thumbprint(p256: a) == JWK.thumbprint(p256: try! P256.Signing.PublicKey(x963Representation: a.x963Representation)))
        #expect(JWK.thumbprint(p256: a) != JWK.thumbprint(p256: b))
    }

    @Test func thumbprintIsRFC7638OverTheCanonicalECMembers() throws {
        let key = P256.Signing.PrivateKey().publicKey
        let point = key.x963Representation
        let x = Base64URL.encode(point[1..<33])
        let y = Base64URL.encode(point[33..<65])
        // RFC 7638 §3.2: required members only, lexicographic order, no whitespace.
        let canonical = "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"\(x)\",\"y\":\"\(y)\"}"
        let expected = Base64URL.encode(Data(SHA256.hash(data: Data(canonical.utf8))))
        let thumbprint = JWK.thumbprint(p256: key)
        #expect(thumbprint == expected)
        #expect(thumbprint.count == 43)
    }

    @Test func thumbprintOfAFixedKey() throws {
        // RFC 7515 Appendix A.3's P-256 key. Expected value computed independently with Python:
        // base64url(sha256('{"crv":"P-256","kty":"EC","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",'
        //                   '"y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}')), unpadded.
        let x = try #require(Base64URL.decode("f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"))
        let y = try #require(Base64URL.decode("x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"))
        let key = try P256.Signing.PublicKey(x963Representation: Data([0x04]) + x + y)
        #expect(JWK.thumbprint(p256: key) == "oKIywvGUpTVTyxMQ3bwIIeQUudfr_CkLMjCE19ECD-U")
    }
}
