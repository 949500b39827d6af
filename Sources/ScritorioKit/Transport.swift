import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// How the SDK sends one HTTP request. The default goes through `URLSession`; tests and apps with their own
/// networking can supply another (it must answer with the status, headers and body as received).
public struct Transport: Sendable {
    /// Sends `request` and returns the body and the HTTP response.
    public var send: @Sendable (URLRequest) async throws -> (Data, HTTPURLResponse)
    /// Sends `request` and yields the response body in chunks as they arrive (for server-sent events).
    public var stream: @Sendable (URLRequest) -> AsyncThrowingStream<StreamPart, any Error>

    /// One part of a streamed answer: first the response head, then body chunks.
    public enum StreamPart: Sendable {
        /// The HTTP response head.
        case response(HTTPURLResponse)
        /// A chunk of the body, as received.
        case chunk(Data)
    }

    /// A transport of closures.
    public init(
        send: @escaping @Sendable (URLRequest) async throws -> (Data, HTTPURLResponse),
        stream: @escaping @Sendable (URLRequest) -> AsyncThrowingStream<StreamPart, any Error>
    ) {
        self.send = send
        self.stream = stream
    }

    /// `URLSession`, on macOS and on Linux (FoundationNetworking). Streaming uses a data delegate because
    /// `bytes(for:)` does not exist in Linux's Foundation.
    public static func urlSession(_ configuration: URLSessionConfiguration = .ephemeral) -> Transport {
        let session = URLSession(configuration: configuration)
        return Transport(
            send: { request in
                let (data, response) = try await session.data(for: request)
                guard let http = response as? HTTPURLResponse else {
                    throw ScritorioError.invalidResponse("not an HTTP response")
                }
                return (data, http)
            },
            stream: { request in StreamingTask.start(request, configuration: configuration) })
    }
}

/// A `URLSessionDataDelegate` that forwards a response's bytes to an `AsyncThrowingStream` as they arrive.
final class StreamingTask: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    // Mutated only from the session's serial delegate queue.
    private let continuation: AsyncThrowingStream<Transport.StreamPart, any Error>.Continuation

    private init(_ continuation: AsyncThrowingStream<Transport.StreamPart, any Error>.Continuation) {
        self.continuation = continuation
    }

    static func start(_ request: URLRequest, configuration: URLSessionConfiguration) -> AsyncThrowingStream<Transport.StreamPart, any Error> {
        AsyncThrowingStream { continuation in
            let delegate = StreamingTask(continuation)
            let queue = OperationQueue()
            queue.maxConcurrentOperationCount = 1
            let session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: queue)
            let task = session.dataTask(with: request)
            continuation.onTermination = { _ in
                task.cancel()
                session.invalidateAndCancel()
            }
            task.resume()
        }
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        if let http = response as? HTTPURLResponse { continuation.yield(.response(http)) }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        continuation.yield(.chunk(data))
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        if let error {
            continuation.finish(throwing: ScritorioError.offline(error.localizedDescription))
        } else {
            continuation.finish()
        }
        session.finishTasksAndInvalidate()
    }
}
