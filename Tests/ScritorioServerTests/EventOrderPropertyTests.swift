import Foundation
import ScritorioCore
@testable import ScritorioServer
import ScritorioStore
import ScritorioTestSupport
import Testing

/// Property: any interleaving and duplication of a valid event sequence ends in the state the in-order
/// sequence ends in (subscription row, grants, member plan).
@Suite("Event order independence")
struct EventOrderPropertyTests {
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func sequence(subscription: String, user: UserID, start: Date) -> [BillingEvent] {
        func change(_ status: SubscriptionStatus, _ offset: TimeInterval, cancelAt: Date? = nil) -> BillingEvent {
            .subscription(SubscriptionChange(
                provider: .paddle, mode: .test, subscriptionID: subscription, customerID: "ctm_1", userID: user,
                status: status, priceIDs: ["pri_01sandboxpromonthly0000000"], currentPeriodStart: start,
                currentPeriodEnd: start.addingTimeInterval(30 * 86_400), scheduledCancelAt: cancelAt, canceledAt: nil,
                occurredAt: start.addingTimeInterval(offset)))
        }
        return [
            change(.active, 1), change(.pastDue, 2), change(.active, 3),
            change(.active, 4, cancelAt: start.addingTimeInterval(30 * 86_400)),
        ]
    }

    struct Final: Equatable {
        var status: SubscriptionStatus
        var scheduledCancelAt: Date?
        var plan: MemberPlan?
    }

    static func final(_ database: Database, subscription: String, user: UserID) async throws -> Final {
        try await database.read { db in
            let stored = try await BillingRepository.subscription(provider: .paddle, id: subscription, on: db)
            let member = try await MemberRepository.find(userID: user, now: Date(), on: db)
            return Final(status: stored?.change.status ?? .unknown("none"), scheduledCancelAt: stored?.change.scheduledCancelAt, plan: member?.plan)
        }
    }

    @Test("shuffled and duplicated deliveries converge", arguments: TestStores.kinds)
    func converge(kind: StoreKind) async throws {
        try await TestStores.with(kind) { database in
            let applier = BillingApplier(catalog: .sandbox, grace: 7 * 86_400)
            // Whole seconds: PostgreSQL keeps microseconds, so a sub-microsecond moment would not round-trip.
            let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
            let start = now.addingTimeInterval(-86_400)
            let reference = UserID.random()
            for event in Self.sequence(subscription: "sub_ref", user: reference, start: start) {
                _ = try await database.transaction { try await applier.apply(event, now: now, on: $0) }
            }
            let expected = try await Self.final(database, subscription: "sub_ref", user: reference)
            #expect(expected == Final(status: .active, scheduledCancelAt: start.addingTimeInterval(30 * 86_400), plan: .pro))

            var rng = SeededGenerator(state: 20_261_125)
            for round in 0..<12 {
                let user = UserID.random()
                let id = "sub_round_\(round)"
                let events = Self.sequence(subscription: id, user: user, start: start)
                let deliveries = (events + events.filter { _ in Bool.random(using: &rng) }).shuffled(using: &rng)
                for event in deliveries {
                    _ = try await database.transaction { try await applier.apply(event, now: now, on: $0) }
                }
                #expect(try await Self.final(database, subscription: id, user: user) == expected, "round \(round)")
            }
        }
    }
}
