import Foundation
import ScritorioAPI
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One message of a chat (OpenAI's `messages` item).
public struct ChatMessage: Codable, Sendable, Equatable {
    /// `system`, `user` or `assistant`.
    public var role: String
    /// The text.
    public var content: String

    /// A message.
    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }

    /// A user message.
    public static func user(_ text: String) -> ChatMessage { ChatMessage(role: "user", content: text) }
    /// A system message.
    public static func system(_ text: String) -> ChatMessage { ChatMessage(role: "system", content: text) }
}

/// The caller's managed-AI allowance and use (`GET /v1/me/usage`).
public struct AIUsage: Codable, Sendable, Equatable {
    /// Use in one period.
    public struct Period: Codable, Sendable, Equatable {
        /// When the period started.
        public var start: String
        /// When it ends (a new allowance starts).
        public var end: String?
        /// Tokens used.
        public var tokensUsed: Int64
        /// Tokens reserved by requests in flight.
        public var tokensReserved: Int64?
        /// The allowance, `nil` when unlimited.
        public var tokensLimit: Int64?
        /// Requests made.
        public var requests: Int64?

        enum CodingKeys: String, CodingKey {
            case start, end, requests
            case tokensUsed = "tokens_used"
            case tokensReserved = "tokens_reserved"
            case tokensLimit = "tokens_limit"
        }
    }

    /// The AI plan (`free`, `pro`).
    public var plan: String
    /// The models the plan allows.
    public var models: [String]
    /// Today.
    public var day: Period
    /// This month.
    public var month: Period
}

private struct ChatRequest: Encodable, Sendable {
    struct StreamOptions: Encodable, Sendable { var include_usage: Bool }
    var model: String
    var messages: [ChatMessage]
    var stream: Bool
    var max_tokens: Int?
    var stream_options: StreamOptions?
}

private struct ChatChunk: Decodable {
    struct Choice: Decodable {
        struct Delta: Decodable { var content: String? }
        struct Message: Decodable { var content: String? }
        var delta: Delta?
        var message: Message?
    }
    var choices: [Choice]?
}

extension ScritorioClient {
    /// The default chat model (allowed on every plan of the standard plan book).
    public static let defaultChatModel = "gpt-4o-mini"

    /// Streams a chat answer from the managed AI gateway (`POST /ai/v1/chat/completions`, `stream: true`) as text
    /// pieces in order. An exhausted quota ends the stream with ``ScritorioError/quotaExceeded(resetsAt:message:)``.
    public func chat(
        _ messages: [ChatMessage], model: String = ScritorioClient.defaultChatModel, maxTokens: Int? = nil
    ) -> AsyncThrowingStream<String, any Error> {
        let requester = self.requester
        let sessions = self.sessions
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let token = try await sessions.valid().accessToken
                    var request = try requester.request(
                        "POST", "ai/v1/chat/completions",
                        body: ChatRequest(model: model, messages: messages, stream: true, max_tokens: maxTokens, stream_options: nil),
                        bearer: token)
                    request.setValue("text/event-stream", forHTTPHeaderField: "Accept")
                    request.timeoutInterval = 600
                    var parser = ServerSentEvents()
                    var failure: (status: Int, response: HTTPURLResponse, body: Data)?
                    stream: for try await part in requester.transport.stream(request) {
                        switch part {
                        case .response(let response):
                            if !(200..<300).contains(response.statusCode) { failure = (response.statusCode, response, Data()) }
                        case .chunk(let data):
                            if failure != nil {
                                failure?.body.append(data)
                                continue
                            }
                            for event in parser.feed(data) {
                                if event == "[DONE]" { break stream }
                                if let text = try Self.text(ofChunk: event) { continuation.yield(text) }
                            }
                        }
                    }
                    if let failure {
                        throw Requester.error(status: failure.status, body: failure.body, headers: failure.response)
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// A whole chat answer at once (`stream: false`).
    public func complete(_ messages: [ChatMessage], model: String = ScritorioClient.defaultChatModel, maxTokens: Int? = nil) async throws -> String {
        let chunk = try await send(
            ChatChunk.self, "POST", "ai/v1/chat/completions",
            body: ChatRequest(model: model, messages: messages, stream: false, max_tokens: maxTokens, stream_options: nil))
        return chunk.choices?.first?.message?.content ?? ""
    }

    /// The managed-AI allowance and use of the signed-in user.
    public func aiUsage() async throws -> AIUsage {
        try await send(AIUsage.self, "GET", "v1/me/usage")
    }

    /// The text of one `chat.completion.chunk`; an `{"error":…}` event in the stream becomes a typed error.
    static func text(ofChunk event: String) throws -> String? {
        let data = Data(event.utf8)
        if let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any], object["error"] != nil {
            throw Requester.error(status: 200, body: data, headers: nil)
        }
        let chunk = try Requester.decode(ChatChunk.self, data)
        guard let text = chunk.choices?.first?.delta?.content, !text.isEmpty else { return nil }
        return text
    }
}

/// Splits a byte stream into server-sent events and returns the `data` of each complete one (multi-line data
/// joined with newlines; comments and other fields ignored).
struct ServerSentEvents: Sendable {
    private var buffer = Data()

    mutating func feed(_ bytes: Data) -> [String] {
        buffer.append(bytes)
        var events: [String] = []
        while let end = Self.eventEnd(in: buffer) {
            let raw = buffer[buffer.startIndex..<end.start]
            buffer = Data(buffer[end.next...])
            let text = String(decoding: raw, as: UTF8.self)
            let data = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
                .filter { $0.hasPrefix("data:") }
                .map { line -> Substring in
                    let value = line.dropFirst(5)
                    return value.first == " " ? value.dropFirst() : value
                }
            if !data.isEmpty { events.append(data.joined(separator: "\n")) }
        }
        return events
    }

    /// The end of the first complete event (a blank line: `\n\n` or `\r\n\r\n`) and where the next one starts.
    private static func eventEnd(in buffer: Data) -> (start: Data.Index, next: Data.Index)? {
        let bytes = [UInt8](buffer)
        var index = 0
        while index + 1 < bytes.count {
            if bytes[index] == 10, bytes[index + 1] == 10 {
                return (buffer.startIndex + index, buffer.startIndex + index + 2)
            }
            if index + 3 < bytes.count, bytes[index] == 13, bytes[index + 1] == 10, bytes[index + 2] == 13, bytes[index + 3] == 10 {
                return (buffer.startIndex + index, buffer.startIndex + index + 4)
            }
            index += 1
        }
        return nil
    }
}
