import Foundation
import Hummingbird
import Logging
import ScritorioAPI
import ScritorioCore
import ScritorioProviders

/// `POST /v1/checkout {plan, provider?}`: starts a purchase of a catalog plan for the signed-in user through the
/// provider that sells it. The catalog says who sells a plan (the provider has ids for it in its configured mode);
/// a plan sold by both goes to Paddle unless the request names `lemonsqueezy`.
struct CheckoutController: Sendable {
    let catalog: Catalog
    let paddle: PaddleController
    let lemonSqueezy: LemonSqueezyClient
    let lemonSqueezyConfig: LemonSqueezyConfig
    /// Where the buyer lands after a Lemon Squeezy checkout.
    let redirectURL: String?
    let logger: Logger

    var product: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self).on(API.Billing.checkout, use: checkout)
    }

    @Sendable func checkout(_ request: Request, context: AuthenticatedContext) async throws -> JSONResponse<CheckoutResponse> {
        let identity = context.identity
        let body = try await JSONBody.decode(CheckoutRequest.self, from: request, context: context)
        guard let code = body.plan, let plan = catalog.plan(code: code) else {
            throw APIError(.badRequest, .validationFailed, "Unknown plan; expected one of: \(catalog.plans.map(\.code).joined(separator: ", "))")
        }
        let sellers: [BillingProvider] = [.paddle, .lemonSqueezy].filter { !plan.priceIDs(provider: $0, mode: mode(of: $0)).isEmpty }
        let provider: BillingProvider
        switch body.provider {
        case nil:
            guard let first = sellers.first else {
                throw APIError(.unprocessableContent, .billingNotConfigured, "Plan \(code) is not sold in this deployment's modes")
            }
            provider = first
        case let name?:
            let named = BillingProvider(rawValue: name)
            guard named == .paddle || named == .lemonSqueezy else {
                throw APIError(.badRequest, .validationFailed, "provider must be paddle or lemonsqueezy")
            }
            guard sellers.contains(named) else {
                throw APIError(.unprocessableContent, .billingNotConfigured, "Plan \(code) is not sold through \(name) in \(mode(of: named).rawValue) mode")
            }
            provider = named
        }
        switch provider {
        case .lemonSqueezy:
            return JSONResponse(try await lemonSqueezyCheckout(code: code, plan: plan, identity: identity))
        default:
            // Paddle answers a `transactionId` (no `checkoutId`), Lemon Squeezy the other way round.
            return JSONResponse(try await paddle.startCheckout(code: code, plan: plan, userID: identity.userID))
        }
    }

    private func mode(of provider: BillingProvider) -> BillingMode {
        provider == .lemonSqueezy ? lemonSqueezyConfig.mode : paddle.config.mode
    }

    /// `POST /v1/checkouts` with the user id in `checkout_data.custom` (it comes back in every webhook of the
    /// purchase) and the user's email prefilled.
    private func lemonSqueezyCheckout(code: String, plan: Catalog.Plan, identity: Identity) async throws -> CheckoutResponse {
        guard let variant = plan.priceIDs(provider: .lemonSqueezy, mode: lemonSqueezyConfig.mode).first,
            let store = lemonSqueezyConfig.storeID
        else {
            throw APIError(.unprocessableContent, .billingNotConfigured, "Lemon Squeezy is not configured (LEMONSQUEEZY_STORE_ID)")
        }
        let new = LemonSqueezyNewCheckout(
            storeID: store, variantID: variant, email: identity.email, custom: ["user_id": identity.userID.description],
            redirectURL: redirectURL, testMode: lemonSqueezyConfig.mode == .test)
        do {
            let checkout = try await lemonSqueezy.createCheckout(new)
            return CheckoutResponse(provider: "lemonsqueezy", plan: code, transactionId: nil, checkoutId: checkout.id, checkoutUrl: checkout.url)
        } catch {
            logger.error("Lemon Squeezy checkout failed", metadata: ["error": "\(error)"])
            throw APIError(.badGateway, .providerUnavailable, "Lemon Squeezy is unavailable; try again shortly")
        }
    }
}
