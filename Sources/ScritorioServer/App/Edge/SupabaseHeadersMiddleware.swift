import Foundation
import HTTPTypes
import Hummingbird

/// GoTrue's API versioning: a request carrying `X-Supabase-Api-Version` ≥ 2024-01-01 gets errors as
/// `{"code","message"}` and the header echoed, which is how clients know to read `code`.
enum SupabaseAPIVersion {
    static let header = HTTPField.Name("X-Supabase-Api-Version")!
    static let current = "2024-01-01"

    static func isVersioned(_ request: Request) -> Bool {
        guard let value = request.headers[header] else { return false }
        return value >= current
    }
}

/// Echoes the API version on every answer of the group it is mounted on (`/auth/v1`) to a versioned request.
struct SupabaseHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        if SupabaseAPIVersion.isVersioned(request) {
            response.headers[SupabaseAPIVersion.header] = SupabaseAPIVersion.current
        }
        return response
    }
}
