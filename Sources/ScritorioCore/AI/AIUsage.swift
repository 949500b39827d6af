import Foundation

/// What one request used, as the upstream reported it (or as reserved when it reported nothing).
public struct AIUsage: Sendable, Equatable, Codable {
    public var inputTokens: Int64
    public var outputTokens: Int64
    public var cachedTokens: Int64
    public var audioSeconds: Int64
    /// Words of a transcript the gateway relayed (counted from the text, never estimated).
    public var words: Int64

    public init(inputTokens: Int64 = 0, outputTokens: Int64 = 0, cachedTokens: Int64 = 0, audioSeconds: Int64 = 0, words: Int64 = 0) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.cachedTokens = cachedTokens
        self.audioSeconds = audioSeconds
        self.words = words
    }

    enum CodingKeys: String, CodingKey {
        case inputTokens, outputTokens, cachedTokens, audioSeconds, words
    }

    /// Settlements journaled by an earlier version have no `words`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            inputTokens: try container.decode(Int64.self, forKey: .inputTokens),
            outputTokens: try container.decode(Int64.self, forKey: .outputTokens),
            cachedTokens: try container.decode(Int64.self, forKey: .cachedTokens),
            audioSeconds: try container.decode(Int64.self, forKey: .audioSeconds),
            words: try container.decodeIfPresent(Int64.self, forKey: .words) ?? 0)
    }

    public var totalTokens: Int64 { inputTokens + outputTokens }

    /// The `usage` member of any OpenAI answer: chat and embeddings (`prompt_tokens`, `completion_tokens`),
    /// responses (`input_tokens`, `output_tokens`), transcriptions (`{"type":"duration","seconds":…}` or tokens).
    struct Wire: Decodable {
        struct Details: Decodable { var cached_tokens: Int64? }
        var prompt_tokens: Int64?
        var completion_tokens: Int64?
        var input_tokens: Int64?
        var output_tokens: Int64?
        var prompt_tokens_details: Details?
        var input_tokens_details: Details?
        var seconds: Double?
    }

    /// The usage in a JSON answer or stream event, or `nil` when it has none.
    /// Audio seconds rounded up; a duration the upstream reports out of any sane range (or not a number) is 0
    /// rather than a trap.
    static func wholeSeconds(_ seconds: Double) -> Int64 {
        guard seconds.isFinite, seconds > 0, seconds < 1e9 else { return 0 }
        return Int64(seconds.rounded(.up))
    }

    /// Only the members that matter are decoded (`usage`, Responses streams' `response.usage`, `duration`): an
    /// answer's text can be long, and reading it whole cost a few per cent of the gateway's time per request.
    public static func parse(_ json: some Collection<UInt8>) -> AIUsage? {
        let bytes = Array(json)
        func decode<T: Decodable>(_ type: T.Type, _ name: String, in bytes: [UInt8]) -> T? {
            guard let range = RawJSON.member(name, in: bytes) else { return nil }
            return try? JSONDecoder().decode(type, from: Data(bytes[range]))
        }
        let duration = decode(Double.self, "duration", in: bytes)
        var wire = decode(Wire.self, "usage", in: bytes)
        if wire == nil, let response = RawJSON.member("response", in: bytes) {
            wire = decode(Wire.self, "usage", in: Array(bytes[response]))
        }
        if let wire {
            return AIUsage(
                inputTokens: wire.prompt_tokens ?? wire.input_tokens ?? 0,
                outputTokens: wire.completion_tokens ?? wire.output_tokens ?? 0,
                cachedTokens: wire.prompt_tokens_details?.cached_tokens ?? wire.input_tokens_details?.cached_tokens ?? 0,
                audioSeconds: Self.wholeSeconds(wire.seconds ?? duration ?? 0))
        }
        if let duration { return AIUsage(audioSeconds: Self.wholeSeconds(duration)) }
        return nil
    }
}

/// Prices per model in US dollars: per million input, cached input and output tokens, and per minute of audio.
/// A dollar per million tokens is a micro-dollar per token, which keeps the arithmetic exact.
public struct AIPrice: Sendable, Equatable, Codable {
    public var input: Double
    public var cachedInput: Double?
    public var output: Double
    public var audioPerMinute: Double?
    /// The most input tokens one image may count for on this model (reserved per image).
    public var imageTokens: Int64?
    /// The model's context window: no request's input counts for more.
    public var contextTokens: Int64?

    public init(
        input: Double, cachedInput: Double? = nil, output: Double, audioPerMinute: Double? = nil, imageTokens: Int64? = nil,
        contextTokens: Int64? = nil
    ) {
        self.input = input
        self.cachedInput = cachedInput
        self.output = output
        self.audioPerMinute = audioPerMinute
        self.imageTokens = imageTokens
        self.contextTokens = contextTokens
    }

    enum CodingKeys: String, CodingKey {
        case input, output
        case cachedInput = "cached_input"
        case audioPerMinute = "audio_per_minute"
        case imageTokens = "image_tokens"
        case contextTokens = "context_tokens"
    }
}

/// The price table, from configuration.
public struct AIPriceTable: Sendable, Equatable {
    public var prices: [String: AIPrice]

    public init(prices: [String: AIPrice]) { self.prices = prices }

    /// OpenAI's list prices for the default plans' models (USD, 2025), with the most one image counts for on each
    /// (gpt-4o-mini: 2,833 + 8 tiles × 5,667 at high detail; gpt-4.1: 85 + 8 × 170; gpt-4.1-mini: 1,536 patches
    /// × 1.62) and their context windows.
    public static let standard = AIPriceTable(prices: [
        "gpt-4o-mini": AIPrice(input: 0.15, cachedInput: 0.075, output: 0.60, imageTokens: 48_200, contextTokens: 128_000),
        "gpt-4.1-mini": AIPrice(input: 0.40, cachedInput: 0.10, output: 1.60, imageTokens: 2_500, contextTokens: 1_047_576),
        "gpt-4.1": AIPrice(input: 2.00, cachedInput: 0.50, output: 8.00, imageTokens: 1_500, contextTokens: 1_047_576),
        "text-embedding-3-small": AIPrice(input: 0.02, output: 0),
        "whisper-1": AIPrice(input: 0, output: 0, audioPerMinute: 0.006),
    ])

    /// Reads `{"model": {"input":…, "output":…, "cached_input":…, "audio_per_minute":…}}`.
    public static func parse(_ data: Data) throws -> AIPriceTable {
        AIPriceTable(prices: try JSONDecoder().decode([String: AIPrice].self, from: data))
    }

    /// Reserved per image on a model that names no bound: the largest of any known model's.
    public static let unknownImageTokens: Int64 = 48_200
    /// Reserved per inline file on a model without a context window: a file's pages count as text and images.
    public static let unknownContextTokens: Int64 = 1_048_576

    /// The most input tokens a request of `bytes` bytes with `attachments` can count for on `model`: its bytes
    /// (no token is shorter than a byte), each image at the model's bound, each file at the whole context window,
    /// and never more than that window.
    public func inputBound(model: String, bytes: Int64, attachments: AIAttachments) -> Int64 {
        let price = prices[model]
        let context = price?.contextTokens ?? Self.unknownContextTokens
        let raw = bytes + attachments.images * (price?.imageTokens ?? Self.unknownImageTokens) + attachments.files * context
        guard let window = price?.contextTokens else { return raw }
        return min(raw, window)
    }

    /// The cost in micro-dollars (0 for a model without a price).
    public func costMicros(model: String, usage: AIUsage) -> Int64 {
        guard let price = prices[model] else { return 0 }
        let cached = min(usage.cachedTokens, usage.inputTokens)
        let micros = Double(usage.inputTokens - cached) * price.input
            + Double(cached) * (price.cachedInput ?? price.input)
            + Double(usage.outputTokens) * price.output
            + Double(usage.audioSeconds) * (price.audioPerMinute ?? 0) * 1_000_000 / 60
        // A price table or usage out of any sane range costs nothing rather than trapping.
        return Int64(exactly: micros.rounded()) ?? 0
    }
}
