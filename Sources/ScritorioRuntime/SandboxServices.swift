import Foundation
import Hummingbird
import ScritorioProviders
import ScritorioSandbox
import ScritorioServer

/// The sandbox's fakes a runtime was built with: the mail outbox and Google issuer always, and each provider's
/// fake when no account for it is configured (and the caller asked for it).
public struct SandboxServices: Sendable {
    public let outbox: MailOutbox
    public let google: FakeGoogleIssuer
    public var paddle: PaddleSandbox?
    /// The fake OpenAI upstream, mounted at `/sandbox/openai/v1`.
    public var openAI: OpenAISandbox?
    public var lemonSqueezy: LemonSqueezySandbox?

    public init(outbox: MailOutbox, google: FakeGoogleIssuer) {
        self.outbox = outbox
        self.google = google
    }

    /// The fakes' HTTP surfaces, for the server to mount: the outbox and issuer at `/sandbox`, each provider's API
    /// at Paddle's, OpenAI's and Lemon Squeezy's paths under it.
    func mounts(now: @escaping @Sendable () -> Date) -> [RouteMount] {
        let (outbox, google) = (outbox, google)
        var mounts = [RouteMount(path: "/sandbox") { SandboxRoutes<AppRequestContext>(outbox: outbox, google: google, now: now).endpoints }]
        if let paddle { mounts.append(RouteMount(path: "/sandbox/paddle") { paddle.routes() }) }
        if let openAI { mounts.append(RouteMount(path: "/sandbox/openai/v1") { openAI.routes() }) }
        if let lemonSqueezy { mounts.append(RouteMount(path: "/sandbox/lemonsqueezy") { lemonSqueezy.routes() }) }
        return mounts
    }
}

/// Which provider fakes a sandbox runtime plays. The executable plays all of them; a test harness that supplies
/// its own doubles (or none) asks for fewer.
public struct SandboxFakes: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    public static let paddle = SandboxFakes(rawValue: 1 << 0)
    public static let openAI = SandboxFakes(rawValue: 1 << 1)
    public static let lemonSqueezy = SandboxFakes(rawValue: 1 << 2)
    public static let all: SandboxFakes = [.paddle, .openAI, .lemonSqueezy]
}
