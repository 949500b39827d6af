import Foundation
import Hummingbird
import ScritorioCore

/// The `/admin/v1` group's gate: the operator's bearer `SCRITORIO_ADMIN_TOKEN`, compared in constant time. The
/// API is off (404) when no token is configured.
struct AdminTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token else {
            throw APIError(.notFound, .notFound, "The admin API is off (SCRITORIO_ADMIN_TOKEN is not set)")
        }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
            constantTimeEquals(String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces), token)
        else { throw APIError(.unauthorized, .notAdmin, "The admin API needs Authorization: Bearer <SCRITORIO_ADMIN_TOKEN>") }
        return try await next(request, context)
    }
}
