import Foundation
import SQLKit
import ScritorioCore
import ScritorioStore
import ScritorioTestSupport
import Testing

@Suite("Lemon Squeezy in the store")
struct LemonSqueezyStoreTests {
    static func change(status: SubscriptionStatus, free: Bool, order: String?, at: Date) -> SubscriptionChange {
        SubscriptionChange(
            provider: .lemonSqueezy, mode: .test, subscriptionID: "7001", customerID: "11", userID: nil, status: status,
            priceIDs: ["520001"], currentPeriodStart: nil, currentPeriodEnd: at.addingTimeInterval(86_400), scheduledCancelAt: nil,
            canceledAt: status == .canceled ? at.addingTimeInterval(86_400) : nil, occurredAt: at, pausedWithAccess: free,
            firstOrderID: order)
    }

    @Test("pause mode and first order round-trip; an order and its subscription are linked whichever is stored first", arguments: TestStores.kinds)
    func roundTrip(kind: StoreKind) async throws {
        try await TestStores.with(kind) { database in
            let at = Date(timeIntervalSince1970: 1_790_000_000)
            let user = UserID.random()
            // The order first: no subscription names it yet.
            try await database.transaction { db in
                try await BillingRepository.save(
                    OrderChange(provider: .lemonSqueezy, mode: .test, orderID: "2001", customerID: "11", subscriptionID: nil, userID: user,
                                status: "paid", priceIDs: ["520001"], currency: "USD", totalMinor: 900, occurredAt: at),
                    userID: user, now: at, on: db)
                #expect(try await BillingRepository.subscriptionID(provider: .lemonSqueezy, startedBy: "2001", on: db) == nil)
            }
            try await database.transaction { db in
                try await BillingRepository.save(Self.change(status: .paused, free: true, order: "2001", at: at), userID: user, planCode: "pro_monthly", now: at, on: db)
                try await BillingRepository.linkOrder(provider: .lemonSqueezy, orderID: "2001", subscriptionID: "7001", on: db)
            }
            let stored = try #require(try await database.read { try await BillingRepository.subscription(provider: .lemonSqueezy, id: "7001", on: $0) })
            #expect(stored.change.pausedWithAccess && stored.change.firstOrderID == "2001" && stored.change.status == .paused)
            #expect(stored.userID == user && stored.planCode == "pro_monthly")
            #expect(try await database.read { try await BillingRepository.ordersCoveredBySubscriptions(of: user, on: $0) } == ["2001"])
            #expect(try await database.read { try await BillingRepository.subscriptionID(provider: .lemonSqueezy, startedBy: "2001", on: $0) } == "7001")
            // A later state without an order id keeps the link; pause mode follows the latest state.
            try await database.transaction { db in
                try await BillingRepository.save(Self.change(status: .canceled, free: false, order: nil, at: at.addingTimeInterval(60)), userID: nil, planCode: nil, now: at, on: db)
            }
            let later = try #require(try await database.read { try await BillingRepository.subscription(provider: .lemonSqueezy, id: "7001", on: $0) })
            #expect(!later.change.pausedWithAccess && later.change.firstOrderID == "2001" && later.change.status == .canceled)
            #expect(later.change.canceledAt == at.addingTimeInterval(60 + 86_400) && later.userID == user)
            // Paddle's rows are untouched by the new columns.
            #expect(try await database.read { try await BillingRepository.subscription(provider: .paddle, id: "7001", on: $0) } == nil)
        }
    }

    @Test("Lemon Squeezy events are stored and deduplicated by body digest next to Paddle's", arguments: TestStores.kinds)
    func webhookLog(kind: StoreKind) async throws {
        try await TestStores.with(kind) { database in
            let body = #"{"meta":{"event_name":"order_created","test_mode":true},"data":{"type":"orders","id":"1"}}"#
            let event = IncomingWebhookEvent(
                provider: .lemonSqueezy, eventID: LemonSqueezySignature.digest(Array(body.utf8)), eventType: "order_created", mode: .test,
                payload: body, occurredAt: Date(timeIntervalSince1970: 1_790_000_000), receivedAt: Date(timeIntervalSince1970: 1_790_000_001))
            #expect(try await database.transaction { try await WebhookEventRepository.insert(event, on: $0) })
            #expect(try await database.transaction { try await WebhookEventRepository.insert(event, on: $0) } == false)
            let paddle = IncomingWebhookEvent(
                provider: .paddle, eventID: event.eventID, eventType: event.eventType, mode: .test, payload: body,
                occurredAt: event.occurredAt, receivedAt: event.receivedAt)
            #expect(try await database.transaction { try await WebhookEventRepository.insert(paddle, on: $0) })
            let stored = try #require(try await database.read { try await WebhookEventRepository.find(provider: .lemonSqueezy, eventID: event.eventID, on: $0) })
            #expect(stored.0 == event && stored.status == "pending")
        }
    }
}
