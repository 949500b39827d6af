import Foundation
import Hummingbird
import NIOCore

/// Runs an `OpenAISandbox` alone on a loopback port: the upstream for tests of the gateway and its client, and
/// for the benchmark's "upstream directly" run.
public struct OpenAISandboxServer: Sendable {
    /// `http://127.0.0.1:<port>/v1`: point `OpenAIUpstream.live(baseURL:…)` here.
    public let baseURL: String
    public let sandbox: OpenAISandbox
    private let task: Task<Void, any Error>

    /// Starts listening on `host` (a free port unless given) and returns once the port is known.
    public static func start(_ sandbox: OpenAISandbox = OpenAISandbox(), host: String = "127.0.0.1", port: Int = 0) async throws -> OpenAISandboxServer {
        let router = Router(context: BasicRequestContext.self)
        router.addRoutes(sandbox.routes(), atPath: "/v1")
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "OpenAISandbox"),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            })
        let task = Task { try await app.run() }
        var iterator = ports.makeAsyncIterator()
        guard let bound = await iterator.next(), bound > 0 else {
            task.cancel()
            throw PaddleSandboxServerError.couldNotListen
        }
        return OpenAISandboxServer(baseURL: "http://\(host):\(bound)/v1", sandbox: sandbox, task: task)
    }

    /// Stops the server.
    public func stop() async {
        task.cancel()
        _ = await task.result
    }
}
