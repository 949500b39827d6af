import Foundation
import ScritorioCore

/// Paddle credentials for the one mode a deployment runs in (`PADDLE_ENVIRONMENT=sandbox` is test money,
/// `production` live). Secrets never have defaults outside the sandbox.
public struct PaddleConfig: Sendable, Equatable {
    public var mode: BillingMode = .test
    public var apiKey: String?
    /// Several during secret rotation; any one verifies.
    public var webhookSecrets: [String] = []
    /// Allowed `|now − ts|` of a signature, seconds (Paddle's SDKs use 5).
    public var signatureTolerance: TimeInterval = 5
    /// Overrides the API base (`https://sandbox-api.paddle.com` / `https://api.paddle.com`).
    public var apiBaseURL: String?
    /// The client-side token Paddle.js is initialised with on the `/pay` page (`PADDLE_CLIENT_TOKEN`); it is
    /// public by design, unlike the API key.
    public var clientToken = ""

    public init() {}

    /// The API base for the mode, unless overridden.
    public var baseURL: String {
        apiBaseURL ?? (mode == .live ? "https://api.paddle.com" : "https://sandbox-api.paddle.com")
    }

    static func load(_ env: EnvironmentReader) throws -> PaddleConfig {
        var config = PaddleConfig()
        switch env.value("PADDLE_ENVIRONMENT")?.lowercased() {
        case nil, "sandbox": config.mode = .test
        case "production": config.mode = .live
        case let other?: throw ConfigError(description: "PADDLE_ENVIRONMENT must be sandbox or production, not \(other)")
        }
        config.apiKey = env.value("PADDLE_API_KEY")
        config.webhookSecrets = env.list("PADDLE_WEBHOOK_SECRETS", "PADDLE_WEBHOOK_SECRET")
        if let seconds = try env.number("PADDLE_SIGNATURE_TOLERANCE", requirement: "a number of seconds", where: { $0 >= 0 }) {
            config.signatureTolerance = seconds
        }
        config.apiBaseURL = env.value("PADDLE_API_BASE_URL")
        config.clientToken = env.value("PADDLE_CLIENT_TOKEN") ?? ""
        if let key = config.apiKey {
            // Paddle's keys name their environment; a live key in sandbox mode (or the reverse) is a set-up mistake.
            if config.mode == .test && key.hasPrefix("pdl_live_") || config.mode == .live && key.hasPrefix("pdl_sdbx_") {
                throw ConfigError(description: "PADDLE_API_KEY does not belong to PADDLE_ENVIRONMENT=\(config.mode == .live ? "production" : "sandbox")")
            }
        }
        return config
    }
}
