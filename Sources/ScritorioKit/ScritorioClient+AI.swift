import Foundation
import ScritorioAPI
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The caller's managed-AI allowance and use (`GET /v1/me/usage`): the contract's ``UsageResponse``. The old
/// name is kept for apps written against it; it reads the same members.
@available(*, deprecated, renamed: "UsageResponse")
public typealias AIUsage = UsageResponse

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
                    var request = try requester.call(
                        API.AI.chatCompletions, body: ChatCompletionRequest(model: model, messages: messages, stream: true, max_tokens: maxTokens),
                        bearer: token
                    ).request
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
            API.AI.chatCompletions, body: ChatCompletionRequest(model: model, messages: messages, stream: false, max_tokens: maxTokens))
        return chunk.choices?.first?.message?.content ?? ""
    }

    /// The managed-AI allowance and use of the signed-in user.
    public func aiUsage() async throws -> UsageResponse {
        try await send(API.Members.usage)
    }

    /// Reports words the app produced on the device (on-device dictation, a local model) into the member's word
    /// counters. Pass the same `idempotencyKey` when retrying a report: it counts once. Returns the member after it.
    @discardableResult
    public func reportWords(_ count: Int, idempotencyKey: String = UUID().uuidString) async throws -> MemberDTO? {
        try await send(API.Members.reportWords, body: WordsReport(count: Int64(count), idempotency_key: idempotencyKey)).member
    }

    /// The text of one `chat.completion.chunk`; an `{"error":…}` event in the stream becomes a typed error.
    static func text(ofChunk event: String) throws -> String? {
        let data = Data(event.utf8)
        let envelope = ErrorEnvelope.read(data)
        if envelope.isOpenAIShape || envelope.error != nil {
            throw Requester.error(status: 200, body: data, headers: nil)
        }
        let chunk = try Requester.decode(ChatCompletionChunk.self, data)
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
