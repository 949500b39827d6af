import ScritorioSandbox
import ScritorioServer

extension AppConfig {
    /// This configuration with the sandbox's defaults filled in: a provider with no account configured is
    /// played by its fake, so the fake's webhook secret (and, for Lemon Squeezy, its store and test mode) is one
    /// the server checks, beside any secrets configured (a request inspector's, a test's), so the simulator's
    /// deliveries are never refused. Outside the sandbox, and for every account that is configured, nothing changes.
    public func applyingSandboxDefaults() -> AppConfig {
        guard sandbox else { return self }
        var config = self
        if paddle.apiKey == nil, !paddle.webhookSecrets.contains(PaddleSandbox.webhookSecret) {
            config.paddle.webhookSecrets.append(PaddleSandbox.webhookSecret)
        }
        if lemonSqueezy.apiKey == nil {
            config.lemonSqueezy.mode = .test
            config.lemonSqueezy.storeID = LemonSqueezySandbox.storeID
            if !lemonSqueezy.webhookSecrets.contains(LemonSqueezySandbox.webhookSecret) {
                config.lemonSqueezy.webhookSecrets.append(LemonSqueezySandbox.webhookSecret)
            }
        }
        return config
    }

    /// Whether the configured address is a loopback one, the only kind the sandbox listens on unless
    /// `SCRITORIO_SANDBOX_ALLOW_REMOTE=1`.
    public var listensOnLoopback: Bool { ["127.0.0.1", "localhost", "::1"].contains(host) }

    /// `http://host:port` as this process reaches itself: where the fakes' API and webhooks are called over loopback.
    var localURL: String { "http://\(host == "::1" ? "[::1]" : host):\(port)" }
}
