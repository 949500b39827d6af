import Foundation

/// Runs an `OpenAISandbox` alone on a loopback port: the upstream for tests of the gateway and its client, and
/// for the benchmark's "upstream directly" run.
public struct OpenAISandboxServer: Sendable {
    /// `http://127.0.0.1:<port>/v1`: point `OpenAIUpstream.live(baseURL:…)` here.
    public let baseURL: String
    public let sandbox: OpenAISandbox
    private let listener: SandboxListener

    /// Starts listening on `host` (a free port unless given) and returns once the port is known.
    public static func start(_ sandbox: OpenAISandbox = OpenAISandbox(), host: String = "127.0.0.1", port: Int = 0) async throws -> OpenAISandboxServer {
        let listener = try await SandboxListener.start(
            sandbox.routes(), atPath: "/v1", host: host, port: port, serverName: "OpenAISandbox")
        return OpenAISandboxServer(baseURL: "http://\(host):\(listener.port)/v1", sandbox: sandbox, listener: listener)
    }

    /// Stops the server.
    public func stop() async { await listener.stop() }
}
