import Hummingbird
import ScritorioAPI

/// A path the contract serves, asked with a method it does not serve, is 405 with `Allow` (RFC 9110 §15.5.6), not
/// the 404 the router gives for any request it has no route for: the client learns the path exists and what it
/// takes. Paths are matched against ``API/routes`` (`:name` matches one segment); the catch-alls (`**`) are left
/// to their own 404s.
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Each concrete path template of the contract, split into segments, with the methods it serves.
    static var templates: [(segments: [Substring], methods: [String])] {
        var methods: [String: Set<String>] = [:]
        for route in API.routes where !route.fullPath.contains("*") {
            methods[route.fullPath, default: []].insert(route.method.rawValue)
        }
        return methods.map { (path, methods) in (path.split(separator: "/"), methods.sorted()) }
    }

    private let templates = Self.templates

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let segments = request.uri.path.split(separator: "/")
            let allowed = Set(templates.filter { Self.matches($0.segments, segments) }.flatMap(\.methods)).sorted()
            guard !allowed.isEmpty, !allowed.contains(request.method.rawValue) else { throw error }
            var refusal = APIError(.methodNotAllowed, .methodNotAllowed, "Method \(request.method.rawValue) is not allowed here")
            refusal.allow = allowed
            throw refusal
        }
    }

    static func matches(_ template: [Substring], _ path: [Substring]) -> Bool {
        template.count == path.count && zip(template, path).allSatisfy { $0.hasPrefix(":") || $0 == $1 }
    }
}
