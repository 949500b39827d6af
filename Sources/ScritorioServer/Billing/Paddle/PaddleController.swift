import Foundation
import Hummingbird
import Logging
import ScritorioAPI
import ScritorioCore
import ScritorioProviders
import ScritorioStore

/// The app's Paddle surfaces: start a checkout for the signed-in user, and verify a finished transaction at once
/// (the seed's `paddle-verify`), applied through the same applier as webhooks so the later webhook for the same
/// transaction changes nothing.
struct PaddleController: Sendable {
    let database: Database
    let paddle: PaddleClient
    let config: PaddleConfig
    let catalog: Catalog
    let applier: BillingApplier
    let checkoutPage: String
    let now: @Sendable () -> Date
    let logger: Logger

    var product: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .on(API.Billing.paddleVerify, use: verify)
    }

    var functions: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self).on(API.Functions.paddleVerify, use: verify)
    }

    /// A Paddle transaction for `plan` with the user id in `custom_data` (`POST /v1/checkout` routes here).
    func startCheckout(code: String, plan: Catalog.Plan, userID: UserID) async throws -> CheckoutResponse {
        guard let priceID = plan.priceIDs(provider: .paddle, mode: config.mode).first else {
            throw APIError(.unprocessableContent, .billingNotConfigured, "Plan \(code) has no Paddle price in \(config.mode.rawValue) mode")
        }
        let transaction = try await callPaddle {
            try await paddle.createTransaction(PaddleNewTransaction(
                priceID: priceID, quantity: 1, customData: ["userId": .string(userID.description)],
                customerEmail: nil, customerID: nil, checkoutURL: checkoutPage))
        }
        guard let url = transaction.checkoutURL else {
            throw APIError(.badGateway, .providerUnavailable, "Paddle returned no checkout URL")
        }
        return CheckoutResponse(provider: "paddle", plan: code, transactionId: transaction.id, checkoutUrl: url)
    }

    @Sendable func verify(_ request: Request, context: AuthenticatedContext) async throws -> JSONResponse<PaddleVerifyResponse> {
        let identity = context.identity
        let body = try await JSONBody.decode(PaddleVerifyRequest.self, from: request, context: context)
        guard let transactionID = body.transactionId, PaddleID.isValid(transactionID, prefix: "txn") else {
            throw APIError(.badRequest, .validationFailed, "Missing or invalid transactionId (txn_ and 26 lower-case letters and digits)")
        }
        let transaction = try await callPaddle { try await paddle.getTransaction(transactionID) }
        guard ["completed", "paid"].contains(transaction.status) else {
            throw APIError(.badRequest, .transactionNotCompleted, "Transaction not completed")
        }
        // The seed's security check: the transaction must have been started by this user.
        guard userID(fromCustomData: transaction.customData) == identity.userID else {
            throw APIError(.forbidden, .forbidden, "Transaction does not belong to this user")
        }
        var subscription: PaddleSubscriptionInfo?
        if let id = transaction.subscriptionID {
            subscription = try await callPaddle { try await paddle.getSubscription(id) }
        }
        let occurred = transaction.updatedAt ?? WireDate.format(now())
        var events = [try paddleAPIEvent(type: "transaction.\(transaction.status)", occurredAt: occurred, raw: transaction.rawData, mode: config.mode)]
        if let subscription {
            events.append(try paddleAPIEvent(
                type: "subscription.updated", occurredAt: subscription.updatedAt ?? occurred, raw: subscription.rawData, mode: config.mode))
        }
        let at = now()
        let finalEvents = events
        let plan = try await database.transaction { db -> MemberPlan in
            for event in finalEvents where try await applier.apply(event, now: at, on: db) == .wrongMode {
                logger.error("paddle-verify refused: the transaction's prices belong to the other mode")
                throw APIError(.unprocessableContent, .wrongMode, "This transaction belongs to the other Paddle environment")
            }
            return try await MemberRepository.find(userID: identity.userID, now: at, on: db)?.plan ?? .free
        }
        return JSONResponse(PaddleVerifyResponse(success: true, plan: plan.rawValue, transactionId: transactionID))
    }

    /// Maps Paddle API failures to clear errors (never a 500): unknown ids are 404, the rest 502.
    private func callPaddle<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as PaddleAPIError {
            if case .api(404, _, _, _) = error { throw APIError(.notFound, .notFound, "Paddle does not know this transaction") }
            logger.error("Paddle API call failed", metadata: ["error": "\(error)"])
            throw APIError(.badGateway, .providerUnavailable, "Paddle is unavailable; try again shortly")
        }
    }
}

/// An object from Paddle's API as a `BillingEvent`; an unreadable answer is a 502, never a 500.
func paddleAPIEvent(type: String, occurredAt: String, raw: Data, mode: BillingMode) throws -> BillingEvent {
    do {
        return try PaddleEventDecoder.decode(apiObject: raw, eventType: type, occurredAt: occurredAt, mode: mode)
    } catch {
        throw APIError(.badGateway, .providerUnavailable, "Paddle's answer could not be read")
    }
}
