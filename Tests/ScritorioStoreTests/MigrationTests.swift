import Foundation
import SQLKit
import ScritorioCore
import ScritorioStore
import ScritorioTestSupport
import Testing

@Suite("Migrations")
struct MigrationTests {
    @Test("migrate creates every table, records versions, and is idempotent", arguments: TestStores.kinds)
    func migrateTwice(kind: StoreKind) async throws {
        try await TestStores.with(kind, migrate: false) { database in
            let migrator = Migrator(database: database)
            #expect(try await migrator.migrate(now: Date()) == Migrations.all.map(\.version))
            #expect(try await migrator.migrate(now: Date()) == [])
            #expect(try await migrator.currentVersion() == Migrations.latestVersion)
            let tables = [
                "profiles", "members", "billing_customers", "subscriptions", "orders", "license_keys",
                "license_activations", "entitlements", "ai_user_plans", "ai_usage_events", "billing_webhook_events",
                "auth_users", "auth_identities", "auth_sessions", "auth_refresh_tokens", "auth_one_time_tokens",
                "auth_flow_states",
            ]
            for table in tables {
                let count = try await database.read { db in
                    try await db.sql.raw("SELECT COUNT(*) AS n FROM \(unsafeRaw: table)").first()?.decode(column: "n", as: Int.self)
                }
                #expect(count == 0, "table \(table)")
            }
        }
    }

    @Test("v7 seals the licence keys of Lemon Squeezy events stored before sealing; other rows are left as they are", arguments: TestStores.kinds)
    func sealsStoredKeys(kind: StoreKind) async throws {
        try await TestStores.with(kind, migrate: false) { database in
            let upToSix = Migrator(database: database, migrations: Array(Migrations.all.prefix { $0.version <= 6 }))
            #expect(try await upToSix.migrate(now: Date()).last == 6)
            let key = "80e15db5-c796-436b-850c-8f9c98a48abe"
            let license = #"{"meta":{"event_name":"license_key_created","test_mode":true},"data":{"type":"license-keys","id":"101","attributes":{"key":"\#(key)","key_short":"XXXX-8f9c98a48abe","status":"inactive"}}}"#
            let other = #"{"meta":{"event_name":"order_created"},"data":{"type":"orders","id":"21","attributes":{"identifier":"license-keys in a note"}}}"#
            try await database.transaction { db in
                for (id, type, payload) in [("a", "license_key_created", license), ("b", "order_created", other)] {
                    try await db.sql.raw("""
                        INSERT INTO billing_webhook_events (provider, event_id, event_type, mode, payload, received_at)
                        VALUES ('lemonsqueezy', \(bind: id), \(bind: type), 'test', \(bind: payload), \(bind: Date()))
                        """).run()
                }
            }
            #expect(try await Migrator(database: database, migrations: Array(Migrations.all.prefix { $0.version <= 7 })).migrate(now: Date()) == [7])
            let stored = try await database.read { db in
                try await db.sql.raw("SELECT event_id, payload FROM billing_webhook_events ORDER BY event_id").all().map {
                    try $0.decode(column: "payload", as: String.self)
                }
            }
            #expect(stored.count == 2 && !stored[0].contains(key) && stored[0].contains(LicenseKeyDigest.hash(key)))
            #expect(stored[1] == other)
        }
    }

    @Test("v8 gives stored Lemon Squeezy orders their variant from their webhook, and keys of paid orders without one", arguments: TestStores.kinds)
    func backfillsOrderPrices(kind: StoreKind) async throws {
        try await TestStores.with(kind, migrate: false) { database in
            #expect(try await Migrator(database: database, migrations: Array(Migrations.all.prefix { $0.version <= 7 })).migrate(now: Date()).last == 7)
            let now = Date()
            try await database.transaction { db in
                for (order, status, variant) in [("21", "paid", "5"), ("22", "refunded", "6")] {
                    try await db.sql.raw("""
                        INSERT INTO orders (id, provider, mode, provider_order_id, status, created_at, updated_at)
                        VALUES (\(bind: UUID()), 'lemonsqueezy', 'test', \(bind: order), \(bind: status), \(bind: now), \(bind: now))
                        """).run()
                    let payload = #"{"meta":{"event_name":"order_created"},"data":{"type":"orders","id":"\#(order)","attributes":{"status":"\#(status)","first_order_item":{"variant_id":\#(variant)}}}}"#
                    try await db.sql.raw("""
                        INSERT INTO billing_webhook_events (provider, event_id, event_type, mode, payload, received_at)
                        VALUES ('lemonsqueezy', \(bind: "evt-" + order), 'order_created', 'test', \(bind: payload), \(bind: now))
                        """).run()
                    try await db.sql.raw("""
                        INSERT INTO license_keys (id, provider, mode, provider_license_id, key_hash, status, provider_order_id, created_at, updated_at)
                        VALUES (\(bind: UUID()), 'lemonsqueezy', 'test', \(bind: "key-" + order), \(bind: "hash-" + order), 'active', \(bind: order), \(bind: now), \(bind: now))
                        """).run()
                }
            }
            #expect(try await Migrator(database: database).migrate(now: Date()).first == 8)
            let (orders, keys) = try await database.read { db in
                (try await db.sql.raw("SELECT provider_order_id, price_id FROM orders ORDER BY provider_order_id").all().map {
                    try $0.decode(column: "price_id", as: String?.self)
                }, try await db.sql.raw("SELECT provider_order_id, variant_id FROM license_keys ORDER BY provider_order_id").all().map {
                    try $0.decode(column: "variant_id", as: String?.self)
                })
            }
            #expect(orders == ["5", "6"])
            #expect(keys == ["5", nil], "a refunded order's key takes nothing")
        }
    }

    @Test("concurrent migrators apply each version once", arguments: TestStores.kinds)
    func concurrentMigrators(kind: StoreKind) async throws {
        try await TestStores.with(kind, migrate: false) { database in
            let results = try await withThrowingTaskGroup(of: [Int].self) { group in
                for _ in 0..<3 { group.addTask { try await Migrator(database: database).migrate(now: Date()) } }
                return try await group.reduce(into: [Int]()) { $0 += $1 }
            }
            #expect(results.sorted() == Migrations.all.map(\.version))
        }
    }

    @Test("each dialect gets its own types")
    func dialects() {
        let statement = Migration(version: 99, name: "x", statements: ["CREATE TABLE t (id {uuid}, at {ts}, ok {bool} DEFAULT {false}, n {bigint}, pk {pk})"])
        #expect(statement.sql(for: .postgres) == ["CREATE TABLE t (id UUID, at TIMESTAMPTZ, ok BOOLEAN DEFAULT FALSE, n BIGINT, pk BIGSERIAL PRIMARY KEY)"])
        #expect(statement.sql(for: .sqlite) == ["CREATE TABLE t (id TEXT, at REAL, ok INTEGER DEFAULT 0, n INTEGER, pk INTEGER PRIMARY KEY AUTOINCREMENT)"])
    }

    @Test("versions are unique and ascending")
    func versionsAscending() {
        let versions = Migrations.all.map(\.version)
        #expect(versions == versions.sorted())
        #expect(Set(versions).count == versions.count)
    }
}
