import Foundation
import HTTPTypes
import Hummingbird
import ScritorioAPI
import NIOCore
import ScritorioCore
import ScritorioProviders
import ScritorioStore

/// `/ai/v1`: OpenAI's API for any OpenAI client, with the user's access token as the API key. Each call is
/// authenticated, checked against the plan's models, reserved against the allowance in one conditional write,
/// sent upstream with the operator's key (bytes unchanged but for what metering needs), relayed back as it
/// arrives, and settled to the usage the upstream reports.
struct AIGatewayController: Sendable {
    let gateway: AIGateway

    /// OpenAI's operations, for a caller the edge authenticated (its failures in OpenAI's shape:
    /// `OpenAIErrorMiddleware`).
    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .on(API.AI.chatCompletions) { request, context in await self.json(.chat, path: "/chat/completions", request, context.identity) }
            .on(API.AI.responses) { request, context in await self.json(.responses, path: "/responses", request, context.identity) }
            .on(API.AI.embeddings) { request, context in await self.json(.embeddings, path: "/embeddings", request, context.identity) }
            .on(API.AI.transcriptions) { request, context in await self.transcription(request, context.identity) }
            .on(API.AI.models) { request, context in await self.models(context.identity) }
    }

    /// Anything else under /ai/v1 is a 404 in OpenAI's shape, as OpenAI answers unknown URLs (before any token
    /// check, as OpenAI does).
    var unknownURLs: RouteCollection<AppRequestContext> {
        RouteCollection(context: AppRequestContext.self)
            .on(API.AI.otherGet) { request, _ in Self.unknown(request) }
            .on(API.AI.otherPost) { request, _ in Self.unknown(request) }
    }

    static let unparsable = OpenAIError.invalidRequest(
        "We could not parse the JSON body of your request. The OpenAI API expects a JSON payload.")

    static func unknown(_ request: Request) -> Response {
        OpenAIError(
            status: .notFound, message: "Invalid URL (\(request.method) \(request.uri.path))", type: "invalid_request_error", code: nil)
            .response(requestID: AIGateway.requestID())
    }

    /// Runs `body`, rendering any failure in OpenAI's shape; every answer carries `x-request-id`.
    func answer(_ requestID: String, _ body: () async throws -> Response) async -> Response {
        do {
            var response = try await body()
            response.headers[AIHeaders.requestID] = requestID
            return response
        } catch let error as OpenAIError {
            return error.response(requestID: requestID)
        } catch let refusal as AIRefusal {
            return OpenAIError(refusal).response(requestID: requestID)
        } catch {
            gateway.logger.error("AI gateway failure", metadata: ["request_id": "\(requestID)", "error": "\(String(reflecting: error))"])
            return OpenAIError(status: .internalServerError, message: "The gateway failed; try again.", type: "server_error", code: "internal_error")
                .response(requestID: requestID)
        }
    }

    func collect(_ request: Request, limit: Int) async throws -> ByteBuffer {
        do {
            return try await request.body.collect(upTo: limit)
        } catch {
            throw OpenAIError(status: .contentTooLarge, message: "The request body is larger than \(limit) bytes.", type: "invalid_request_error", code: "request_too_large")
        }
    }

    func configuredUpstream() throws -> OpenAIUpstream {
        guard let upstream = gateway.upstream else { throw OpenAIError.notConfigured }
        return upstream
    }

    // MARK: JSON operations

    func json(_ operation: AIOperation, path: String, _ request: Request, _ identity: Identity) async -> Response {
        let requestID = AIGateway.requestID()
        return await answer(requestID) {
            let upstream = try configuredUpstream()
            let bytes = Array(try await collect(request, limit: gateway.config.maxRequestBytes).readableBytesView)
            guard let facts = AIRequestFacts.read(bytes) else { throw Self.unparsable }
            if let name = facts.repeatedMember {
                throw OpenAIError.invalidRequest(
                    "The JSON body names `\(name.prefix(80))` more than once; send each parameter once.",
                    param: String(name.prefix(80)), code: "duplicate_parameter")
            }
            guard let model = facts.model, !model.isEmpty else {
                throw OpenAIError.invalidRequest("you must provide a model parameter", param: "model")
            }
            if operation == .chat, let choices = facts.choices, !(1...OpenAIError.maxChoices).contains(choices) {
                throw OpenAIError.invalidRequest(
                    "n must be an integer from 1 to \(OpenAIError.maxChoices).", param: "n", code: "integer_out_of_range")
            }
            if let max = facts.maxOutputTokens, !(1...OpenAIError.maxOutputTokens).contains(max) {
                // A negative maximum would reserve less than nothing; a huge one would overflow the estimate.
                throw OpenAIError.invalidRequest(
                    "max_tokens must be an integer from 1 to \(OpenAIError.maxOutputTokens).", param: "max_tokens",
                    code: "integer_out_of_range")
            }
            let attachments = AIAttachments.scan(bytes)
            if attachments.unreadable { throw Self.unparsable }
            if let refused = attachments.refused {
                throw OpenAIError.invalidRequest(
                    "The gateway does not pass `\(refused)`: it refers to state or tools kept upstream under the gateway's own key, "
                        + "which it can neither meter nor keep to your account. Send the content itself.",
                    param: refused, code: "unsupported_parameter")
            }
            let plan = try await gateway.plan(for: identity.userID)
            guard plan.allows(model: model) else { throw OpenAIError.modelNotInPlan(model, plan: plan.code) }
            guard let prepared = AIEstimator.prepare(
                operation, body: bytes, facts: facts, defaultMaxOutput: plan.defaultMaxOutputTokens, attachments: attachments,
                prices: gateway.config.prices)
            else { throw Self.unparsable }
            let ticket = try await gateway.reserve(
                user: identity.userID, plan: plan, model: model, operation: operation, estimate: prepared.estimate, requestID: requestID)
            let call = OpenAIUpstreamRequest(path: path, contentType: "application/json", body: ByteBuffer(bytes: prepared.body), requestID: requestID)
            return try await forward(call, ticket: ticket, upstream: upstream, stripUsageChunk: operation == .chat && !prepared.clientWantsUsage)
        }
    }

    // MARK: Transcriptions

    func transcription(_ request: Request, _ identity: Identity) async -> Response {
        let requestID = AIGateway.requestID()
        return await answer(requestID) {
            let upstream = try configuredUpstream()
            guard let contentType = request.headers[.contentType], contentType.lowercased().hasPrefix("multipart/form-data") else {
                throw OpenAIError.invalidRequest("Transcriptions take a multipart/form-data body with `file` and `model`.")
            }
            let buffer = try await collect(request, limit: gateway.config.maxAudioBytes + (1 << 20))
            let bytes = Array(buffer.readableBytesView)
            guard let form = MultipartForm(contentType: contentType, body: bytes) else {
                throw OpenAIError.invalidRequest("We could not parse the multipart body of your request.")
            }
            // As with JSON, two parts of one name may be read as either by the upstream: the plan would be checked
            // for one model and the estimate made for one file while another runs.
            for name in ["model", "file"] where form.parts.filter({ $0.name == name }).count > 1 {
                throw OpenAIError.invalidRequest(
                    "The form has more than one `\(name)` part; send each once.", param: name, code: "duplicate_parameter")
            }
            guard let model = form.text("model"), !model.isEmpty else {
                throw OpenAIError.invalidRequest("you must provide a model parameter", param: "model")
            }
            guard let file = form.parts.first(where: { $0.name == "file" }), !file.data.isEmpty else {
                throw OpenAIError.invalidRequest("you must provide a file", param: "file")
            }
            let plan = try await gateway.plan(for: identity.userID)
            guard plan.allows(model: model) else { throw OpenAIError.modelNotInPlan(model, plan: plan.code) }
            let estimate = AIUsage(audioSeconds: AIEstimator.audioSeconds(file.data))
            let ticket = try await gateway.reserve(
                user: identity.userID, plan: plan, model: model, operation: .transcription, estimate: estimate, requestID: requestID)
            // The form goes upstream as it was read (parts, names and bytes), written out canonically under a fresh
            // boundary: what the upstream parses is exactly what the plan and the estimate were checked against.
            var boundary = "scritorio-" + AIGateway.requestID()
            while bytes.count > boundary.utf8.count, RawJSON.find(Array(("--" + boundary).utf8), in: bytes[...]) != nil {
                boundary = "scritorio-" + AIGateway.requestID()
            }
            let call = OpenAIUpstreamRequest(
                path: "/audio/transcriptions", contentType: "multipart/form-data; boundary=\(boundary)",
                body: ByteBuffer(bytes: form.encoded(boundary: boundary)), requestID: requestID)
            // The transcript's words are counted from what the client is given, in the format it asked for.
            let format = form.text("response_format")
            return try await forward(call, ticket: ticket, upstream: upstream, stripUsageChunk: false, wordsFormat: format ?? "json")
        }
    }

    // MARK: Models

    func models(_ identity: Identity) async -> Response {
        let requestID = AIGateway.requestID()
        return await answer(requestID) {
            let plan = try await gateway.plan(for: identity.userID)
            let data = plan.models.map { #"{"id":\#(OpenAIError.quote($0)),"object":"model","created":0,"owned_by":"scritorio"}"# }
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"object":"list","data":[\#(data.joined(separator: ","))]}"#)))
        }
    }

    // MARK: Upstream

    /// Calls the upstream and answers: buffered for JSON, relayed event by event for `text/event-stream`. What
    /// became of the call settles the ticket once (`AISettlementRule` decides what it costs); this only tells
    /// which result it was and answers it in OpenAI's shape.
    func forward(
        _ call: OpenAIUpstreamRequest, ticket: AITicket, upstream: OpenAIUpstream, stripUsageChunk: Bool, wordsFormat: String? = nil
    ) async throws -> Response {
        let response: OpenAIUpstreamResponse
        do {
            response = try await upstream.send(call)
        } catch OpenAIUpstreamError.timeout {
            await ticket.settle(.timedOut)
            throw OpenAIError.timeout
        } catch is CancellationError {
            await ticket.settle(.cancelled)
            throw CancellationError()
        } catch OpenAIUpstreamError.abandoned {
            await ticket.settle(.abandoned)
            throw CancellationError()
        } catch OpenAIUpstreamError.interrupted(let what) {
            gateway.logger.warning("AI upstream call interrupted", metadata: ["request_id": "\(ticket.requestID)", "error": "\(what)"])
            await ticket.settle(.interrupted)
            throw OpenAIError.unreachable
        } catch {
            gateway.logger.warning("AI upstream unreachable", metadata: ["request_id": "\(ticket.requestID)", "error": "\(error)"])
            await ticket.settle(.unreachable)
            throw OpenAIError.unreachable
        }
        var headers = HTTPFields()
        for header in response.headers {
            // Every answer carries the gateway's own request id (the one in the ledger); the upstream's stays
            // available for a support ticket with the provider.
            let name = header.name == "x-request-id" ? AIHeaders.upstreamRequestID : HTTPField.Name(header.name)
            if let name { headers[name] = header.value }
        }
        let isStream = response.status == 200 && (response.header("content-type") ?? "").hasPrefix("text/event-stream")
        guard isStream else {
            let body: ByteBuffer
            do {
                body = try await response.body.collect(upTo: 64 << 20)
            } catch {
                await ticket.settle(.bodyCut)
                throw OpenAIError.timeout
            }
            if response.status == 401 {
                gateway.logger.error("AI upstream rejected the gateway's API key", metadata: ["request_id": "\(ticket.requestID)"])
                await ticket.settle(.keyRejected)
                throw OpenAIError.upstreamCredentials
            }
            if response.status >= 400 {
                // Upstream errors pass through as they are.
                await ticket.settle(.upstreamError(status: response.status))
            } else {
                if let wordsFormat { ticket.count(words: TranscriptWords.count(body: body.readableBytesView, format: wordsFormat)) }
                await ticket.settle(.answered(status: response.status, usage: AIUsage.parse(body.readableBytesView)))
            }
            return Response(status: .init(code: response.status), headers: headers, body: .init(byteBuffer: body))
        }
        headers[.cacheControl] = "no-cache"
        let upstreamBody = response.body
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            var scanner = SSEUsageScanner(stripUsageChunk: stripUsageChunk)
            var clientLeft = false
            // A streamed transcript's events, kept (up to 8 MiB) to count its words at the end.
            var transcript: [UInt8] = []
            func countWords() {
                if wordsFormat != nil { ticket.count(words: TranscriptWords.count(events: transcript)) }
            }
            do {
                relay: for try await chunk in upstreamBody {
                    let out = scanner.consume(chunk.readableBytesView)
                    if wordsFormat != nil, transcript.count < 8 << 20 { transcript.append(contentsOf: out) }
                    guard !out.isEmpty else { continue }
                    // Settled before the client sees the end, so its next look at /v1/me/usage already shows it.
                    if scanner.finished {
                        countWords()
                        await ticket.settle(.answered(status: 200, usage: scanner.usage))
                    }
                    do {
                        try await writer.write(ByteBuffer(bytes: out))
                    } catch {
                        // The client went away: leaving the loop drops the upstream body, which cancels the call.
                        clientLeft = true
                        break relay
                    }
                }
                if !clientLeft {
                    let rest = scanner.flush()
                    if wordsFormat != nil, transcript.count < 8 << 20 { transcript.append(contentsOf: rest) }
                    if !rest.isEmpty { try? await writer.write(ByteBuffer(bytes: rest)) }
                }
                countWords()
                await ticket.settle(clientLeft ? .clientLeft(usage: scanner.usage) : .answered(status: 200, usage: scanner.usage))
            } catch {
                countWords()
                await ticket.settle(.streamCut(usage: scanner.usage))
                let failure = OpenAIError(
                    status: .badGateway, message: "The upstream stream ended unexpectedly.", type: "server_error", code: "upstream_stream_failed")
                try? await writer.write(ByteBuffer(string: "data: \(failure.body)\n\n"))
            }
            if !clientLeft { try await writer.finish(nil) }
        })
    }
}
