import Foundation
import HTTPTypes
import Logging
import SQLKit
import ScritorioCore
@testable import ScritorioServer
import ScritorioStore
import ScritorioTestSupport
import Testing

@Suite("AI settlement survives a store that refuses for a moment")
struct AISettlementRetryTests {
    /// Makes every insert into the ledger fail while `fail_flag` has a row.
    /// A settlement of `used` input tokens against a reservation of `reserved`, in the periods of `at`.
    static func job(_ user: UserID, requestID: String, reserved: Int64, used: Int64, cost: Int64 = 0, at: Date) -> AIRepository.Settlement {
        AIRepository.Settlement(
            reservation: AIReservation(
                userID: user, plan: "free", limits: AILimits(), periods: AIPeriods(anchor: at, now: at),
                estimate: AIUsage(inputTokens: reserved), at: at),
            actual: AIUsage(inputTokens: used),
            event: AIUsageEvent(
                userID: user, model: "gpt-4o-mini", endpoint: "chat.completions", usage: AIUsage(inputTokens: used), costMicros: cost,
                requestID: requestID, latencyMs: 1, status: 200, outcome: .ok),
            now: at)
    }

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

    @Test("a store refusing for longer than the answer waits: the answer goes out, the settlement lands in the background", arguments: TestStores.kinds)
    func background(kind: StoreKind) async throws {
        try await AIHarness.run(kind) { h in
            let (token, user) = try await h.user()
            try await Self.refuseLedger(h.base.database)
            let reply = try await h.ai("chat/completions", json: AIGatewayRouteTests.chat("hello"), token: token)
            #expect(reply.status == .ok, "the client is answered after about 1.5 s of attempts")
            let total = try #require((reply.json["usage"] as? [String: Any])?["total_tokens"] as? Int)
            #expect(try await h.events(user).isEmpty)
            let held = try #require(try await h.usage(token)["day"] as? [String: Any])
            #expect((held["tokens_reserved"] as? Int ?? 0) > 0, "still reserved while the store refuses")
            try await h.base.database.transaction { try await $0.sql.raw("DELETE FROM fail_flag").run() }
            // The first background attempt is 2 s after the last foreground one.
            var events: [(tokens: Int64, status: Int, outcome: String, audio: Int64, cost: Int64, requestID: String)] = []
            for _ in 0..<80 where events.isEmpty {
                try await Task.sleep(for: .milliseconds(100))
                events = try await h.events(user)
            }
            #expect(events.map(\.outcome) == ["ok"] && events.first?.tokens == Int64(total))
            let day = try #require(try await h.usage(token)["day"] as? [String: Any])
            #expect(day["tokens_used"] as? Int == total && day["tokens_reserved"] as? Int == 0)
        }
    }

    @Test("background attempts back off and give up after their patience")
    func givesUp() async throws {
        try await AIHarness.run(.sqlite) { h in
            let (_, user) = try await h.user()
            try await Self.refuseLedger(h.base.database)
            // A settlement retried with a short patience while the store keeps refusing: it ends, nothing written.
            let job = Self.job(user, requestID: "req_background", reserved: 1, used: 1, cost: 0, at: Date())
            let started = ContinuousClock.now
            await AISettlementWriter.settleInBackground(
                job, database: h.base.database, logger: Logger(label: "scritorio.test"),
                retry: .init(first: .milliseconds(20), longest: .milliseconds(80), patience: .milliseconds(300)))
            #expect(ContinuousClock.now - started >= .milliseconds(300))
            #expect(try await h.events(user).isEmpty)
        }
    }

    @Test("a settlement the store kept refusing is kept on disk and written after a restart", arguments: TestStores.kinds)
    func resumedAfterRestart(kind: StoreKind) async throws {
        try await AIHarness.run(kind) { h in
            let (_, user) = try await h.user()
            let logger = Logger(label: "scritorio.test")
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("scritorio-journal-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let journal = AISettlementJournal(directory: directory)
            try await Self.refuseLedger(h.base.database)
            let now = Date()
            let job = Self.job(user, requestID: "req_0123456789abcdef01234567", reserved: 9, used: 7, cost: 3, at: now)
            // The foreground attempts and a short background patience all fail: the settlement stays on disk.
            let outcome = await AISettlementWriter.settle(
                job, database: h.base.database, logger: logger,
                background: .init(first: .milliseconds(20), longest: .milliseconds(20), patience: .milliseconds(60)), journal: journal)
            #expect(outcome == .deferred)
            try await Task.sleep(for: .milliseconds(300))
            let kept = journal.pending()
            #expect(kept.count == 1 && kept.first?.event == job.event && kept.first?.reservation == job.reservation)
            #expect(try await h.events(user).isEmpty)
            // The store is back; a new start resumes what the journal holds.
            try await h.base.database.transaction { try await $0.sql.raw("DELETE FROM fail_flag").run() }
            #expect(journal.resume(database: h.base.database, logger: logger, retry: .init(first: .milliseconds(10), longest: .milliseconds(50), patience: .seconds(10))) == 1)
            var events: [(tokens: Int64, status: Int, outcome: String, audio: Int64, cost: Int64, requestID: String)] = []
            for _ in 0..<100 where events.isEmpty {
                try await Task.sleep(for: .milliseconds(50))
                events = try await h.events(user)
            }
            #expect(events.map(\.requestID) == ["req_0123456789abcdef01234567"] && events.first?.tokens == 7)
            for _ in 0..<40 where !journal.pending().isEmpty { try await Task.sleep(for: .milliseconds(25)) }
            #expect(journal.pending().isEmpty, "written, so forgotten")
        }
    }

    @Test("an attempt that finds its ledger row already written (a commit whose answer was lost) is done, not retried for a day", arguments: TestStores.kinds)
    func alreadyWritten(kind: StoreKind) async throws {
        try await AIHarness.run(kind) { h in
            let (_, user) = try await h.user()
            let logger = Logger(label: "scritorio.test")
            let now = Date()
            let job = Self.job(user, requestID: "req_twice", reserved: 5, used: 5, cost: 0, at: now)
            #expect(await AISettlementWriter.settle(job, database: h.base.database, logger: logger) == .written)
            #expect(await AISettlementWriter.settle(job, database: h.base.database, logger: logger) == .alreadyWritten)
            #expect(try await h.events(user).map(\.requestID) == ["req_twice"], "one ledger row")
        }
    }
}
