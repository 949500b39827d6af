import Crypto
import Foundation
import ScritorioCore
import Testing

@Suite("Signed entitlement documents")
struct EntitlementTokenTests {
    static let t0 = Date(timeIntervalSince1970: 1_790_000_000)

    static func document(ttl: TimeInterval = 7 * 86_400) -> EntitlementDocument {
        EntitlementDocument(
            issuer: "http://scritorio.test", subject: "6f1c2a52-3f7e-4a8e-9b0e-0c9d8e7f6a5b", fingerprint: "dev-1",
            entitlements: [.init(code: "scritorio_pro", expiresAt: t0.addingTimeInterval(3600)), .init(code: "scritorio_ai", expiresAt: nil)],
            issuedAt: t0, expiresAt: t0.addingTimeInterval(ttl), serverTime: t0)
    }

    @Test("signed and verified: the header is EdDSA with the key's thumbprint, the claims come back as signed")
    func roundTrip() throws {
        let signer = EntitlementTokenSigner(privateKey: Curve25519.Signing.PrivateKey())
        let token = try signer.sign(Self.document())
        let header = try JSONSerialization.jsonObject(with: Base64URL.decode(String(token.split(separator: ".")[0]))!) as! [String: String]
        #expect(header == ["alg": "EdDSA", "kid": signer.kid, "typ": "entitlements+jwt"])
        #expect(signer.publicJWK.kty == "OKP" && signer.publicJWK.crv == "Ed25519" && signer.publicJWK.kid == signer.kid)

        let verifier = EntitlementTokenVerifier(jwks: JWKS(keys: [signer.publicJWK]))
        let document = try verifier.verify(token, now: Self.t0.addingTimeInterval(60))
        #expect(document == Self.document())
        #expect(document.activeCodes(at: Self.t0.addingTimeInterval(60)) == ["scritorio_pro", "scritorio_ai"])
        #expect(document.activeCodes(at: Self.t0.addingTimeInterval(7200)) == ["scritorio_ai"])
        #expect(document.grants("scritorio_ai", at: Self.t0) && !document.grants("other", at: Self.t0))
    }

    @Test("the signed payload is exactly the sorted-key JSON of the document, escapes included")
    func payloadBytes() throws {
        let signer = EntitlementTokenSigner(privateKey: Curve25519.Signing.PrivateKey())
        var document = Self.document()
        document.fingerprint = "quote \" backslash \\ tab \t nl \n bell \u{7} é/ü"
        document.license = "0b7e5e4c-1d2a-4c55-8a44-3b1f2e9d7c60"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for doc in [document, EntitlementDocument(subject: nil, entitlements: [], issuedAt: Self.t0, expiresAt: Self.t0, serverTime: Self.t0)] {
            let token = try signer.sign(doc)
            let payload = try #require(Base64URL.decode(String(token.split(separator: ".")[1])))
            #expect(String(decoding: payload, as: UTF8.self) == String(decoding: try encoder.encode(doc), as: UTF8.self))
            #expect(try JSONDecoder().decode(EntitlementDocument.self, from: payload) == doc)
        }
    }

    @Test("changing any single byte of the token makes it fail")
    func everyByteTampered() throws {
        let signer = EntitlementTokenSigner(privateKey: Curve25519.Signing.PrivateKey())
        let token = Array(try signer.sign(Self.document()).utf8)
        let verifier = EntitlementTokenVerifier(keys: [signer.kid: signer.publicJWK.x.flatMap(Base64URL.decode).map {
            try! Curve25519.Signing.PublicKey(rawRepresentation: $0)
        }!])
        let now = Self.t0.addingTimeInterval(1)
        #expect(throws: Never.self) { try verifier.verify(String(decoding: token, as: UTF8.self), now: now) }
        var accepted = 0
        for index in token.indices {
            var changed = token
            changed[index] = changed[index] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
            if (try? verifier.verify(String(decoding: changed, as: UTF8.self), now: now)) != nil { accepted += 1 }
        }
        // base64url's last character carries spare bits; a change there that decodes to the same bytes is the same
        // token, not a forgery. Everything else must be refused.
        #expect(accepted <= 1)
    }

    @Test("expiry, clock skew, rotation: a retired key still verifies its documents while published")
    func windowAndRotation() throws {
        let old = EntitlementTokenSigner(privateKey: Curve25519.Signing.PrivateKey())
        let new = EntitlementTokenSigner(privateKey: Curve25519.Signing.PrivateKey())
        let oldToken = try old.sign(Self.document(ttl: 600))
        let both = EntitlementTokenVerifier(jwks: JWKS(keys: [new.publicJWK, old.publicJWK]))
        #expect(try both.verify(oldToken, now: Self.t0).license == nil)
        #expect(throws: EntitlementTokenVerifier.Failure.expired(Self.t0.addingTimeInterval(600))) {
            try both.verify(oldToken, now: Self.t0.addingTimeInterval(600))
        }
        #expect(throws: EntitlementTokenVerifier.Failure.notYetValid(Self.t0)) { try both.verify(oldToken, now: Self.t0.addingTimeInterval(-301)) }
        #expect(try both.verify(oldToken, now: Self.t0.addingTimeInterval(-299)).subject != nil)
        let onlyNew = EntitlementTokenVerifier(jwks: JWKS(keys: [new.publicJWK]))
        #expect(throws: EntitlementTokenVerifier.Failure.unknownKey(old.kid)) { try onlyNew.verify(oldToken, now: Self.t0) }
        #expect(throws: EntitlementTokenVerifier.Failure.malformed) { try onlyNew.verify("not a token", now: Self.t0) }
    }

    // MARK: Vectors signed by another implementation (PyJWT), committed in Tests/Fixtures.

    struct Vectors: Decodable {
        struct Vector: Decodable {
            struct Expect: Decodable {
                var sub: String?
                var license: String?
                var fingerprint: String?
                var server_time: Int64
                var exp: Int64
                var entitlements: [EntitlementDocument.Entitlement]
                var active_codes: [String]
            }

            var name: String
            var token: String
            var now: Int64
            var expect: Expect?
            var error: String?
        }

        var private_key_seed_hex: String
        var jwks: JWKS
        var vectors: [Vector]
    }

    static func vectors() throws -> Vectors {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/entitlement-vectors.json")
        return try JSONDecoder().decode(Vectors.self, from: Data(contentsOf: url))
    }

    @Test("test vectors: each token verifies, or fails for the listed reason")
    func testVectors() throws {
        let file = try Self.vectors()
        #expect(file.vectors.count >= 10)
        let verifier = EntitlementTokenVerifier(jwks: file.jwks)
        for vector in file.vectors {
            let now = Date(timeIntervalSince1970: TimeInterval(vector.now))
            do {
                let document = try verifier.verify(vector.token, now: now)
                let expect = try #require(vector.expect, "\(vector.name) verified but should fail with \(vector.error ?? "?")")
                #expect(document.subject == expect.sub, "\(vector.name)")
                #expect(document.license == expect.license, "\(vector.name)")
                #expect(document.fingerprint == expect.fingerprint, "\(vector.name)")
                #expect(document.serverTime == Date(timeIntervalSince1970: TimeInterval(expect.server_time)), "\(vector.name)")
                #expect(document.expiresAt == Date(timeIntervalSince1970: TimeInterval(expect.exp)), "\(vector.name)")
                #expect(document.entitlements == expect.entitlements, "\(vector.name)")
                #expect(document.activeCodes(at: now) == expect.active_codes, "\(vector.name)")
            } catch let error as EntitlementTokenVerifier.Failure {
                let reason = switch error {
                case .malformed: "malformed"
                case .unsupportedHeader: "unsupportedHeader"
                case .unknownKey: "unknownKey"
                case .badSignature: "badSignature"
                case .expired: "expired"
                case .notYetValid: "notYetValid"
                }
                #expect(reason == vector.error, "\(vector.name): \(reason)")
            }
        }
    }

    @Test("the vectors' key signs documents the vectors' JWKS verifies, and its kid is the RFC 7638 thumbprint")
    func vectorKey() throws {
        let file = try Self.vectors()
        let seed = stride(from: 0, to: file.private_key_seed_hex.count, by: 2).map { offset -> UInt8 in
            let start = file.private_key_seed_hex.index(file.private_key_seed_hex.startIndex, offsetBy: offset)
            return UInt8(file.private_key_seed_hex[start..<file.private_key_seed_hex.index(start, offsetBy: 2)], radix: 16)!
        }
        let signer = EntitlementTokenSigner(privateKey: try Curve25519.Signing.PrivateKey(rawRepresentation: seed))
        #expect(signer.publicJWK.x == file.jwks.keys.first?.x)
        #expect(signer.kid == file.jwks.keys.first?.kid)
        let token = try signer.sign(Self.document())
        #expect(try EntitlementTokenVerifier(jwks: file.jwks).verify(token, now: Self.t0) == Self.document())
    }
}
