import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ScritorioCore

/// A deliberate mid-stream failure: the connection ends without the stream's end.
struct SandboxStreamFailure: Error {}

extension OpenAISandbox {
    /// The fake's HTTP surface, mounted at `/sandbox/openai/v1` by the server (any `Bearer sk-…` key is accepted).
    public func routes<Context: RequestContext>() -> RouteCollection<Context> {
        RouteCollection(context: Context.self)
            .post("chat/completions") { request, _ in try await self.chat(request) }
            .post("responses") { request, _ in try await self.responses(request) }
            .post("embeddings") { request, _ in try await self.embeddings(request) }
            .post("audio/transcriptions") { request, _ in try await self.transcription(request) }
            .get("models") { request, _ in
                guard Self.authorized(request) else { return Self.error(401, "Incorrect API key provided.") }
                let data = Self.models.map { #"{"id":"\#($0)","object":"model","created":1700000000,"owned_by":"openai"}"# }
                return Self.json(200, #"{"object":"list","data":[\#(data.joined(separator: ","))]}"#)
            }
    }

    static func authorized(_ request: Request) -> Bool {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer sk-") else { return false }
        return true
    }

    static func json(_ status: Int, _ body: String, requestID: String = "req_sandbox") -> Response {
        Response(
            status: .init(code: status),
            headers: [
                .contentType: "application/json", HTTPField.Name("x-request-id")!: requestID,
                // As OpenAI sends them: the organisation's limits, not any one caller's.
                HTTPField.Name("x-ratelimit-limit-requests")!: "10000", HTTPField.Name("x-ratelimit-remaining-tokens")!: "149999000",
            ],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static func error(_ status: Int, _ message: String? = nil) -> Response {
        json(status, errorBody(status, message: message))
    }

    static func headerPairs(_ request: Request) -> [(String, String)] {
        request.headers.map { ($0.name.canonicalName, $0.value) }
    }

    /// The JSON body and the knobs, or the error answer.
    func open(_ request: Request) async throws -> (object: [String: Any], knobs: Knobs, texts: [String])? {
        record { $0.requests += 1 }
        let buffer = try await request.body.collect(upTo: 8 << 20)
        guard let object = (try? JSONSerialization.jsonObject(with: Data(buffer: buffer))) as? [String: Any] else { return nil }
        let texts = Self.texts(of: object["messages"] ?? object["input"])
        return (object, Knobs.read(text: texts.joined(separator: " "), headers: Self.headerPairs(request)), texts)
    }

    /// Answers `knobs.status` or an invalid request, after the configured latency.
    func precheck(_ request: Request, _ opened: (object: [String: Any], knobs: Knobs, texts: [String])?) async throws -> Response? {
        guard Self.authorized(request) else { return Self.error(401, "Incorrect API key provided.") }
        guard let opened, let model = opened.object["model"] as? String, !model.isEmpty else {
            return Self.error(400, "you must provide a model parameter")
        }
        if opened.knobs.latencyMs > 0 { try await Task.sleep(for: .milliseconds(opened.knobs.latencyMs)) }
        if let status = opened.knobs.status, status >= 400 {
            if let failing = opened.knobs.failFirst,
                attempt(request.headers[HTTPField.Name("x-client-request-id")!] ?? "") > failing
            {
                return nil
            }
            return Self.error(status)
        }
        return nil
    }

    static func usageJSON(prompt: Int, completion: Int, responses: Bool) -> String {
        responses
            ? #"{"input_tokens":\#(prompt),"input_tokens_details":{"cached_tokens":0},"output_tokens":\#(completion),"output_tokens_details":{"reasoning_tokens":0},"total_tokens":\#(prompt + completion)}"#
            : #"{"prompt_tokens":\#(prompt),"completion_tokens":\#(completion),"total_tokens":\#(prompt + completion),"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}"#
    }

    /// Completion tokens: the knob (default 12), capped by the request's maximum.
    static func completionCount(_ object: [String: Any], _ knobs: Knobs) -> (count: Int, finish: String) {
        let wanted = knobs.tokens ?? 12
        let cap = (object["max_completion_tokens"] ?? object["max_tokens"] ?? object["max_output_tokens"]) as? Int
        guard let cap, cap < wanted else { return (wanted, "stop") }
        return (cap, "length")
    }

    // MARK: Chat completions

    func chat(_ request: Request) async throws -> Response {
        let opened = try await open(request)
        if let refusal = try await precheck(request, opened) { return refusal }
        guard let (object, knobs, texts) = opened else { return Self.error(400) }
        let model = object["model"] as! String
        let prompt = Self.promptTokens(texts)
        let (count, finish) = Self.completionCount(object, knobs)
        let words = Self.words(count)
        let id = "chatcmpl-sbx\(String(Self.hash(texts.joined()), radix: 16))"
        // `n` choices, each as long as one, all counted in the usage (as OpenAI bills them).
        let choices = max(1, object["n"] as? Int ?? 1)
        let usage = Self.usageJSON(prompt: prompt, completion: count * choices, responses: false)
        guard object["stream"] as? Bool == true else {
            let message = #"{"role":"assistant","content":\#(Self.quote(words.joined(separator: " "))),"refusal":null,"annotations":[]}"#
            let all = (0..<choices).map { #"{"index":\#($0),"message":\#(message),"logprobs":null,"finish_reason":"\#(finish)"}"# }
            let body = #"{"id":"\#(id)","object":"chat.completion","created":\#(created),"model":\#(Self.quote(model)),"choices":[\#(all.joined(separator: ","))],"usage":\#(knobs.noUsage ? "null" : usage),"service_tier":"default","system_fingerprint":"fp_sandbox"}"#
            return Self.json(200, body)
        }
        let includeUsage = (object["stream_options"] as? [String: Any])?["include_usage"] as? Bool == true
        let head = #"data: {"id":"\#(id)","object":"chat.completion.chunk","created":\#(created),"model":\#(Self.quote(model)),"service_tier":"default","system_fingerprint":"fp_sandbox","choices":"#
        let tail = includeUsage ? #","usage":null}"# + "\n\n" : "}\n\n"
        var events: [String] = []
        for choice in 0..<choices {
            events.append(head + #"[{"index":\#(choice),"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}]"# + tail)
        }
        for (index, word) in words.enumerated() {
            for choice in 0..<choices {
                events.append(head + #"[{"index":\#(choice),"delta":{"content":\#(Self.quote(index == 0 ? word : " " + word))},"logprobs":null,"finish_reason":null}]"# + tail)
            }
        }
        for choice in 0..<choices {
            events.append(head + #"[{"index":\#(choice),"delta":{},"logprobs":null,"finish_reason":"\#(finish)"}]"# + tail)
        }
        if includeUsage && !knobs.noUsage { events.append(head + #"[],"usage":\#(usage)}"# + "\n\n") }
        events.append("data: [DONE]\n\n")
        return stream(events, knobs: knobs, contentEvents: words.isEmpty ? nil : choices...(choices * (words.count + 1) - 1))
    }

    /// Writes `events` one by one; `fail_after` drops the connection after that many content events.
    func stream(_ events: [String], knobs: Knobs, contentEvents: ClosedRange<Int>?) -> Response {
        record { $0.streamsStarted += 1 }
        let body = ResponseBody { writer in
            var finished = false
            defer { self.record { finished ? ($0.streamsCompleted += 1) : ($0.streamsAbandoned += 1) } }
            for (index, event) in events.enumerated() {
                if let failAfter = knobs.failAfter, let first = contentEvents?.lowerBound, index >= first + failAfter {
                    throw SandboxStreamFailure()
                }
                if index > 0, knobs.chunkDelayMs > 0 { try await Task.sleep(for: .milliseconds(knobs.chunkDelayMs)) }
                try await writer.write(ByteBuffer(string: event))
            }
            finished = true
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache", HTTPField.Name("x-request-id")!: "req_sandbox"],
            body: body)
    }

    // MARK: Responses

    func responses(_ request: Request) async throws -> Response {
        let opened = try await open(request)
        if let refusal = try await precheck(request, opened) { return refusal }
        guard let (object, knobs, texts) = opened else { return Self.error(400) }
        let model = object["model"] as! String
        let prompt = Self.promptTokens(texts + [object["instructions"] as? String ?? ""])
        let (count, finish) = Self.completionCount(object, knobs)
        let words = Self.words(count)
        let hash = String(Self.hash(texts.joined()), radix: 16)
        let id = "resp_sbx\(hash)", messageID = "msg_sbx\(hash)"
        let text = words.joined(separator: " ")
        let maxOutput = (object["max_output_tokens"] as? Int).map(String.init) ?? "null"
        func response(status: String, output: String, usage: String) -> String {
            let incomplete = finish == "length" && status != "in_progress" ? #"{"reason":"max_output_tokens"}"# : "null"
            return #"{"id":"\#(id)","object":"response","created_at":\#(created),"status":"\#(status)","error":null,"incomplete_details":\#(incomplete),"instructions":null,"max_output_tokens":\#(maxOutput),"model":\#(Self.quote(model)),"output":\#(output),"parallel_tool_calls":true,"previous_response_id":null,"reasoning":{"effort":null,"summary":null},"store":true,"temperature":1.0,"text":{"format":{"type":"text"}},"tool_choice":"auto","tools":[],"top_p":1.0,"truncation":"disabled","usage":\#(usage),"metadata":{}}"#
        }
        let part = #"{"type":"output_text","text":\#(Self.quote(text)),"annotations":[]}"#
        let item = #"{"type":"message","id":"\#(messageID)","status":"completed","role":"assistant","content":[\#(part)]}"#
        let usage = knobs.noUsage ? "null" : Self.usageJSON(prompt: prompt, completion: count, responses: true)
        let finalStatus = finish == "length" ? "incomplete" : "completed"
        guard object["stream"] as? Bool == true else {
            return Self.json(200, response(status: finalStatus, output: "[\(item)]", usage: usage))
        }
        var sequence = 0
        var events: [String] = []
        func event(_ type: String, _ fields: String) {
            events.append("event: \(type)\ndata: {\"type\":\"\(type)\",\"sequence_number\":\(sequence),\(fields)}\n\n")
            sequence += 1
        }
        event("response.created", #""response":\#(response(status: "in_progress", output: "[]", usage: "null"))"#)
        event("response.in_progress", #""response":\#(response(status: "in_progress", output: "[]", usage: "null"))"#)
        event("response.output_item.added", #""output_index":0,"item":{"type":"message","id":"\#(messageID)","status":"in_progress","role":"assistant","content":[]}"#)
        event("response.content_part.added", #""item_id":"\#(messageID)","output_index":0,"content_index":0,"part":{"type":"output_text","text":"","annotations":[]}"#)
        let firstContent = events.count
        for (index, word) in words.enumerated() {
            event("response.output_text.delta", #""item_id":"\#(messageID)","output_index":0,"content_index":0,"delta":\#(Self.quote(index == 0 ? word : " " + word))"#)
        }
        event("response.output_text.done", #""item_id":"\#(messageID)","output_index":0,"content_index":0,"text":\#(Self.quote(text))"#)
        event("response.content_part.done", #""item_id":"\#(messageID)","output_index":0,"content_index":0,"part":\#(part)"#)
        event("response.output_item.done", #""output_index":0,"item":\#(item)"#)
        event(finish == "length" ? "response.incomplete" : "response.completed", #""response":\#(response(status: finalStatus, output: "[\(item)]", usage: usage))"#)
        return stream(events, knobs: knobs, contentEvents: firstContent...(firstContent + max(0, words.count - 1)))
    }

    // MARK: Embeddings

    func embeddings(_ request: Request) async throws -> Response {
        let opened = try await open(request)
        if let refusal = try await precheck(request, opened) { return refusal }
        guard let (object, _, _) = opened else { return Self.error(400) }
        let inputs: [String] = switch object["input"] {
        case let text as String: [text]
        case let texts as [String]: texts
        case let tokens as [Int]: [tokens.map(String.init).joined(separator: " ")]
        case let arrays as [[Int]]: arrays.map { $0.map(String.init).joined(separator: " ") }
        default: []
        }
        guard !inputs.isEmpty else { return Self.error(400, "'input' is a required property") }
        let dimensions = (object["dimensions"] as? Int).map { max(1, min($0, 3072)) } ?? 16
        let base64 = object["encoding_format"] as? String == "base64"
        var data: [String] = []
        for (index, input) in inputs.enumerated() {
            var seed = Self.hash(input)
            var vector: [Float] = []
            for _ in 0..<dimensions {
                seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                vector.append(Float(Int64(bitPattern: seed >> 11) % 2_000_000) / 2_000_000)
            }
            let encoded: String
            if base64 {
                let bytes = vector.withUnsafeBufferPointer { Data(buffer: $0) }
                encoded = "\"" + bytes.base64EncodedString() + "\""
            } else {
                encoded = "[" + vector.map { String($0) }.joined(separator: ",") + "]"
            }
            data.append(#"{"object":"embedding","index":\#(index),"embedding":\#(encoded)}"#)
        }
        let tokens = inputs.reduce(0) { $0 + max(1, ($1.utf8.count + 3) / 4) }
        let model = object["model"] as! String
        return Self.json(200, #"{"object":"list","data":[\#(data.joined(separator: ","))],"model":\#(Self.quote(model)),"usage":{"prompt_tokens":\#(tokens),"total_tokens":\#(tokens)}}"#)
    }

    // MARK: Transcriptions

    func transcription(_ request: Request) async throws -> Response {
        record { $0.requests += 1 }
        guard Self.authorized(request) else { return Self.error(401, "Incorrect API key provided.") }
        let buffer = try await request.body.collect(upTo: 26 << 20)
        guard let type = request.headers[.contentType], let form = MultipartForm(contentType: type, body: Array(buffer: buffer)) else {
            return Self.error(400, "Could not parse multipart form")
        }
        guard let model = form.text("model"), !model.isEmpty else { return Self.error(400, "you must provide a model parameter") }
        guard let file = form.parts.first(where: { $0.name == "file" }), !file.data.isEmpty else {
            return Self.error(400, "Could not process the audio file")
        }
        let knobs = Knobs.read(text: form.text("prompt") ?? "", headers: Self.headerPairs(request))
        if knobs.latencyMs > 0 { try await Task.sleep(for: .milliseconds(knobs.latencyMs)) }
        if let status = knobs.status, status >= 400 { return Self.error(status) }
        let seconds = Self.duration(file.data)
        let text = "Sandbox transcription of \(Int(seconds.rounded(.up))) seconds of audio."
        switch form.text("response_format") ?? "json" {
        case "text":
            return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text + "\n")))
        case "verbose_json":
            return Self.json(200, #"{"task":"transcribe","language":"english","duration":\#(seconds),"text":\#(Self.quote(text)),"segments":[],"usage":{"type":"duration","seconds":\#(Int(seconds.rounded(.up)))}}"#)
        default:
            return Self.json(200, #"{"text":\#(Self.quote(text)),"usage":{"type":"duration","seconds":\#(Int(seconds.rounded(.up)))}}"#)
        }
    }

    /// Seconds of audio: from a PCM WAV header, else 16 kB per second.
    static func duration(_ data: [UInt8]) -> Double {
        if data.count >= 44, data[0..<4] == [0x52, 0x49, 0x46, 0x46][...], data[8..<12] == [0x57, 0x41, 0x56, 0x45][...] {
            let rate = Int(data[28]) | Int(data[29]) << 8 | Int(data[30]) << 16 | Int(data[31]) << 24
            if rate > 0 { return Double(data.count - 44) / Double(rate) }
        }
        return max(1, Double(data.count) / 16_000)
    }
}
