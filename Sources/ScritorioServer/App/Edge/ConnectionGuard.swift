import Foundation
import Logging
import NIOCore
import NIOHTTPTypes
import Synchronization

/// How long a client may take and how many connections it may hold (`SCRITORIO_MAX_CONNECTIONS`,
/// `SCRITORIO_MAX_CONNECTIONS_PER_IP`, `SCRITORIO_HEADER_TIMEOUT`, `SCRITORIO_BODY_TIMEOUT`,
/// `SCRITORIO_KEEPALIVE_TIMEOUT`). Without them, connections that send half a request stay open forever, and a few
/// thousand of them exhaust the process's open files.
public struct ConnectionLimits: Sendable, Equatable {
    /// Connections open at once; past it, new ones wait in the listen backlog. `nil`: from the open-file limit.
    public var maxConnections: Int?
    /// Connections one client address may hold at once; more are closed as they arrive.
    public var maxConnectionsPerAddress = 256
    /// Seconds from a connection's start (or from the end of the previous answer, plus `keepAliveTimeout`) until the
    /// request's head (line and headers) must have arrived.
    public var headerTimeout: TimeInterval = 10
    /// Seconds from a request's head until its body must have arrived whole (a 25 MB upload at 2 Mbit/s fits).
    public var bodyTimeout: TimeInterval = 120
    /// Seconds a kept-alive connection may sit idle between requests.
    public var keepAliveTimeout: TimeInterval = 60

    public init() {}

    /// The total cap: the configured one, else what the open-file limit leaves after room for the store, the
    /// upstream clients and the files the server opens (at most 10,000).
    public var effectiveMaxConnections: Int {
        if let maxConnections { return maxConnections }
        var limit = rlimit()
        // RLIM_INFINITY does not import into Swift; a limit beyond 10,000 (infinity included) is capped there.
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 10_000 }
        return max(16, Int(min(UInt64(limit.rlim_cur), 10_128)) - 128)
    }
}

/// Counts the open connections of each client address (shared by every connection of the server).
final class ConnectionCounter: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    /// Counts a new connection of `address`; `false` (and not counted) when it already holds `limit`.
    func open(_ address: String, limit: Int) -> Bool {
        counts.withLock { counts in
            let current = counts[address, default: 0]
            guard current < limit else { return false }
            counts[address] = current + 1
            return true
        }
    }

    func close(_ address: String) {
        counts.withLock { counts in
            let remaining = counts[address, default: 1] - 1
            counts[address] = remaining > 0 ? remaining : nil
        }
    }

    func count(_ address: String) -> Int { counts.withLock { $0[address, default: 0] } }

    private let lastReport = Atomic<Int64>(0)

    /// Whether a refusal at `now` (whole seconds) is the first of its second.
    func shouldReportRefusal(now: Int64) -> Bool {
        lastReport.exchange(now, ordering: .relaxed) != now
    }
}

/// One per connection, after HTTP decoding: refuses a connection over its address's cap, and closes one whose
/// request head or body does not arrive in time. Answers in flight are never cut: the head timer is armed only
/// between requests, the body timer only while a request is being read.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let limits: ConnectionLimits
    private let counter: ConnectionCounter
    private let logger: Logger
    private var address: String?
    private var timer: Scheduled<Void>?

    init(limits: ConnectionLimits, counter: ConnectionCounter, logger: Logger) {
        self.limits = limits
        self.counter = counter
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let address = context.channel.remoteAddress?.ipAddress ?? "unknown"
        guard counter.open(address, limit: limits.maxConnectionsPerAddress) else {
            // At most one line a second, however many are refused: a flood must not fill the log as well.
            if counter.shouldReportRefusal(now: Int64(Date().timeIntervalSince1970)) {
                logger.notice("connections refused: too many from one address", metadata: ["limit": "\(limits.maxConnectionsPerAddress)"])
            }
            context.close(promise: nil)
            return
        }
        self.address = address
        arm(context, seconds: limits.headerTimeout, why: "request head")
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        release()
    }

    func channelInactive(context: ChannelHandlerContext) {
        release()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            arm(context, seconds: limits.bodyTimeout, why: "request body")
        case .end:
            cancel()
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            // Answered: the next request's head is due within the keep-alive time plus the head time.
            arm(context, seconds: limits.keepAliveTimeout + limits.headerTimeout, why: "next request head")
        }
        context.write(data, promise: promise)
    }

    private func arm(_ context: ChannelHandlerContext, seconds: TimeInterval, why: String) {
        cancel()
        guard seconds > 0 else { return }
        let channel = context.channel
        let logger = self.logger
        timer = context.eventLoop.scheduleTask(in: .milliseconds(Int64(seconds * 1000))) {
            logger.debug("connection closed: \(why) not received in time", metadata: ["seconds": "\(seconds)"])
            channel.close(promise: nil)
        }
    }

    private func cancel() {
        timer?.cancel()
        timer = nil
    }

    private func release() {
        cancel()
        if let address {
            counter.close(address)
            self.address = nil
        }
    }
}
