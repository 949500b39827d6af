import Foundation

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

/// `POST /ai/v1/chat/completions` as the SDK sends it: the part of OpenAI's request it uses. The gateway reads
/// the body as OpenAI's (`AIRequestFacts`) and passes it upstream unchanged.
public struct ChatCompletionRequest: Codable, Sendable, Equatable {
    /// `stream_options`.
    public struct StreamOptions: Codable, Sendable, Equatable {
        /// Ask for a final chunk with the usage.
        public var include_usage: Bool

        /// Stream options.
        public init(include_usage: Bool) { self.include_usage = include_usage }
    }

    /// The model.
    public var model: String
    /// The conversation.
    public var messages: [ChatMessage]
    /// Whether the answer is streamed as server-sent events.
    public var stream: Bool
    /// The output bound; not sent when `nil`.
    public var max_tokens: Int?
    /// Stream options; not sent when `nil`.
    public var stream_options: StreamOptions?

    /// A chat request.
    public init(model: String, messages: [ChatMessage], stream: Bool, max_tokens: Int? = nil, stream_options: StreamOptions? = nil) {
        self.model = model
        self.messages = messages
        self.stream = stream
        self.max_tokens = max_tokens
        self.stream_options = stream_options
    }
}

/// The part of OpenAI's chat answer the SDK reads: a whole `chat.completion` (`choices[].message`) or one
/// streamed `chat.completion.chunk` (`choices[].delta`). The gateway passes the upstream's answer through.
public struct ChatCompletionChunk: Codable, Sendable, Equatable {
    /// One choice.
    public struct Choice: Codable, Sendable, Equatable {
        /// Text of a message or a delta.
        public struct Content: Codable, Sendable, Equatable {
            /// The text, `nil` when the piece carries none (a role, a tool call, the end).
            public var content: String?

            /// A piece of text.
            public init(content: String?) { self.content = content }
        }

        /// The streamed piece.
        public var delta: Content?
        /// The whole message.
        public var message: Content?

        /// A choice.
        public init(delta: Content? = nil, message: Content? = nil) {
            self.delta = delta
            self.message = message
        }
    }

    /// The choices (`nil` in the usage-only last chunk of some upstreams).
    public var choices: [Choice]?

    /// An answer.
    public init(choices: [Choice]?) { self.choices = choices }
}
