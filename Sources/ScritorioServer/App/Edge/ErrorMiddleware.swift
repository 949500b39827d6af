import Foundation
import Hummingbird
import Logging
import ScritorioAPI
import ScritorioStore

/// Renders every failure in the shape of the surface it is mounted on and makes sure nothing leaks: an
/// unexpected error becomes a generic 500 whose details go to the log only.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The error bodies a surface speaks.
    enum Shape: Sendable {
        /// GoTrue's (`/auth/v1`): `{"code","message"}` for versioned requests, `{"code","error_code","msg"}`
        /// otherwise, OAuth's `{"error","error_description"}` where the error says so.
        case goTrue
        /// The product API's and everything else's: `{"error","message"}`.
        case product
    }

    let shape: Shape

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let apiError = Self.map(error, logger: context.logger)
            return Self.render(apiError, for: request, shape: shape)
        }
    }

    static func map(_ error: any Error, logger: Logger) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as HTTPError:
            switch error.status {
            case .notFound: return APIError(.notFound, .notFound, "Not found")
            case .methodNotAllowed: return APIError(.methodNotAllowed, .methodNotAllowed, "Method not allowed")
            case .contentTooLarge: return APIError(.contentTooLarge, .requestTooLarge, "Request body too large")
            case .badRequest: return APIError.validation(error.body ?? "Bad request")
            default:
                return APIError(error.status, .validationFailed, error.body ?? error.status.reasonPhrase)
            }
        case StoreError.lockTimeout:
            return APIError(.conflict, .conflict, "Another request is updating this session; try again")
        case StoreError.busy:
            return APIError(.serviceUnavailable, .storeUnavailable, "The store is busy; try again")
        case StoreError.uniqueViolation:
            // Two requests raced to create the same thing; the other one won. Retrying gives the normal answer.
            return APIError(.conflict, .conflict, "A simultaneous request created this already; try again")
        case let error as DecodingError:
            return APIError.validation("Could not read the request body: \(Self.describe(error))")
        default:
            logger.error("unexpected failure", metadata: ["error": "\(String(reflecting: error))"])
            return APIError(.internalServerError, .unexpectedFailure, "Unexpected failure, please try again later")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context),
            .dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            if case .keyNotFound(let key, _) = error { return "missing field \(key.stringValue)" }
            return path.isEmpty ? "invalid JSON" : "invalid value for \(path)"
        @unknown default:
            return "invalid JSON"
        }
    }

    static func render(_ error: APIError, for request: Request, shape: Shape) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if let retry = error.retryAfter { headers[.retryAfter] = String(retry) }
        if let allow = error.allow { headers[.allow] = allow.joined(separator: ", ") }
        var body: [String: JSONBodyValue] = [:]
        if shape == .goTrue {
            if let oauthError = error.oauthError {
                body = ["error": .string(oauthError), "error_description": .string(error.message)]
            } else if SupabaseAPIVersion.isVersioned(request) {
                body = ["code": .string(error.code.rawValue), "message": .string(error.message)]
            } else {
                body = [
                    "code": .int(Int(error.status.code)), "error_code": .string(error.code.rawValue),
                    "msg": .string(error.message),
                ]
            }
            if let reasons = error.weakPasswordReasons {
                body["weak_password"] = .object(["reasons": .strings(reasons)])
            }
        } else {
            body = ["error": .string(error.code.rawValue), "message": .string(error.message)]
        }
        let data = (try? JSONSerialization.data(withJSONObject: body.mapValues(\.any), options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(status: error.status, headers: headers, body: .init(byteBuffer: ByteBuffer(data: data)))
    }
}

/// A tiny JSON value for error bodies (keeps the renderer free of Codable plumbing).
enum JSONBodyValue {
    case string(String)
    case int(Int)
    case strings([String])
    case object([String: JSONBodyValue])

    var any: Any {
        switch self {
        case .string(let value): value
        case .int(let value): value
        case .strings(let value): value
        case .object(let value): value.mapValues(\.any)
        }
    }
}
