import Foundation
import SQLKit
import ScritorioCore

/// Linking orders to the subscriptions they started. Lemon Squeezy's orders do not name their subscription;
/// the subscription names its first order (`order_id`), and either may arrive first.
extension BillingRepository {
    /// Marks `orderID` as the order that started `subscriptionID` (a no-op until the order is stored).
    public static func linkOrder(
        provider: BillingProvider, orderID: String, subscriptionID: String, on db: SQLConnection
    ) async throws {
        try await db.sql.raw("""
            UPDATE orders SET provider_subscription_id = \(bind: subscriptionID)
            WHERE provider = \(bind: provider.rawValue) AND provider_order_id = \(bind: orderID) AND provider_subscription_id IS NULL
            """).run()
    }

    /// The price (variant) of the subscription that `orderID` started, if that subscription is stored.
    public static func priceID(
        provider: BillingProvider, startedBy orderID: String, on db: SQLConnection
    ) async throws -> String? {
        try await db.sql.raw("""
            SELECT price_id FROM subscriptions
            WHERE provider = \(bind: provider.rawValue) AND provider_order_id = \(bind: orderID) AND price_id IS NOT NULL LIMIT 1
            """).first()?.decode(column: "price_id", as: String.self)
    }

    /// The price (variant) `orderID` itself sold, if the order is stored with one and paid (a refunded purchase
    /// gives its key nothing).
    public static func priceID(provider: BillingProvider, ofOrder orderID: String, on db: SQLConnection) async throws -> String? {
        try await db.sql.raw("""
            SELECT price_id FROM orders
            WHERE provider = \(bind: provider.rawValue) AND provider_order_id = \(bind: orderID) AND price_id IS NOT NULL
              AND status IN ('paid', 'completed') LIMIT 1
            """).first()?.decode(column: "price_id", as: String.self)
    }

    /// The subscription that names `orderID` as its first order, if one is stored.
    public static func subscriptionID(
        provider: BillingProvider, startedBy orderID: String, on db: SQLConnection
    ) async throws -> String? {
        try await db.sql.raw("""
            SELECT provider_subscription_id FROM subscriptions
            WHERE provider = \(bind: provider.rawValue) AND provider_order_id = \(bind: orderID) LIMIT 1
            """).first()?.decode(column: "provider_subscription_id", as: String.self)
    }
}
