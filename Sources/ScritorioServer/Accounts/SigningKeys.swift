import Crypto
import Foundation
import ScritorioCore

/// Scritorio's ES256 signing keys, kept in `jwt-keys.json` in the data directory (mode 0600). The first key is
/// current; rotated-out keys stay published in the JWKS until tokens they signed have expired, so rotation never
/// signs anybody out.
public struct SigningKeys: Sendable {
    struct StoredKey: RotatableStoredKey {
        var kid: String
        var private_key_pem: String
        var created_at: Date
        var retired_at: Date?
    }

    typealias File = KeyFile<StoredKey>

    /// Signs new tokens.
    public let current: JWTSigningKey
    /// Every key whose tokens may still be valid (current first).
    public let published: [JWTSigningKey]

    /// The public JWKS document.
    public var jwks: JWKS {
        JWKS(keys: published.compactMap { key in
            guard case .es256(let privateKey) = key.material else { return nil }
            return JWK(p256: privateKey.publicKey, kid: key.kid)
        })
    }

    /// Verification keys for tokens this server signed.
    public var keySet: JWTKeySet { JWTKeySet(published.map(\.verificationKey)) }

    init(current: JWTSigningKey, published: [JWTSigningKey]) {
        self.current = current
        self.published = published
    }

    static func path(in directory: String) -> String { directory + "/jwt-keys.json" }

    /// Loads the keys, creating the first one on first start. A PEM from the environment, when given, is the
    /// current key; keys in the file remain valid for verification.
    public static func load(directory: String, environmentPEM: String?, now: Date) throws -> SigningKeys {
        var file = try File.read(path: path(in: directory))
        if file.keys.isEmpty && environmentPEM == nil {
            file.keys = [newStoredKey(now: now)]
            try file.write(path: path(in: directory))
        }
        // The newest key is first: `rotate` inserts there.
        var keys = try file.keys.map(signingKey)
        if let pem = environmentPEM {
            let privateKey = try P256.Signing.PrivateKey(pemRepresentation: pem.replacingOccurrences(of: "\\n", with: "\n"))
            let key = JWTSigningKey(kid: JWK.thumbprint(p256: privateKey.publicKey), material: .es256(privateKey))
            keys.removeAll { $0.kid == key.kid }
            keys.insert(key, at: 0)
        }
        guard let current = keys.first else { throw ConfigError(description: "no signing key available") }
        return SigningKeys(current: current, published: keys)
    }

    /// Makes a new current key; the old one is retired but stays published for `keepRetiredFor`.
    @discardableResult
    public static func rotate(directory: String, now: Date, keepRetiredFor: TimeInterval) throws -> String {
        var file = try File.read(path: path(in: directory))
        let key = newStoredKey(now: now)
        file.rotate(to: key, now: now, keepRetiredFor: keepRetiredFor)
        try file.write(path: path(in: directory))
        return key.kid
    }

    private static func newStoredKey(now: Date) -> StoredKey {
        let key = P256.Signing.PrivateKey()
        return StoredKey(
            kid: JWK.thumbprint(p256: key.publicKey), private_key_pem: key.pemRepresentation, created_at: now,
            retired_at: nil)
    }

    private static func signingKey(_ stored: StoredKey) throws -> JWTSigningKey {
        JWTSigningKey(kid: stored.kid, material: .es256(try P256.Signing.PrivateKey(pemRepresentation: stored.private_key_pem)))
    }
}
