import Foundation
import ScritorioCore
@testable import ScritorioServer
import Testing

@Suite("Lemon Squeezy configuration")
struct LemonSqueezyConfigTests {
    @Test("mode, key, store, secrets and base URL are read; defaults are test mode and no secret")
    func reads() throws {
        let config = try AppConfig.fromEnvironment([
            "LEMONSQUEEZY_MODE": "live", "LEMONSQUEEZY_API_KEY": "eyJ0eXAi.key", "LEMONSQUEEZY_STORE_ID": "12345",
            "LEMONSQUEEZY_WEBHOOK_SECRETS": " old-secret , new-secret ,", "LEMONSQUEEZY_API_BASE_URL": "https://proxy.example.com/ls/",
        ]).lemonSqueezy
        #expect(config.mode == .live && config.apiKey == "eyJ0eXAi.key" && config.storeID == "12345")
        #expect(config.webhookSecrets == ["old-secret", "new-secret"] && config.baseURL == "https://proxy.example.com/ls")
        let defaults = try AppConfig.fromEnvironment([:]).lemonSqueezy
        #expect(defaults.mode == .test && defaults.webhookSecrets.isEmpty && defaults.baseURL == "https://api.lemonsqueezy.com")
    }

    @Test("set-up mistakes are refused at start-up with the variable's name, never the secret")
    func refuses() {
        for (env, name) in [
            (["LEMONSQUEEZY_MODE": "production"], "LEMONSQUEEZY_MODE"),
            (["LEMONSQUEEZY_API_KEY": "secret-key-value"], "LEMONSQUEEZY_STORE_ID"),
            (["LEMONSQUEEZY_STORE_ID": "my-store"], "LEMONSQUEEZY_STORE_ID"),
            (["LEMONSQUEEZY_API_BASE_URL": "api.lemonsqueezy.com"], "LEMONSQUEEZY_API_BASE_URL"),
        ] {
            do {
                _ = try AppConfig.fromEnvironment(env)
                Issue.record("accepted \(env)")
            } catch {
                let text = "\(error)"
                #expect(text.contains(name) && !text.contains("secret-key-value"))
            }
        }
    }
}
