import Foundation

/// The few fields of an OpenAI JSON request the gateway needs; everything else passes through untouched.
public struct AIRequestFacts: Sendable, Equatable {
    public var model: String?
    public var stream: Bool
    /// `stream_options.include_usage` as the client sent it (`nil` when it sent no `stream_options`).
    public var includeUsage: Bool?
    /// The largest of `max_tokens`, `max_completion_tokens` and `max_output_tokens` present: an upstream that
    /// honours another of them can still not produce more than is reserved.
    public var maxOutputTokens: Int64?
    /// `n`, the number of chat choices (`nil` when absent): each choice is up to the maximum output long.
    public var choices: Int64?
    /// The first member the body names twice (see `repeatedMember(in:)`), found while reading it.
    public var repeatedMember: String?

    struct Wire: Decodable {
        struct StreamOptions: Decodable { var include_usage: Bool? }
        var model: String?
        var stream: Bool?
        var stream_options: StreamOptions?
        var max_tokens: Int64?
        var max_completion_tokens: Int64?
        var max_output_tokens: Int64?
        var n: Int64?
    }

    public init(model: String?, stream: Bool, includeUsage: Bool?, maxOutputTokens: Int64?, choices: Int64? = nil) {
        self.model = model
        self.stream = stream
        self.includeUsage = includeUsage
        self.maxOutputTokens = maxOutputTokens
        self.choices = choices
    }

    /// Reads the facts; `nil` when the body is not a JSON object (or a field has the wrong type).
    public static func read(_ body: some Collection<UInt8>) -> AIRequestFacts? {
        // Only an object the gateway's own byte-level reads can walk too: Foundation also takes a byte-order mark
        // or UTF-16, which the checks for repeated members and the estimate's rewrites would not see through.
        let bytes = body as? [UInt8] ?? Array(body)
        guard let members = RawJSON.members(in: bytes), let wire = try? JSONDecoder().decode(Wire.self, from: Data(bytes)) else {
            return nil
        }
        var facts = AIRequestFacts(
            model: wire.model, stream: wire.stream ?? false, includeUsage: wire.stream_options.map { $0.include_usage ?? false },
            maxOutputTokens: [wire.max_tokens, wire.max_completion_tokens, wire.max_output_tokens].compactMap { $0 }.max(),
            choices: wire.n)
        facts.repeatedMember = repeated(members, in: bytes)
        return facts
    }

    /// The first member named twice at the top level or in `stream_options`, if any. Parsers disagree on which
    /// of two the request means (Foundation reads the first, Python's `json` and so OpenAI the last): a body
    /// naming `model` or `max_tokens` twice could be checked and reserved as one request and run upstream as
    /// another, a Pro model on a free plan or an answer longer than its reservation. Such a body is refused.
    public static func repeatedMember(in body: [UInt8]) -> String? {
        RawJSON.members(in: body).flatMap { repeated($0, in: body) }
    }

    static func repeated(_ members: [(name: String, value: Range<Int>)], in body: [UInt8]) -> String? {
        var seen = Set<String>()
        for member in members where !seen.insert(member.name).inserted { return member.name }
        if let options = members.first(where: { $0.name == "stream_options" })?.value,
            let inner = RawJSON.memberNames(in: Array(body[options]))
        {
            seen = []
            for name in inner where !seen.insert(name).inserted { return "stream_options." + name }
        }
        return nil
    }
}

/// Which OpenAI operation a request is; decides how it is estimated and what the gateway sets.
public enum AIOperation: String, Sendable {
    case chat = "chat.completions"
    case responses
    case embeddings
    case transcription = "audio.transcriptions"
}

/// The reservation for a request and the body actually sent upstream.
public struct AIPreparedRequest: Sendable, Equatable {
    public var body: [UInt8]
    public var estimate: AIUsage
    /// Whether the client asked for the usage chunk of a streamed chat (it is stripped otherwise).
    public var clientWantsUsage: Bool
}

/// Reservation arithmetic. The estimate bounds the real use from above, so settling never exceeds what was
/// reserved: a prompt never has more tokens than its request has bytes, and the output is capped by the
/// request's maximum (set to the plan's default when it names none).
public enum AIEstimator {
    /// Prepares a JSON request (chat, responses, embeddings).
    /// `attachments` (what `AIAttachments.scan` found) and `prices` bound the input beyond its bytes. `nil` when
    /// the body cannot be rewritten as metering needs (then it is refused, never sent as it is).
    public static func prepare(
        _ operation: AIOperation, body: [UInt8], facts: AIRequestFacts, defaultMaxOutput: Int64,
        attachments: AIAttachments = AIAttachments(), prices: AIPriceTable = .standard
    ) -> AIPreparedRequest? {
        var body = body
        var members: [String] = []
        var output: Int64 = 0
        switch operation {
        case .chat, .responses:
            if let max = facts.maxOutputTokens {
                output = max
            } else {
                output = defaultMaxOutput
                members.append(operation == .chat ? "\"max_completion_tokens\":\(defaultMaxOutput)" : "\"max_output_tokens\":\(defaultMaxOutput)")
            }
        case .embeddings, .transcription:
            break
        }
        if operation == .chat, let choices = facts.choices, choices > 1 { output *= choices }
        var clientWantsUsage = false
        if operation == .chat && facts.stream {
            clientWantsUsage = facts.includeUsage ?? false
            if facts.includeUsage == nil {
                members.append("\"stream_options\":{\"include_usage\":true}")
            } else if facts.includeUsage == false {
                body = rewritingIncludeUsage(body)
            }
        }
        let input = attachments == AIAttachments()
            ? Int64(body.count) : prices.inputBound(model: facts.model ?? "", bytes: Int64(body.count), attachments: attachments)
        if !members.isEmpty {
            // A member the client sent as `null` is "absent" to the facts but still in the body: inserting a second
            // one would leave two, and the upstream reads the last (an uncapped answer, or no usage). It is set in place.
            let names = members.compactMap { $0.split(separator: ":", maxSplits: 1).first.map { String($0.dropFirst().dropLast()) } }
            // Compared unescaped: `"max_completion_t\u006fkens":null` is the same member.
            let present = Set(RawJSON.memberNames(in: body) ?? [])
            if names.contains(where: present.contains) {
                guard let set = settingMembers(members, in: body) else { return nil }
                body = set
            } else {
                body = inserting(members, into: body)
            }
        }
        return AIPreparedRequest(body: body, estimate: AIUsage(inputTokens: input, outputTokens: output), clientWantsUsage: clientWantsUsage)
    }

    /// Adds members right after the object's opening brace, leaving every other byte as the client sent it.
    static func inserting(_ members: [String], into body: [UInt8]) -> [UInt8] {
        guard let open = body.firstIndex(of: UInt8(ascii: "{")) else { return body }
        let rest = body[(open + 1)...].first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
        let text = members.joined(separator: ",") + (rest == UInt8(ascii: "}") ? "" : ",")
        var out = Array(body[...open])
        out.append(contentsOf: Array(text.utf8))
        out.append(contentsOf: body[(open + 1)...])
        return out
    }

    /// Sets `members` (`"name":json` texts) in the object, replacing what it has under those names.
    static func settingMembers(_ members: [String], in body: [UInt8]) -> [UInt8]? {
        guard var object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any],
            let values = (try? JSONSerialization.jsonObject(with: Data(("{" + members.joined(separator: ",") + "}").utf8))) as? [String: Any]
        else { return nil }
        for (name, value) in values { object[name] = value }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.withoutEscapingSlashes]) else { return nil }
        return Array(data)
    }

    /// `stream_options.include_usage` false → true (the usage chunk is then stripped for the client).
    static func rewritingIncludeUsage(_ body: [UInt8]) -> [UInt8] {
        guard var object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else { return body }
        var options = object["stream_options"] as? [String: Any] ?? [:]
        options["include_usage"] = true
        object["stream_options"] = options
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.withoutEscapingSlashes]) else { return body }
        return Array(data)
    }

    /// An upper bound of an audio file's length in seconds: for a PCM or float WAV whose `fmt ` chunk is
    /// consistent (the rate, block size and sample size agree, 8 to 384 kHz), the bytes from its `data` chunk on at
    /// its byte rate; for an Ogg Opus file, the sum of its packets' lengths; else the length at 6 kbit/s, the
    /// lowest rate Opus encodes speech at (Opus in another container with silence left out can still run longer;
    /// the upstream's reported duration settles it).
    public static func audioSeconds(_ file: some Collection<UInt8>) -> Int64 {
        let bytes = Array(file)
        if let byteRate = wavByteRate(bytes) {
            return max(1, (Int64(bytes.count - byteRate.dataOffset) + byteRate.rate - 1) / byteRate.rate)
        }
        if let seconds = OggOpusDuration.seconds(bytes) { return max(1, seconds) }
        return max(1, (Int64(bytes.count) + 749) / 750)
    }

    /// A WAV's byte rate and where its samples start, walking its chunks (ffmpeg writes a `LIST` before `data`);
    /// `nil` unless the format is plain PCM or float (an extensible header names its codec elsewhere, and could be
    /// MP3) and every field agrees.
    static func wavByteRate(_ bytes: [UInt8]) -> (rate: Int64, dataOffset: Int)? {
        guard bytes.count >= 12, bytes[0..<4] == Array("RIFF".utf8)[...], bytes[8..<12] == Array("WAVE".utf8)[...] else { return nil }
        func word(_ at: Int) -> Int64 { Int64(bytes[at]) | Int64(bytes[at + 1]) << 8 }
        func long(_ at: Int) -> Int64 { word(at) | word(at + 2) << 16 }
        var offset = 12
        var byteRate: Int64?
        for _ in 0..<32 {
            guard offset + 8 <= bytes.count else { return nil }
            let id = bytes[offset..<(offset + 4)]
            let size = long(offset + 4)
            let body = offset + 8
            if id == Array("fmt ".utf8)[...] {
                guard byteRate == nil, [16, 18].contains(size), body + 16 <= bytes.count else { return nil }
                let format = word(body), channels = word(body + 2), rate = long(body + 4), declared = long(body + 8)
                let block = word(body + 12), bits = word(body + 14)
                guard [1, 3].contains(format), (1...16).contains(channels), (8_000...384_000).contains(rate),
                    [8, 16, 24, 32, 64].contains(bits), block == channels * bits / 8, declared == rate * block
                else { return nil }
                byteRate = declared
            } else if id == Array("data".utf8)[...] {
                guard let byteRate else { return nil }
                return (byteRate, body)
            }
            // Chunks are padded to an even size.
            guard size >= 0, size <= Int64(bytes.count) else { return nil }
            offset = body + Int(size) + Int(size & 1)
        }
        return nil
    }
}
