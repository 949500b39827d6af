import Foundation
import HTTPTypes
import Hummingbird
import ScritorioAPI
import ScritorioCore

/// `/auth/v1/admin` and `/auth/v1/invite`: GoTrue's admin API, mounted behind the service role.
struct AuthAdminController: Sendable {
    let auth: AuthService

    var endpoints: RouteCollection<AppRequestContext> {
        RouteCollection(context: AppRequestContext.self)
            .on(API.Auth.adminUsers, use: listUsers)
            .on(API.Auth.adminCreateUser, use: createUser)
            .on(API.Auth.adminUser, use: getUser)
            .on(API.Auth.adminUpdateUser, use: updateUser)
            .on(API.Auth.adminDeleteUser, use: deleteUser)
            .on(API.Auth.adminUserFactors, use: factors)
            .on(API.Auth.adminDeleteFactor, use: deleteFactor)
            .on(API.Auth.generateLink, use: generateLink)
            .on(API.Auth.invite, use: invite)
    }

    /// GoTrue's `page` and `per_page` (empty means the default: 1 and 50).
    static func pagination(_ request: Request) throws -> (page: Int, perPage: Int) {
        let query = request.uri.queryParameters
        func number(_ name: String, default value: Int) throws -> Int {
            guard let text = query.get(name), !text.isEmpty else { return value }
            guard let number = UInt(text) else {
                throw APIError.validation("Bad Pagination Parameters: strconv.ParseUint: parsing \"\(text)\": invalid syntax")
            }
            return Int(min(number, 1_000_000))
        }
        let page = max(1, try number("page", default: 1))
        let perPage = try number("per_page", default: 50)
        guard perPage >= 1 else { throw APIError.validation("Bad Pagination Parameters: per_page must be at least 1") }
        return (page, min(perPage, 1000))
    }

    /// GoTrue's `sort=created_at asc|desc` (the only sortable field).
    static func ascending(_ request: Request) throws -> Bool {
        let query = request.uri.queryParameters
        guard let sort = query.get("sort"), !sort.isEmpty else { return false }
        let parts = sort.split(separator: " ").map(String.init)
        guard parts.first == "created_at" else {
            throw APIError.validation("Bad Sort Parameters: bad field for sort '\(parts.first ?? "")'")
        }
        guard let direction = parts.dropFirst().first else { return true }
        switch direction.lowercased() {
        case "asc": return true
        case "desc": return false
        default: throw APIError.validation("Bad Sort Parameters: bad direction for sort '\(direction)', only 'asc' and 'desc' allowed")
        }
    }

    @Sendable func listUsers(_ request: Request, context: AppRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        let (page, perPage) = try Self.pagination(request)
        let filter = query.get("filter").flatMap { $0.isEmpty ? nil : $0 }
        let result = try await auth.adminListUsers(page: page, perPage: perPage, ascending: try Self.ascending(request), filter: filter)
        // GoTrue's Link header: its own path, the query re-encoded in key order, `next` while there is one.
        func link(page target: Int) -> String {
            var pairs: [(String, String)] = query.map { (String($0.key), String($0.value)) }.filter { $0.0 != "page" }
            pairs.append(("page", String(target)))
            pairs.sort { $0.0 < $1.0 }
            return "</admin/users?\(AuthController.encode(pairs))>"
        }
        var header = ""
        if result.totalPages > page { header += link(page: page + 1) + "; rel=\"next\", " }
        header += link(page: result.totalPages) + "; rel=\"last\""
        var headers: HTTPFields = [:]
        headers[HTTPField.Name("Link")!] = header
        headers[HTTPField.Name("X-Total-Count")!] = String(result.total)
        return try JSONResponse(result.list, headers: headers).response(from: request, context: context)
    }

    @Sendable func createUser(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<UserResponse> {
        JSONResponse(try await auth.adminCreateUser(try await JSONBody.decode(AdminUserRequest.self, from: request, context: context)))
    }

    @Sendable func getUser(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<UserResponse> {
        JSONResponse(try await auth.adminGetUser(try auth.adminUserID(context.parameters.get("user_id"))))
    }

    @Sendable func updateUser(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<UserResponse> {
        let id = try auth.adminUserID(context.parameters.get("user_id"))
        return JSONResponse(try await auth.adminUpdateUser(id, try await JSONBody.decode(AdminUserRequest.self, from: request, context: context)))
    }

    @Sendable func deleteUser(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<EmptyBody> {
        let id = try auth.adminUserID(context.parameters.get("user_id"))
        // The body is optional (none reads as `{}`); one that is sent must be JSON.
        let body = try await JSONBody.decode(AdminDeleteUserRequest.self, from: request, context: context)
        try await auth.adminDeleteUser(id, soft: body.should_soft_delete ?? false)
        return JSONResponse(EmptyBody())
    }

    @Sendable func factors(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<[FactorResponse]> {
        JSONResponse(try await auth.adminFactors(of: try auth.adminUserID(context.parameters.get("user_id"))))
    }

    @Sendable func deleteFactor(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<FactorResponse> {
        let id = try auth.adminUserID(context.parameters.get("user_id"))
        return JSONResponse(try await auth.adminDeleteFactor(userID: id, factorText: context.parameters.get("factor_id")))
    }

    @Sendable func generateLink(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<GenerateLinkResponse> {
        let body = try await JSONBody.decode(GenerateLinkRequest.self, from: request, context: context)
        return JSONResponse(try await auth.generateLink(body, redirectTo: request.uri.queryParameters.get("redirect_to")))
    }

    @Sendable func invite(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<UserResponse> {
        let body = try await JSONBody.decode(InviteRequest.self, from: request, context: context)
        return JSONResponse(try await auth.invite(body, redirectTo: request.uri.queryParameters.get("redirect_to")))
    }
}
