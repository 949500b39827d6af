import Foundation
import ScritorioCore
import _CryptoExtras

/// A stand-in for Google's ID-token issuer: an RS256 key with a JWKS, minting ID tokens shaped like Google's
/// (`iss https://accounts.google.com`, `aud` the app's client id, `email_verified`, optional `nonce`).
public struct FakeGoogleIssuer: Sendable {
    public static let issuer = "https://accounts.google.com"

    public let clientID: String
    private let key: JWTSigningKey

    /// Generates a fresh 2048-bit key.
    public init(clientID: String) throws {
        self.clientID = clientID
        let privateKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        self.key = JWTSigningKey(kid: "sandbox-google-\(SecretToken.random(count: 8))", material: .rs256(privateKey))
    }

    /// The issuer's public keys, as Google publishes them.
    public func jwks() throws -> JWKS {
        guard case .rs256(let privateKey) = key.material else { return JWKS(keys: []) }
        return JWKS(keys: [try JWK(rsa: privateKey.publicKey, kid: key.kid)])
    }

    /// Google's ID token claims.
    public struct Claims: Codable, Sendable {
        public var iss: String
        public var azp: String
        public var aud: String
        public var sub: String
        public var email: String
        public var email_verified: Bool
        public var name: String?
        public var picture: String?
        public var nonce: String?
        public var iat: Int64
        public var exp: Int64
    }

    /// Mints an ID token for `email`. `sub` defaults to a stable value derived from the email, so signing in
    /// twice with the same address is the same Google account, as it would be.
    public func mint(
        email: String, sub: String?, nonce: String?, name: String?, audience: String? = nil,
        emailVerified: Bool = true, now: Date, lifetime: TimeInterval = 3600
    ) throws -> String {
        let subject = sub ?? String(OneTimeCodeHash.sha256Hex(email.lowercased()).filter(\.isNumber).prefix(21))
        let iat = Int64(now.timeIntervalSince1970)
        let claims = Claims(
            iss: Self.issuer, azp: audience ?? clientID, aud: audience ?? clientID, sub: subject, email: email,
            email_verified: emailVerified, name: name, picture: nil, nonce: nonce, iat: iat,
            exp: iat + Int64(lifetime))
        return try key.sign(claims)
    }
}
