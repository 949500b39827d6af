import Foundation
import Hummingbird
import ScritorioAPI
import ScritorioCore
import ScritorioStore

/// What a signed-in user can read about their billing: entitlements (computed from grants) and the
/// subscription the account panel shows.
struct BillingController: Sendable {
    let database: Database
    let authenticator: Authenticator
    let catalog: Catalog
    let grace: TimeInterval
    let now: @Sendable () -> Date

    var product: RouteCollection<AppRequestContext> {
        RouteCollection(context: AppRequestContext.self)
            .get("me/entitlements", use: entitlements)
            .get("me/subscription", use: subscription)
    }

    @Sendable func entitlements(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<EntitlementsResponse> {
        let identity = try await authenticator.identity(request)
        let grants = try await database.read { try await BillingRepository.grants(of: identity.userID, on: $0) }
        let now = self.now()
        return JSONResponse(EntitlementsResponse(
            plan: EntitlementSet.plan(for: grants, at: now).rawValue,
            entitlements: EntitlementSet.active(grants, at: now).map(EntitlementDTO.init)))
    }

    /// The most relevant subscription: an active one first, else the most recently changed.
    @Sendable func subscription(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<SubscriptionEnvelope> {
        let identity = try await authenticator.identity(request)
        let stored = try await database.read { try await BillingRepository.subscriptions(of: identity.userID, on: $0) }
        let now = self.now()
        let decided = stored.map { ($0, AccessRule.decide($0.change.snapshot, now: now, grace: grace)) }
        let chosen = decided.filter { $0.1.granted }.max { $0.0.change.occurredAt < $1.0.change.occurredAt }
            ?? decided.max { $0.0.change.occurredAt < $1.0.change.occurredAt }
        guard let (subscription, decision) = chosen else { return JSONResponse(SubscriptionEnvelope(subscription: nil)) }
        let change = subscription.change
        return JSONResponse(SubscriptionEnvelope(subscription: SubscriptionDTO(
            provider: change.provider.rawValue, id: change.subscriptionID, status: change.status.rawValue,
            plan: subscription.planCode, active: decision.granted, willRenew: decision.willRenew && decision.granted,
            billingIssue: decision.billingIssue,
            renewsAt: decision.willRenew && decision.granted ? change.currentPeriodEnd.map(WireDate.format) : nil,
            endsAt: decision.willRenew ? nil : (decision.until ?? change.canceledAt).map(WireDate.format),
            currentPeriodEnd: change.currentPeriodEnd.map(WireDate.format))))
    }
}
