import Foundation
import ScritorioCore
@testable import ScritorioServer
import ScritorioStore
import ScritorioTestSupport
import Testing

/// Property: Lemon Squeezy's burst of a purchase and its later life (order, subscription states ordered by each
/// object's `updated_at`, renewal invoices), delivered in any order and with duplicates, ends in the state the
/// in-order delivery ends in: subscription row, the first order linked to it, grants and member plan.
@Suite("Lemon Squeezy event order independence")
struct LemonSqueezyOrderPropertyTests {
    static func sequence(subscription: String, order: String, user: UserID, start: Date) -> [BillingEvent] {
        let renews = start.addingTimeInterval(30 * 86_400)
        func sub(_ status: SubscriptionStatus, _ offset: TimeInterval, endsAt: Date? = nil, free: Bool = false) -> BillingEvent {
            .subscription(SubscriptionChange(
                provider: .lemonSqueezy, mode: .test, subscriptionID: subscription, customerID: "11", userID: user,
                status: status, priceIDs: ["520001"], currentPeriodStart: nil, currentPeriodEnd: renews,
                scheduledCancelAt: nil, canceledAt: endsAt, occurredAt: start.addingTimeInterval(offset),
                pausedWithAccess: free, firstOrderID: order))
        }
        func paid(_ id: String, _ offset: TimeInterval, status: OrderStatus = "paid", subscriptionID: String? = nil, price: [String] = ["520001"]) -> BillingEvent {
            .order(OrderChange(
                provider: .lemonSqueezy, mode: .test, orderID: id, customerID: "11", subscriptionID: subscriptionID, userID: user,
                status: status, priceIDs: price, currency: "USD", totalMinor: 900, occurredAt: start.addingTimeInterval(offset)))
        }
        return [
            paid(order, 1), sub(.active, 2), sub(.pastDue, 3),
            paid(LemonSqueezyEventDecoder.invoiceOrderID("9\(subscription.suffix(2))"), 4, subscriptionID: subscription, price: []),
            sub(.active, 5), sub(.paused, 6, free: true), sub(.active, 7), sub(.canceled, 8, endsAt: renews),
        ]
    }

    struct Final: Equatable {
        var status: SubscriptionStatus
        var endsAt: Date?
        var plan: MemberPlan?
        var grants: [String]
        var firstOrderCovered: Bool
    }

    static func final(_ database: Database, subscription: String, order: String, user: UserID, now: Date) async throws -> Final {
        try await database.read { db in
            let stored = try await BillingRepository.subscription(provider: .lemonSqueezy, id: subscription, on: db)
            let member = try await MemberRepository.find(userID: user, now: Date(), on: db)
            let grants = try await BillingRepository.grants(of: user, on: db)
                .filter { $0.revokedAt == nil && ($0.endsAt.map { $0 > now } ?? true) }.map(\.code).sorted()
            let covered = try await BillingRepository.ordersCoveredBySubscriptions(of: user, on: db)
            return Final(
                status: stored?.change.status ?? .unknown("none"), endsAt: stored?.change.canceledAt, plan: member?.plan,
                grants: grants, firstOrderCovered: covered.contains(order))
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
            for event in Self.sequence(subscription: "7100", order: "2100", user: reference, start: start) {
                _ = try await database.transaction { try await applier.apply(event, now: now, on: $0) }
            }
            let expected = try await Self.final(database, subscription: "7100", order: "2100", user: reference, now: now)
            // Cancelled with access until ends_at; the first order is the subscription's and grants nothing itself.
            #expect(expected == Final(
                status: .canceled, endsAt: start.addingTimeInterval(30 * 86_400), plan: .pro, grants: ["scritorio_pro"], firstOrderCovered: true))

            var rng = EventOrderPropertyTests.SeededGenerator(state: 20_261_126)
            for round in 0..<12 {
                let user = UserID.random()
                let (subscription, order) = ("71\(round + 10)", "21\(round + 10)")
                let events = Self.sequence(subscription: subscription, order: order, user: user, start: start)
                let deliveries = (events + events.filter { _ in Bool.random(using: &rng) }).shuffled(using: &rng)
                for event in deliveries {
                    _ = try await database.transaction { try await applier.apply(event, now: now, on: $0) }
                }
                #expect(try await Self.final(database, subscription: subscription, order: order, user: user, now: now) == expected, "round \(round)")
            }
        }
    }
}
