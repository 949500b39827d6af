import Foundation
import HTTPTypes
import SQLKit
import ScritorioCore
@testable import ScritorioServer
import ScritorioStore
import ScritorioTestSupport
import Testing

@Suite("AI settlement survives a store that refuses for a moment")
struct AISettlementRetryTests {
    /// Makes every insert into the ledger fail while `fail_flag` has a row.
    static func refuseLedger(_ database: Database) async throws {
        try await database.transaction { db in
            try await db.sql.raw("CREATE TABLE fail_flag (x INTEGER)").run()
            try await db.sql.raw("INSERT INTO fail_flag (x) VALUES (1)").run()
            if db.kind == .sqlite {
                try await db.sql.raw("""
                    CREATE TRIGGER fail_ledger BEFORE INSERT ON ai_usage_events
                    WHEN EXISTS (SELECT 1 FROM fail_flag) BEGIN SELECT RAISE(ABORT, 'ledger refused for the test'); END
                    """).run()
            } else {
                try await db.sql.raw("""
                    CREATE FUNCTION fail_ledger() RETURNS trigger AS $$ BEGIN
                      IF EXISTS (SELECT 1 FROM fail_flag) THEN RAISE EXCEPTION 'ledger refused for the test'; END IF;
                      RETURN NEW; END $$ LANGUAGE plpgsql
                    """).run()
                try await db.sql.raw("CREATE TRIGGER fail_ledger BEFORE INSERT ON ai_usage_events FOR EACH ROW EXECUTE FUNCTION fail_ledger()").run()
            }
        }
    }

    @Test("a settlement refused by the store is tried again until it lands: the ledger row is written and nothing stays reserved", arguments: TestStores.kinds)
    func retried(kind: StoreKind) async throws {
        try await AIHarness.run(kind) { h in
            let (token, user) = try await h.user()
            try await Self.refuseLedger(h.base.database)
            let database = h.base.database
            async let answer = h.ai("chat/completions", json: AIGatewayRouteTests.chat("hello"), token: token)
            // The store accepts again a moment later, while the settlement is still being tried.
            try await Task.sleep(for: .milliseconds(150))
            try await database.transaction { try await $0.sql.raw("DELETE FROM fail_flag").run() }
            let reply = try await answer
            #expect(reply.status == .ok)
            let total = try #require((reply.json["usage"] as? [String: Any])?["total_tokens"] as? Int)
            let events = try await h.events(user)
            #expect(events.map(\.outcome) == ["ok"] && events.first?.tokens == Int64(total))
            let day = try #require(try await h.usage(token)["day"] as? [String: Any])
            #expect(day["tokens_used"] as? Int == total && day["tokens_reserved"] as? Int == 0)
        }
    }
}
