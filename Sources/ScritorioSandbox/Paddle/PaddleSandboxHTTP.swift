import Foundation
import Hummingbird
import NIOCore
import ScritorioCore

extension PaddleSandbox {
    /// Reads the body (if any) as a JSON object, checks the API key when `auth`, and writes Paddle's envelopes.
    func handle<Context: RequestContext>(
        _ request: Request, _ context: Context, auth: Bool, status: HTTPResponse.Status = .ok,
        _ body: ([String: JSONValue]) async throws -> Answer
    ) async -> Response {
        do {
            if auth, request.headers[.authorization] != "Bearer \(Self.apiKey)" {
                throw PaddleSandboxError(status: 403, code: "forbidden", detail: "You aren't permitted to perform this request.")
            }
            let json = try await Self.jsonBody(request)
            switch try await body(json) {
            case .single(let data):
                return Self.respond(status, .obj(["data": data, "meta": .obj(["request_id": .string(Self.requestID())])]))
            case .list(let data, let pagination):
                return Self.respond(status, .obj([
                    "data": .array(data), "meta": .obj(["request_id": .string(Self.requestID()), "pagination": pagination]),
                ]))
            }
        } catch let error as PaddleSandboxError {
            return Self.errorResponse(error)
        } catch {
            return Self.errorResponse(PaddleSandboxError.invalid("Invalid request: \(error)"))
        }
    }

    /// A simulator step: runs `body`, delivers its events (`?shuffle=1&duplicate=1&seed=N` reorders and doubles
    /// them), and answers `{data:{…, events:[ids], event_types:[…], delivered:[statuses]}}` in delivery order.
    func simulate<Context: RequestContext>(
        _ request: Request, _ context: Context,
        _ body: @escaping ([String: JSONValue], Date) throws -> ([String: PaddleJSON], [PaddleSandboxState.Event])
    ) async -> Response {
        await handle(request, context, auth: false) { json in
            let (fields, events) = try body(json, self.now())
            let query = request.uri.queryParameters
            let plan = DeliveryPlan(
                shuffle: query.get("shuffle") == "1", duplicate: query.get("duplicate") == "1",
                seed: query.get("seed").flatMap { UInt64($0) })
            let deliveries = await self.send(events, plan: plan)
            let types = Dictionary(events.map { ($0.id, $0.type) }, uniquingKeysWith: { first, _ in first })
            var data = PaddleJSON.object(fields.keys.sorted().map { PaddleJSON.Member(key: $0, value: fields[$0]!) })
            data.set("events", .array(deliveries.map { .string($0.eventID) }))
            data.set("event_types", .array(deliveries.map { .str(types[$0.eventID]) }))
            data.set("delivered", .array(deliveries.map { .int($0.status) }))
            return .single(data)
        }
    }

    static func jsonBody(_ request: Request) async throws -> [String: JSONValue] {
        let buffer = try await request.body.collect(upTo: 1 << 20)
        guard buffer.readableBytes > 0 else { return [:] }
        do {
            return try JSONDecoder().decode([String: JSONValue].self, from: Data(buffer.readableBytesView))
        } catch {
            throw PaddleSandboxError.invalid("Invalid request: body is not a JSON object", code: "invalid_json")
        }
    }

    static func requestID() -> String { UUID().uuidString.lowercased() }

    static func respond(_ status: HTTPResponse.Status, _ json: PaddleJSON) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: json.text)))
    }

    static func errorResponse(_ error: PaddleSandboxError) -> Response {
        respond(HTTPResponse.Status(code: error.status), .obj([
            "error": .obj([
                "type": "request_error", "code": .string(error.code), "detail": .string(error.detail),
                "documentation_url": .string("https://developer.paddle.com/v1/errors/shared/\(error.code)"),
            ]),
            "meta": .obj(["request_id": .string(requestID())]),
        ]))
    }
}
