import Foundation
import ScritorioCore
@testable import ScritorioServer
import ScritorioStore
import ScritorioTestSupport
import Testing

/// `BillingApplier.apply(license:)`: provider keys in provider-time order, their owner's entitlements, orphans.
@Suite("Licence keys through the billing applier")
struct LicenseApplierTests {
    static let t0 = Date(timeIntervalSince1970: 1_790_000_000)
    static let catalog = Catalog(plans: [
        .init(code: "pro_lifetime", name: "Pro (lifetime)", entitlements: ["scritorio_pro"],
              prices: ["lemonsqueezy": ["test": ["5"], "live": ["50"]]], license: LicensePolicy(activationLimit: 2)),
    ])

    static func key(_ status: LicenseStatus, at offset: TimeInterval, user: UserID?, variant: String = "5", id: String = "91872") -> LicenseKeyChange {
        LicenseKeyChange(
            provider: .lemonSqueezy, mode: .test, providerLicenseID: id, key: "key-\(id)", status: status, activationLimit: 2,
            expiresAt: nil, providerUpdatedAt: t0.addingTimeInterval(offset), customerID: "77", orderID: "88", storeID: "1",
            productID: "4", variantID: variant, userID: user, email: "nobody-\(id)@example.com")
    }

    static func plan(_ user: UserID, _ db: SQLConnection) async throws -> MemberPlan {
        EntitlementSet.plan(for: try await BillingRepository.grants(of: user, on: db), at: t0.addingTimeInterval(100))
    }

    @Test("a key grants its plan to its owner; older states are stale; disabling revokes", arguments: TestStores.kinds)
    func grants(kind: StoreKind) async throws {
        try await TestStores.with(kind) { database in
            let applier = BillingApplier(catalog: Self.catalog, grace: 0)
            let user = UserID.random()
            let now = Self.t0.addingTimeInterval(100)
            let applied = try await database.transaction { try await applier.apply(.license(Self.key(.inactive, at: 10, user: user)), now: now, on: $0) }
            #expect(applied == .applied(user))
            let (plan, grants, licenses) = try await database.read { db in
                (try await Self.plan(user, db), try await BillingRepository.grants(of: user, on: db), try await LicenseRepository.licenses(of: user, on: db))
            }
            #expect(plan == .pro && licenses.first?.planCode == "pro_lifetime")
            #expect(grants.count == 1 && grants.first.map { if case .license = $0.source { true } else { false } } == true)
            let stale = try await database.transaction { try await applier.apply(.license(Self.key(.disabled, at: 5, user: user)), now: now, on: $0) }
            #expect(stale == .stale)
            #expect(try await database.read { try await Self.plan(user, $0) } == .pro)
            // The seller disables the key (a refund): access ends; the key stays, disabled.
            _ = try await database.transaction { try await applier.apply(.license(Self.key(.disabled, at: 20, user: nil)), now: now, on: $0) }
            let (after, stored) = try await database.read { db in
                (try await Self.plan(user, db), try await LicenseRepository.licenses(of: user, on: db))
            }
            #expect(after == .free && stored.first?.status == .disabled)
        }
    }

    @Test("a key without a variant (as Lemon Squeezy sends it) takes its subscription's, whichever arrives first", arguments: TestStores.kinds)
    func variantFromSubscription(kind: StoreKind) async throws {
        try await TestStores.with(kind) { database in
            let applier = BillingApplier(catalog: Self.catalog, grace: 0)
            for keyFirst in [true, false] {
                let user = UserID.random()
                let suffix = keyFirst ? "1" : "2"
                var key = Self.key(.active, at: 10, user: user, id: "70\(suffix)")
                key.variantID = nil
                key.orderID = "order-\(suffix)"
                let subscription = SubscriptionChange(
                    provider: .lemonSqueezy, mode: .test, subscriptionID: "sub-\(suffix)", customerID: "77", userID: user,
                    status: .canceled, priceIDs: ["5"], currentPeriodStart: Self.t0, currentPeriodEnd: Self.t0,
                    scheduledCancelAt: nil, canceledAt: Self.t0, occurredAt: Self.t0, firstOrderID: "order-\(suffix)")
                let events: [BillingEvent] = keyFirst ? [.license(key), .subscription(subscription)] : [.subscription(subscription), .license(key)]
                for event in events {
                    _ = try await database.transaction { try await applier.apply(event, now: Self.t0.addingTimeInterval(100), on: $0) }
                }
                let (plan, stored) = try await database.read { db in
                    (try await Self.plan(user, db), try await LicenseRepository.licenses(of: user, on: db))
                }
                #expect(stored.first?.variantID == "5" && stored.first?.planCode == "pro_lifetime", "key first: \(keyFirst)")
                // The subscription has ended: a key sold with it grants nothing on its own.
                #expect(plan == .free, "key first: \(keyFirst)")
            }
        }
    }

    @Test("a key of a one-off purchase (no subscription) takes its order's variant and plan, whichever arrives first; a refund ends it", arguments: TestStores.kinds)
    func variantFromOrder(kind: StoreKind) async throws {
        try await TestStores.with(kind) { database in
            let applier = BillingApplier(catalog: Self.catalog, grace: 0)
            for keyFirst in [true, false] {
                let user = UserID.random()
                let suffix = keyFirst ? "1" : "2"
                var key = Self.key(.active, at: 10, user: user, id: "60\(suffix)")
                key.variantID = nil
                key.orderID = "one-off-\(suffix)"
                let order = OrderChange(
                    provider: .lemonSqueezy, mode: .test, orderID: "one-off-\(suffix)", customerID: "77", subscriptionID: nil, userID: user,
                    status: "paid", priceIDs: ["5"], currency: "USD", totalMinor: 4_900, occurredAt: Self.t0)
                let events: [BillingEvent] = keyFirst ? [.license(key), .order(order)] : [.order(order), .license(key)]
                for event in events {
                    _ = try await database.transaction { try await applier.apply(event, now: Self.t0.addingTimeInterval(100), on: $0) }
                }
                let (plan, stored, grants) = try await database.read { db in
                    (try await Self.plan(user, db), try await LicenseRepository.licenses(of: user, on: db), try await BillingRepository.grants(of: user, on: db))
                }
                #expect(stored.first?.variantID == "5" && stored.first?.planCode == "pro_lifetime", "key first: \(keyFirst)")
                #expect(plan == .pro)
                #expect(grants.contains { if case .license = $0.source { $0.revokedAt == nil } else { false } }, "the key grants on its own too")
                // The seller refunds: the order's grant and the key both end, whatever the provider says of the key.
                var refund = order
                refund.status = "refunded"
                refund.occurredAt = Self.t0.addingTimeInterval(50)
                let refundEvent = BillingEvent.order(refund)
                _ = try await database.transaction { try await applier.apply(refundEvent, now: Self.t0.addingTimeInterval(100), on: $0) }
                let (after, keys) = try await database.read { db in
                    (try await Self.plan(user, db), try await LicenseRepository.licenses(of: user, on: db))
                }
                #expect(after == .free && keys.first?.status == .disabled, "key first: \(keyFirst)")
            }
            // A key arriving after its order was refunded takes nothing from it.
            let late = UserID.random()
            let refunded = OrderChange(
                provider: .lemonSqueezy, mode: .test, orderID: "one-off-3", customerID: "77", subscriptionID: nil, userID: late,
                status: "refunded", priceIDs: ["5"], currency: "USD", totalMinor: 4_900, occurredAt: Self.t0)
            var key = Self.key(.active, at: 10, user: late, id: "603")
            key.variantID = nil
            key.orderID = "one-off-3"
            for event in [BillingEvent.order(refunded), .license(key)] {
                _ = try await database.transaction { try await applier.apply(event, now: Self.t0.addingTimeInterval(100), on: $0) }
            }
            let (latePlan, lateKeys) = try await database.read { db in
                (try await Self.plan(late, db), try await LicenseRepository.licenses(of: late, on: db))
            }
            #expect(latePlan == .free && lateKeys.first?.variantID == nil)
        }
    }

    @Test("no owner: the key is stored (an app can use it) and the event is an orphan; an admin's link applies it", arguments: TestStores.kinds)
    func orphans(kind: StoreKind) async throws {
        try await TestStores.with(kind) { database in
            let applier = BillingApplier(catalog: Self.catalog, grace: 0)
            let change = Self.key(.active, at: 10, user: nil, id: "555")
            let first = try await database.transaction { try await applier.apply(.license(change), now: Self.t0, on: $0) }
            #expect(first == .orphan)
            #expect(try await database.read { try await LicenseRepository.license(keyHash: LicenseKeyDigest.hash("key-555"), on: $0) }?.userID == nil)
            let linked = UserID.random()
            let relinked = try await database.transaction { try await applier.apply(.license(change), now: Self.t0, linkedUser: linked, on: $0) }
            #expect(relinked == .applied(linked))
            #expect(try await database.read { try await LicenseRepository.licenses(of: linked, on: $0) }.count == 1)
            // A live variant reaching a test-mode key is a set-up mistake: refused, nothing stored.
            let wrong = Self.key(.active, at: 10, user: linked, variant: "50", id: "556")
            let refused = try await database.transaction { try await applier.apply(.license(wrong), now: Self.t0, on: $0) }
            #expect(refused == .wrongMode)
            #expect(try await database.read { try await LicenseRepository.license(keyHash: LicenseKeyDigest.hash("key-556"), on: $0) } == nil)
        }
    }
}
