import Foundation
import SQLKit
import ScritorioCore

/// v7: Lemon Squeezy licence key events stored before keys were sealed in the webhook log get their key replaced
/// by its seal (hash and hint), as new deliveries are stored: a copy of the database must not hand out working
/// keys. The rows' digests (their event ids) are of the bodies as signed and stay as they are.
enum Migration007SealLicenseKeys {
    static let migration = Migration(version: 7, name: "seal_license_keys_in_webhook_log", statements: [], rewrite: seal)

    @Sendable static func seal(_ db: SQLConnection) async throws {
        let rows = try await db.sql.raw("""
            SELECT id, payload FROM billing_webhook_events
            WHERE provider = 'lemonsqueezy' AND payload LIKE '%license-keys%'
            """).all()
        for row in rows {
            let id = try row.decode(column: "id", as: Int64.self)
            let payload = Array(try row.decode(column: "payload", as: String.self).utf8)
            let sealed = LemonSqueezyEventDecoder.sealingLicenseKey(payload)
            guard sealed != payload else { continue }
            try await db.sql.raw("UPDATE billing_webhook_events SET payload = \(bind: String(decoding: sealed, as: UTF8.self)) WHERE id = \(bind: id)").run()
        }
    }
}
