import Crypto
import Foundation
import ScritorioCore

/// Scritorio's Ed25519 keys for signed entitlement documents, kept in `entitlement-keys.json` in the data
/// directory (mode 0600) or given by `SCRITORIO_ENTITLEMENT_PRIVATE_KEY`. The first key signs; rotated-out keys
/// stay published in the JWKS until every document they signed has expired, so rotation never makes an app's
/// cached document unverifiable.
public struct EntitlementKeys: Sendable {
    struct StoredKey: RotatableStoredKey {
        var kid: String
        /// base64url of the raw 32-byte private key.
        var private_key: String
        var created_at: Date
        var retired_at: Date?
    }

    typealias File = KeyFile<StoredKey>

    /// Signs new documents.
    public let current: EntitlementTokenSigner
    /// Every key whose documents may still be valid (current first).
    public let published: [EntitlementTokenSigner]

    /// `GET /v1/entitlements/jwks.json`.
    public var jwks: JWKS { JWKS(keys: published.map(\.publicJWK)) }

    static func path(in directory: String) -> String { directory + "/entitlement-keys.json" }

    /// Loads the keys (creating the first on first start). Retired keys older than `keepRetiredFor` are no longer
    /// published. A configured key, when given, signs; the file's keys stay published.
    public static func load(directory: String, configured: String?, now: Date, keepRetiredFor: TimeInterval) throws -> EntitlementKeys {
        var file = try File.read(path: path(in: directory))
        if file.keys.isEmpty && configured == nil {
            file.keys = [newStoredKey(now: now)]
            try file.write(path: path(in: directory))
        }
        var signers = try file.keys
            .filter { key in key.retired_at.map { now.timeIntervalSince($0) <= keepRetiredFor } ?? true }
            .map { stored -> EntitlementTokenSigner in
                guard let raw = Base64URL.decode(stored.private_key), raw.count == 32 else {
                    throw ConfigError(description: "\(path(in: directory)) holds an unreadable key")
                }
                return EntitlementTokenSigner(kid: stored.kid, privateKey: try Curve25519.Signing.PrivateKey(rawRepresentation: raw))
            }
        if let configured {
            let signer = EntitlementTokenSigner(privateKey: try parsePrivateKey(configured))
            signers.removeAll { $0.kid == signer.kid }
            signers.insert(signer, at: 0)
        }
        guard let current = signers.first else { throw ConfigError(description: "no entitlement signing key available") }
        return EntitlementKeys(current: current, published: signers)
    }

    /// Makes a new current key; the previous ones are retired and stay published for `keepRetiredFor`.
    @discardableResult
    public static func rotate(directory: String, now: Date, keepRetiredFor: TimeInterval) throws -> String {
        var file = try File.read(path: path(in: directory))
        let key = newStoredKey(now: now)
        file.rotate(to: key, now: now, keepRetiredFor: keepRetiredFor)
        try file.write(path: path(in: directory))
        return key.kid
    }

    /// A key given as a PKCS#8 PEM (`openssl genpkey -algorithm ed25519`) or as base64url of the raw 32 bytes.
    static func parsePrivateKey(_ text: String) throws -> Curve25519.Signing.PrivateKey {
        let text = text.replacingOccurrences(of: "\\n", with: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("-----BEGIN") {
            let body = text.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
            // PKCS#8 of an Ed25519 key: a fixed 16-byte prefix (version, OID 1.3.101.112, octet strings) + the seed.
            let prefix: [UInt8] = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]
            guard let der = Data(base64Encoded: body), der.count == 48, Array(der.prefix(16)) == prefix else {
                throw ConfigError(description: "SCRITORIO_ENTITLEMENT_PRIVATE_KEY is not an Ed25519 PKCS#8 PEM")
            }
            return try Curve25519.Signing.PrivateKey(rawRepresentation: der.suffix(32))
        }
        guard let raw = Base64URL.decode(text), raw.count == 32 else {
            throw ConfigError(description: "SCRITORIO_ENTITLEMENT_PRIVATE_KEY must be an Ed25519 PEM or 32 bytes in base64url")
        }
        return try Curve25519.Signing.PrivateKey(rawRepresentation: raw)
    }

    private static func newStoredKey(now: Date) -> StoredKey {
        let key = Curve25519.Signing.PrivateKey()
        return StoredKey(
            kid: JWK.thumbprint(ed25519: key.publicKey), private_key: Base64URL.encode(key.rawRepresentation), created_at: now,
            retired_at: nil)
    }
}

/// Signs the entitlement documents `GET /v1/me/entitlements` and licence validation return.
struct EntitlementDocuments: Sendable {
    let keys: EntitlementKeys
    let ttl: TimeInterval
    let issuer: String

    /// A document for a user's (or a licence's) entitlements at `now`.
    func token(
        subject: UserID?, license: String? = nil, fingerprint: String? = nil, entitlements: [EntitlementDocument.Entitlement], now: Date
    ) throws -> String {
        let document = EntitlementDocument(
            issuer: issuer, subject: subject?.description, license: license, fingerprint: fingerprint, entitlements: entitlements,
            issuedAt: now, expiresAt: now.addingTimeInterval(ttl), serverTime: now)
        return try keys.current.sign(document)
    }

    /// A document for the user's active entitlements.
    func token(subject: UserID, active: [ActiveEntitlement], now: Date) throws -> String {
        try token(subject: subject, entitlements: active.map { .init(code: $0.code, expiresAt: $0.expiresAt) }, now: now)
    }
}
