import Foundation
import Hummingbird
import ScritorioProviders
import ScritorioStore
import ServiceLifecycle

/// The outside world Scritorio talks to, chosen once at start-up by whoever runs the server (the executable, a
/// test harness): live services, the sandbox's fakes, or test doubles. The server knows only these interfaces,
/// not which of them it was given.
public struct Dependencies: Sendable {
    public var database: Database
    public var mailer: Mailer
    /// Google's OIDC keys (the sandbox issuer's in sandbox mode).
    public var googleKeys: JWKSFetcher
    /// A Supabase project's JWKS, in external auth mode.
    public var supabaseKeys: JWKSFetcher
    public var now: @Sendable () -> Date
    /// Paddle's API (the sandbox fake's in sandbox mode).
    public var paddle: PaddleClient
    /// The OpenAI-compatible upstream of `/ai/v1` (the sandbox fake's in sandbox mode); `nil` answers 503.
    public var openAI: OpenAIUpstream?
    /// Lemon Squeezy's API (the sandbox fake's in sandbox mode).
    public var lemonSqueezy: LemonSqueezyClient
    /// Routes mounted beside the product's: the sandbox's fakes, when the executable runs them. The server
    /// mounts them as given and knows nothing of what they do.
    public var mounts: [RouteMount]
    /// Services that live as long as the application, such as the HTTP client pools the clients above use.
    /// They start before the background workers and the server, so they stop after them: a request or an
    /// event still being handled keeps its clients until it is done.
    public var services: [any Service]

    public init(
        database: Database, mailer: Mailer = .unconfigured, googleKeys: JWKSFetcher = .unimplemented,
        supabaseKeys: JWKSFetcher = .unimplemented, now: @escaping @Sendable () -> Date = { Date() },
        paddle: PaddleClient = .unimplemented, openAI: OpenAIUpstream? = nil, lemonSqueezy: LemonSqueezyClient = .unimplemented,
        mounts: [RouteMount] = [], services: [any Service] = []
    ) {
        self.database = database
        self.mailer = mailer
        self.googleKeys = googleKeys
        self.supabaseKeys = supabaseKeys
        self.now = now
        self.paddle = paddle
        self.openAI = openAI
        self.lemonSqueezy = lemonSqueezy
        self.mounts = mounts
        self.services = services
    }
}

/// Routes to mount at a path. They are made when the router is built (a route collection is not `Sendable`,
/// and each router gets its own).
public struct RouteMount: Sendable {
    public var path: String
    public var routes: @Sendable () -> RouteCollection<AppRequestContext>

    public init(path: String, routes: @escaping @Sendable () -> RouteCollection<AppRequestContext>) {
        self.path = path
        self.routes = routes
    }
}
