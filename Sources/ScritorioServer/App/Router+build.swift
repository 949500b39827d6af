import Foundation
import HTTPTypes
import Hummingbird
import Logging
import ScritorioAPI
import ScritorioCore
import ScritorioProviders
import ScritorioStore
import ServiceLifecycle

/// The router with every surface this configuration serves.
public func buildRouter(config: AppConfig, dependencies: Dependencies, logger: Logger) throws -> Router<AppRequestContext> {
    try buildRouter(config: config, dependencies: dependencies, logger: logger, applier: try BillingApplier(config: config))
}

func buildRouter(
    config: AppConfig, dependencies: Dependencies, logger: Logger, applier: BillingApplier
) throws -> Router<AppRequestContext> {
    let publishableKey = try PublishableKey.load(directory: config.dataDirectory, configured: config.publishableKey)
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: CORSHeadersMiddleware())
    router.add(middleware: SupabaseHeadersMiddleware())
    router.add(middleware: ErrorMiddleware())
    router.add(middleware: APIKeyMiddleware(publishableKey: publishableKey))

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
    let authenticator = Authenticator(
        verifier: verifier, database: dependencies.database, builtIn: config.authMode == .builtIn,
        publishableKey: publishableKey, now: dependencies.now)

    HealthController(database: dependencies.database, authMode: config.authMode).register(on: router)
    if let keys {
        let auth = AuthService(
            database: dependencies.database, config: config, keys: keys, mailer: dependencies.mailer,
            googleKeys: dependencies.googleKeys, passwords: .live, limiter: RateLimiter(), now: dependencies.now,
            logger: logger)
        router.addRoutes(AuthController(auth: auth, authenticator: authenticator).endpoints, atPath: "/auth/v1")
    }
    PaddleWebhooksController(database: dependencies.database, paddle: config.paddle, now: dependencies.now, logger: logger)
        .register(on: router)
    LemonSqueezyWebhooksController(database: dependencies.database, config: config.lemonSqueezy, now: dependencies.now, logger: logger)
        .register(on: router)
    let members = MembersController(database: dependencies.database, authenticator: authenticator, now: dependencies.now)
    router.addRoutes(members.functions, atPath: "/functions/v1")
    let catalog = applier.catalog
    // Retired entitlement keys stay published until the last document they signed has expired.
    let entitlementKeys = try EntitlementKeys.load(
        directory: config.dataDirectory, configured: config.licensing.entitlementPrivateKey, now: dependencies.now(),
        keepRetiredFor: config.licensing.entitlementTTL + 3600)
    let documents = EntitlementDocuments(keys: entitlementKeys, ttl: config.licensing.entitlementTTL, issuer: config.baseURL)
    var billing = BillingController(
        database: dependencies.database, authenticator: authenticator, catalog: catalog, applier: applier,
        paddle: dependencies.paddle, mode: config.paddle.mode, now: dependencies.now, logger: logger, documents: documents)
    billing.lemonSqueezy = dependencies.lemonSqueezy
    billing.lemonSqueezyMode = config.lemonSqueezy.mode
    router.addRoutes(billing.product, atPath: "/v1")
    var licensing = config.licensing
    // Lemon Squeezy keys are checked against the store this deployment sells from unless a list is configured.
    if licensing.lemonSqueezyStoreIDs.isEmpty, let store = config.lemonSqueezy.storeID { licensing.lemonSqueezyStoreIDs = [store] }
    let licenses = LicensesController(
        service: LicenseService(
            database: dependencies.database, catalog: catalog, config: licensing, documents: documents, now: dependencies.now),
        authenticator: authenticator, limiter: RateLimiter(), ipHeader: config.rateLimits.ipHeader, licenseSecret: applier.licenseSecret)
    router.addRoutes(licenses.product, atPath: "/v1")
    let paddle = PaddleController(
        database: dependencies.database, authenticator: authenticator, paddle: dependencies.paddle, config: config.paddle,
        catalog: catalog, applier: applier, checkoutPage: config.baseURL + "/pay",
        now: dependencies.now, logger: logger)
    router.addRoutes(paddle.product, atPath: "/v1")
    let checkout = CheckoutController(
        authenticator: authenticator, catalog: catalog, paddle: paddle, lemonSqueezy: dependencies.lemonSqueezy,
        lemonSqueezyConfig: config.lemonSqueezy, redirectURL: config.siteURL, logger: logger)
    router.addRoutes(checkout.product, atPath: "/v1")
    router.addRoutes(paddle.functions, atPath: "/functions/v1")
    router.addRoutes(members.product, atPath: "/v1")
    let gateway = AIGateway(
        database: dependencies.database, authenticator: authenticator, upstream: dependencies.openAI, config: config.ai,
        now: dependencies.now, logger: logger)
    router.addRoutes(AIGatewayController(gateway: gateway).endpoints, atPath: "/ai/v1")
    router.addRoutes(AIUsageController(gateway: gateway).product, atPath: "/v1")
    router.addRoutes(AIAdminController(gateway: gateway).endpoints, atPath: "/admin/v1")
    for mount in dependencies.mounts {
        router.addRoutes(mount.routes(), atPath: RouterPath(mount.path))
    }
    PagesController(paddle: config.paddle, sandbox: config.sandbox).register(on: router)
    return router
}
