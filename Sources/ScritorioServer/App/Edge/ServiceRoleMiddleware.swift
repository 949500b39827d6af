import Foundation
import HTTPTypes
import Hummingbird
import ScritorioAPI

/// GoTrue's `requireAdmin` in front of `/auth/v1/admin` and `/invite`: the caller is the service role when its
/// bearer is the secret key or a legacy `service_role` JWT, or when it sends no bearer of its own (none, or the
/// publishable key) and its `apikey` is one of those, as Supabase's gateway turns an `sb_secret_` apikey into the
/// service role's token. A user's token is a user, whatever `apikey` says: 403 `not_admin`.
struct ServiceRoleMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let keys: APIKeys
    let authenticator: Authenticator

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let apikey = request.headers[HTTPField.Name("apikey")!] ?? request.uri.queryParameters.get("apikey")
        switch Authenticator.rawBearer(request).map({ ($0, keys.role(of: $0)) }) {
        case (_, .serviceRole)?:
            return try await next(request, context)
        case (_, .anon)?, nil:
            if let apikey, keys.role(of: apikey) == .serviceRole { return try await next(request, context) }
            if apikey == nil { throw APIError.noAuthorization }
            throw APIError.notAdmin
        case (_, nil)?:
            // A token that does not verify is GoTrue's `bad_jwt`; a user's valid token is not an admin.
            _ = try await authenticator.verify(request)
            throw APIError.notAdmin
        }
    }
}
