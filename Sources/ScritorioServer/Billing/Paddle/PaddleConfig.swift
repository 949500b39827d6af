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

    public init() {}

    /// The API base for the mode, unless overridden.
    public var baseURL: String {
        apiBaseURL ?? (mode == .live ? "https://api.paddle.com" : "https://sandbox-api.paddle.com")
    }

    static func fromEnvironment(_ env: [String: String]) throws -> PaddleConfig {
        var config = PaddleConfig()
        func value(_ key: String) -> String? {
            guard let raw = env[key]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
            return raw
        }
        switch value("PADDLE_ENVIRONMENT")?.lowercased() {
        case nil, "sandbox": config.mode = .test
        case "production": config.mode = .live
        case let other?: throw ConfigError(description: "PADDLE_ENVIRONMENT must be sandbox or production, not \(other)")
        }
        config.apiKey = value("PADDLE_API_KEY")
        config.webhookSecrets = (value("PADDLE_WEBHOOK_SECRETS") ?? value("PADDLE_WEBHOOK_SECRET") ?? "")
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if let text = value("PADDLE_SIGNATURE_TOLERANCE") {
            guard let seconds = TimeInterval(text), seconds >= 0 else {
                throw ConfigError(description: "PADDLE_SIGNATURE_TOLERANCE must be a number of seconds")
            }
            config.signatureTolerance = seconds
        }
        config.apiBaseURL = value("PADDLE_API_BASE_URL")
        if let key = config.apiKey {
            // Paddle's keys name their environment; a live key in sandbox mode (or the reverse) is a set-up mistake.
            if config.mode == .test && key.hasPrefix("pdl_live_") || config.mode == .live && key.hasPrefix("pdl_sdbx_") {
                throw ConfigError(description: "PADDLE_API_KEY does not belong to PADDLE_ENVIRONMENT=\(config.mode == .live ? "production" : "sandbox")")
            }
        }
        return config
    }
}
