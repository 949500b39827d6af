import Foundation
import Synchronization

/// A fake OpenAI API: deterministic answers in OpenAI's exact wire shapes (chat completions and their SSE
/// stream with the usage chunk and `[DONE]`, responses and their event stream, embeddings as floats or base64,
/// transcriptions, models), with knobs for latency, token counts, errors and mid-stream failures.
///
/// Knobs come per request, so concurrent tests never share state: `#sandbox:key=value` words in the prompt
/// text (they pass through any gateway untouched) or `x-sandbox-key: value` headers. Keys: `status` (answer
/// with that error status), `latency` (ms before the answer), `chunk_delay` (ms between stream chunks),
/// `tokens` (completion tokens), `fail_after` (drop the stream after that many content chunks), `no_usage`
/// (leave usage out), `fail_first` (with `status`: only the first that many attempts carrying the same
/// `X-Client-Request-Id` fail, as a transient upstream error does, so a caller's retries can be seen to work).
public final class OpenAISandbox: Sendable {
    /// Streams started, finished normally, and ended early because the reader went away.
    public struct Stats: Sendable, Equatable {
        public var requests = 0
        public var streamsStarted = 0
        public var streamsCompleted = 0
        public var streamsAbandoned = 0
    }

    private let stats = Mutex(Stats())
    /// Attempts seen per `X-Client-Request-Id`, for `fail_first`.
    private let attempts = Mutex<[String: Int]>([:])
    /// Seconds since 1970 written as `created`; fixed so answers are byte-for-byte repeatable.
    public let created: Int

    public init(created: Int = 1_750_000_000) {
        self.created = created
    }

    public var currentStats: Stats { stats.withLock { $0 } }

    func record(_ change: (inout Stats) -> Void) { stats.withLock { change(&$0) } }

    /// Counts one more attempt of the client request `id` and returns how many there have been.
    func attempt(_ id: String) -> Int {
        attempts.withLock { seen in
            if seen.count > 10_000 { seen.removeAll() }
            seen[id, default: 0] += 1
            return seen[id] ?? 1
        }
    }

    /// The models the fake knows.
    public static let models = ["gpt-4o-mini", "gpt-4.1-mini", "gpt-4.1", "text-embedding-3-small", "whisper-1"]

    // MARK: Knobs

    /// Per-request behaviour read from the prompt and headers.
    struct Knobs {
        var status: Int?
        var latencyMs = 0
        var chunkDelayMs = 0
        var tokens: Int?
        var failAfter: Int?
        var noUsage = false
        var failFirst: Int?

        mutating func apply(_ key: String, _ value: String) {
            switch key {
            // Clamped: the knobs come from request text, and an HTTP status outside 100...599, a billion tokens or
            // an overflowing count must not bring the process down.
            case "status": status = Int(value).flatMap { (100...599).contains($0) ? $0 : nil }
            case "latency": latencyMs = Self.clamp(value, to: 60_000) ?? 0
            case "chunk_delay": chunkDelayMs = Self.clamp(value, to: 60_000) ?? 0
            case "tokens": tokens = Self.clamp(value, to: 100_000)
            case "fail_after": failAfter = Self.clamp(value, to: 1_000_000)
            case "no_usage": noUsage = value != "0"
            case "fail_first": failFirst = Self.clamp(value, to: 1_000)
            default: break
            }
        }

        static func clamp(_ value: String, to limit: Int) -> Int? {
            Int(value).map { min(max($0, 0), limit) }
        }

        static func read(text: String, headers: [(String, String)]) -> Knobs {
            var knobs = Knobs()
            for (name, value) in headers where name.hasPrefix("x-sandbox-") {
                knobs.apply(String(name.dropFirst("x-sandbox-".count)).replacingOccurrences(of: "-", with: "_"), value)
            }
            guard text.contains("#sandbox:") else { return knobs }
            for word in text.split(whereSeparator: { $0 == " " || $0 == "\n" }) where word.hasPrefix("#sandbox:") {
                let pair = word.dropFirst("#sandbox:".count).split(separator: "=", maxSplits: 1)
                knobs.apply(String(pair.first ?? ""), pair.count > 1 ? String(pair[1]) : "1")
            }
            return knobs
        }
    }

    // MARK: Deterministic content

    static let lexicon = ["The", "sandbox", "answers", "every", "prompt", "with", "the", "same", "words", "so", "tests", "can", "count", "them"]

    /// `count` words, one token each.
    static func words(_ count: Int) -> [String] {
        (0..<max(0, count)).map { lexicon[$0 % lexicon.count] }
    }

    /// Tokens of a prompt: a quarter of its UTF-8 bytes, rounded up (OpenAI's rule of thumb), plus 3 per message.
    static func promptTokens(_ texts: [String]) -> Int {
        texts.reduce(3) { $0 + 3 + ($1.utf8.count + 3) / 4 }
    }

    /// The text of every message (string contents and text parts).
    static func texts(of value: Any?) -> [String] {
        switch value {
        case let text as String: return [text]
        case let items as [Any]: return items.flatMap { texts(of: $0) }
        case let object as [String: Any]:
            if let content = object["content"] { return texts(of: content) }
            if let text = object["text"] as? String { return [text] }
            return []
        default: return []
        }
    }

    static func hash(_ text: String) -> UInt64 {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { value = (value ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return value
    }

    /// A JSON string literal.
    static func quote(_ text: String) -> String {
        var out = "\""
        out.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }

    /// OpenAI's error body.
    static func errorBody(_ status: Int, message: String? = nil) -> String {
        let (type, code): (String, String) = switch status {
        case 400: ("invalid_request_error", "invalid_request")
        case 401: ("invalid_request_error", "invalid_api_key")
        case 404: ("invalid_request_error", "model_not_found")
        case 429: ("requests", "rate_limit_exceeded")
        default: ("server_error", "server_error")
        }
        let text = message ?? "The sandbox was told to answer \(status)."
        return #"{"error":{"message":\#(quote(text)),"type":"\#(type)","param":null,"code":"\#(code)"}}"#
    }
}
