import Foundation
import HTTPTypes
import Hummingbird
import Logging
import ScritorioAPI
import ScritorioCore
import ScritorioProviders
import ScritorioStore
import ServiceLifecycle

/// The router with every surface this configuration serves (`buildApplication` passes the applier its background
/// services share; route tests get one of their own).
func buildRouter(
    config: AppConfig, dependencies: Dependencies, logger: Logger, applier: BillingApplier? = nil
) throws -> Router<AppRequestContext> {
    let applier = try applier ?? BillingApplier(config: config)
    let apiKeys = try APIKeys.load(config: config, now: dependencies.now)
    let router = Router(context: AppRequestContext.self)
    // What holds on every path: preflights answer anywhere, and a path no group serves is a 404 in the product
    // shape. Everything else belongs to a surface's group below.
    router.add(middleware: CORSHeadersMiddleware())
    router.add(middleware: ErrorMiddleware(shape: .product))
    router.add(middleware: MethodNotAllowedMiddleware())

    let verifier: AccessTokenVerifier
    var keys: SigningKeys?
    switch config.authMode {
    case .builtIn:
        let signing = try SigningKeys.load(
            directory: config.dataDirectory, environmentPEM: config.jwtPrivateKeyPEM, now: dependencies.now())
        keys = signing
        verifier = AccessTokenVerifier(source: .fixed(signing.keySet), issuers: [config.issuer])
    case .supabase(let url, let secret, let issuer):
        let fetch = dependencies.supabaseKeys.fetch
        verifier = AccessTokenVerifier(
            source: .remote(fetch: { @Sendable in url == nil ? JWKS(keys: []) : try await fetch() }, hs256Secret: secret),
            issuers: [issuer])
    }
    let surfaces = Surfaces(
        router: router,
        authenticator: Authenticator(
            verifier: verifier, database: dependencies.database, builtIn: config.authMode == .builtIn,
            keys: apiKeys, now: dependencies.now),
        keys: apiKeys, believeSessionsFor: config.sessionCacheSeconds)

    HealthController(database: dependencies.database, authMode: config.authMode).register(on: router)

    // One limiter for /auth/v1 and the licence API: on PostgreSQL its buckets are shared by every replica.
    let limiter = RateLimiter(
        shared: config.rateLimits.sharedInDatabase && dependencies.database.kind == .postgres ? dependencies.database : nil)

    // /auth/v1: GoTrue, in built-in mode only.
    if let keys {
        let auth = AuthService(
            database: dependencies.database, config: config.auth, keys: keys, mailer: dependencies.mailer,
            googleKeys: dependencies.googleKeys, passwords: .live, limiter: limiter,
            mfaBox: try MFAKey.load(directory: config.dataDirectory, configured: config.mfaEncryptionKey), now: dependencies.now,
            logger: logger)
        let controller = AuthController(auth: auth)
        surfaces.auth.links.addRoutes(controller.links)
        surfaces.auth.keyed.addRoutes(controller.endpoints)
        surfaces.auth.signedIn.addRoutes(controller.signedIn)
        surfaces.auth.serviceRole.addRoutes(AuthAdminController(auth: auth).endpoints)
    }

    // Provider webhooks: authenticated by their signature, stored, then acknowledged.
    let paddleWebhooks = WebhookIngest(
        provider: PaddleWebhooks(config: config.paddle), database: dependencies.database, now: dependencies.now, logger: logger)
    surfaces.webhooks.addRoutes(paddleWebhooks.routes(at: API.Webhooks.paddle))
    surfaces.functions.unkeyed.addRoutes(paddleWebhooks.routes(at: API.Functions.paddleWebhook))
    let lemonSqueezyWebhooks = WebhookIngest(
        provider: LemonSqueezyWebhooks(config: config.lemonSqueezy), database: dependencies.database, now: dependencies.now,
        logger: logger)
    surfaces.webhooks.addRoutes(lemonSqueezyWebhooks.routes(at: API.Webhooks.lemonSqueezy))

    var members = MembersController(database: dependencies.database, now: dependencies.now)
    members.applier = applier
    members.trialDays = config.trialDays
    members.trialEntitlements = config.trialEntitlements
    members.wordsLimiter = limiter
    surfaces.functions.members.addRoutes(members.functions)
    surfaces.product.signedIn.addRoutes(members.product)

    let catalog = applier.catalog
    // Retired entitlement keys stay published until the last document they signed has expired.
    let entitlementKeys = try EntitlementKeys.load(
        directory: config.dataDirectory, configured: config.licensing.entitlementPrivateKey, now: dependencies.now(),
        keepRetiredFor: config.licensing.entitlementTTL + 3600)
    let documents = EntitlementDocuments(keys: entitlementKeys, ttl: config.licensing.entitlementTTL, issuer: config.baseURL)
    var billing = BillingController(
        database: dependencies.database, catalog: catalog, applier: applier,
        paddle: dependencies.paddle, mode: config.paddle.mode, now: dependencies.now, logger: logger, documents: documents)
    billing.lemonSqueezy = dependencies.lemonSqueezy
    billing.lemonSqueezyMode = config.lemonSqueezy.mode
    surfaces.product.signedIn.addRoutes(billing.product)

    var licensing = config.licensing
    // Lemon Squeezy keys are checked against the store this deployment sells from unless a list is configured.
    if licensing.lemonSqueezyStoreIDs.isEmpty, let store = config.lemonSqueezy.storeID { licensing.lemonSqueezyStoreIDs = [store] }
    let licenses = LicensesController(
        service: LicenseService(
            database: dependencies.database, catalog: catalog, config: licensing, documents: documents, now: dependencies.now),
        limiter: limiter, ipHeader: config.rateLimits.ipHeader, licenseSecret: applier.licenseSecret)
    surfaces.product.open.addRoutes(licenses.product)
    surfaces.product.signedIn.addRoutes(licenses.signedIn)

    let paddle = PaddleController(
        database: dependencies.database, paddle: dependencies.paddle, config: config.paddle,
        catalog: catalog, applier: applier, checkoutPage: config.baseURL + "/pay",
        now: dependencies.now, logger: logger)
    surfaces.product.signedIn.addRoutes(paddle.product)
    surfaces.functions.signedIn.addRoutes(paddle.functions)
    let checkout = CheckoutController(
        catalog: catalog, paddle: paddle, lemonSqueezy: dependencies.lemonSqueezy,
        lemonSqueezyConfig: config.lemonSqueezy, redirectURL: config.siteURL, logger: logger)
    surfaces.product.signedIn.addRoutes(checkout.product)

    let gateway = AIGateway(
        database: dependencies.database, upstream: dependencies.openAI, config: config.ai, now: dependencies.now, logger: logger,
        journal: .of(dataDirectory: config.dataDirectory))
    let ai = surfaces.ai(believeSessionsFor: config.ai.planCacheSeconds)
    let gatewayController = AIGatewayController(gateway: gateway)
    ai.open.addRoutes(gatewayController.unknownURLs)
    ai.signedIn.addRoutes(gatewayController.endpoints)
    surfaces.product.signedIn.addRoutes(AIUsageController(gateway: gateway).product)
    surfaces.admin(token: config.ai.adminToken).addRoutes(AIAdminController(gateway: gateway).endpoints)

    // The sandbox's fakes, when the executable or a test hands them over (the server itself does not link them).
    for mount in dependencies.mounts {
        router.addRoutes(mount.routes(), atPath: RouterPath(mount.path))
    }
    PagesController(paddle: config.paddle, sandbox: config.sandbox).register(on: router)
    return router
}
