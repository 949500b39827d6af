import Foundation
import Logging
import ScritorioCore
import ScritorioStore

/// Applies decoded provider events to customers, subscriptions, orders and grants, then recomputes the
/// user's entitlements and `members.plan`. Runs inside the caller's transaction (one per event).
struct BillingApplier: Sendable {
    let catalog: Catalog
    /// How long a past-due subscription keeps access.
    let grace: TimeInterval
    /// Derives the keys Scritorio issues for Paddle purchases (`ScritorioLicenseKey.derive`); `nil` = none issued.
    let licenseSecret: Data?

    /// The applier a configuration describes.
    init(config: AppConfig) throws {
        self.init(
            catalog: try config.loadCatalog(), grace: config.billingGrace,
            licenseSecret: try LicenseSecret.load(directory: config.dataDirectory, configured: config.licensing.secret))
    }

    init(catalog: Catalog, grace: TimeInterval, licenseSecret: Data? = nil) {
        self.catalog = catalog
        self.grace = grace
        self.licenseSecret = licenseSecret
    }

    /// What happened to an event.
    enum Outcome: Equatable, Sendable {
        case applied(UserID)
        /// Older than what is stored: recorded, not applied.
        case stale
        case ignored
        /// No user could be found: kept for an admin to link.
        case orphan
        /// Prices of the other mode (test ids in live, or the reverse): refused, never applied.
        case wrongMode
    }

    /// - Parameter linkedUser: the user an admin linked an orphan event to; used when the event names none.
    func apply(_ event: BillingEvent, now: Date, linkedUser: UserID? = nil, on db: SQLConnection) async throws -> Outcome {
        switch event {
        case .ignored:
            return .ignored
        case .customer(let change):
            var user: UserID?
            if let email = change.email { user = try await BillingRepository.uniqueUser(email: email, on: db) }
            try await BillingRepository.upsertCustomer(change, userID: user, now: now, on: db)
            return user.map(Outcome.applied) ?? .ignored
        case .subscription(let change):
            if catalog.belongsToOtherModeOnly(provider: change.provider, mode: change.mode, priceIDs: change.priceIDs) { return .wrongMode }
            let stored = try await BillingRepository.subscription(provider: change.provider, id: change.subscriptionID, on: db)
            if let stored, stored.change.occurredAt > change.occurredAt { return .stale }
            guard let user = try await resolveUser(change.userID ?? stored?.userID ?? linkedUser, customerID: change.customerID, provider: change.provider, mode: change.mode, on: db) else {
                return .orphan
            }
            let plan = change.priceIDs.lazy.compactMap { catalog.plan(provider: change.provider, mode: change.mode, priceID: $0) }.first
            try await link(customer: change.customerID, to: user, provider: change.provider, mode: change.mode, now: now, on: db)
            try await BillingRepository.save(change, userID: user, planCode: plan?.code, now: now, on: db)
            if let order = change.firstOrderID {
                try await BillingRepository.linkOrder(provider: change.provider, orderID: order, subscriptionID: change.subscriptionID, on: db)
                if let variant = change.priceIDs.first {
                    // A key that arrived before its subscription learns what it was sold as; `recompute` below grants it.
                    try await LicenseRepository.assignPurchase(
                        provider: change.provider, orderID: order, variantID: variant, planCode: plan?.code, on: db)
                }
            }
            if let plan { try await issueLicense(for: change, plan: plan, user: user, now: now, on: db) }
            try await recompute(user, now: now, on: db)
            return .applied(user)
        case .license(let change):
            return try await apply(license: change, now: now, linkedUser: linkedUser, on: db)
        case .order(var change):
            if change.subscriptionID == nil {
                // A Lemon Squeezy order does not name its subscription; the subscription names its first order.
                change.subscriptionID = try await BillingRepository.subscriptionID(provider: change.provider, startedBy: change.orderID, on: db)
            }
            if catalog.belongsToOtherModeOnly(provider: change.provider, mode: change.mode, priceIDs: change.priceIDs) { return .wrongMode }
            if let stored = try await BillingRepository.orderUpdatedAt(provider: change.provider, id: change.orderID, on: db),
                let storedAt = stored, storedAt > change.occurredAt
            {
                return .stale
            }
            guard let user = try await resolveUser(change.userID ?? linkedUser, customerID: change.customerID, provider: change.provider, mode: change.mode, on: db) else {
                return .orphan
            }
            try await link(customer: change.customerID, to: user, provider: change.provider, mode: change.mode, now: now, on: db)
            try await BillingRepository.save(change, userID: user, now: now, on: db)
            if change.isPaid, let variant = change.priceIDs.first,
                let plan = catalog.plan(provider: change.provider, mode: change.mode, priceID: variant)
            {
                // A key that arrived before its order learns what it was sold as; `recompute` below grants it.
                try await LicenseRepository.assignPurchase(
                    provider: change.provider, orderID: change.orderID, variantID: variant, planCode: plan.code, on: db)
            } else if change.isRefunded {
                try await LicenseRepository.disablePurchase(provider: change.provider, orderID: change.orderID, now: now, on: db)
            }
            try await applyOrderGrants(change, user: user, now: now, on: db)
            try await recompute(user, now: now, on: db)
            return .applied(user)
        }
    }

    /// Stores a provider's licence key (stale states ignored) and recomputes its owner's entitlements. A key
    /// without a known owner is still stored, so an app can activate it, and the event is kept as an orphan for
    /// an admin to link.
    func apply(license change: LicenseKeyChange, now: Date, linkedUser: UserID? = nil, on db: SQLConnection) async throws -> Outcome {
        var change = change
        if change.variantID == nil, let order = change.orderID {
            // Lemon Squeezy's key objects carry no variant: take the one of the subscription its order started, or
            // the order's own (a one-off purchase; a subscription that arrives later still bounds the key).
            change.variantID = try await BillingRepository.priceID(provider: change.provider, startedBy: order, on: db)
            if change.variantID == nil {
                change.variantID = try await BillingRepository.priceID(provider: change.provider, ofOrder: order, on: db)
            }
        }
        if let variant = change.variantID, catalog.belongsToOtherModeOnly(provider: change.provider, mode: change.mode, priceIDs: [variant]) {
            return .wrongMode
        }
        let stored = try await LicenseRepository.license(provider: change.provider, providerLicenseID: change.providerLicenseID, on: db)
        if let at = stored?.providerUpdatedAt, at > change.providerUpdatedAt { return .stale }
        var user = try await resolveUser(
            change.userID ?? stored?.userID ?? linkedUser, customerID: change.customerID, provider: change.provider, mode: change.mode, on: db)
        if user == nil, let email = change.email { user = try await BillingRepository.uniqueUser(email: email, on: db) }
        let plan = change.variantID.flatMap { catalog.plan(provider: change.provider, mode: change.mode, priceID: $0) }
        try await LicenseRepository.upsert(change, userID: user, planCode: plan?.code, issuer: .provider, now: now, on: db)
        guard let user else { return .orphan }
        try await link(customer: change.customerID, to: user, provider: change.provider, mode: change.mode, now: now, on: db)
        try await recompute(user, now: now, on: db)
        return .applied(user)
    }

    /// Issues (or brings up to date) the Scritorio key of a subscription whose plan comes with one: active while
    /// the subscription grants access, expiring when it stops (at a scheduled cancel, the end of grace).
    private func issueLicense(for change: SubscriptionChange, plan: Catalog.Plan, user: UserID, now: Date, on db: SQLConnection) async throws {
        guard let policy = plan.license, let secret = licenseSecret, change.provider == .paddle else { return }
        let decision = AccessRule.decide(change.snapshot, now: now, grace: grace)
        let lifetime = policy.expiry == .never
        let id = "scr_" + change.subscriptionID
        let key = LicenseKeyChange(
            provider: change.provider, mode: change.mode, providerLicenseID: id,
            key: ScritorioLicenseKey.derive(secret: secret, licenseID: id),
            status: decision.granted || lifetime ? .active : .expired, activationLimit: policy.activationLimit,
            expiresAt: lifetime ? nil : (decision.granted ? decision.until : min(now, change.canceledAt ?? now)),
            providerUpdatedAt: change.occurredAt, customerID: change.customerID, subscriptionID: change.subscriptionID,
            productName: plan.name ?? plan.code, variantName: plan.code, userID: user)
        try await LicenseRepository.upsert(key, userID: user, planCode: plan.code, issuer: .scritorio, now: now, on: db)
    }

    /// The user an event belongs to: its own `custom_data` user id, else the customer's linked user, else the one
    /// account with the customer's email.
    private func resolveUser(
        _ direct: UserID?, customerID: String?, provider: BillingProvider, mode: BillingMode, on db: SQLConnection
    ) async throws -> UserID? {
        if let direct { return direct }
        guard let customerID, let customer = try await BillingRepository.customer(provider: provider, mode: mode, customerID: customerID, on: db) else {
            return nil
        }
        if let user = customer.userID { return user }
        guard let email = customer.email else { return nil }
        return try await BillingRepository.uniqueUser(email: email, on: db)
    }

    /// Remembers which user a provider customer is, so later events of that customer without `custom_data`
    /// (a purchase not started in the app) still find their user.
    private func link(customer: String?, to user: UserID, provider: BillingProvider, mode: BillingMode, now: Date, on db: SQLConnection) async throws {
        guard let customer else { return }
        try await BillingRepository.upsertCustomer(
            CustomerChange(provider: provider, mode: mode, customerID: customer, email: nil, occurredAt: now), userID: user, now: now, on: db)
    }

    /// One-off purchases grant for good; a refund revokes. Orders of a subscription are provisioned through the
    /// subscription, except that a paid first order counts until the subscription's own events arrive.
    private func applyOrderGrants(_ change: OrderChange, user: UserID, now: Date, on db: SQLConnection) async throws {
        let codes = catalog.entitlements(provider: change.provider, mode: change.mode, priceIDs: change.priceIDs)
        let refunded = change.isRefunded
        guard change.isPaid || refunded else { return }
        for code in codes {
            try await BillingRepository.saveGrant(
                Grant(code: code, source: .order(change.orderID), startsAt: nil,
                      endsAt: change.subscriptionID == nil ? nil : change.occurredAt.addingTimeInterval(3 * 86_400),
                      revokedAt: refunded ? now : nil),
                userID: user, now: now, on: db)
        }
    }

    /// Subscription grants from the access rule, then the member's plan from all grants.
    func recompute(_ user: UserID, now: Date, on db: SQLConnection) async throws {
        // What each subscription decides, by its id and by the order that started it: a key sold with a
        // subscription grants no longer than the subscription does.
        var decisions: [String: AccessDecision] = [:]
        // Trials the subscriptions are in (their ends), and whether any paid subscription grants access.
        var providerTrialEnds: [Date?] = []
        var paid = false
        for stored in try await BillingRepository.subscriptions(of: user, on: db) {
            let change = stored.change
            let decision = AccessRule.decide(change.snapshot, now: now, grace: grace)
            decisions[change.subscriptionID] = decision
            if decision.granted {
                if change.status == .trialing { providerTrialEnds.append(change.trialEndsAt ?? decision.until) } else { paid = true }
            }
            if let order = change.firstOrderID { decisions["order:" + order] = decision }
            let codes = stored.planCode.flatMap { catalog.plan(code: $0)?.entitlements }
                ?? catalog.entitlements(provider: change.provider, mode: change.mode, priceIDs: change.priceIDs)
            for code in codes {
                try await BillingRepository.saveGrant(
                    Grant(code: code, source: .subscription(change.subscriptionID), startsAt: nil,
                          endsAt: decision.granted ? decision.until : nil, revokedAt: decision.granted ? nil : now),
                    userID: user, now: now, on: db)
            }
        }
        // A licence grants its plan's codes to its owner while it is usable, unexpired, and (if it came with a
        // subscription) while that subscription grants access.
        for license in try await LicenseRepository.licenses(of: user, on: db) {
            let codes = license.planCode.flatMap { catalog.plan(code: $0)?.licenseEntitlements }
                ?? license.variantID.map { catalog.plan(provider: license.provider, mode: license.mode, priceID: $0)?.licenseEntitlements ?? [] }
                ?? []
            let subscription = license.subscriptionID.flatMap { decisions[$0] } ?? license.orderID.flatMap { decisions["order:" + $0] }
            let usable = license.status.isUsable && subscription?.granted != false
            let endsAt = [license.expiresAt, subscription?.until].compactMap { $0 }.min()
            for code in codes {
                try await BillingRepository.saveGrant(
                    Grant(code: code, source: .license(license.id.uuidString.lowercased()), startsAt: nil,
                          endsAt: usable ? endsAt : nil, revokedAt: usable ? nil : now),
                    userID: user, now: now, on: db)
            }
        }
        // A subscription's first order may have granted access before the subscription itself was known; once it
        // is, the subscription alone decides (a cancelled subscription must not live on through its order).
        // The grants are read once: the plan is computed from this list with the revocations made here applied.
        var grants = try await BillingRepository.grants(of: user, on: db)
        let orderGrants = grants.indices.filter { index in
            if grants[index].revokedAt == nil, case .order = grants[index].source { return true }
            return false
        }
        if !orderGrants.isEmpty {
            let covered = try await BillingRepository.ordersCoveredBySubscriptions(of: user, on: db)
            for index in orderGrants {
                guard case .order(let id) = grants[index].source, covered.contains(id) else { continue }
                grants[index].revokedAt = now
                try await BillingRepository.saveGrant(grants[index], userID: user, now: now, on: db)
            }
        }
        // A cardless trial ends at once when the user pays.
        if paid {
            for index in grants.indices where grants[index].source == .trial && grants[index].isActive(at: now) {
                grants[index].revokedAt = now
                try await BillingRepository.saveGrant(grants[index], userID: user, now: now, on: db)
            }
        }
        let plan = EntitlementSet.plan(for: grants, at: now)
        try await BillingRepository.setMemberPlan(userID: user, plan: plan, now: now, on: db)
        let cardless = grants.filter { $0.source == .trial && $0.isActive(at: now) }.map(\.endsAt)
        let trialEnds = providerTrialEnds + cardless
        let onTrial = !paid && !trialEnds.isEmpty
        try await BillingRepository.setMemberTrial(
            userID: user, onTrial: onTrial, endsAt: onTrial ? trialEnds.compactMap { $0 }.max() : nil, now: now, on: db)
    }
}
