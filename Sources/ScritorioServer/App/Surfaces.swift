import Foundation
import HTTPTypes
import Hummingbird
import ScritorioAPI

/// Each surface of the server as a route group carrying the middleware its contract asks for: its error shape,
/// `apikey` where Kong asks for it, and the one authenticating middleware in front of every route that takes a
/// caller. Routes that need a caller are added to a `signedIn` group, whose handlers take `AuthenticatedContext`.
struct Surfaces {
    /// `/auth/v1`, GoTrue's surface: GoTrue's error shape and API-version echo on every answer.
    struct Auth {
        /// Reached from mail links and by browsers: no `apikey`.
        let links: RouterGroup<AppRequestContext>
        /// Behind `apikey`; an unknown path here is GoTrue's 404.
        let keyed: RouterGroup<AppRequestContext>
        /// Behind `apikey` and a verified token (GoTrue's user routes read the user and session themselves).
        let signedIn: RouterGroup<AuthenticatedContext>
        /// Behind `apikey` and the service role (`ServiceRoleMiddleware`): the admin API and `/invite`.
        let serviceRole: RouterGroup<AppRequestContext>
    }

    /// `/functions/v1`, the seed's Edge Functions behind Kong.
    struct Functions {
        /// Webhooks that providers post here, authenticated by their signature.
        let unkeyed: RouterGroup<AppRequestContext>
        /// The member functions: an unusable token is their 401, as Supabase's relay answers.
        let members: RouterGroup<AuthenticatedContext>
        /// Other functions that take a caller (a live session and user).
        let signedIn: RouterGroup<AuthenticatedContext>
    }

    /// `/v1`, the product API.
    struct Product {
        let open: RouterGroup<AppRequestContext>
        /// A live session and user.
        let signedIn: RouterGroup<AuthenticatedContext>
    }

    /// `/ai/v1`, OpenAI's API: OpenAI's error shape throughout.
    struct AI {
        let open: RouterGroup<AppRequestContext>
        let signedIn: RouterGroup<AuthenticatedContext>
    }

    let router: Router<AppRequestContext>
    let authenticator: Authenticator
    let auth: Auth
    let functions: Functions
    let product: Product
    /// `/webhooks`: provider webhooks, authenticated by their signature.
    let webhooks: RouterGroup<AppRequestContext>

    /// `believeSessionsFor`: how long a session found alive is believed on `/v1` and `/functions/v1` (0: checked on
    /// every request).
    init(router: Router<AppRequestContext>, authenticator: Authenticator, keys: APIKeys, believeSessionsFor seconds: TimeInterval) {
        self.router = router
        self.authenticator = authenticator
        let apiKey = APIKeyMiddleware<AppRequestContext>(keys: keys)

        let auth = router.group(RouterPath(APISurface.auth.prefix))
            .add(middleware: SupabaseHeadersMiddleware())
            .add(middleware: ErrorMiddleware(shape: .goTrue))
        let authKeyed = auth.group().add(middleware: apiKey).answeringNotFound()
        self.auth = Auth(
            links: auth.group(), keyed: authKeyed,
            signedIn: Self.signedIn(authKeyed, AuthenticateMiddleware(authenticator: authenticator, liveness: .tokenOnly)),
            serviceRole: authKeyed.group().add(middleware: ServiceRoleMiddleware(keys: keys, authenticator: authenticator)))

        let functions = router.group(RouterPath(APISurface.functions.prefix))
        let functionsKeyed = functions.group().add(middleware: apiKey).answeringNotFound()
        let live = Self.liveness(believing: seconds)
        var memberCheck = AuthenticateMiddleware(authenticator: authenticator, liveness: live)
        memberCheck.unusableTokenIs401 = true
        self.functions = Functions(
            unkeyed: functions.group(),
            members: Self.signedIn(functionsKeyed, memberCheck),
            signedIn: Self.signedIn(functionsKeyed, AuthenticateMiddleware(authenticator: authenticator, liveness: live)))

        let product = router.group(RouterPath(APISurface.product.prefix))
        self.product = Product(
            open: product.group(),
            signedIn: Self.signedIn(product, AuthenticateMiddleware(authenticator: authenticator, liveness: live)))
        self.webhooks = router.group(RouterPath(APISurface.webhooks.prefix))
    }

    /// `/ai/v1`; a session found alive is believed for `seconds` (none when 0), as the gateway's plan is.
    func ai(believeSessionsFor seconds: TimeInterval) -> AI {
        let ai = router.group(RouterPath(APISurface.ai.prefix)).add(middleware: OpenAIErrorMiddleware())
        return AI(
            open: ai.group(),
            signedIn: Self.signedIn(ai, AuthenticateMiddleware(authenticator: authenticator, liveness: Self.liveness(believing: seconds))))
    }

    private static func liveness(believing seconds: TimeInterval) -> AuthenticateMiddleware.Liveness {
        seconds > 0 ? .aliveCached(seconds: seconds) : .alive
    }

    /// `/admin/v1`, behind the operator's token.
    func admin(token: String?) -> RouterGroup<AppRequestContext> {
        router.group(RouterPath(APISurface.admin.prefix)).add(middleware: AdminTokenMiddleware(token: token))
    }

    /// Routes behind `check`, whose handlers read the caller it set.
    private static func signedIn(
        _ group: RouterGroup<AppRequestContext>, _ check: AuthenticateMiddleware
    ) -> RouterGroup<AuthenticatedContext> {
        group.group().add(middleware: check).group(context: AuthenticatedContext.self)
    }
}

extension RouterGroup {
    /// Answers any path under the group that no route serves with a 404 that passes through the group's own
    /// middleware (its `apikey` check and error shape) rather than the router's.
    @discardableResult
    func answeringNotFound() -> Self {
        for method in [HTTPRequest.Method.get, .post, .put, .patch, .delete] {
            on("**", method: method) { _, _ -> Response in throw HTTPError(.notFound) }
        }
        return self
    }
}
