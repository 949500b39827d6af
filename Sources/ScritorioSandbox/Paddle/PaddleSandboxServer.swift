import Foundation

/// Runs a `PaddleSandbox` alone on a loopback port, for tests of code that talks HTTP to Paddle (the client,
/// scripts). The server mounts the fake itself; this is only for tests outside it.
public struct PaddleSandboxServer: Sendable {
    /// `http://127.0.0.1:<port>/sandbox/paddle`: point `PaddleClient.live(baseURL:…)` here.
    public let baseURL: String
    private let listener: SandboxListener

    /// Starts listening on 127.0.0.1 on a free port and returns once the port is known.
    public static func start(_ sandbox: PaddleSandbox) async throws -> PaddleSandboxServer {
        let listener = try await SandboxListener.start(sandbox.routes(), atPath: "/sandbox/paddle")
        return PaddleSandboxServer(baseURL: "http://127.0.0.1:\(listener.port)/sandbox/paddle", listener: listener)
    }

    /// Stops the server.
    public func stop() async { await listener.stop() }
}
