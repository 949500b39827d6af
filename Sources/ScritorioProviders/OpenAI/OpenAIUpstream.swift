import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// One call to the upstream OpenAI-compatible API: always a POST (the gateway answers `GET /models` itself).
/// The body goes out as the gateway prepared it.
public struct OpenAIUpstreamRequest: Sendable {
    /// Below the base URL: `/chat/completions`, `/responses`, `/embeddings`, `/audio/transcriptions`.
    public var path: String
    public var contentType: String?
    public var body: ByteBuffer
    public var requestID: String

    public init(path: String, contentType: String?, body: ByteBuffer, requestID: String) {
        self.path = path
        self.contentType = contentType
        self.body = body
        self.requestID = requestID
    }
}

/// The upstream's answer: status, the headers worth passing on, and the body as it streams in. Dropping the
/// body before its end cancels the upstream call.
public struct OpenAIUpstreamResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: HTTPClientResponse.Body

    public init(status: Int, headers: [(name: String, value: String)], body: HTTPClientResponse.Body) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// Why no answer came from the upstream. What the gateway charges depends on whether the request may have
/// reached it: OpenAI bills work it did even when the answer never arrives.
public enum OpenAIUpstreamError: Error, Equatable {
    /// The request was sent and nothing (or not all of it) arrived in time: 504, the reservation charged.
    case timeout
    /// The connection failed after the request may have been sent (closed or reset mid-call): 502, the
    /// reservation charged.
    case interrupted(String)
    /// The upstream could not be reached at all (no connection): 502, nothing charged. The text never contains
    /// the key.
    case unreachable(String)
    /// The caller went away while nothing was in flight (waiting to try again after a 429 or 5xx, which are not
    /// billed): nothing charged.
    case abandoned
}

/// The upstream OpenAI-compatible API as one closure, so tests can put anything in its place.
public struct OpenAIUpstream: Sendable {
    public var send: @Sendable (OpenAIUpstreamRequest) async throws -> OpenAIUpstreamResponse

    public init(send: @escaping @Sendable (OpenAIUpstreamRequest) async throws -> OpenAIUpstreamResponse) {
        self.send = send
    }

    /// Headers of the upstream's answer that reach the client; everything else (cookies, the upstream's own
    /// organisation and project ids, and its `x-ratelimit-*`, which describe the operator's account across all
    /// users, not the caller's allowance) stays behind.
    static let passedHeaders: Set<String> = [
        "content-type", "x-request-id", "openai-processing-ms", "openai-model", "retry-after", "retry-after-ms",
    ]

    /// Calls `baseURL` (e.g. `https://api.openai.com/v1`) with `Authorization: Bearer <apiKey>` over `client`'s
    /// pool. An answer of 429 or 5xx, a refused connection or a connect timeout are tried again up to `retries`
    /// times with exponential backoff (0.25 s, 0.5 s, … or the upstream's `retry-after-ms` when shorter than
    /// 2 s): that happens before the first byte reaches the client, so it is invisible to it.
    public static func live(
        baseURL: String, apiKey: String, client: HTTPClient, timeout: TimeAmount = .seconds(600), retries: Int = 2
    ) -> OpenAIUpstream {
        let base = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        let authorization = "Bearer \(apiKey)"
        return OpenAIUpstream { call in
            var attempt = 0
            while true {
                var request = HTTPClientRequest(url: base + call.path)
                request.method = .POST
                request.headers.add(name: "Authorization", value: authorization)
                request.headers.add(name: "X-Client-Request-Id", value: call.requestID)
                if let type = call.contentType { request.headers.add(name: "Content-Type", value: type) }
                request.body = .bytes(call.body)
                let response: HTTPClientResponse
                do {
                    response = try await client.execute(request, deadline: .now() + timeout)
                } catch is CancellationError {
                    throw CancellationError()
                } catch let error as HTTPClientError where error == .cancelled {
                    // AsyncHTTPClient's word for the caller's task being cancelled mid-call.
                    throw CancellationError()
                } catch {
                    // Only a call that never left is tried again: a POST the upstream may have run would be paid twice.
                    if let httpError = error as? HTTPClientError, [.deadlineExceeded, .readTimeout].contains(httpError) {
                        throw OpenAIUpstreamError.timeout
                    }
                    guard neverSent(error) else { throw OpenAIUpstreamError.interrupted(String(describing: type(of: error))) }
                    if attempt < retries {
                        attempt += 1
                        try await pause(backoff(attempt, hint: nil))
                        continue
                    }
                    throw OpenAIUpstreamError.unreachable(String(describing: type(of: error)))
                }
                let status = Int(response.status.code)
                if attempt < retries, status == 429 || status >= 500 {
                    attempt += 1
                    let hint = response.headers.first(name: "retry-after-ms").flatMap(Double.init)
                    try await pause(backoff(attempt, hint: hint))
                    continue
                }
                var headers: [(name: String, value: String)] = []
                for header in response.headers where passedHeaders.contains(header.name.lowercased()) {
                    headers.append((header.name.lowercased(), header.value))
                }
                return OpenAIUpstreamResponse(status: status, headers: headers, body: response.body)
            }
        }
    }

    /// Waits before the next attempt; a caller that goes away meanwhile has nothing in flight.
    static func pause(_ duration: Duration) async throws {
        do {
            try await Task.sleep(for: duration)
        } catch {
            throw OpenAIUpstreamError.abandoned
        }
    }

    /// Whether `error` says no connection was ever made (refused, unreachable, no pooled connection in time, a TLS
    /// handshake that failed), so the request cannot have reached the upstream.
    static func neverSent(_ error: any Error) -> Bool {
        if let httpError = error as? HTTPClientError {
            return [.connectTimeout, .getConnectionFromPoolTimeout, .tlsHandshakeTimeout].contains(httpError)
        }
        if error is NIOSSLError { return true }
        if error is NIOConnectionError { return true }
        if let channelError = error as? ChannelError, case .connectTimeout = channelError { return true }
        if let ioError = error as? IOError { return [ECONNREFUSED, ENETUNREACH, EHOSTUNREACH, EADDRNOTAVAIL].contains(ioError.errnoCode) }
        return false
    }

    static func backoff(_ attempt: Int, hint: Double?) -> Duration {
        if let hint, hint >= 0, hint < 2_000 { return .milliseconds(Int64(hint)) }
        return .milliseconds(250 << min(attempt - 1, 4))
    }

    /// A test double whose every call fails.
    public static let unimplemented = OpenAIUpstream { _ in throw OpenAIUpstreamError.unreachable("unimplemented: OpenAIUpstream.send") }

    /// The pool the gateway uses: many connections per host (the benchmark runs 32 at once), keep-alive, a
    /// connect timeout, and an idle-read timeout between bytes.
    public static func makeHTTPClient(connectTimeout: TimeAmount = .seconds(10), readTimeout: TimeAmount = .seconds(300)) -> HTTPClient {
        var configuration = HTTPClient.Configuration(
            timeout: .init(connect: connectTimeout, read: readTimeout),
            connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 256))
        configuration.decompression = .disabled
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }
}
