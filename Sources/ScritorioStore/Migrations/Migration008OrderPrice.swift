import Foundation
import SQLKit

/// v8: an order keeps the price (Lemon Squeezy variant) it sold, so a licence key of a one-off purchase, which
/// names its order but not its variant, learns its plan from the order whichever of the two arrives first. Orders
/// stored before get their price from their stored webhook (`data.attributes.first_order_item.variant_id`), and
/// keys of paid orders still without a variant take it; their owners' grants follow at their next billing event
/// (or `scritorio admin events replay`).
enum Migration008OrderPrice {
    static let migration = Migration(version: 8, name: "order_price", statements: [
        "ALTER TABLE orders ADD COLUMN price_id TEXT",
    ], rewrite: backfill)

    @Sendable static func backfill(_ db: SQLConnection) async throws {
        let rows = try await db.sql.raw("""
            SELECT payload FROM billing_webhook_events WHERE provider = 'lemonsqueezy' AND event_type LIKE 'order_%'
            """).all()
        for row in rows {
            let payload = try row.decode(column: "payload", as: String.self)
            guard let object = try? JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any],
                let data = object["data"] as? [String: Any], data["type"] as? String == "orders",
                let order = text(data["id"]),
                let item = (data["attributes"] as? [String: Any])?["first_order_item"] as? [String: Any],
                let variant = text(item["variant_id"])
            else { continue }
            try await db.sql.raw("""
                UPDATE orders SET price_id = \(bind: variant)
                WHERE provider = 'lemonsqueezy' AND provider_order_id = \(bind: order) AND price_id IS NULL
                """).run()
        }
        try await db.sql.raw("""
            UPDATE license_keys SET variant_id = (
              SELECT o.price_id FROM orders o
              WHERE o.provider = license_keys.provider AND o.provider_order_id = license_keys.provider_order_id
                AND o.price_id IS NOT NULL AND o.status IN ('paid', 'completed'))
            WHERE provider = 'lemonsqueezy' AND variant_id IS NULL AND EXISTS (
              SELECT 1 FROM orders o
              WHERE o.provider = license_keys.provider AND o.provider_order_id = license_keys.provider_order_id
                AND o.price_id IS NOT NULL AND o.status IN ('paid', 'completed'))
            """).run()
    }

    /// An id as Lemon Squeezy writes it: a number or a string.
    static func text(_ value: Any?) -> String? {
        if let string = value as? String { return string }
        if let number = value as? NSNumber { return number.stringValue }
        return nil
    }
}
