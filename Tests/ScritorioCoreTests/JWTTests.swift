import Crypto
import Foundation
import ScritorioCore
import Testing
import _CryptoExtras

struct SamplePayload: Codable, Equatable {
    var sub: String
    var n: Int
    var url: String
}

@Suite("JWT signing and verification")
struct JWTTests {
    let es256 = JWTSigningKey(kid: "es-1", material: .es256(P256.Signing.PrivateKey()))
    let payload = SamplePayload(sub: "user-1", n: 42, url: "https://example.com/a/b")

    @Test func es256RoundTripReturnsHeaderAndPayload() throws {
        let token = try es256.sign(payload)
        #expect(HandmadeJWT.parts(token).count == 3)

        let (header, raw) = try JWTKeySet([es256.verificationKey]).verify(token)
        #expect(header == JWTHeader(alg: "ES256", typ: "JWT", kid: "es-1"))
        #expect(try JSONDecoder().decode(SamplePayload.self, from: raw) == payload)
        // Slashes are written unescaped, as GoTrue does.
        #expect(String(decoding: raw, as: UTF8.self).contains("https://example.com/a/b"))
    }

    @Test func es256SignatureIsRawSixtyFourBytes() throws {
        let token = try es256.sign(payload)
        let signature = try #require(Base64URL.decode(HandmadeJWT.parts(token)[2]))
        #expect(signature.count == 64)
    }

    @Test func alteredPayloadFailsWithBadSignature() throws {
        let parts = HandmadeJWT.parts(try es256.sign(payload))
        let forged = HandmadeJWT.segment(#"{"sub":"admin","n":42,"url":"https://example.com/a/b"}"#)
        let tampered = "\(parts[0]).\(forged).\(parts[2])"
        #expect(throws: JWTError.badSignature) { try JWTKeySet([es256.verificationKey]).verify(tampered) }
    }

    @Test func zeroedSignatureFailsWithBadSignature() throws {
        let parts = HandmadeJWT.parts(try es256.sign(payload))
        let tampered = "\(parts[0]).\(parts[1]).\(Base64URL.encode(Data(repeating: 0, count: 64)))"
        #expect(throws: JWTError.badSignature) { try JWTKeySet([es256.verificationKey]).verify(tampered) }
    }

    @Test func tokenFromAnotherKeyWithSameKidFails() throws {
        let impostor = JWTSigningKey(kid: es256.kid, material: .es256(P256.Signing.PrivateKey()))
        let token = try impostor.sign(payload)
        #expect(throws: JWTError.badSignature) { try JWTKeySet([es256.verificationKey]).verify(token) }
    }

    @Test func overlappingKeysWithSameKidAreAllTried() throws {
        let next = JWTSigningKey(kid: es256.kid, material: .es256(P256.Signing.PrivateKey()))
        let set = JWTKeySet([es256.verificationKey, next.verificationKey])
        #expect(throws: Never.self) { try set.verify(try next.sign(payload)) }
        #expect(throws: Never.self) { try set.verify(try es256.sign(payload)) }
    }

    @Test func algNoneIsUnsupported() throws {
        let body = HandmadeJWT.segment(#"{"sub":"admin"}"#)
        let token = "eyJhbGciOiJub25lIn0.\(body)."
        #expect(throws: JWTError.unsupportedAlgorithm("none")) { try JWTKeySet([es256.verificationKey]).verify(token) }
        // Even with a kid that matches a trusted key.
        let withKid = "\(HandmadeJWT.segment(#"{"alg":"none","kid":"es-1"}"#)).\(body)."
        #expect(throws: JWTError.unsupportedAlgorithm("none")) {
            try JWTKeySet([es256.verificationKey]).verify(withKid)
        }
    }

    @Test func otherAlgorithmsAreUnsupported() throws {
        let body = HandmadeJWT.segment(#"{"sub":"x"}"#)
        for alg in ["ES512", "RS512", "EdDSA", "hs256", ""] {
            let token = "\(HandmadeJWT.segment(#"{"alg":"\#(alg)","kid":"es-1"}"#)).\(body).AAAA"
            #expect(throws: JWTError.unsupportedAlgorithm(alg)) { try JWTKeySet([es256.verificationKey]).verify(token) }
        }
    }

    @Test(arguments: ["x963", "raw", "pem", "der"])
    func hs256WithPublicKeyBytesAsSecretIsRefused(encoding: String) throws {
        // The classic algorithm-confusion attack: sign HS256 using the public key's bytes as the HMAC secret
        // and name the ES256 key's kid, hoping the verifier runs HMAC with "the key".
        let publicKey = P256.Signing.PrivateKey().publicKey
        let victim = JWTVerificationKey(kid: "es-victim", material: .es256(publicKey))
        let keyBytes: Data = switch encoding {
        case "x963": publicKey.x963Representation
        case "raw": publicKey.rawRepresentation
        case "pem": Data(publicKey.pemRepresentation.utf8)
        default: publicKey.derRepresentation
        }
        let token = HandmadeJWT.hs256(
            header: #"{"alg":"HS256","typ":"JWT","kid":"es-victim"}"#, payload: #"{"sub":"admin"}"#,
            keyBytes: keyBytes)
        #expect(throws: JWTError.unknownKey) { try JWTKeySet([victim]).verify(token) }
        // An HS256 secret under another kid in the same set does not make it verify either.
        let legacy = JWTVerificationKey(kid: "legacy", material: .hs256(SymmetricKey(size: .bits256)))
        #expect(throws: JWTError.unknownKey) { try JWTKeySet([victim, legacy]).verify(token) }
    }

    @Test func hs256WithoutKidFallsBackToTheSharedSecret() throws {
        let secret = Data("super-secret-jwt-token-with-at-least-32-characters-long".utf8)
        let token = HandmadeJWT.hs256(
            header: #"{"alg":"HS256","typ":"JWT"}"#, payload: #"{"sub":"u","role":"anon"}"#, keyBytes: secret)
        let set = JWTKeySet([
            es256.verificationKey, JWTVerificationKey(kid: nil, material: .hs256(SymmetricKey(data: secret))),
        ])
        let (header, raw) = try set.verify(token)
        #expect(header.alg == "HS256")
        #expect(header.kid == nil)
        #expect(String(decoding: raw, as: UTF8.self) == #"{"sub":"u","role":"anon"}"#)
    }

    @Test func hs256WithWrongSecretFailsWithBadSignature() {
        let token = HandmadeJWT.hs256(
            header: #"{"alg":"HS256","typ":"JWT"}"#, payload: #"{"sub":"u"}"#, keyBytes: Data("secret-a".utf8))
        let set = JWTKeySet([JWTVerificationKey(kid: nil, material: .hs256(SymmetricKey(data: Data("secret-b".utf8))))])
        #expect(throws: JWTError.badSignature) { try set.verify(token) }
    }

    @Test func hs256WithUnknownKidIsNotCheckedAgainstTheSecret() {
        let secret = Data("secret".utf8)
        let token = HandmadeJWT.hs256(
            header: #"{"alg":"HS256","kid":"other"}"#, payload: #"{"sub":"u"}"#, keyBytes: secret)
        let set = JWTKeySet([JWTVerificationKey(kid: nil, material: .hs256(SymmetricKey(data: secret)))])
        #expect(throws: JWTError.unknownKey) { try set.verify(token) }
    }

    @Test func es256TokenWithoutKidIsUnknownKey() throws {
        let parts = HandmadeJWT.parts(try es256.sign(payload))
        // Re-sign with a header that has no kid, using the right key.
        let header = HandmadeJWT.segment(#"{"alg":"ES256","typ":"JWT"}"#)
        guard case .es256(let privateKey) = es256.material else {
            Issue.record("expected an ES256 key")
            return
        }
        let signature = try privateKey.signature(for: Data("\(header).\(parts[1])".utf8)).rawRepresentation
        let token = "\(header).\(parts[1]).\(Base64URL.encode(signature))"
        #expect(throws: JWTError.unknownKey) { try JWTKeySet([es256.verificationKey]).verify(token) }
    }

    @Test func rs256RoundTrip() throws {
        let rs256 = JWTSigningKey(kid: "rs-1", material: .rs256(Fixture.rsaKey))
        let token = try rs256.sign(payload)
        let set = JWTKeySet([es256.verificationKey, rs256.verificationKey])
        let (header, raw) = try set.verify(token)
        #expect(header.alg == "RS256")
        #expect(header.kid == "rs-1")
        #expect(try JSONDecoder().decode(SamplePayload.self, from: raw) == payload)
        #expect(try #require(Base64URL.decode(HandmadeJWT.parts(token)[2])).count == 256)

        let parts = HandmadeJWT.parts(token)
        let tampered = "\(parts[0]).\(HandmadeJWT.segment(#"{"sub":"admin"}"#)).\(parts[2])"
        #expect(throws: JWTError.badSignature) { try set.verify(tampered) }
    }

    @Test func rs256TokenIsNotCheckedAgainstAnES256KeyWithTheSameKid() throws {
        let rs256 = JWTSigningKey(kid: es256.kid, material: .rs256(Fixture.rsaKey))
        #expect(throws: JWTError.unknownKey) { try JWTKeySet([es256.verificationKey]).verify(try rs256.sign(payload)) }
    }

    @Test func unknownKidIsUnknownKey() throws {
        let other = JWTSigningKey(kid: "es-2", material: .es256(P256.Signing.PrivateKey()))
        #expect(throws: JWTError.unknownKey) { try JWTKeySet([es256.verificationKey]).verify(try other.sign(payload)) }
        #expect(throws: JWTError.unknownKey) { try JWTKeySet([]).verify(try es256.sign(payload)) }
    }

    @Test func malformedTokens() throws {
        let good = HandmadeJWT.parts(try es256.sign(payload))
        let set = JWTKeySet([es256.verificationKey])
        let cases = [
            "",
            "\(good[0]).\(good[1])",
            "\(good[0]).\(good[1]).\(good[2]).\(good[2])",
            "\(good[0])!.\(good[1]).\(good[2])",
            "\(good[0]).\(good[1]).\(good[2])$",
            "\(HandmadeJWT.segment("not json")).\(good[1]).\(good[2])",
            "\(HandmadeJWT.segment(#"{"typ":"JWT","kid":"es-1"}"#)).\(good[1]).\(good[2])",
            "\(HandmadeJWT.segment(#"["ES256"]"#)).\(good[1]).\(good[2])",
        ]
        for token in cases {
            #expect(throws: JWTError.malformed, "\(token)") { try set.verify(token) }
        }
    }
}
