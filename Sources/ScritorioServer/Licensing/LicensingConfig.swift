import Foundation
import ScritorioCore

/// Licence keys and signed entitlement documents.
public struct LicensingConfig: Sendable, Equatable {
    /// Secret the keys Scritorio issues are derived from (`SCRITORIO_LICENSE_SECRET`, base64 or text); generated
    /// and kept in the data directory when unset. Replicas sharing a PostgreSQL store must share it.
    public var secret: String?
    /// Lifetime of signed entitlement documents (`SCRITORIO_ENTITLEMENT_TTL`, seconds).
    public var entitlementTTL: TimeInterval = 7 * 86_400
    /// The current Ed25519 entitlement signing key (`SCRITORIO_ENTITLEMENT_PRIVATE_KEY`, PEM or base64url raw 32 bytes).
    public var entitlementPrivateKey: String?
    /// Licence API calls per key (`SCRITORIO_RATE_LIMIT_LICENSE_KEY`, per minute, as Lemon Squeezy's 60).
    public var perKey = RateLimitRule(limit: 60, window: 60, burst: 60)
    /// Licence API calls per client IP (`SCRITORIO_RATE_LIMIT_LICENSE_IP`, per minute).
    public var perIP = RateLimitRule(limit: 600, window: 60, burst: 120)
    /// Lemon Squeezy keys are accepted only from these stores (`LEMONSQUEEZY_STORE_ID`, comma-separated);
    /// empty = any store whose variants are in the catalog.
    public var lemonSqueezyStoreIDs: [String] = []
    /// … and only for these products (`SCRITORIO_LICENSE_PRODUCT_IDS`); empty = any product whose variant is in
    /// the catalog.
    public var lemonSqueezyProductIDs: [String] = []

    public init() {}

    static func load(_ env: EnvironmentReader, multiplier: Int) throws -> LicensingConfig {
        var config = LicensingConfig()
        func value(_ key: String) -> String? { env.value(key) }
        func number(_ key: String, minimum: Double) throws -> Double? {
            try env.number(key, requirement: "a number of at least \(Int(minimum))") { $0 >= minimum && $0 < 1e10 }
        }
        config.secret = value("SCRITORIO_LICENSE_SECRET")
        if let seconds = try number("SCRITORIO_ENTITLEMENT_TTL", minimum: 60) { config.entitlementTTL = seconds }
        config.entitlementPrivateKey = value("SCRITORIO_ENTITLEMENT_PRIVATE_KEY")
        if let n = try number("SCRITORIO_RATE_LIMIT_LICENSE_KEY", minimum: 1) { config.perKey = RateLimitRule(limit: Int(n), window: 60) }
        if let n = try number("SCRITORIO_RATE_LIMIT_LICENSE_IP", minimum: 1) {
            config.perIP = RateLimitRule(limit: Int(n), window: 60, burst: max(1, Int(n) / 5))
        }
        if multiplier > 1 {
            config.perKey = config.perKey.scaled(by: multiplier)
            config.perIP = config.perIP.scaled(by: multiplier)
        }
        config.lemonSqueezyStoreIDs = env.list("LEMONSQUEEZY_STORE_ID")
        config.lemonSqueezyProductIDs = env.list("SCRITORIO_LICENSE_PRODUCT_IDS")
        return config
    }
}

/// The secret Scritorio's licence keys are derived from: configured, or generated once and kept in the data
/// directory (`license-secret`, mode 0600). Losing it does not invalidate issued keys (they are found by hash),
/// but owners could no longer be shown them.
enum LicenseSecret {
    static func load(directory: String, configured: String?) throws -> Data {
        if let configured { return Data(configured.utf8) }
        let path = directory + "/license-secret"
        if let existing = try? String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
            let data = Data(base64Encoded: existing), data.count >= 32
        {
            return data
        }
        var bytes = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for index in bytes.indices { bytes[index] = generator.next() }
        let data = Data(bytes)
        try PrivateFile.write(Data((data.base64EncodedString() + "\n").utf8), to: path)
        return data
    }
}
