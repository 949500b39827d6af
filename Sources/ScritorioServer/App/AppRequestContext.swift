import Hummingbird
import NIOCore
import ScritorioCore

/// The request context of every route: the peer address (for per-IP limits) and, on a route group that
/// authenticates, the caller the authenticating middleware verified.
public struct AppRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    /// Set only by `AuthenticateMiddleware`, from a verified token; never from a body or query.
    public var identity: Identity?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }

    /// Bodies are small JSON documents; anything bigger is refused before it is buffered.
    public var maxUploadSize: Int { Self.maxBodyBytes }

    /// The JSON body cap of every route (the AI gateway reads its own, larger bodies with its own caps).
    static let maxBodyBytes = 64 * 1024
}

/// The context of a route that only a verified caller reaches. Routes that need a caller take this type, so a
/// route mounted without `AuthenticateMiddleware` in front of it cannot read a caller that was never checked:
/// building this context from one without an identity refuses the request (401) instead.
public struct AuthenticatedContext: ChildRequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    /// The caller, from a verified token (and, where the group asks for it, a live session and user).
    public let identity: Identity

    public init(context: AppRequestContext) throws {
        guard let identity = context.identity else { throw APIError.noAuthorization }
        self.coreContext = context.coreContext
        self.remoteAddress = context.remoteAddress
        self.identity = identity
    }

    public var maxUploadSize: Int { AppRequestContext.maxBodyBytes }
}
