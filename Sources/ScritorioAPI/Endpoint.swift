import Foundation

/// An HTTP method of the contract. The contract names its own methods so that it stays free of any server
/// framework; the server maps them to its router's.
public enum APIMethod: String, Sendable, Hashable, CaseIterable {
    /// `GET`.
    case get = "GET"
    /// `POST`.
    case post = "POST"
    /// `PUT`.
    case put = "PUT"
    /// `PATCH`.
    case patch = "PATCH"
    /// `DELETE`.
    case delete = "DELETE"
}

/// A surface of the server: a path prefix under which one family of clients is served, each with its own error
/// shape and authentication.
public enum APISurface: String, Sendable, Hashable, CaseIterable {
    /// The server's own pages at the root: health, the OpenAPI document, the Paddle pay page.
    case root = ""
    /// The GoTrue-compatible auth API.
    case auth = "/auth/v1"
    /// The Edge Functions the desktop app's seed calls.
    case functions = "/functions/v1"
    /// The product API.
    case product = "/v1"
    /// The OpenAI-compatible AI gateway.
    case ai = "/ai/v1"
    /// The operator's API.
    case admin = "/admin/v1"
    /// The payment providers' webhooks.
    case webhooks = "/webhooks"

    /// The path prefix (`/auth/v1`; empty for the root).
    public var prefix: String { rawValue }

    /// The shape this surface's errors take (the edge may still answer ``APIErrorShape/kong``).
    public var errorShape: APIErrorShape {
        switch self {
        case .auth: .gotrue
        case .ai: .openai
        case .root, .functions, .product, .admin, .webhooks: .product
        }
    }
}

/// How an endpoint's errors are written: what the server renders for it. ``ErrorEnvelope`` reads every shape,
/// since the edge may answer in its own whatever the endpoint.
public enum APIErrorShape: String, Sendable, Hashable, CaseIterable {
    /// GoTrue's `{"code","message"}`, its legacy `{"code":int,"error_code","msg"}`, and the OAuth
    /// `{"error","error_description"}` of the token grants.
    case gotrue
    /// The product API's `{"error": "<stable code>", "message"}`.
    case product
    /// OpenAI's `{"error": {"message","type","param","code"}}`.
    case openai
    /// The API gateway's `{"message"}` (a missing or wrong `apikey`, on any surface).
    case kong
}

/// One route of the contract without its body types: what the server registers and what a registry test
/// compares.
public struct APIRoute: Sendable, Hashable, CustomStringConvertible {
    /// The method.
    public let method: APIMethod
    /// The surface.
    public let surface: APISurface
    /// The path relative to the surface, as the server's router writes it (`me/devices/:id`, `**`).
    public let path: String
    /// How errors are written.
    public let errorShape: APIErrorShape

    /// The full path pattern from the server's root (`/v1/me/devices/:id`).
    public var fullPath: String { surface.prefix + "/" + path }

    /// `DELETE /v1/me/devices/:id`.
    public var description: String { "\(method.rawValue) \(fullPath)" }

    /// Routes are the same when method and full path are: the error shape describes, it does not route.
    public static func == (lhs: APIRoute, rhs: APIRoute) -> Bool {
        lhs.method == rhs.method && lhs.fullPath == rhs.fullPath
    }

    /// Hashes what ``==`` compares.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(method)
        hasher.combine(fullPath)
    }
}

/// One endpoint: its route, the query it always carries (the token grants share one route), and the types of
/// its request and response bodies. The body types are only named here (nothing of them is stored), so the
/// SDK and the server agree on them at compile time.
public struct Endpoint<RequestBody, ResponseBody>: Sendable {
    /// The route.
    public let route: APIRoute
    /// Query items every call of this endpoint sends (`grant_type=password`).
    public let fixedQuery: [URLQueryItem]

    /// An endpoint of `surface` at `path` (relative, in the router's syntax: `:name` parameters, `**` for any rest).
    public init(_ method: APIMethod, _ surface: APISurface, _ path: String, errorShape: APIErrorShape? = nil, query: [URLQueryItem] = []) {
        self.route = APIRoute(method: method, surface: surface, path: path, errorShape: errorShape ?? surface.errorShape)
        self.fixedQuery = query
    }

    /// The method.
    public var method: APIMethod { route.method }
    /// The surface.
    public var surface: APISurface { route.surface }
    /// The path relative to the surface, as the server's router writes it.
    public var path: String { route.path }
    /// How errors are written.
    public var errorShape: APIErrorShape { route.errorShape }
    /// The full path pattern from the server's root.
    public var fullPath: String { route.fullPath }

    /// The names of the path's `:name` parameters, in order.
    public var parameterNames: [String] {
        path.split(separator: "/").compactMap { $0.first == ":" ? String($0.dropFirst()) : nil }
    }

    /// The same route with a query every call carries (one grant of the token endpoint).
    public func with(query items: [URLQueryItem]) -> Endpoint {
        Endpoint(route.method, route.surface, route.path, errorShape: route.errorShape, query: fixedQuery + items)
    }

    /// The concrete path from the server's root, each `:name` replaced by its percent-encoded value (a `/` in a
    /// value is encoded too, so a value is always one segment). A missing parameter is a programming error.
    public func renderedPath(_ parameters: [String: String] = [:]) -> String {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).map { segment -> String in
            guard segment.first == ":" else { return String(segment) }
            let name = String(segment.dropFirst())
            guard let value = parameters[name] else { preconditionFailure("\(route) needs the parameter \(name)") }
            return value.addingPercentEncoding(withAllowedCharacters: Self.segmentAllowed) ?? value
        }
        return surface.prefix + "/" + segments.joined(separator: "/")
    }

    /// ``renderedPath(_:)`` under a server mounted at `basePath` (a base URL's percent-encoded path, `""` or
    /// `/accounts/`), with exactly one `/` between them.
    public func renderedPath(_ parameters: [String: String] = [:], under basePath: String) -> String {
        var base = Substring(basePath)
        while base.hasSuffix("/") { base = base.dropLast() }
        return base + renderedPath(parameters)
    }

    /// Characters a path segment may carry unencoded.
    private static var segmentAllowed: CharacterSet {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove("/")
        return allowed
    }
}

/// The request of an endpoint that sends no body, or the answer of one that returns none (`204`, a redirect).
public struct NoBody: Sendable, Equatable {}

/// An empty JSON object (`{}`): the body the seed's function calls send, and the answer of calls that only
/// acknowledge.
public struct EmptyBody: Codable, Sendable, Equatable {
    /// `{}`.
    public init() {}
}

/// A body the contract does not type: HTML, multipart audio, a provider's webhook, a reply passed through
/// from the AI upstream unchanged.
public struct OpaqueBody: Sendable, Equatable {}
