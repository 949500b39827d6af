import Foundation
import ScritorioCore

/// The managed AI gateway's configuration. The upstream key has no default and never leaves the server.
public struct AIConfig: Sendable {
    /// `OPENAI_API_KEY`. Without it (and outside the sandbox) `/ai/v1` answers 503.
    public var apiKey: String?
    /// `OPENAI_BASE_URL`: any OpenAI-compatible API.
    public var baseURL = "https://api.openai.com/v1"
    /// `SCRITORIO_AI_TIMEOUT`: seconds a whole upstream call may take (OpenAI's clients wait 600).
    public var timeout: TimeInterval = 600
    /// `SCRITORIO_AI_CONNECT_TIMEOUT`.
    public var connectTimeout: TimeInterval = 10
    /// `SCRITORIO_AI_READ_TIMEOUT`: seconds without a byte from the upstream before the call counts as timed out.
    public var readTimeout: TimeInterval = 300
    /// `SCRITORIO_AI_RETRIES`: attempts after a 429/5xx or a failed connection, before the first byte.
    public var retries = 2
    /// `SCRITORIO_AI_PLANS`: plans by entitlement (JSON file); the free and Pro defaults otherwise.
    public var plans = AIPlanBook.standard
    /// `SCRITORIO_AI_PRICES`: USD per million tokens (and per audio minute) by model (JSON file).
    public var prices = AIPriceTable.standard
    /// `SCRITORIO_ADMIN_TOKEN`: the bearer of `/admin/v1`; unset turns the admin API off.
    public var adminToken: String?
    /// `SCRITORIO_AI_PLAN_CACHE`: seconds a user's plan (from entitlements) and a live session are reused; 0 reads both every time.
    public var planCacheSeconds: TimeInterval = 1
    /// Largest JSON request body accepted (bytes).
    public var maxRequestBytes = 8 << 20
    /// Largest audio upload (OpenAI's limit is 25 MB).
    public var maxAudioBytes = 25 << 20

    public init() {}

    static func fromEnvironment(_ env: [String: String]) throws -> AIConfig {
        var config = AIConfig()
        func value(_ key: String) -> String? {
            guard let raw = env[key]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
            return raw
        }
        func seconds(_ key: String) throws -> TimeInterval? {
            guard let text = value(key) else { return nil }
            guard let number = TimeInterval(text), number > 0, number < 86_400 else {
                throw ConfigError(description: "\(key) must be a number of seconds")
            }
            return number
        }
        config.apiKey = value("OPENAI_API_KEY")
        if let url = value("OPENAI_BASE_URL") {
            guard let components = URLComponents(string: url), ["http", "https"].contains(components.scheme ?? ""), components.host != nil else {
                throw ConfigError(description: "OPENAI_BASE_URL must be an http(s) URL such as https://api.openai.com/v1")
            }
            config.baseURL = url.hasSuffix("/") ? String(url.dropLast()) : url
        }
        if let timeout = try seconds("SCRITORIO_AI_TIMEOUT") { config.timeout = timeout }
        if let timeout = try seconds("SCRITORIO_AI_CONNECT_TIMEOUT") { config.connectTimeout = timeout }
        if let timeout = try seconds("SCRITORIO_AI_READ_TIMEOUT") { config.readTimeout = timeout }
        if let text = value("SCRITORIO_AI_RETRIES") {
            guard let retries = Int(text), (0...10).contains(retries) else { throw ConfigError(description: "SCRITORIO_AI_RETRIES must be 0-10") }
            config.retries = retries
        }
        if let path = value("SCRITORIO_AI_PLANS") {
            do { config.plans = try AIPlanBook.parse(try Data(contentsOf: URL(fileURLWithPath: path))) } catch {
                throw ConfigError(description: "SCRITORIO_AI_PLANS \(path) is not valid: \(error)")
            }
        }
        if let path = value("SCRITORIO_AI_PRICES") {
            do { config.prices = try AIPriceTable.parse(try Data(contentsOf: URL(fileURLWithPath: path))) } catch {
                throw ConfigError(description: "SCRITORIO_AI_PRICES \(path) is not valid: \(error)")
            }
        }
        config.adminToken = value("SCRITORIO_ADMIN_TOKEN")
        if let text = value("SCRITORIO_AI_PLAN_CACHE") {
            guard let seconds = TimeInterval(text), seconds >= 0, seconds <= 3600 else {
                throw ConfigError(description: "SCRITORIO_AI_PLAN_CACHE must be 0-3600 seconds")
            }
            config.planCacheSeconds = seconds
        }
        return config
    }
}
