import Crypto
import Foundation

/// What a signed entitlement document says: who (a user, or a licence key), on which device, which entitlement
/// codes until when, and when it was issued by the server's clock.
///
/// On the wire it is the payload of a compact JWS (`alg: EdDSA`, Ed25519, RFC 8037) with the header
/// `{"alg":"EdDSA","kid":…,"typ":"entitlements+jwt"}` and these claims:
/// `sub` (user id, when a user is known), `license` (licence id, for documents of a licence validation),
/// `fingerprint` (device, if any), `entitlements: [{code, expires_at}]` (`expires_at` in Unix seconds or `null`
/// for no end), `iat`, `exp`, `server_time` (Unix seconds), `iss`.
public struct EntitlementDocument: Sendable, Equatable, Codable {
    /// One entitlement code and when it ends (`nil` = no known end).
    public struct Entitlement: Sendable, Equatable, Codable {
        public var code: String
        public var expiresAt: Date?

        public init(code: String, expiresAt: Date?) {
            self.code = code
            self.expiresAt = expiresAt
        }

        enum CodingKeys: String, CodingKey {
            case code
            case expiresAt = "expires_at"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            code = try c.decode(String.self, forKey: .code)
            expiresAt = try c.decodeIfPresent(Int64.self, forKey: .expiresAt).map { Date(timeIntervalSince1970: TimeInterval($0)) }
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(code, forKey: .code)
            try c.encode(expiresAt.map { Int64($0.timeIntervalSince1970.rounded(.down)) }, forKey: .expiresAt)
        }

        /// Whether this entitlement is in force at `now` (by a clock the caller trusts).
        public func isActive(at now: Date) -> Bool { expiresAt.map { now < $0 } ?? true }
    }

    public var issuer: String?
    /// The user the document is about, when known.
    public var subject: String?
    /// The licence the document is about (licence validation).
    public var license: String?
    /// The device the document is bound to, if any.
    public var fingerprint: String?
    public var entitlements: [Entitlement]
    public var issuedAt: Date
    public var expiresAt: Date
    /// The server's clock when it signed (an app keeps the latest it has seen to notice a clock set back).
    public var serverTime: Date

    public init(
        issuer: String? = nil, subject: String?, license: String? = nil, fingerprint: String? = nil, entitlements: [Entitlement],
        issuedAt: Date, expiresAt: Date, serverTime: Date
    ) {
        self.issuer = issuer
        self.subject = subject
        self.license = license
        self.fingerprint = fingerprint
        self.entitlements = entitlements
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.serverTime = serverTime
    }

    /// The codes granted at `now` (each entitlement's own end applies, on top of the document's `exp`).
    public func activeCodes(at now: Date) -> [String] { entitlements.filter { $0.isActive(at: now) }.map(\.code) }

    /// Whether `code` is granted at `now`.
    public func grants(_ code: String, at now: Date) -> Bool { entitlements.contains { $0.code == code && $0.isActive(at: now) } }

    enum CodingKeys: String, CodingKey {
        case issuer = "iss"
        case subject = "sub"
        case license, fingerprint, entitlements
        case issuedAt = "iat"
        case expiresAt = "exp"
        case serverTime = "server_time"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func date(_ key: CodingKeys) throws -> Date { Date(timeIntervalSince1970: TimeInterval(try c.decode(Int64.self, forKey: key))) }
        issuer = try c.decodeIfPresent(String.self, forKey: .issuer)
        subject = try c.decodeIfPresent(String.self, forKey: .subject)
        license = try c.decodeIfPresent(String.self, forKey: .license)
        fingerprint = try c.decodeIfPresent(String.self, forKey: .fingerprint)
        entitlements = try c.decode([Entitlement].self, forKey: .entitlements)
        issuedAt = try date(.issuedAt)
        expiresAt = try date(.expiresAt)
        serverTime = try date(.serverTime)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        func seconds(_ date: Date) -> Int64 { Int64(date.timeIntervalSince1970.rounded(.down)) }
        try c.encodeIfPresent(issuer, forKey: .issuer)
        try c.encodeIfPresent(subject, forKey: .subject)
        try c.encodeIfPresent(license, forKey: .license)
        try c.encodeIfPresent(fingerprint, forKey: .fingerprint)
        try c.encode(entitlements, forKey: .entitlements)
        try c.encode(seconds(issuedAt), forKey: .issuedAt)
        try c.encode(seconds(expiresAt), forKey: .expiresAt)
        try c.encode(seconds(serverTime), forKey: .serverTime)
    }
}

extension EntitlementDocument {
    /// The payload as compact JSON with sorted keys, written directly (what `JSONEncoder` with `.sortedKeys` gives,
    /// without its cost on the validation path).
    func compactJSON() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        func raw(_ text: StaticString) { out.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount)) }
        func int(_ date: Date) { out.append(contentsOf: String(Int64(date.timeIntervalSince1970.rounded(.down))).utf8) }
        func string(_ text: String) {
            out.append(34)
            for byte in text.utf8 {
                switch byte {
                case 34: raw(#"\""#)
                case 92: raw(#"\\"#)
                case 10: raw(#"\n"#)
                case 13: raw(#"\r"#)
                case 9: raw(#"\t"#)
                case 0..<32:
                    raw(#"\u00"#)
                    out.append(Array("0123456789abcdef".utf8)[Int(byte >> 4)])
                    out.append(Array("0123456789abcdef".utf8)[Int(byte & 15)])
                default: out.append(byte)
                }
            }
            out.append(34)
        }
        raw(#"{"entitlements":["#)
        for (index, entitlement) in entitlements.enumerated() {
            if index > 0 { out.append(44) }
            raw(#"{"code":"#)
            string(entitlement.code)
            raw(#","expires_at":"#)
            if let end = entitlement.expiresAt { int(end) } else { raw("null") }
            out.append(125)
        }
        raw(#"],"exp":"#)
        int(expiresAt)
        if let fingerprint { raw(#","fingerprint":"#); string(fingerprint) }
        raw(#","iat":"#)
        int(issuedAt)
        if let issuer { raw(#","iss":"#); string(issuer) }
        if let license { raw(#","license":"#); string(license) }
        raw(#","server_time":"#)
        int(serverTime)
        if let subject { raw(#","sub":"#); string(subject) }
        out.append(125)
        return out
    }
}

/// The `typ` header of entitlement documents (RFC 8725 §3.11: explicit typing, so an access token can never be
/// passed off as one).
public let entitlementTokenType = "entitlements+jwt"

/// Signs entitlement documents with one Ed25519 key.
public struct EntitlementTokenSigner: Sendable {
    public let kid: String
    let key: Curve25519.Signing.PrivateKey
    /// The header never changes for a key: encoded once.
    let encodedHeader: String

    public init(kid: String, privateKey: Curve25519.Signing.PrivateKey) {
        self.kid = kid
        self.key = privateKey
        self.encodedHeader = fastBase64URL(Array(#"{"alg":"EdDSA","kid":"\#(kid)","typ":"\#(entitlementTokenType)"}"#.utf8))
    }

    /// A signer whose `kid` is the RFC 7638 thumbprint of its public key.
    public init(privateKey: Curve25519.Signing.PrivateKey) {
        self.init(kid: JWK.thumbprint(ed25519: privateKey.publicKey), privateKey: privateKey)
    }

    /// The compact JWS of `document`.
    public func sign(_ document: EntitlementDocument) throws -> String {
        let input = encodedHeader + "." + fastBase64URL(document.compactJSON())
        return input + "." + fastBase64URL(Array(try key.signature(for: Data(input.utf8))))
    }


    /// The public key as a JWK (`kty: OKP`, `crv: Ed25519`).
    public var publicJWK: JWK { JWK(ed25519: key.publicKey, kid: kid) }
}

private let base64URLAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

/// Unpadded base64url by table (every validation signs a document; Foundation's string replacing is slow on Linux).
func fastBase64URL(_ bytes: [UInt8]) -> String {
    var out: [UInt8] = []
    out.reserveCapacity((bytes.count + 2) / 3 * 4)
    var index = 0
    while index + 3 <= bytes.count {
        let n = Int(bytes[index]) << 16 | Int(bytes[index + 1]) << 8 | Int(bytes[index + 2])
        out.append(base64URLAlphabet[n >> 18 & 63]); out.append(base64URLAlphabet[n >> 12 & 63])
        out.append(base64URLAlphabet[n >> 6 & 63]); out.append(base64URLAlphabet[n & 63])
        index += 3
    }
    switch bytes.count - index {
    case 1:
        let n = Int(bytes[index]) << 16
        out.append(base64URLAlphabet[n >> 18 & 63]); out.append(base64URLAlphabet[n >> 12 & 63])
    case 2:
        let n = Int(bytes[index]) << 16 | Int(bytes[index + 1]) << 8
        out.append(base64URLAlphabet[n >> 18 & 63]); out.append(base64URLAlphabet[n >> 12 & 63]); out.append(base64URLAlphabet[n >> 6 & 63])
    default: break
    }
    return String(decoding: out, as: UTF8.self)
}

/// Checks entitlement documents offline: the signature against published keys (a JWKS the app embeds or fetched
/// from `GET /v1/entitlements/jwks.json`), the header, and the validity window.
///
/// ```swift
/// let verifier = try EntitlementTokenVerifier(jwks: jwksData)
/// let document = try verifier.verify(token, now: Date())
/// if document.grants("scritorio_pro", at: Date()) { … }
/// ```
///
/// `now` is the caller's clock. An app should also keep the latest `serverTime` it has seen and treat a clock
/// earlier than that as tampered with (the verifier cannot know).
public struct EntitlementTokenVerifier: Sendable {
    /// Why a token was refused.
    public enum Failure: Error, Sendable, Equatable {
        /// Not three base64url parts, or a header/payload that is not the expected JSON.
        case malformed
        /// A header other than `alg: EdDSA` with `typ: entitlements+jwt`.
        case unsupportedHeader
        /// No published key has this `kid`.
        case unknownKey(String)
        /// The signature does not match (the token was changed, or signed by someone else).
        case badSignature
        /// `exp` has passed.
        case expired(Date)
        /// `iat` is later than `now` plus the allowed clock skew.
        case notYetValid(Date)
    }

    let keys: [String: Curve25519.Signing.PublicKey]
    /// Tolerated difference between the server's clock and the caller's for `iat`.
    public var clockSkew: TimeInterval = 300

    /// Verifies with these keys, by `kid`.
    public init(keys: [String: Curve25519.Signing.PublicKey]) {
        self.keys = keys
    }

    /// Verifies with the Ed25519 keys of a JWKS document (other key types are ignored).
    public init(jwks: JWKS) {
        var keys: [String: Curve25519.Signing.PublicKey] = [:]
        for jwk in jwks.keys where jwk.kty == "OKP" && jwk.crv == "Ed25519" {
            guard let kid = jwk.kid, let x = jwk.x.flatMap(Base64URL.decode), x.count == 32,
                let key = try? Curve25519.Signing.PublicKey(rawRepresentation: x)
            else { continue }
            keys[kid] = key
        }
        self.init(keys: keys)
    }

    /// Verifies with a JWKS document's bytes.
    public init(jwks data: Data) throws {
        self.init(jwks: try JSONDecoder().decode(JWKS.self, from: data))
    }

    /// The document, if `token` is signed by one of the keys, well formed, and valid at `now`.
    public func verify(_ token: String, now: Date) throws(Failure) -> EntitlementDocument {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerData = Base64URL.decode(parts[0]), let payloadData = Base64URL.decode(parts[1]),
            let signature = Base64URL.decode(parts[2]),
            let header = try? JSONDecoder().decode(Header.self, from: headerData)
        else { throw .malformed }
        guard header.alg == "EdDSA", header.typ == entitlementTokenType else { throw .unsupportedHeader }
        guard let kid = header.kid, let key = keys[kid] else { throw .unknownKey(header.kid ?? "") }
        let input = Data(token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count))
        guard key.isValidSignature(signature, for: input) else { throw .badSignature }
        guard let document = try? JSONDecoder().decode(EntitlementDocument.self, from: payloadData) else { throw .malformed }
        guard now < document.expiresAt else { throw .expired(document.expiresAt) }
        guard document.issuedAt <= now.addingTimeInterval(clockSkew) else { throw .notYetValid(document.issuedAt) }
        return document
    }

    struct Header: Decodable {
        var alg: String
        var kid: String?
        var typ: String?
    }
}

extension JWK {
    /// The public JWK of an Ed25519 key (RFC 8037).
    public init(ed25519 key: Curve25519.Signing.PublicKey, kid: String) {
        self.init(kty: "OKP", kid: kid, alg: "EdDSA", crv: "Ed25519", x: Base64URL.encode(key.rawRepresentation))
    }

    /// The RFC 7638 thumbprint of an Ed25519 key (`{"crv","kty","x"}`), used as its `kid`.
    public static func thumbprint(ed25519 key: Curve25519.Signing.PublicKey) -> String {
        let canonical = #"{"crv":"Ed25519","kty":"OKP","x":"\#(Base64URL.encode(key.rawRepresentation))"}"#
        return Base64URL.encode(Data(SHA256.hash(data: Data(canonical.utf8))))
    }
}
