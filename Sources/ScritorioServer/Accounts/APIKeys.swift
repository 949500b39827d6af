import Foundation
import ScritorioCore

/// The publishable (anon) key clients send in `apikey`: configured, or generated once and kept in the data
/// directory.
public enum PublishableKey {
    public static func load(directory: String, configured: String?) throws -> String {
        try StoredAPIKey.load(path: directory + "/publishable-key", configured: configured, prefix: "sb_publishable_")
    }
}

/// The secret (service role) key: configured, or generated once and kept in the data directory, readable by the
/// owner only. It is never printed by the server; `scritorio keys secret` shows it.
public enum SecretKey {
    public static func load(directory: String, configured: String?) throws -> String {
        try StoredAPIKey.load(path: directory + "/secret-key", configured: configured, prefix: "sb_secret_")
    }
}

enum StoredAPIKey {
    /// Supabase's key format: a prefix and 32 random base64url characters.
    static func load(path: String, configured: String?, prefix: String) throws -> String {
        if let configured { return configured }
        if let existing = try? String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
            !existing.isEmpty
        {
            return existing
        }
        let key = prefix + SecretToken.random(
            count: 32, alphabet: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
        try PrivateFile.write(Data((key + "\n").utf8), to: path)
        return key
    }
}

/// The keys a caller may present and the role each stands for. The publishable key (and, with a legacy JWT
/// secret, a JWT of role `anon` signed with it) opens the `apikey`-gated surfaces; the secret key (or a legacy
/// `service_role` JWT) is the service role, which the admin API requires. Nothing else is either.
public struct APIKeys: Sendable {
    public enum Role: Sendable, Equatable {
        case anon
        case serviceRole
    }

    public let publishable: String
    public let secret: String
    /// HS256 with the Supabase project's legacy JWT secret, when one is configured.
    let legacy: JWTKeySet?
    let now: @Sendable () -> Date

    public init(publishable: String, secret: String, legacyJWTSecret: String?, now: @escaping @Sendable () -> Date) {
        self.publishable = publishable
        self.secret = secret
        self.legacy = legacyJWTSecret.map {
            JWTKeySet([JWTVerificationKey(kid: nil, material: .hs256(.init(data: Data($0.utf8))))])
        }
        self.now = now
    }

    /// The keys of a configuration: configured, else from (or generated into) its data directory.
    public static func load(config: AppConfig, now: @escaping @Sendable () -> Date) throws -> APIKeys {
        APIKeys(
            publishable: try PublishableKey.load(directory: config.dataDirectory, configured: config.publishableKey),
            secret: try SecretKey.load(directory: config.dataDirectory, configured: config.secretKey),
            legacyJWTSecret: config.legacyJWTSecret, now: now)
    }

    private struct LegacyClaims: Decodable {
        var role: String?
        var exp: Double?
    }

    /// The role `key` stands for, or nil when it is none of these keys.
    public func role(of key: String) -> Role? {
        if constantTimeEquals(key, publishable) { return .anon }
        if constantTimeEquals(key, secret) { return .serviceRole }
        guard let legacy, key.hasPrefix("eyJ"), let verified = try? legacy.verify(key),
            let claims = try? JSONDecoder().decode(LegacyClaims.self, from: verified.payload)
        else { return nil }
        if let exp = claims.exp, exp <= now().timeIntervalSince1970 { return nil }
        switch claims.role {
        case "anon": return .anon
        case "service_role": return .serviceRole
        default: return nil
        }
    }
}
