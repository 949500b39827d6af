import HTTPTypes
import Hummingbird

/// CORS as Supabase serves it: any origin, the headers supabase clients send, and `X-Supabase-Api-Version`
/// exposed on every response (browsers read `Access-Control-Expose-Headers` from the actual response, not the
/// preflight, so a client can only see the version echo if it is exposed there).
struct CORSHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    static var allowHeaders: String {
        "authorization, x-client-info, apikey, content-type, accept, x-supabase-api-version, x-region, x-request-id"
    }
    static var allowMethods: String { "GET, POST, PUT, PATCH, DELETE, OPTIONS" }
    static var exposeHeaders: String { "X-Supabase-Api-Version, X-Request-Id, Retry-After" }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.headers[.origin] != nil else { return try await next(request, context) }
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            return Response(status: .noContent, headers: [
                .accessControlAllowOrigin: "*",
                .accessControlAllowHeaders: Self.allowHeaders,
                .accessControlAllowMethods: Self.allowMethods,
                .accessControlExposeHeaders: Self.exposeHeaders,
                .accessControlMaxAge: "3600",
            ])
        }
        var response = try await next(request, context)
        response.headers[.accessControlAllowOrigin] = "*"
        response.headers[.accessControlExposeHeaders] = Self.exposeHeaders
        return response
    }
}
