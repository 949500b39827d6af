import Foundation
import ScritorioCore
import Testing

@Suite("AI gateway domain: periods, estimates, streams, prices")
struct AIDomainTests {
    static func date(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    @Test("days start at the anchor's time of day; months on its day, clamped to short months")
    func periods() {
        let anchor = Self.date("2026-01-31T10:30:00Z")
        let p = AIPeriods(anchor: anchor, now: Self.date("2026-02-15T09:00:00Z"))
        #expect(p.dayStart == Self.date("2026-02-14T10:30:00Z"))
        #expect(p.dayEnd == Self.date("2026-02-15T10:30:00Z"))
        #expect(p.monthStart == Self.date("2026-01-31T10:30:00Z"))
        #expect(p.monthEnd == Self.date("2026-02-28T10:30:00Z"))
        let march = AIPeriods(anchor: anchor, now: Self.date("2026-03-01T00:00:00Z"))
        #expect(march.monthStart == Self.date("2026-02-28T10:30:00Z"))
        #expect(march.monthEnd == Self.date("2026-03-31T10:30:00Z"))
        let year = AIPeriods(anchor: anchor, now: Self.date("2026-12-31T11:00:00Z"))
        #expect(year.monthStart == Self.date("2026-12-31T10:30:00Z"))
        #expect(year.monthEnd == Self.date("2027-01-31T10:30:00Z"))
        #expect(AIPeriods(anchor: anchor, now: Self.date("2026-02-15T09:00:59Z")).minuteStart == Self.date("2026-02-15T09:00:00Z"))
    }

    @Test("month periods match Foundation's Calendar for 20,000 anchors and times from 1970 to 2200, leap years included")
    func periodsMatchCalendar() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        func reference(_ year: Int, _ month: Int, _ anchor: Date) -> Date {
            let a = calendar.dateComponents([.day, .hour, .minute, .second], from: anchor)
            let first = calendar.date(from: DateComponents(year: year, month: month, day: 1))!
            let day = min(a.day!, calendar.range(of: .day, in: .month, for: first)!.count)
            return calendar.date(from: DateComponents(year: year, month: month, day: day, hour: a.hour, minute: a.minute, second: a.second))!
        }
        var seed: UInt64 = 0x5C71_7041
        func next(_ bound: UInt64) -> UInt64 {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return (seed >> 17) % bound
        }
        var mismatches = 0
        for _ in 0..<20_000 {
            let anchor = Date(timeIntervalSince1970: Double(next(7_258_118_400)))
            let now = anchor.addingTimeInterval(Double(next(400 * 86_400)))
            let periods = AIPeriods(anchor: anchor, now: now)
            let parts = calendar.dateComponents([.year, .month], from: periods.monthStart)
            if periods.monthStart != reference(parts.year!, parts.month!, anchor) { mismatches += 1 }
            if !(periods.monthStart <= now && now < periods.monthEnd) { mismatches += 1 }
            let after = calendar.date(byAdding: .month, value: 1, to: calendar.date(from: DateComponents(year: parts.year!, month: parts.month!, day: 1))!)!
            let next = calendar.dateComponents([.year, .month], from: after)
            if periods.monthEnd != reference(next.year!, next.month!, anchor) { mismatches += 1 }
        }
        #expect(mismatches == 0)
        #expect(AIPeriods(anchor: Self.date("2024-01-31T00:00:00Z"), now: Self.date("2024-02-29T12:00:00Z")).monthStart == Self.date("2024-02-29T00:00:00Z"))
        #expect(AIPeriods(anchor: Self.date("2024-01-31T00:00:00Z"), now: Self.date("2100-02-28T12:00:00Z")).monthStart == Self.date("2100-02-28T00:00:00Z"))
    }

    @Test("the estimate bounds the prompt by its bytes, sets the plan's output cap and forces include_usage")
    func estimate() throws {
        let body = Array(#"{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"hi"}]}"#.utf8)
        let facts = try #require(AIRequestFacts.read(body))
        let prepared = try mustPrepare(AIEstimator.prepare(.chat, body: body, facts: facts, defaultMaxOutput: 100))
        #expect(prepared.estimate == AIUsage(inputTokens: Int64(body.count), outputTokens: 100))
        #expect(!prepared.clientWantsUsage)
        let sent = try #require(try JSONSerialization.jsonObject(with: Data(prepared.body)) as? [String: Any])
        #expect(sent["max_completion_tokens"] as? Int == 100)
        #expect((sent["stream_options"] as? [String: Any])?["include_usage"] as? Bool == true)
        #expect(String(decoding: prepared.body, as: UTF8.self).hasSuffix(String(decoding: body.dropFirst(), as: UTF8.self)), "the client's bytes follow unchanged")

        let capped = Array(#"{"model":"m","max_tokens":7,"stream":true,"stream_options":{"include_usage":false},"input":"x"}"#.utf8)
        let cappedPrepared = try mustPrepare(AIEstimator.prepare(.chat, body: capped, facts: try #require(AIRequestFacts.read(capped)), defaultMaxOutput: 100))
        #expect(cappedPrepared.estimate.outputTokens == 7)
        let rewritten = try #require(try JSONSerialization.jsonObject(with: Data(cappedPrepared.body)) as? [String: Any])
        #expect((rewritten["stream_options"] as? [String: Any])?["include_usage"] as? Bool == true)
        #expect(AIRequestFacts.read(Array("[1]".utf8)) == nil)
        let embeddings = Array(#"{"model":"e","input":"abc"}"#.utf8)
        #expect(try mustPrepare(AIEstimator.prepare(.embeddings, body: embeddings, facts: try #require(AIRequestFacts.read(embeddings)), defaultMaxOutput: 9)).body == embeddings)
    }

    @Test("a member named twice is found, also when escaped or inside stream_options; n and every output cap count")
    func repeatedMembersAndChoices() throws {
        func repeated(_ json: String) -> String? { AIRequestFacts.repeatedMember(in: Array(json.utf8)) }
        #expect(repeated(#"{"model":"gpt-4o-mini","max_tokens":1,"model":"gpt-4.1"}"#) == "model")
        #expect(repeated(#"{"model":"gpt-4o-mini","mod\u0065l":"gpt-4.1"}"#) == "model", "the same name once unescaped")
        #expect(repeated(#"{"max_tokens":1,"messages":[],"max_tokens":100000}"#) == "max_tokens")
        #expect(repeated(#"{"stream_options":{"include_usage":true,"include_usage":false}}"#) == "stream_options.include_usage")
        #expect(repeated(#"{"model":"m","messages":[{"role":"user","content":"a"},{"role":"user","content":"b"}]}"#) == nil, "nested repeats are data")
        #expect(repeated(#"{"model":"m","Model":"n"}"#) == nil, "names are case-sensitive, as in every parser")

        // Two caps: the larger is reserved, whichever the upstream honours.
        let both = Array(#"{"model":"m","max_tokens":5,"max_completion_tokens":900}"#.utf8)
        let bothFacts = try #require(AIRequestFacts.read(both))
        #expect(bothFacts.maxOutputTokens == 900)
        #expect(try mustPrepare(AIEstimator.prepare(.chat, body: both, facts: bothFacts, defaultMaxOutput: 10)).estimate.outputTokens == 900)
        // n choices of up to the cap each.
        let many = Array(#"{"model":"m","max_tokens":50,"n":4}"#.utf8)
        let manyFacts = try #require(AIRequestFacts.read(many))
        #expect(manyFacts.choices == 4)
        #expect(try mustPrepare(AIEstimator.prepare(.chat, body: many, facts: manyFacts, defaultMaxOutput: 10)).estimate.outputTokens == 200)
        let defaulted = Array(#"{"model":"m","n":3}"#.utf8)
        #expect(try mustPrepare(AIEstimator.prepare(.chat, body: defaulted, facts: try #require(AIRequestFacts.read(defaulted)), defaultMaxOutput: 10)).estimate.outputTokens == 30)
        #expect(try mustPrepare(AIEstimator.prepare(.responses, body: many, facts: manyFacts, defaultMaxOutput: 10)).estimate.outputTokens == 50, "n is a chat parameter")
    }

    @Test("a cap or stream_options sent as null is set in place, never sent twice")
    func nullMembersAreReplaced() throws {
        for (json, operation, name) in [
            (#"{"model":"m","max_completion_tokens":null,"messages":[]}"#, AIOperation.chat, "max_completion_tokens"),
            (#"{"model":"m","input":"hi","max_output_tokens":null}"#, AIOperation.responses, "max_output_tokens"),
        ] {
            let body = Array(json.utf8)
            let prepared = try mustPrepare(AIEstimator.prepare(operation, body: body, facts: try #require(AIRequestFacts.read(body)), defaultMaxOutput: 77))
            #expect(RawJSON.memberNames(in: prepared.body)?.filter { $0 == name }.count == 1)
            let sent = try #require(try JSONSerialization.jsonObject(with: Data(prepared.body)) as? [String: Any])
            #expect(sent[name] as? Int == 77)
            #expect(prepared.estimate.outputTokens == 77)
        }
        let stream = Array(#"{"model":"m","stream":true,"stream_options":null,"messages":[]}"#.utf8)
        let prepared = try mustPrepare(AIEstimator.prepare(.chat, body: stream, facts: try #require(AIRequestFacts.read(stream)), defaultMaxOutput: 5))
        #expect(RawJSON.memberNames(in: prepared.body)?.filter { $0 == "stream_options" }.count == 1)
        let sent = try #require(try JSONSerialization.jsonObject(with: Data(prepared.body)) as? [String: Any])
        #expect((sent["stream_options"] as? [String: Any])?["include_usage"] as? Bool == true)
        #expect(sent["max_completion_tokens"] as? Int == 5)
    }

    @Test("images and inline files are counted, state kept upstream and hosted tools refused, plain text untouched")
    func attachments() throws {
        func scan(_ json: String) -> AIAttachments { AIAttachments.scan(Array(json.utf8)) }
        #expect(scan(#"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#) == AIAttachments())
        #expect(scan(#"{"model":"m","messages":[{"role":"user","content":"an image of a file"}]}"#) == AIAttachments(), "words are not parts")
        let chat = #"{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"what"},{"type":"image_url","image_url":{"url":"https://x/a.png"}},{"type":"image_url","image_url":{"url":"data:image/png;base64,AA=="}},{"type":"file","file":{"filename":"a.pdf","file_data":"data:application/pdf;base64,AA=="}}]}]}"#
        #expect(scan(chat) == AIAttachments(images: 2, files: 1))
        let responses = #"{"model":"m","input":[{"role":"user","content":[{"type":"input_image","image_url":"https://x/a.png","detail":"low"},{"type":"input_file","file_data":"AA=="}]}],"tools":[{"type":"function","name":"f","parameters":{}}]}"#
        #expect(scan(responses) == AIAttachments(images: 1, files: 1))
        #expect(scan(#"{"model":"m","input":"hi","previous_response_id":"resp_1"}"#).refused == "previous_response_id")
        #expect(scan(#"{"model":"m","input":"hi","previous_response_id":null}"#).refused == nil)
        #expect(scan(#"{"model":"m","input":"hi","conversation":{"id":"conv_1"}}"#).refused == "conversation")
        #expect(scan(#"{"model":"m","prompt":{"id":"pmpt_1"}}"#).refused == "prompt")
        #expect(scan(#"{"model":"m","messages":[{"role":"user","content":[{"type":"file","file":{"file_id":"file-1"}}]}]}"#).refused == "file_id")
        #expect(scan(#"{"model":"m","input":[{"type":"input_image","file_id":"file-1"}]}"#).refused == "file_id")
        #expect(scan(#"{"model":"m","input":[{"type":"item_reference","id":"msg_1"}]}"#).refused == "item_reference")
        #expect(scan(#"{"model":"m","input":"hi","tools":[{"type":"web_search"}]}"#).refused == "tools[].type=web_search")
        #expect(scan(#"{"model":"m","input":"hi","tools":[{"type":"file_search","vector_store_ids":["vs_1"]}]}"#).refused == "tools[].type=file_search")

        // The bound: bytes, each image at the model's bound, each file at the window, never above the window.
        let prices = AIPriceTable.standard
        #expect(prices.inputBound(model: "gpt-4o-mini", bytes: 300, attachments: AIAttachments(images: 1)) == 48_500)
        #expect(prices.inputBound(model: "gpt-4.1", bytes: 300, attachments: AIAttachments(images: 2)) == 3_300)
        #expect(prices.inputBound(model: "gpt-4o-mini", bytes: 300, attachments: AIAttachments(images: 3)) == 128_000, "the window caps it")
        #expect(prices.inputBound(model: "gpt-4o-mini", bytes: 300, attachments: AIAttachments(files: 1)) == 128_000)
        #expect(prices.inputBound(model: "unknown", bytes: 10, attachments: AIAttachments(images: 1)) == 10 + AIPriceTable.unknownImageTokens)
        let body = Array(chat.utf8)
        let facts = AIRequestFacts(model: "gpt-4.1", stream: false, includeUsage: nil, maxOutputTokens: 10)
        let prepared = try mustPrepare(AIEstimator.prepare(.chat, body: body, facts: facts, defaultMaxOutput: 99, attachments: scan(chat)))
        #expect(prepared.estimate == AIUsage(inputTokens: 1_047_576, outputTokens: 10), "a file on gpt-4.1 reserves its window")
    }

    @Test("the SSE scanner relays whole events across chunk borders, finds the usage and strips only the usage chunk")
    func scanner() {
        let stream = """
            data: {"choices":[{"delta":{"content":"a"}}],"usage":null}

            data: {"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7,"prompt_tokens_details":{"cached_tokens":1}}}

            data: [DONE]


            """
        var scanner = SSEUsageScanner(stripUsageChunk: true)
        var out: [UInt8] = []
        for chunk in Array(stream.utf8).chunked(7) { out += scanner.consume(chunk) }
        out += scanner.flush()
        let text = String(decoding: out, as: UTF8.self)
        #expect(scanner.usage == AIUsage(inputTokens: 5, outputTokens: 2, cachedTokens: 1))
        #expect(scanner.finished)
        #expect(!text.contains("prompt_tokens"))
        #expect(text.hasPrefix(#"data: {"choices":[{"delta":{"content":"a"}}],"usage":null}"# + "\n\n"))
        #expect(text.contains("data: [DONE]\n\n"))

        var keep = SSEUsageScanner(stripUsageChunk: false)
        let kept = keep.consume(Array(stream.utf8))
        #expect(String(decoding: kept, as: UTF8.self).contains("prompt_tokens"))

        var responses = SSEUsageScanner(stripUsageChunk: false)
        _ = responses.consume(Array("event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"usage\":{\"input_tokens\":3,\"output_tokens\":4}}}\n\n".utf8))
        #expect(responses.usage == AIUsage(inputTokens: 3, outputTokens: 4))
        #expect(responses.finished)
    }

    @Test("usage from every answer shape, and its cost in micro-dollars")
    func usageAndCost() {
        #expect(AIUsage.parse(Array(#"{"usage":{"prompt_tokens":10,"total_tokens":10}}"#.utf8)) == AIUsage(inputTokens: 10))
        #expect(AIUsage.parse(Array(#"{"text":"x","usage":{"type":"duration","seconds":2.2}}"#.utf8)) == AIUsage(audioSeconds: 3))
        #expect(AIUsage.parse(Array(#"{"text":"x","duration":4.0}"#.utf8)) == AIUsage(audioSeconds: 4))
        #expect(AIUsage.parse(Array("plain text".utf8)) == nil)
        // Only the top-level member counts: not text that looks like it, not a nested object, not null.
        let decoy = #"{"choices":[{"message":{"content":"\"usage\":{\"prompt_tokens\":999}","usage":{"prompt_tokens":7}}}], "usage" : {"prompt_tokens":5,"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":1}}}"#
        #expect(AIUsage.parse(Array(decoy.utf8)) == AIUsage(inputTokens: 5, outputTokens: 2, cachedTokens: 1))
        #expect(AIUsage.parse(Array(#"{"choices":[{"usage":{"prompt_tokens":7}}]}"#.utf8)) == nil)
        #expect(AIUsage.parse(Array(#"{"id":"x","usage":null}"#.utf8)) == nil)
        #expect(AIUsage.parse(Array(#"{"type":"response.completed","response":{"output":[{"usage":1}],"usage":{"input_tokens":3,"output_tokens":4}}}"#.utf8))
            == AIUsage(inputTokens: 3, outputTokens: 4))
        #expect(AIUsage.parse(Array(#"{"usage":{"prompt_tokens":1e400}}"#.utf8)) == nil, "a number out of range is no usage, not a trap")
        let table = AIPriceTable.standard
        // gpt-4o-mini: 1000 input of which 200 cached, 500 output = 800 × 0.15 + 200 × 0.075 + 500 × 0.6.
        #expect(table.costMicros(model: "gpt-4o-mini", usage: AIUsage(inputTokens: 1000, outputTokens: 500, cachedTokens: 200)) == 435)
        #expect(table.costMicros(model: "whisper-1", usage: AIUsage(audioSeconds: 60)) == 6_000)
        #expect(table.costMicros(model: "unknown", usage: AIUsage(inputTokens: 1000)) == 0)
    }

    @Test("plans follow entitlements; overrides replace single limits")
    func plans() throws {
        let book = AIPlanBook.standard
        #expect(book.plan(for: []).code == "free")
        #expect(book.plan(for: ["scritorio_pro"]).allows(model: "whisper-1"))
        #expect(!book.plan(for: []).allows(model: "gpt-4.1"))
        let limits = book.plan(for: []).effectiveLimits(AILimitOverrides(tokensPerDay: 5))
        #expect(limits.tokensPerDay == 5 && limits.tokensPerMonth == 500_000)
        #expect(throws: AIConfigurationError.self) {
            try AIPlanBook.parse(Data(#"{"plans":[{"code":"p","entitlement":"x","models":[]}]}"#.utf8))
        }
    }

    @Test("multipart forms and audio length bounds")
    func multipart() throws {
        let body = Array("--b\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.mp3\"\r\nContent-Type: audio/mpeg\r\n\r\nABC\r\n--b--\r\n".utf8)
        let form = try #require(MultipartForm(contentType: "multipart/form-data; boundary=b", body: body))
        #expect(form.text("model") == "whisper-1")
        #expect(form.parts.last?.data == Array("ABC".utf8) && form.parts.last?.filename == "a.mp3")
        #expect(MultipartForm(contentType: "application/json", body: body) == nil)
        #expect(AIEstimator.audioSeconds([UInt8](repeating: 1, count: 8_001)) == 11, "6 kbit/s for anything but a sound WAV")
    }

    /// A canonical 44-byte WAV header followed by `dataBytes` of silence.
    static func wav(rate: Int64, channels: Int64 = 1, bits: Int64 = 16, byteRate: Int64? = nil, format: Int64 = 1, dataBytes: Int) -> [UInt8] {
        func le(_ value: Int64, _ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
        let block = channels * bits / 8
        var header = Array("RIFF".utf8) + le(36 + Int64(dataBytes), 4) + Array("WAVEfmt ".utf8) + le(16, 4) + le(format, 2)
        header += le(channels, 2) + le(rate, 4) + le(byteRate ?? rate * block, 4) + le(block, 2) + le(bits, 2)
        return header + Array("data".utf8) + le(Int64(dataBytes), 4) + [UInt8](repeating: 0, count: dataBytes)
    }

    @Test("audio: a consistent WAV header gives its length, a lying one (or any other file) the 6 kbit/s bound")
    func audioBounds() {
        #expect(AIEstimator.audioSeconds(Self.wav(rate: 16_000, dataBytes: 96_000)) == 3)
        #expect(AIEstimator.audioSeconds(Self.wav(rate: 8_000, bits: 8, dataBytes: 80_001)) == 11)
        // 8 kHz 8-bit mono is 8,000 bytes a second whatever the header says it is.
        let lying = Self.wav(rate: 8_000, bits: 8, byteRate: 0xFFFF_FFFF, dataBytes: 750_000)
        #expect(AIEstimator.audioSeconds(lying) == 1_001)
        #expect(AIEstimator.audioSeconds(Self.wav(rate: 4_000_000_000, dataBytes: 750_000)) == 1_001, "no such sample rate")
        #expect(AIEstimator.audioSeconds(Self.wav(rate: 384_000, channels: 16, bits: 64, format: 0xFFFE, dataBytes: 750_000)) == 1_001,
                "an extensible header names its codec elsewhere (it may be MP3)")
        #expect(AIEstimator.audioSeconds(Self.wav(rate: 16_000, format: 3, dataBytes: 96_000)) == 3, "float")
        // ffmpeg writes a LIST chunk before data: still the header's length.
        var withList = Self.wav(rate: 16_000, dataBytes: 96_000)
        let list = Array("LIST".utf8) + [14, 0, 0, 0] + Array("INFOISFT".utf8) + [2, 0, 0, 0, 0x4C, 0x00]
        withList.insert(contentsOf: list, at: 36)
        #expect(AIEstimator.audioSeconds(withList) == 3)
        var noData = Self.wav(rate: 16_000, dataBytes: 96_000)
        noData.replaceSubrange(36..<40, with: Array("junk".utf8))
        #expect(AIEstimator.audioSeconds(noData) == 129, "no data chunk: the 6 kbit/s bound")
        #expect(AIEstimator.audioSeconds(Array(Self.wav(rate: 16_000, dataBytes: 0).prefix(40))) == 1)
    }

    /// Ogg pages (CRC left zero: nothing here reads it) carrying `packets` of one stream, 200 packets a page.
    static func ogg(_ packets: [[UInt8]], serial: UInt8 = 7) -> [UInt8] {
        var out: [UInt8] = []
        var index = 0
        var sequence: UInt8 = 0
        while index < packets.count {
            var lacing: [UInt8] = []
            var body: [UInt8] = []
            while index < packets.count, lacing.count + packets[index].count / 255 + 1 <= 255 {
                var length = packets[index].count
                while length >= 255 { lacing.append(255); length -= 255 }
                lacing.append(UInt8(length))
                body += packets[index]
                index += 1
                if lacing.count >= 200 { break }
            }
            out += Array("OggS".utf8) + [0, sequence == 0 ? 2 : 0] + [UInt8](repeating: 0, count: 8) + [serial, 0, 0, 0, sequence, 0, 0, 0]
            out += [0, 0, 0, 0, UInt8(lacing.count)] + lacing + body
            sequence &+= 1
        }
        return out
    }

    @Test("Ogg Opus: the length is the packets' (TOC frame size × count), whatever the bitrate; other Ogg or garbage: the bound")
    func oggOpus() {
        let head = Array("OpusHead".utf8) + [1, 1, 0x38, 0x01, 0x80, 0xBB, 0, 0, 0, 0, 0]
        let tags = Array("OpusTags".utf8) + [0, 0, 0, 0, 0, 0, 0, 0]
        // 150 packets of 20 ms CELT (config 19, code 0), 60 bytes each: 3 s.
        let speech = Self.ogg([head, tags] + [[UInt8]](repeating: [19 << 3] + [UInt8](repeating: 0x55, count: 59), count: 150))
        #expect(AIEstimator.audioSeconds(speech) == 3)
        // Silence as one-byte packets of 60 ms SILK (config 11): 10,000 of them are 600 s in about 21 kB, which the
        // 6 kbit/s bound would have taken for 29 s.
        let silence = Self.ogg([head, tags] + [[UInt8]](repeating: [11 << 3], count: 10_000))
        #expect(silence.count < 25_000 && AIEstimator.audioSeconds(silence) == 600)
        // Code 3: the frame count follows the TOC (48 × 2.5 ms = 120 ms).
        let counted = Self.ogg([head, tags] + [[UInt8]](repeating: [16 << 3 | 3, 48], count: 25))
        #expect(AIEstimator.audioSeconds(counted) == 3)
        let empty = Self.ogg([head, tags] + [[UInt8]](repeating: [], count: 100))
        #expect(AIEstimator.audioSeconds(empty) == 12, "an empty packet may be concealed as audio: 120 ms each")
        let vorbis = Self.ogg([[1] + Array("vorbis".utf8) + [0, 0], tags, [0x55]])
        #expect(AIEstimator.audioSeconds(vorbis) == 1, "not Opus: the bound")
        #expect(AIEstimator.audioSeconds(silence + Array("garbage".utf8)) == Int64((silence.count + 7 + 749) / 750), "anything unread: the bound")
    }

    @Test("multipart is read strictly and written canonically: no second boundary, delimiters only at line starts, quoted parameters")
    func strictMultipart() throws {
        func form(_ type: String, _ text: String) -> MultipartForm? { MultipartForm(contentType: type, body: Array(text.utf8)) }
        let plain = "--b\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n--b--\r\n"
        #expect(form("multipart/form-data; boundary=b", plain)?.text("model") == "whisper-1")
        #expect(form("multipart/form-data; boundary=\"b\"", plain)?.text("model") == "whisper-1")
        #expect(form("multipart/form-data; xboundary=b", plain) == nil, "xboundary is not boundary")
        #expect(form("multipart/form-data; xboundary=a; boundary=b", plain)?.text("model") == "whisper-1")
        #expect(form("multipart/form-data; boundary=b; boundary=c", plain) == nil, "two boundaries: ambiguous")
        #expect(form("multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n--b") == nil, "no closing delimiter")
        // A delimiter in the middle of a line is content.
        let inline = "--b\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1 --b\r\n--b--"
        #expect(form("multipart/form-data; boundary=b", inline)?.text("model") == "whisper-1 --b")
        // `name=` inside a quoted filename is part of the filename.
        let quoted = "--b\r\nContent-Disposition: form-data; filename=\"x; name=model\"; name=\"file\"\r\n\r\nAB\r\n--b--"
        let file = try #require(form("multipart/form-data; boundary=b", quoted)?.parts.first)
        #expect(file.name == "file" && file.filename == "x; name=model")
        // What httpx writes for an odd filename (a backslash escaped), and a quoted type parameter, are read.
        let odd = "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\\\\b\u{1B}.mp3\"\r\nContent-Type: text/plain; charset=\"utf-8\"\r\n\r\nAB\r\n--b--"
        let oddPart = try #require(form("multipart/form-data; boundary=b", odd)?.parts.first)
        #expect(oddPart.filename == "a_b_.mp3" && oddPart.contentType == "text/plain; charset=\"utf-8\"")
        let twice = "--b\r\nContent-Disposition: form-data; name=\"model\"\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nx\r\n--b--"
        #expect(form("multipart/form-data; boundary=b", twice) == nil)
        let many = String(repeating: "--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n", count: 65) + "--b--"
        #expect(form("multipart/form-data; boundary=b", many) == nil, "more parts than any endpoint takes")
        // Thousands of bare delimiters are read in one pass (an empty form), not searched part by part to the end.
        #expect(form("multipart/form-data; boundary=a", String(repeating: "--a", count: 140_000))?.parts.isEmpty == true)
        #expect(form("multipart/form-data; boundary=a", String(repeating: "--a\r\n", count: 100_000)) == nil)
        // The canonical rewrite reads back as the same parts.
        let parsed = try #require(form("multipart/form-data; boundary=b", quoted + "\r\n"))
        let again = try #require(MultipartForm(contentType: "multipart/form-data; boundary=zz", body: parsed.encoded(boundary: "zz")))
        #expect(again.parts == parsed.parts)
    }

    @Test("escapes cannot hide a part, a refused member or a null cap; bodies only Foundation reads are refused")
    func escapesAndEncodings() throws {
        func scan(_ json: String) -> AIAttachments { AIAttachments.scan(Array(json.utf8)) }
        #expect(scan(#"{"model":"m","messages":[{"role":"user","content":[{"type":"\u0069mage_url","\u0069mage_url":{"url":"https://x"}}]}]}"#).images == 1)
        #expect(scan(#"{"model":"m","input":"hi","t\u006fols":[{"type":"web_search"}]}"#).refused == "tools[].type=web_search")
        #expect(scan(#"{"model":"m","input":"hi","previous_r\u0065sponse_id":"resp_1"}"#).refused == "previous_response_id")
        #expect(scan(#"{"model":"m","input":"hi","service_tier":"priority"}"#).refused == "service_tier")
        #expect(scan(#"{"model":"m","input":"hi","service_tier":"flex"}"#).refused == nil)
        // A schema's own `file_id` field is data the client describes, not a file upstream.
        #expect(scan(#"{"model":"m","messages":[],"tools":[{"type":"function","function":{"name":"read","parameters":{"type":"object","properties":{"file_id":{"type":"string"}}}}}]}"#).refused == nil)
        #expect(scan(#"{"model":"m","messages":[],"response_format":{"type":"json_schema","json_schema":{"name":"f","schema":{"properties":{"file_id":{"type":"string"}}}}}}"#).refused == nil)
        #expect(scan(#"{"model":"m","messages":[],"metadata":{"file_id":"mine"}}"#).refused == nil)
        #expect(scan(#"{"model":"m","input":[{"role":"user","content":[{"type":"input_file","file_id":"file-1"}]}]}"#).refused == "file_id")
        #expect(scan(#"{"model":"m","input":"an image","x":1e400}"#).unreadable, "a body that needs a parse and has none is not waved through")

        let escapedNull = Array(#"{"model":"m","messages":[],"max_completion_t\u006fkens":null}"#.utf8)
        let facts = try #require(AIRequestFacts.read(escapedNull))
        let sent = try mustPrepare(AIEstimator.prepare(.chat, body: escapedNull, facts: facts, defaultMaxOutput: 64))
        #expect(RawJSON.memberNames(in: sent.body)?.filter { $0 == "max_completion_tokens" }.count == 1)
        #expect((try JSONSerialization.jsonObject(with: Data(sent.body)) as? [String: Any])?["max_completion_tokens"] as? Int == 64)
        let unwritable = Array(#"{"model":"m","messages":[],"max_completion_tokens":null,"x":1e400}"#.utf8)
        #expect(AIEstimator.prepare(.chat, body: unwritable, facts: try #require(AIRequestFacts.read(unwritable)), defaultMaxOutput: 64) == nil)

        #expect(AIRequestFacts.read([0xEF, 0xBB, 0xBF] + Array(#"{"model":"gpt-4o-mini","model":"gpt-4.1"}"#.utf8)) == nil, "byte-order mark")
        let utf16 = Array(#"{"model":"gpt-4o-mini"}"#.data(using: .utf16LittleEndian)!)
        #expect(AIRequestFacts.read(utf16) == nil)
    }
}

extension Array {
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}

/// The prepared request, or a recorded failure when the estimator refused the body.
func mustPrepare(_ request: AIPreparedRequest?, sourceLocation: SourceLocation = #_sourceLocation) throws -> AIPreparedRequest {
    try #require(request, sourceLocation: sourceLocation)
}
