import Foundation
import Hummingbird
import NIOCore

/// Runs a `LemonSqueezySandbox` alone on a loopback port, for tests of code that talks HTTP to Lemon Squeezy (the
/// client, reconciliation). The server mounts the fake itself; this is only for tests outside it.
public struct LemonSqueezySandboxServer: Sendable {
    /// `http://127.0.0.1:<port>/sandbox/lemonsqueezy`: point `LemonSqueezyClient.live(baseURL:…)` here.
    public let baseURL: String
    private let task: Task<Void, any Error>

    /// Starts listening on 127.0.0.1 on a free port and returns once the port is known.
    public static func start(_ sandbox: LemonSqueezySandbox) async throws -> LemonSqueezySandboxServer {
        let router = Router(context: BasicRequestContext.self)
        router.addRoutes(sandbox.routes(), atPath: "/sandbox/lemonsqueezy")
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            })
        let task = Task { try await app.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            task.cancel()
            throw PaddleSandboxServerError.couldNotListen
        }
        return LemonSqueezySandboxServer(baseURL: "http://127.0.0.1:\(port)/sandbox/lemonsqueezy", task: task)
    }

    public func stop() async {
        task.cancel()
        _ = await task.result
    }
}
