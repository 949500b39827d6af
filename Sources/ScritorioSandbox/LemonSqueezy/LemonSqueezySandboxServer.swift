import Foundation

/// Runs a `LemonSqueezySandbox` alone on a loopback port, for tests of code that talks HTTP to Lemon Squeezy (the
/// client, reconciliation). The server mounts the fake itself; this is only for tests outside it.
public struct LemonSqueezySandboxServer: Sendable {
    /// `http://127.0.0.1:<port>/sandbox/lemonsqueezy`: point `LemonSqueezyClient.live(baseURL:…)` here.
    public let baseURL: String
    private let listener: SandboxListener

    /// Starts listening on 127.0.0.1 on a free port and returns once the port is known.
    public static func start(_ sandbox: LemonSqueezySandbox) async throws -> LemonSqueezySandboxServer {
        let listener = try await SandboxListener.start(sandbox.routes(), atPath: "/sandbox/lemonsqueezy")
        return LemonSqueezySandboxServer(baseURL: "http://127.0.0.1:\(listener.port)/sandbox/lemonsqueezy", listener: listener)
    }

    /// Stops the server.
    public func stop() async { await listener.stop() }
}
