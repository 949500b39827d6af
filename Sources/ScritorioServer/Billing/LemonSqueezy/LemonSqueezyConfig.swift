import Foundation
import ScritorioCore

/// Lemon Squeezy credentials for the one mode a deployment runs in (`LEMONSQUEEZY_MODE=test|live`). Test and live
/// share the API's base URL but have separate API keys, webhooks, stores and variant ids.
public struct LemonSqueezyConfig: Sendable, Equatable {
    public var mode: BillingMode = .test
    public var apiKey: String?
    /// The store checkouts are created in (and licence keys must belong to).
    public var storeID: String?
    /// Several during secret rotation; any one verifies. With none, every webhook is refused.
    public var webhookSecrets: [String] = []
    /// Overrides `https://api.lemonsqueezy.com`.
    public var apiBaseURL: String?

    public init() {}

    /// The API base, unless overridden.
    public var baseURL: String { apiBaseURL ?? "https://api.lemonsqueezy.com" }

    static func load(_ env: EnvironmentReader) throws -> LemonSqueezyConfig {
        var config = LemonSqueezyConfig()
        switch env.value("LEMONSQUEEZY_MODE")?.lowercased() {
        case nil, "test": config.mode = .test
        case "live": config.mode = .live
        case let other?: throw ConfigError(description: "LEMONSQUEEZY_MODE must be test or live, not \(other)")
        }
        config.apiKey = env.value("LEMONSQUEEZY_API_KEY")
        config.storeID = env.value("LEMONSQUEEZY_STORE_ID")
        if let store = config.storeID, !store.allSatisfy(\.isNumber) {
            throw ConfigError(description: "LEMONSQUEEZY_STORE_ID must be the store's numeric id")
        }
        config.webhookSecrets = env.list("LEMONSQUEEZY_WEBHOOK_SECRETS", "LEMONSQUEEZY_WEBHOOK_SECRET")
        if let base = try env.url("LEMONSQUEEZY_API_BASE_URL", example: "an absolute URL") {
            config.apiBaseURL = base.droppingTrailingSlash
        }
        if config.apiKey != nil, config.storeID == nil {
            throw ConfigError(description: "LEMONSQUEEZY_API_KEY needs LEMONSQUEEZY_STORE_ID (checkouts are created in a store)")
        }
        return config
    }
}
