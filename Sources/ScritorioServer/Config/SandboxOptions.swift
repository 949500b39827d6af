import Foundation

/// How the sandbox (`--sandbox`, `SCRITORIO_SANDBOX=1`) is run. Read with the rest of the configuration so that
/// `serve` itself reads no environment.
public struct SandboxOptions: Sendable, Equatable {
    /// `SCRITORIO_SANDBOX_ALLOW_REMOTE=1`: the sandbox may listen on a non-loopback address. It shows every
    /// sign-in code and mints Google tokens for any address, so this has to be said explicitly.
    public var allowRemote = false
    /// `SCRITORIO_SANDBOX_PADDLE_WEBHOOK_URL`: where the fake Paddle delivers its webhooks (a request inspector,
    /// a test) instead of this server's `/webhooks/paddle`.
    public var paddleWebhookURL: String?
    /// `SCRITORIO_SANDBOX_LEMONSQUEEZY_WEBHOOK_URL`: the same for the fake Lemon Squeezy.
    public var lemonSqueezyWebhookURL: String?

    public init() {}

    static func load(_ env: EnvironmentReader) -> SandboxOptions {
        var options = SandboxOptions()
        // Exactly `1`, as documented: an override of a safety check is not guessed from `yes` or `true`.
        options.allowRemote = env.value("SCRITORIO_SANDBOX_ALLOW_REMOTE") == "1"
        options.paddleWebhookURL = env.value("SCRITORIO_SANDBOX_PADDLE_WEBHOOK_URL")
        options.lemonSqueezyWebhookURL = env.value("SCRITORIO_SANDBOX_LEMONSQUEEZY_WEBHOOK_URL")
        return options
    }
}
