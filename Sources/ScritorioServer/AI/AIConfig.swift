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

    static func load(_ env: EnvironmentReader) throws -> AIConfig {
        var config = AIConfig()
        func seconds(_ key: String) throws -> TimeInterval? {
            try env.number(key, requirement: "a number of seconds") { $0 > 0 && $0 < 86_400 }
        }
        config.apiKey = env.value("OPENAI_API_KEY")
        if let url = try env.url("OPENAI_BASE_URL", schemes: ["http", "https"], example: "an http(s) URL such as https://api.openai.com/v1") {
            config.baseURL = url.droppingTrailingSlash
        }
        if let timeout = try seconds("SCRITORIO_AI_TIMEOUT") { config.timeout = timeout }
        if let timeout = try seconds("SCRITORIO_AI_CONNECT_TIMEOUT") { config.connectTimeout = timeout }
        if let timeout = try seconds("SCRITORIO_AI_READ_TIMEOUT") { config.readTimeout = timeout }
        if let retries = try env.number("SCRITORIO_AI_RETRIES", requirement: "0-10", where: { (0...10).contains($0) && $0 == $0.rounded() }) {
            config.retries = Int(retries)
        }
        if let path = env.value("SCRITORIO_AI_PLANS") {
            do { config.plans = try AIPlanBook.parse(try Data(contentsOf: URL(fileURLWithPath: path))) } catch {
                throw ConfigError(description: "SCRITORIO_AI_PLANS \(path) is not valid: \(error)")
            }
        }
        if let path = env.value("SCRITORIO_AI_PRICES") {
            do { config.prices = try AIPriceTable.parse(try Data(contentsOf: URL(fileURLWithPath: path))) } catch {
                throw ConfigError(description: "SCRITORIO_AI_PRICES \(path) is not valid: \(error)")
            }
        }
        config.adminToken = env.value("SCRITORIO_ADMIN_TOKEN")
        if let seconds = try env.number("SCRITORIO_AI_PLAN_CACHE", requirement: "0-3600 seconds", where: { (0...3600).contains($0) }) {
            config.planCacheSeconds = seconds
        }
        return config
    }
}
