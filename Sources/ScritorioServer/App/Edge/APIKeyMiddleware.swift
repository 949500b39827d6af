import Foundation
import HTTPTypes
import Hummingbird
import ScritorioCore

/// Kong's `key-auth` in front of GoTrue and Edge Functions: `/auth/v1` and `/functions/v1` need the
/// publishable key in `apikey` (header or query), except the endpoints browsers reach from email links and
/// the JWKS.
struct APIKeyMiddleware<Context: RequestContext>: RouterMiddleware {
    let publishableKey: String

    static var exemptPaths: Set<String> {
        // Providers cannot send an apikey; webhooks are authenticated by their signature instead.
        [
            "/auth/v1/verify", "/auth/v1/callback", "/auth/v1/authorize", "/auth/v1/.well-known/jwks.json",
            "/functions/v1/paddle-webhook",
        ]
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.normalizedPath
        let guarded = path.hasPrefix("/auth/v1/") || path.hasPrefix("/functions/v1/")
        guard guarded, request.method != .options, !Self.exemptPaths.contains(path) else {
            return try await next(request, context)
        }
        let presented = request.headers[HTTPField.Name("apikey")!] ?? request.uri.queryParameters.get("apikey")
        guard let presented, !presented.isEmpty else {
            return Self.kongError("No API key found in request")
        }
        guard constantTimeEquals(presented, publishableKey) else {
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
