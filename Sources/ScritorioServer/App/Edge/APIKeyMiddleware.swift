import Foundation
import HTTPTypes
import Hummingbird
import ScritorioCore

/// Kong's `key-auth` in front of GoTrue and Edge Functions: the routes of the groups it is mounted on need one of
/// the project's keys (`APIKeys`: publishable, secret, or a legacy `anon`/`service_role` JWT) in `apikey` (header
/// or query). Endpoints browsers reach from email links, the JWKS and provider webhooks are mounted beside it.
struct APIKeyMiddleware<Context: RequestContext>: RouterMiddleware {
    let keys: APIKeys

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let presented = request.headers[HTTPField.Name("apikey")!] ?? request.uri.queryParameters.get("apikey")
        guard let presented, !presented.isEmpty else {
            return Self.kongError("No API key found in request")
        }
        guard keys.role(of: presented) != nil else {
            return Self.kongError("Invalid API key")
        }
        return try await next(request, context)
    }

    static func kongError(_ message: String) -> Response {
        let body = #"{"message":"\#(message)"}"#
        return Response(
            status: .unauthorized, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
