import Foundation
import Hummingbird
import Logging
import ScritorioAPI
import ScritorioCore
import ScritorioProviders
import ScritorioStore

/// What a signed-in user can read and do about their billing: entitlements (computed from grants), the
/// subscription the account panel shows with a customer-portal link, and cancelling at the end of the period.
struct BillingController: Sendable {
    let database: Database
    let catalog: Catalog
    let applier: BillingApplier
    let paddle: PaddleClient
    let mode: BillingMode
    let now: @Sendable () -> Date
    let logger: Logger
    /// Signs the entitlement document each answer carries; `nil` = none.
    var documents: EntitlementDocuments? = nil
    /// Lemon Squeezy's API and mode, for its subscriptions' cancel and portal link.
    var lemonSqueezy: LemonSqueezyClient = .unimplemented
    var lemonSqueezyMode: BillingMode = .test

    var product: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .on(API.Billing.entitlements, use: entitlements)
            .on(API.Billing.subscription, use: subscription)
            .on(API.Billing.cancelSubscription, use: cancel)
    }

    @Sendable func entitlements(_ request: Request, context: AuthenticatedContext) async throws -> JSONResponse<EntitlementsResponse> {
        let identity = context.identity
        let grants = try await database.read { try await BillingRepository.grants(of: identity.userID, on: $0) }
        let now = self.now()
        let active = EntitlementSet.active(grants, at: now)
        return JSONResponse(EntitlementsResponse(
            plan: EntitlementSet.plan(for: grants, at: now).rawValue,
            entitlements: active.map(EntitlementDTO.init),
            entitlementToken: try documents?.token(subject: identity.userID, active: active, now: now)))
    }

    @Sendable func subscription(_ request: Request, context: AuthenticatedContext) async throws -> JSONResponse<SubscriptionEnvelope> {
        let identity = context.identity
        guard let (stored, decision) = try await current(identity.userID) else {
            return JSONResponse(SubscriptionEnvelope(subscription: nil))
        }
        var dto = Self.dto(stored, decision)
        dto.portalUrl = await portal(for: stored)
        return JSONResponse(SubscriptionEnvelope(subscription: dto))
    }

    /// Cancels the current subscription at the end of the paid period; access stays until then.
    @Sendable func cancel(_ request: Request, context: AuthenticatedContext) async throws -> JSONResponse<SubscriptionEnvelope> {
        let identity = context.identity
        guard let (stored, decision) = try await current(identity.userID), decision.granted,
            [.paddle, .lemonSqueezy].contains(stored.change.provider), !(stored.change.provider == .lemonSqueezy && !decision.willRenew)
        else {
            throw APIError(.notFound, .notFound, "No active subscription to cancel")
        }
        if stored.change.provider == .lemonSqueezy {
            try await cancelLemonSqueezy(stored.change.subscriptionID)
            guard let (after, afterDecision) = try await current(identity.userID) else {
                return JSONResponse(SubscriptionEnvelope(subscription: nil))
            }
            return JSONResponse(SubscriptionEnvelope(subscription: Self.dto(after, afterDecision)))
        }
        let updated: PaddleSubscriptionInfo
        do {
            updated = try await paddle.cancelSubscription(stored.change.subscriptionID, false)
        } catch {
            logger.error("Paddle cancel failed", metadata: ["error": "\(error)"])
            throw APIError(.badGateway, .providerUnavailable, "Paddle is unavailable; try again shortly")
        }
        let event = try paddleAPIEvent(
            type: "subscription.updated", occurredAt: updated.updatedAt ?? WireDate.format(now()), raw: updated.rawData, mode: mode)
        let at = now()
        _ = try await database.transaction { try await applier.apply(event, now: at, on: $0) }
        guard let (after, afterDecision) = try await current(identity.userID) else {
            return JSONResponse(SubscriptionEnvelope(subscription: nil))
        }
        return JSONResponse(SubscriptionEnvelope(subscription: Self.dto(after, afterDecision)))
    }

    /// `DELETE /v1/subscriptions/{id}`: cancelled, paid up to `ends_at`; the answer is applied at once (the
    /// webhooks that follow change nothing).
    private func cancelLemonSqueezy(_ id: String) async throws {
        let events: [BillingEvent]
        do {
            events = try LemonSqueezyEventDecoder.decode(apiSubscription: try await lemonSqueezy.cancelSubscription(id).rawData, mode: lemonSqueezyMode)
        } catch {
            logger.error("Lemon Squeezy cancel failed", metadata: ["error": "\(error)"])
            throw APIError(.badGateway, .providerUnavailable, "Lemon Squeezy is unavailable; try again shortly")
        }
        let at = now()
        try await database.transaction { db in
            for event in events { _ = try await applier.apply(event, now: at, on: db) }
        }
    }

    /// The most relevant subscription: an active one first, else the most recently changed.
    private func current(_ user: UserID) async throws -> (StoredSubscription, AccessDecision)? {
        let stored = try await database.read { try await BillingRepository.subscriptions(of: user, on: $0) }
        let now = self.now()
        let decided = stored.map { ($0, AccessRule.decide($0.change.snapshot, now: now, grace: applier.grace)) }
        return decided.filter { $0.1.granted }.max { $0.0.change.occurredAt < $1.0.change.occurredAt }
            ?? decided.max { $0.0.change.occurredAt < $1.0.change.occurredAt }
    }

    /// A fresh portal session; the page still loads when Paddle cannot be reached (the link is then null).
    private func portal(for stored: StoredSubscription) async -> String? {
        if stored.change.provider == .lemonSqueezy {
            // Lemon Squeezy's portal links are signed and expire after a day: read a fresh one.
            guard let object = try? await lemonSqueezy.getSubscription(stored.change.subscriptionID) else { return nil }
            return LemonSqueezyEventDecoder.customerPortalURL(apiSubscription: object.rawData)
        }
        guard stored.change.provider == .paddle, let customer = stored.change.customerID else { return nil }
        do {
            return try await paddle.createPortalSession(customer, [stored.change.subscriptionID]).overviewURL
        } catch {
            logger.warning("Paddle portal session failed", metadata: ["error": "\(error)"])
            return nil
        }
    }

    static func dto(_ subscription: StoredSubscription, _ decision: AccessDecision) -> SubscriptionDTO {
        let change = subscription.change
        return SubscriptionDTO(
            provider: change.provider.rawValue, id: change.subscriptionID, status: change.status.rawValue,
            plan: subscription.planCode, active: decision.granted, willRenew: decision.willRenew && decision.granted,
            billingIssue: decision.billingIssue,
            renewsAt: decision.willRenew && decision.granted ? change.currentPeriodEnd.map(WireDate.format) : nil,
            endsAt: decision.willRenew ? nil : (decision.until ?? change.canceledAt).map(WireDate.format),
            currentPeriodEnd: change.currentPeriodEnd.map(WireDate.format))
    }
}
