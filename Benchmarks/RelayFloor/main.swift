// The floor under the AI gateway's benchmark (Benchmarks/ai.sh): what the same server stack reaches on the pinned
// core with no token check, no quota and no ledger. Not part of the product.
//
//   scritorio-relay-floor <mode> <port> <upstream base URL>
//
//   answer  Hummingbird answers POST /v1/chat/completions at once with a fixed completion (the server side alone)
//   ahc     relays it upstream through the gateway's own client (`OpenAIUpstream.live`, AsyncHTTPClient),
//           streams chunk by chunk, exactly as /ai/v1 does without its bookkeeping
//   nio     relays it through a bare keep-alive NIO HTTP/1.1 client that buffers the whole answer (an upper bound:
//           no timeouts, retries or streaming)
import Foundation
import Hummingbird
import NIOCore
import NIOHTTP1
import NIOPosix
import ScritorioProviders
import Synchronization

let arguments = CommandLine.arguments
guard arguments.count == 4, let port = Int(arguments[2]), let base = URL(string: arguments[3]), let host = base.host,
    let upstreamPort = base.port, ["answer", "ahc", "nio"].contains(arguments[1])
else {
    FileHandle.standardError.write(Data("usage: scritorio-relay-floor answer|ahc|nio <port> <upstream base URL>\n".utf8))
    exit(64)
}
let mode = arguments[1]
let completion = ByteBuffer(string: #"{"id":"chatcmpl-floor","object":"chat.completion","created":0,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Hello there, friend."},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":5,"total_tokens":17}}"#)
let client = OpenAIUpstream.makeHTTPClient()
let upstream = OpenAIUpstream.live(baseURL: arguments[3], apiKey: "sk-relay-floor", client: client)
let bare = BareClient(host: host, port: upstreamPort, path: base.path + "/chat/completions")

let router = Router()
router.post("/v1/chat/completions") { request, _ -> Response in
    let body = try await request.body.collect(upTo: 1 << 20)
    switch mode {
    case "answer":
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: completion))
    case "nio":
        let (head, answer) = try await bare.post(body)
        return Response(
            status: .init(code: Int(head.status.code)),
            headers: [.contentType: head.headers.first(name: "content-type") ?? "application/json"], body: .init(byteBuffer: answer))
    default:
        let answer = try await upstream.send(OpenAIUpstreamRequest(path: "/chat/completions", contentType: "application/json", body: body, requestID: "req_floor"))
        let stream = answer.body
        return Response(
            status: .init(code: answer.status), headers: [.contentType: answer.header("content-type") ?? "application/json"],
            body: ResponseBody { writer in
                for try await chunk in stream { try await writer.write(chunk) }
                try await writer.finish(nil)
            })
    }
}
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
try await client.shutdown().get()

/// Keep-alive connections to one host; each carries one request at a time and goes back to the idle list after.
final class BareClient: Sendable {
    let host: String
    let port: Int
    let path: String
    let idle = Mutex<[any Channel]>([])

    init(host: String, port: Int, path: String) {
        self.host = host
        self.port = port
        self.path = path
    }

    func post(_ body: ByteBuffer) async throws -> (HTTPResponseHead, ByteBuffer) {
        let channel: any Channel
        if let reused = idle.withLock({ $0.popLast() }) {
            channel = reused
        } else {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(ExchangeHandler())
                    }
                }
                .connect(host: host, port: port).get()
        }
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: path)
        head.headers.add(name: "Host", value: "\(host):\(port)")
        head.headers.add(name: "Authorization", value: "Bearer sk-relay-floor")
        head.headers.add(name: "Content-Type", value: "application/json")
        head.headers.add(name: "Content-Length", value: String(body.readableBytes))
        let promise = channel.eventLoop.makePromise(of: (HTTPResponseHead, ByteBuffer).self)
        channel.writeAndFlush(ExchangeHandler.Exchange(head: head, body: body, promise: promise), promise: nil)
        let answer = try await promise.futureResult.get()
        idle.withLock { $0.append(channel) }
        return answer
    }
}

/// Writes one request and completes its promise with the whole answer.
final class ExchangeHandler: ChannelDuplexHandler {
    struct Exchange {
        var head: HTTPRequestHead
        var body: ByteBuffer
        var promise: EventLoopPromise<(HTTPResponseHead, ByteBuffer)>
    }
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = Exchange
    typealias OutboundOut = HTTPClientRequestPart

    var promise: EventLoopPromise<(HTTPResponseHead, ByteBuffer)>?
    var head: HTTPResponseHead?
    var body = ByteBuffer()

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let exchange = unwrapOutboundIn(data)
        self.promise = exchange.promise
        context.write(wrapOutboundOut(.head(exchange.head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(exchange.body))), promise: nil)
        context.write(wrapOutboundOut(.end(nil)), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body(var part): body.writeBuffer(&part)
        case .end:
            let answer = (head!, body)
            head = nil
            body = ByteBuffer()
            promise.take()?.succeed(answer)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.take()?.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.take()?.fail(ChannelError.ioOnClosedChannel)
    }
}
