import Foundation
import Hummingbird
import NIOCore

/// One fake alone on a port, for tests and benchmarks that talk HTTP to it from outside the server (which mounts
/// the fakes itself). `PaddleSandboxServer`, `LemonSqueezySandboxServer` and `OpenAISandboxServer` wrap it.
struct SandboxListener: Sendable {
    /// The port actually bound (a free one when asked for 0).
    let port: Int
    private let task: Task<Void, any Error>

    /// Starts listening with `routes` mounted at `path`; returns once the port is known.
    static func start(
        _ routes: RouteCollection<BasicRequestContext>, atPath path: RouterPath, host: String = "127.0.0.1", port: Int = 0,
        serverName: String? = nil
    ) async throws -> SandboxListener {
        let router = Router(context: BasicRequestContext.self)
        router.addRoutes(routes, atPath: path)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: serverName),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            })
        let task = Task { try await app.run() }
        var iterator = ports.makeAsyncIterator()
        guard let bound = await iterator.next(), bound > 0 else {
            task.cancel()
            throw SandboxServerError.couldNotListen
        }
        return SandboxListener(port: bound, task: task)
    }

    /// Stops the server and waits for it to finish.
    func stop() async {
        task.cancel()
        _ = await task.result
    }
}

/// The loopback server did not start.
public enum SandboxServerError: Error {
    case couldNotListen
}
