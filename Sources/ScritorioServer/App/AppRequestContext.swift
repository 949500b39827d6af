import Hummingbird
import NIOCore

/// The request context: the peer address (for per-IP limits) and, once the auth middleware ran, the caller.
public struct AppRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    /// Set by `BearerAuthMiddleware` from a verified token; never from a body or query.
    public var identity: Identity?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }

    /// Bodies are small JSON documents; anything bigger is refused before it is buffered.
    public var maxUploadSize: Int { 64 * 1024 }

    /// The authenticated caller, or the `no_authorization` error.
    func requireIdentity() throws -> Identity {
        guard let identity else { throw APIError.noAuthorization }
        return identity
    }
}
