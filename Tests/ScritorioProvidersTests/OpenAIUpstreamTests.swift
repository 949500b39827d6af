import AsyncHTTPClient
import NIOCore
import NIOPosix
@testable import ScritorioProviders
import Synchronization
import Testing

/// A server that reads whatever arrives and closes the connection without answering, counting connections.
final class ClosingServer: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let accepted = Mutex(0)

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.close(promise: nil)
    }

    func start() async throws -> any Channel {
        try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                self.accepted.withLock { $0 += 1 }
                return channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(self) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }
}

@Suite("OpenAI upstream: what is tried again and what is charged")
struct OpenAIUpstreamTests {
    static let call = OpenAIUpstreamRequest(path: "/chat/completions", contentType: "application/json", body: ByteBuffer(string: "{}"), requestID: "req_t")

    @Test("no connection at all: tried again, then unreachable (nothing was sent, nothing is owed)")
    func refused() async throws {
        // A port that was just free: nothing listens there.
        let probe = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(probe.localAddress?.port)
        try await probe.close()
        let client = OpenAIUpstream.makeHTTPClient(connectTimeout: .seconds(2))
        let upstream = OpenAIUpstream.live(baseURL: "http://127.0.0.1:\(port)/v1", apiKey: "sk-secret-never-shown", client: client, retries: 1)
        await #expect {
            _ = try await upstream.send(Self.call)
        } throws: { error in
            guard case OpenAIUpstreamError.unreachable(let what) = error else { return false }
            return !what.contains("sk-secret")
        }
        try await client.shutdown()
    }

    @Test("a connection closed after the request went out: not tried again (a POST run twice is paid twice), interrupted")
    func closedAfterSending() async throws {
        let server = ClosingServer()
        let channel = try await server.start()
        let port = try #require(channel.localAddress?.port)
        let client = OpenAIUpstream.makeHTTPClient()
        let upstream = OpenAIUpstream.live(baseURL: "http://127.0.0.1:\(port)/v1", apiKey: "sk-secret-never-shown", client: client, retries: 2)
        await #expect {
            _ = try await upstream.send(Self.call)
        } throws: { error in
            if case OpenAIUpstreamError.interrupted = error { return true }
            return false
        }
        #expect(server.accepted.withLock { $0 } == 1, "one attempt only")
        try await client.shutdown()
        try await channel.close()
    }

    @Test("a caller gone while waiting to try again had nothing in flight: abandoned, not cancelled mid-call")
    func abandonedDuringBackoff() async throws {
        let waiting = Task { try await OpenAIUpstream.pause(.seconds(30)) }
        waiting.cancel()
        await #expect(throws: OpenAIUpstreamError.abandoned) { try await waiting.value }
    }

    @Test("what counts as never sent: no connection, no pooled connection in time, a failed TLS handshake; not a closed one")
    func neverSent() {
        #expect(OpenAIUpstream.neverSent(HTTPClientError.connectTimeout))
        #expect(OpenAIUpstream.neverSent(HTTPClientError.getConnectionFromPoolTimeout))
        #expect(OpenAIUpstream.neverSent(HTTPClientError.tlsHandshakeTimeout))
        #expect(OpenAIUpstream.neverSent(IOError(errnoCode: ECONNREFUSED, reason: "connect")))
        #expect(!OpenAIUpstream.neverSent(HTTPClientError.remoteConnectionClosed))
        #expect(!OpenAIUpstream.neverSent(IOError(errnoCode: ECONNRESET, reason: "read")))
        #expect(!OpenAIUpstream.neverSent(HTTPClientError.readTimeout))
    }
}
