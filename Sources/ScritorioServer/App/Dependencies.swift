import Foundation
import HTTPTypes
import Hummingbird
import Logging
import ScritorioAPI
import ScritorioCore
import ScritorioProviders
import ScritorioSandbox
import ScritorioStore
import ServiceLifecycle

/// The outside world Scritorio talks to, chosen once at start-up: live services, sandbox fakes, or test
/// doubles.
public struct Dependencies: Sendable {
    public var database: Database
    public var mailer: Mailer
    /// Google's OIDC keys (the sandbox issuer's in sandbox mode).
    public var googleKeys: JWKSFetcher
    /// A Supabase project's JWKS, in external auth mode.
    public var supabaseKeys: JWKSFetcher
    public var now: @Sendable () -> Date
    /// The in-process fakes, when running with `--sandbox`.
    public var sandbox: SandboxServices?
    /// Paddle's API (the sandbox fake's in sandbox mode).
    public var paddle: PaddleClient
    /// The OpenAI-compatible upstream of `/ai/v1` (the sandbox fake's in sandbox mode); `nil` answers 503.
    public var openAI: OpenAIUpstream? = nil
    /// Lemon Squeezy's API (the sandbox fake's in sandbox mode).
    public var lemonSqueezy: LemonSqueezyClient = .unimplemented

    public init(
        database: Database, mailer: Mailer, googleKeys: JWKSFetcher, supabaseKeys: JWKSFetcher,
        now: @escaping @Sendable () -> Date, sandbox: SandboxServices?, paddle: PaddleClient = .unimplemented
    ) {
        self.paddle = paddle
        self.database = database
        self.mailer = mailer
        self.googleKeys = googleKeys
        self.supabaseKeys = supabaseKeys
        self.now = now
        self.sandbox = sandbox
    }
}

/// The sandbox's fakes: a mail outbox, a Google ID-token issuer, and Paddle.
public struct SandboxServices: Sendable {
    public let outbox: MailOutbox
    public let google: FakeGoogleIssuer
    public let paddle: PaddleSandbox?
    /// The fake OpenAI upstream, mounted at `/sandbox/openai/v1`.
    public var openAI: OpenAISandbox?
    public var lemonSqueezy: LemonSqueezySandbox?

    public init(outbox: MailOutbox, google: FakeGoogleIssuer, paddle: PaddleSandbox? = nil) {
        self.outbox = outbox
        self.google = google
        self.paddle = paddle
    }
}
