import Foundation
import Hummingbird
import ScritorioAPI

/// The one place a caller is authenticated: verifies the bearer token, checks (as the group asks) that its
/// session and user are still alive, and sets `context.identity`. Routes behind it take `AuthenticatedContext`.
struct AuthenticateMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    /// What a group asks of a token beyond its signature.
    enum Liveness: Sendable {
        /// The signature, expiry, issuer and audience only (GoTrue's own user routes read the session themselves).
        case tokenOnly
        /// The session and user must still exist, checked on every request.
        case alive
        /// The same, a session found alive believed for this many seconds (the AI gateway's hot path).
        case aliveCached(seconds: TimeInterval)
    }

    let authenticator: Authenticator
    let liveness: Liveness
    /// Edge Functions answer 401 for any token they cannot use (Supabase's relay and the seed's `getUser` check
    /// both do), so a bad JWT or an ended session is 401 there rather than GoTrue's 403.
    var unusableTokenIs401 = false

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        do {
            let identity = try await authenticator.verify(request)
            switch liveness {
            case .tokenOnly: break
            case .alive: try await authenticator.checkAlive(identity, believeFor: 0)
            case .aliveCached(let seconds): try await authenticator.checkAlive(identity, believeFor: seconds)
            }
            context.identity = identity
        } catch var error as APIError where unusableTokenIs401 && [.badJWT, .sessionNotFound, .userNotFound].contains(error.code) {
            error.status = .unauthorized
            throw error
        }
        return try await next(request, context)
    }
}
