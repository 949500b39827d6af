import Foundation
import Hummingbird
import NIOFoundationCompat
import ScritorioAPI

/// Reads a JSON request body with the size cap, turning every way it can be wrong into a 4xx in the
/// contract's shape (never a 500). An empty body reads as `{}`, since clients send none on some calls.
enum JSONBody {
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext) async throws -> T {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: context.maxUploadSize)
        } catch {
            throw APIError(.contentTooLarge, .requestTooLarge, "Request body too large")
        }
        let data = buffer.readableBytes == 0 ? Data("{}".utf8) : Data(buffer: buffer)
        guard let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else {
            throw APIError(.badRequest, .badJSON, "Could not parse request body as JSON")
        }
        // PostgreSQL text cannot hold NUL: on the auth surface, whose metadata is stored as given, a string carrying
        // one is refused here rather than failing in the store (a password may hold one: only its hash is stored).
        // The product routes check or neutralise the few texts they keep themselves.
        if request.uri.path.hasPrefix(APISurface.auth.prefix + "/"), data.range(of: Data(#"\u0000"#.utf8)) != nil, containsNUL(object) {
            throw APIError.validation("Text values may not contain the NUL character (\\u0000)")
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw APIError.validation("Could not read the request body: \(ErrorMiddleware<BasicRequestContext>.describe(error))")
        }
    }
}

extension JSONBody {
    static func containsNUL(_ value: Any) -> Bool {
        switch value {
        case let text as String: text.unicodeScalars.contains("\0")
        case let array as [Any]: array.contains(where: containsNUL)
        case let object as [String: Any]:
            object.contains { entry in
                entry.key.unicodeScalars.contains("\0") || (!["password", "current_password"].contains(entry.key) && containsNUL(entry.value))
            }
        default: false
        }
    }

    /// A body that carries nothing the server reads: none, or a JSON object (whatever it holds). Anything else is
    /// the 400 a body that does not match the contract gets.
    static func requireObjectOrNothing(from request: Request, context: some RequestContext) async throws {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: context.maxUploadSize)
        } catch {
            throw APIError(.contentTooLarge, .requestTooLarge, "Request body too large")
        }
        guard buffer.readableBytes > 0 else { return }
        guard (try? JSONSerialization.jsonObject(with: Data(buffer: buffer))) is [String: Any] else {
            throw APIError(.badRequest, .badJSON, "The request body must be a JSON object, or empty")
        }
    }
}

/// A JSON response with a given status, encoded with stable key order.
struct JSONResponse<Body: Encodable & Sendable>: ResponseGenerator {
    var status: HTTPResponse.Status = .ok
    var body: Body
    var headers: HTTPFields = [:]

    init(_ body: Body, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) {
        self.body = body
        self.status = status
        self.headers = headers
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/json"
        if let fast = body as? any FastJSONEncodable {
            var writer = JSONWriter()
            fast.write(to: &writer)
            return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: writer.bytes)))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(data: try encoder.encode(body))))
    }
}
