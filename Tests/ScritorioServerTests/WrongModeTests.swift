import Foundation
import ScritorioCore
@testable import ScritorioServer
import ScritorioStore
import ScritorioTestSupport
import Testing

@Suite("Wrong mode")
struct WrongModeTests {
    @Test("a live deployment refuses events priced in test mode and applies nothing", arguments: TestStores.kinds)
    func refused(kind: StoreKind) async throws {
        try await TestStores.with(kind) { database in
            let catalog = Catalog(plans: [
                .init(code: "pro", name: nil, entitlements: ["scritorio_pro"], prices: ["paddle": ["test": ["pri_test"], "live": ["pri_live"]]]),
            ])
            let applier = BillingApplier(catalog: catalog, grace: 0)
            let user = UserID.random()
            let now = Date()
            func event(_ price: String, _ id: String) -> BillingEvent {
                .subscription(SubscriptionChange(
                    provider: .paddle, mode: .live, subscriptionID: id, customerID: nil, userID: user, status: .active,
                    priceIDs: [price], currentPeriodStart: nil, currentPeriodEnd: nil, scheduledCancelAt: nil, canceledAt: nil,
                    occurredAt: now))
            }
            let wrong = event("pri_test", "sub_wrong")
            let right = event("pri_live", "sub_right")
            let refused = try await database.transaction { try await applier.apply(wrong, now: now, on: $0) }
            #expect(refused == .wrongMode)
            let stored = try await database.read { try await BillingRepository.subscription(provider: .paddle, id: "sub_wrong", on: $0) }
            #expect(stored == nil)
            let untouched = try await database.read { try await MemberRepository.find(userID: user, now: Date(), on: $0) }
            #expect(untouched == nil)
            let applied = try await database.transaction { try await applier.apply(right, now: now, on: $0) }
            #expect(applied == .applied(user))
            let member = try await database.read { try await MemberRepository.find(userID: user, now: Date(), on: $0) }
            #expect(member?.plan == .pro)
        }
    }
}

@Suite("Customer linking")
struct CustomerLinkTests {
    @Test("after one event with a user id, the customer's later events without one find the user", arguments: TestStores.kinds)
    func linked(kind: StoreKind) async throws {
        try await TestStores.with(kind) { database in
            let applier = BillingApplier(catalog: .sandbox, grace: 0)
            let user = UserID.random()
            let now = Date()
            func event(_ id: String, _ owner: UserID?) -> BillingEvent {
                .subscription(SubscriptionChange(
                    provider: .paddle, mode: .test, subscriptionID: id, customerID: "ctm_linked", userID: owner, status: .active,
                    priceIDs: ["pri_01sandboxpromonthly0000000"], currentPeriodStart: nil, currentPeriodEnd: nil,
                    scheduledCancelAt: nil, canceledAt: nil, occurredAt: now))
            }
            let first = event("sub_1", user)
            let second = event("sub_2", nil)
            let one = try await database.transaction { try await applier.apply(first, now: now, on: $0) }
            #expect(one == .applied(user))
            let two = try await database.transaction { try await applier.apply(second, now: now, on: $0) }
            #expect(two == .applied(user))
            let unrelated = BillingEvent.subscription(SubscriptionChange(
                provider: .paddle, mode: .test, subscriptionID: "sub_3", customerID: "ctm_other", userID: nil, status: .active,
                priceIDs: [], currentPeriodStart: nil, currentPeriodEnd: nil, scheduledCancelAt: nil, canceledAt: nil, occurredAt: now))
            let three = try await database.transaction { try await applier.apply(unrelated, now: now, on: $0) }
            #expect(three == .orphan)
        }
    }
}
