import Foundation
import SQLKit
import ScritorioCore

/// A stored subscription with what the processor needs to order updates.
public struct StoredSubscription: Sendable, Equatable {
    public var change: SubscriptionChange
    public var userID: UserID?
    public var planCode: String?
}

/// `billing_customers`, `subscriptions`, `orders` and `entitlements` (grants).
public enum BillingRepository {
    // MARK: Customers

    public static func upsertCustomer(_ change: CustomerChange, userID: UserID?, now: Date, on db: SQLConnection) async throws {
        try await db.sql.raw("""
            INSERT INTO billing_customers (id, user_id, provider, mode, provider_customer_id, email, created_at, updated_at)
            VALUES (\(bind: UUID()), \(bind: userID?.rawValue), \(bind: change.provider.rawValue), \(bind: change.mode.rawValue),
            \(bind: change.customerID), \(bind: change.email), \(bind: now), \(bind: now))
            ON CONFLICT (provider, mode, provider_customer_id) DO UPDATE SET
            email = COALESCE(excluded.email, billing_customers.email),
            user_id = COALESCE(billing_customers.user_id, excluded.user_id), updated_at = excluded.updated_at
            """).run()
    }

    /// The user and email on record for a provider customer.
    public static func customer(
        provider: BillingProvider, mode: BillingMode, customerID: String, on db: SQLConnection
    ) async throws -> (userID: UserID?, email: String?)? {
        guard let row = try await db.sql.raw("""
            SELECT user_id, email FROM billing_customers
            WHERE provider = \(bind: provider.rawValue) AND mode = \(bind: mode.rawValue) AND provider_customer_id = \(bind: customerID)
            """).first() else { return nil }
        return (try row.decode(column: "user_id", as: UUID?.self).map(UserID.init), try row.decode(column: "email", as: String?.self))
    }

    /// The one account with this email, if exactly one has it.
    public static func uniqueUser(email: String, on db: SQLConnection) async throws -> UserID? {
        let rows = try await db.sql.raw("SELECT id FROM auth_users WHERE email = \(bind: email) LIMIT 2").all()
        guard rows.count == 1 else { return nil }
        return UserID(try rows[0].decode(column: "id", as: UUID.self))
    }

    // MARK: Subscriptions

    static let subscriptionColumns = """
        provider, mode, provider_subscription_id, provider_customer_id, user_id, status, plan_code, price_id,
        current_period_start, current_period_end, canceled_at, trial_ends_at, provider_updated_at, pause_mode, provider_order_id,
        scheduled_cancel_at
        """

    public static func subscription(provider: BillingProvider, id: String, on db: SQLConnection) async throws -> StoredSubscription? {
        try await db.sql.raw("""
            SELECT \(unsafeRaw: subscriptionColumns) FROM subscriptions
            WHERE provider = \(bind: provider.rawValue) AND provider_subscription_id = \(bind: id)\(unsafeRaw: db.forUpdate)
            """).first().map(decodeSubscription)
    }

    public static func subscriptions(of userID: UserID, on db: SQLConnection) async throws -> [StoredSubscription] {
        try await db.sql.raw(
            "SELECT \(unsafeRaw: subscriptionColumns) FROM subscriptions WHERE user_id = \(bind: userID.rawValue)"
        ).all().map(decodeSubscription)
    }

    /// Writes the subscription's state as of `change.occurredAt` (the caller has checked it is not older than
    /// what is stored). `scheduled_cancel_at` holds the scheduled cancel moment, `canceled_at` the provider's,
    /// `trial_ends_at` a trial's end.
    public static func save(_ change: SubscriptionChange, userID: UserID?, planCode: String?, now: Date, on db: SQLConnection) async throws {
        try await db.sql.raw("""
            INSERT INTO subscriptions (id, user_id, provider, mode, provider_subscription_id, provider_customer_id, status,
            plan_code, price_id, current_period_start, current_period_end, cancel_at_period_end, canceled_at, scheduled_cancel_at,
            provider_updated_at, created_at, updated_at, pause_mode, provider_order_id, trial_ends_at)
            VALUES (\(bind: UUID()), \(bind: userID?.rawValue), \(bind: change.provider.rawValue), \(bind: change.mode.rawValue),
            \(bind: change.subscriptionID), \(bind: change.customerID), \(bind: change.status.rawValue), \(bind: planCode),
            \(bind: change.priceIDs.first), \(bind: change.currentPeriodStart), \(bind: change.currentPeriodEnd),
            \(bind: change.scheduledCancelAt != nil), \(bind: change.canceledAt), \(bind: change.scheduledCancelAt),
            \(bind: change.occurredAt), \(bind: now), \(bind: now), \(bind: change.pausedWithAccess ? "free" : nil as String?),
            \(bind: change.firstOrderID), \(bind: change.trialEndsAt))
            ON CONFLICT (provider, provider_subscription_id) DO UPDATE SET
            user_id = COALESCE(excluded.user_id, subscriptions.user_id),
            provider_customer_id = COALESCE(excluded.provider_customer_id, subscriptions.provider_customer_id),
            status = excluded.status, plan_code = COALESCE(excluded.plan_code, subscriptions.plan_code),
            price_id = COALESCE(excluded.price_id, subscriptions.price_id),
            current_period_start = excluded.current_period_start, current_period_end = excluded.current_period_end,
            cancel_at_period_end = excluded.cancel_at_period_end, canceled_at = excluded.canceled_at,
            scheduled_cancel_at = excluded.scheduled_cancel_at, trial_ends_at = excluded.trial_ends_at,
            provider_updated_at = excluded.provider_updated_at,
            pause_mode = excluded.pause_mode, provider_order_id = COALESCE(excluded.provider_order_id, subscriptions.provider_order_id),
            updated_at = excluded.updated_at
            """).run()
    }

    static func decodeSubscription(_ row: any SQLRow) throws -> StoredSubscription {
        let provider = BillingProvider(rawValue: try row.decode(column: "provider", as: String.self))
        let change = SubscriptionChange(
            provider: provider,
            mode: BillingMode(rawValue: try row.decode(column: "mode", as: String.self)) ?? .test,
            subscriptionID: try row.decode(column: "provider_subscription_id", as: String.self),
            customerID: try row.decode(column: "provider_customer_id", as: String?.self),
            userID: try row.decode(column: "user_id", as: UUID?.self).map(UserID.init),
            status: SubscriptionStatus(provider: provider, status: try row.decode(column: "status", as: String.self)),
            priceIDs: (try row.decode(column: "price_id", as: String?.self)).map { [$0] } ?? [],
            currentPeriodStart: try row.decode(column: "current_period_start", as: Date?.self),
            currentPeriodEnd: try row.decode(column: "current_period_end", as: Date?.self),
            scheduledCancelAt: try row.decode(column: "scheduled_cancel_at", as: Date?.self),
            canceledAt: try row.decode(column: "canceled_at", as: Date?.self),
            occurredAt: try row.decode(column: "provider_updated_at", as: Date?.self) ?? .distantPast,
            pausedWithAccess: try row.decode(column: "pause_mode", as: String?.self) == "free",
            firstOrderID: try row.decode(column: "provider_order_id", as: String?.self),
            trialEndsAt: try row.decode(column: "trial_ends_at", as: Date?.self))
        return StoredSubscription(change: change, userID: change.userID, planCode: try row.decode(column: "plan_code", as: String?.self))
    }

    /// Subscriptions whose stored state may have drifted: their paid period is over (a renewal or an end should
    /// have been reported), they are past due, or nothing was heard about them since `quietSince`.
    public static func reconciliationCandidates(
        provider: BillingProvider, mode: BillingMode, now: Date, quietSince: Date, limit: Int, on db: SQLConnection
    ) async throws -> [String] {
        try await db.sql.raw("""
            SELECT provider_subscription_id FROM subscriptions
            WHERE provider = \(bind: provider.rawValue) AND mode = \(bind: mode.rawValue)
            AND status NOT IN ('canceled', 'expired')
            AND (current_period_end < \(bind: now) OR status = 'past_due' OR updated_at < \(bind: quietSince))
            ORDER BY updated_at LIMIT \(bind: limit)
            """).all().map { try $0.decode(column: "provider_subscription_id", as: String.self) }
    }

    // MARK: Orders

    /// The stored order's provider time, if any (for ordering).
    public static func orderUpdatedAt(provider: BillingProvider, id: String, on db: SQLConnection) async throws -> Date?? {
        guard let row = try await db.sql.raw("""
            SELECT provider_updated_at FROM orders WHERE provider = \(bind: provider.rawValue) AND provider_order_id = \(bind: id)\(unsafeRaw: db.forUpdate)
            """).first() else { return nil }
        return .some(try row.decode(column: "provider_updated_at", as: Date?.self))
    }

    public static func save(_ change: OrderChange, userID: UserID?, now: Date, on db: SQLConnection) async throws {
        try await db.sql.raw("""
            INSERT INTO orders (id, user_id, provider, mode, provider_order_id, provider_subscription_id, status, currency,
            total_minor, price_id, provider_updated_at, created_at, updated_at)
            VALUES (\(bind: UUID()), \(bind: userID?.rawValue), \(bind: change.provider.rawValue), \(bind: change.mode.rawValue),
            \(bind: change.orderID), \(bind: change.subscriptionID), \(bind: change.status.rawValue), \(bind: change.currency),
            \(bind: change.totalMinor), \(bind: change.priceIDs.first), \(bind: change.occurredAt), \(bind: now), \(bind: now))
            ON CONFLICT (provider, provider_order_id) DO UPDATE SET
            user_id = COALESCE(excluded.user_id, orders.user_id),
            price_id = COALESCE(excluded.price_id, orders.price_id),
            provider_subscription_id = COALESCE(excluded.provider_subscription_id, orders.provider_subscription_id),
            status = excluded.status, currency = COALESCE(excluded.currency, orders.currency),
            total_minor = COALESCE(excluded.total_minor, orders.total_minor),
            provider_updated_at = excluded.provider_updated_at, updated_at = excluded.updated_at
            """).run()
    }

    /// The user's orders that belong to a subscription Scritorio knows: their access is the subscription's.
    public static func ordersCoveredBySubscriptions(of userID: UserID, on db: SQLConnection) async throws -> Set<String> {
        let rows = try await db.sql.raw("""
            SELECT o.provider_order_id FROM orders o
            JOIN subscriptions s ON s.provider = o.provider AND s.provider_subscription_id = o.provider_subscription_id
            WHERE o.user_id = \(bind: userID.rawValue)
            """).all()
        return Set(try rows.map { try $0.decode(column: "provider_order_id", as: String.self) })
    }

    // MARK: Grants

    /// Creates or updates the grant for (user, code, source).
    public static func saveGrant(_ grant: Grant, userID: UserID, now: Date, on db: SQLConnection) async throws {
        let source = grant.source.stored
        try await db.sql.raw("""
            INSERT INTO entitlements (id, user_id, code, source_type, source_id, starts_at, ends_at, revoked_at, created_at, updated_at)
            VALUES (\(bind: UUID()), \(bind: userID.rawValue), \(bind: grant.code), \(bind: source.type), \(bind: source.id),
            \(bind: grant.startsAt), \(bind: grant.endsAt), \(bind: grant.revokedAt), \(bind: now), \(bind: now))
            ON CONFLICT (user_id, code, source_type, source_id) DO UPDATE SET
            starts_at = excluded.starts_at, ends_at = excluded.ends_at, revoked_at = excluded.revoked_at,
            updated_at = excluded.updated_at
            """).run()
        EntitlementChanges.record()
    }

    public static func grants(of userID: UserID, on db: SQLConnection) async throws -> [Grant] {
        try await db.sql.raw("""
            SELECT code, source_type, source_id, starts_at, ends_at, revoked_at FROM entitlements WHERE user_id = \(bind: userID.rawValue)
            """).all().map { row in
            let id = try row.decode(column: "source_id", as: String.self)
            let source: GrantSource = switch try row.decode(column: "source_type", as: String.self) {
            case "subscription": .subscription(id)
            case "order": .order(id)
            case "license": .license(id)
            case "trial": .trial
            default: .manual(id)
            }
            return Grant(
                code: try row.decode(column: "code", as: String.self), source: source,
                startsAt: try row.decode(column: "starts_at", as: Date?.self), endsAt: try row.decode(column: "ends_at", as: Date?.self),
                revokedAt: try row.decode(column: "revoked_at", as: Date?.self))
        }
    }

    /// Sets the member's plan, creating the free member first if the user never called member-init.
    public static func setMemberPlan(userID: UserID, plan: MemberPlan, now: Date, on db: SQLConnection) async throws {
        // Most recomputes leave the plan as it is: one read then, instead of creating-if-missing and updating.
        let stored = try await db.sql.raw("SELECT plan FROM members WHERE id = \(bind: userID.rawValue)").first()
            .map { try $0.decode(column: "plan", as: String.self) }
        if stored == plan.rawValue { return }
        if stored == nil { try await MemberRepository.initFree(userID: userID, now: now, on: db) }
        try await db.sql.raw("""
            UPDATE members SET plan = \(bind: plan.rawValue), updated_at = \(bind: now)
            WHERE id = \(bind: userID.rawValue) AND plan <> \(bind: plan.rawValue)
            """).run()
    }

    /// The member's trial flags (`is_on_trial`, `trial_ends_at`), written only when they change.
    public static func setMemberTrial(userID: UserID, onTrial: Bool, endsAt: Date?, now: Date, on db: SQLConnection) async throws {
        guard let row = try await db.sql.raw(
            "SELECT is_on_trial, trial_ends_at FROM members WHERE id = \(bind: userID.rawValue)"
        ).first() else { return }
        let stored = (try row.decode(column: "is_on_trial", as: Bool.self), try row.decode(column: "trial_ends_at", as: Date?.self))
        if stored.0 == onTrial, stored.1.map({ Int64($0.timeIntervalSince1970) }) == endsAt.map({ Int64($0.timeIntervalSince1970) }) { return }
        try await db.sql.raw("""
            UPDATE members SET is_on_trial = \(bind: onTrial), trial_ends_at = \(bind: endsAt), updated_at = \(bind: now)
            WHERE id = \(bind: userID.rawValue)
            """).run()
    }

    /// Records a cardless trial for the account and (when known) its verified address; false when either had one.
    public static func claimTrial(userID: UserID, emailHash: String?, now: Date, on db: SQLConnection) async throws -> Bool {
        let conflict = try await db.sql.raw("""
            SELECT 1 AS taken FROM trial_claims WHERE user_id = \(bind: userID.rawValue)
            OR (email_hash IS NOT NULL AND email_hash = \(bind: emailHash))
            """).first()
        if conflict != nil { return false }
        try await db.sql.raw(
            "INSERT INTO trial_claims (user_id, email_hash, created_at) VALUES (\(bind: userID.rawValue), \(bind: emailHash), \(bind: now))"
        ).run()
        return true
    }
}
