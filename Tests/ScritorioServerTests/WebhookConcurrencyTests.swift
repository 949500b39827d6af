import Foundation
import Logging
import ScritorioCore
@testable import ScritorioServer
import ScritorioStore
import ScritorioTestSupport
import Testing

/// The processor applying many users' events side by side, on one replica and on two: each user's events in the
/// provider's order, each event once, every subscription ending in its newest state.
@Suite("Webhook processing in parallel")
struct WebhookConcurrencyTests {
    static let monthly = "pri_01sandboxpromonthly0000000"
    static let base = Date(timeIntervalSince1970: 1_790_000_000)

    static func padded(_ value: Int) -> String { String(format: "%020d", value) }

    static let steps = 5

    /// When event `step` of `user` happened: a user's events are a minute apart and follow one another in the
    /// provider's order (the order the processor claims in), so a batch holds runs of one user's events.
    static func moment(user: Int, step: Int) -> Date { base.addingTimeInterval(Double(user * steps + step) * 60) }

    /// Event `step` of `user`'s subscription: alternately active and past due, each a minute newer with a period
    /// that ends a minute later, so the newest state is visible in the stored subscription.
    static func event(user: Int, step: Int, userID: UserID) -> IncomingWebhookEvent {
        let at = moment(user: user, step: step)
        let status = step % 2 == 0 ? "active" : "past_due"
        let body = #"{"event_id":"evt_01conc\#(padded(user * 100 + step))","event_type":"subscription.updated","occurred_at":"\#(WireDateText.format(at))","notification_id":"ntf_1","data":{"id":"sub_01conc\#(padded(user))","status":"\#(status)","customer_id":"ctm_01conc\#(padded(user))","custom_data":{"userId":"\#(userID)"},"items":[{"price":{"id":"\#(monthly)"}}],"current_billing_period":{"starts_at":"\#(WireDateText.format(base))","ends_at":"\#(WireDateText.format(at.addingTimeInterval(30 * 86_400)))"},"scheduled_change":null}}"#
        return IncomingWebhookEvent(
            provider: .paddle, eventID: "evt_01conc\(padded(user * 100 + step))", eventType: "subscription.updated", mode: .test,
            payload: body, occurredAt: at, receivedAt: Date())
    }

    static func processor(_ database: Database, workers: Int, batch: Int = 200, together: Int = 8) -> WebhookProcessor {
        WebhookProcessor(
            database: database, applier: BillingApplier(catalog: .sandbox, grace: 7 * 86_400), now: { Date() },
            logger: Logger(label: "test"), batchSize: batch, eventsPerTransaction: together, workers: workers, maxAttempts: 2)
    }

    /// Runs `processor` until a pass finds nothing due; returns how many events it handled.
    static func drain(_ processor: WebhookProcessor) async throws -> Int {
        var handled = 0
        while true {
            let count = try await processor.drainOnce()
            if count == 0 { return handled }
            handled += count
        }
    }

    /// Stores `users` × `steps` events, stored step by step across users (not in the order they happened), and
    /// returns the users.
    static func store(users: Int, on database: Database) async throws -> [UserID] {
        let ids = (0..<users).map { _ in UserID.random() }
        for step in 0..<steps {
            for user in 0..<users {
                let event = Self.event(user: user, step: step, userID: ids[user])
                #expect(try await database.writeOne { try await WebhookEventRepository.insert(event, on: $0) })
            }
        }
        return ids
    }

    /// Every subscription holds its newest event's state: its time, status and period.
    static func expectNewestState(users: [UserID], on database: Database) async throws {
        let status: SubscriptionStatus = (steps - 1) % 2 == 0 ? .active : .pastDue
        for (index, user) in users.enumerated() {
            let last = moment(user: index, step: steps - 1)
            let stored = try #require(try await database.read {
                try await BillingRepository.subscription(provider: .paddle, id: "sub_01conc\(padded(index))", on: $0)
            })
            #expect(stored.userID == user)
            #expect(stored.change.occurredAt == last && stored.change.status == status)
            #expect(stored.change.currentPeriodEnd == last.addingTimeInterval(30 * 86_400))
        }
    }

    @Test("eight at a time on one replica: every event applied in its user's order (none stale), the newest state kept", arguments: TestStores.kinds)
    func oneReplica(kind: StoreKind) async throws {
        try await TestStores.with(kind) { database in
            let users = try await Self.store(users: 40, on: database)
            // Batches of 64 split some users' runs of events between two batches.
            #expect(try await Self.drain(Self.processor(database, workers: 8, batch: 64)) == 200)
            let counts = try await database.read { try await WebhookQueue.statusCounts(on: $0) }
            #expect(counts == ["processed": 200], "an event applied before an older one of its user is stale: \(counts)")
            try await Self.expectNewestState(users: users, on: database)
        }
    }

    @Test("two replicas draining one queue: each event applied once, every subscription in its newest state", arguments: TestStores.kinds)
    func twoReplicas(kind: StoreKind) async throws {
        try await TestStores.withReplicas(kind, count: 2) { databases in
            let users = try await Self.store(users: 60, on: databases[0])
            let handled = try await withThrowingTaskGroup(of: Int.self) { group in
                for database in databases {
                    group.addTask { try await Self.drain(Self.processor(database, workers: 4, batch: 50)) }
                }
                return try await group.reduce(0, +)
            }
            // A claimed event is never claimed twice while its lease holds: the two handled 300 between them.
            #expect(handled == 300)
            let counts = try await databases[0].read { try await WebhookQueue.statusCounts(on: $0) }
            // Another replica may apply a user's newer event first; the older one is then recorded as stale.
            #expect((counts["processed"] ?? 0) + (counts["stale"] ?? 0) == 300 && counts.count <= 2, "\(counts)")
            try await Self.expectNewestState(users: users, on: databases[0])
        }
    }

    @Test("one event of a shared transaction fails: the others are applied, only it counts an attempt", arguments: TestStores.kinds)
    func oneFailureInAGroup(kind: StoreKind) async throws {
        try await TestStores.with(kind) { database in
            let users = (0..<10).map { _ in UserID.random() }
            for (index, user) in users.enumerated() {
                let event = Self.event(user: index, step: 0, userID: user)
                #expect(try await database.writeOne { try await WebhookEventRepository.insert(event, on: $0) })
            }
            // The store itself refuses user 3's subscription, as a failing write would.
            let refused = "sub_01conc\(Self.padded(3))"
            try await database.transaction { db in
                if db.kind == .postgres {
                    try await db.sql.raw("""
                        CREATE FUNCTION refuse_subscription() RETURNS trigger AS $$ BEGIN
                        IF NEW.provider_subscription_id = '\(unsafeRaw: refused)' THEN RAISE EXCEPTION 'refused by the test'; END IF;
                        RETURN NEW; END $$ LANGUAGE plpgsql
                        """).run()
                    try await db.sql.raw("CREATE TRIGGER refuse BEFORE INSERT ON subscriptions FOR EACH ROW EXECUTE FUNCTION refuse_subscription()").run()
                } else {
                    try await db.sql.raw("""
                        CREATE TRIGGER refuse BEFORE INSERT ON subscriptions WHEN NEW.provider_subscription_id = '\(unsafeRaw: refused)'
                        BEGIN SELECT RAISE(ABORT, 'refused by the test'); END
                        """).run()
                }
            }
            #expect(try await Self.processor(database, workers: 1, together: 8).drainOnce() == 10)
            let counts = try await database.read { try await WebhookQueue.statusCounts(on: $0) }
            #expect(counts == ["processed": 9, "retry": 1], "\(counts)")
            let failed = try await database.read { try await WebhookQueue.list(statuses: [.retry], limit: 10, on: $0) }
            #expect(failed.map(\.eventID) == ["evt_01conc\(Self.padded(300))"] && failed.first?.attempts == 1)
        }
    }
}
