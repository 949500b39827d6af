import Foundation
import Logging
import ScritorioAPI
import ScritorioCore
import ScritorioProviders
@testable import ScritorioServer
import ScritorioStore
import ScritorioTestSupport
import Synchronization
import Testing

@Suite("Reconciliation")
struct ReconcilerTests {
    @Test("a lost cancellation is repaired from Paddle's API; a healthy subscription is left alone", arguments: TestStores.kinds)
    func repairsDrift(kind: StoreKind) async throws {
        let asked = Mutex<[String]>([])
        var client = PaddleClient.unimplemented
        client.getSubscription = { id in
            asked.withLock { $0.append(id) }
            let raw = #"{"id":"\#(id)","status":"canceled","customer_id":"ctm_1","custom_data":null,"items":[{"price":{"id":"pri_01sandboxpromonthly0000000"}}],"current_billing_period":null,"scheduled_change":null,"canceled_at":"\#(WireDate.format(Date().addingTimeInterval(-3600)))","updated_at":"\#(WireDate.format(Date().addingTimeInterval(-3600)))"}"#
            return PaddleSubscriptionInfo(
                id: id, status: "canceled", customerID: "ctm_1", nextBilledAt: nil, scheduledChangeAction: nil,
                scheduledChangeAt: nil, updatePaymentMethodURL: nil, cancelURL: nil,
                updatedAt: WireDate.format(Date().addingTimeInterval(-3600)), rawData: Data(raw.utf8))
        }
        let paddle = client
        try await TestStores.with(kind) { database in
            let applier = BillingApplier(catalog: .sandbox, grace: 7 * 86_400)
            let now = Date()
            let user = UserID.random()
            // The renewal or end of this one never arrived: its period is over.
            let lost = BillingEvent.subscription(SubscriptionChange(
                provider: .paddle, mode: .test, subscriptionID: "sub_lost", customerID: "ctm_1", userID: user, status: .active,
                priceIDs: ["pri_01sandboxpromonthly0000000"], currentPeriodStart: now.addingTimeInterval(-40 * 86_400),
                currentPeriodEnd: now.addingTimeInterval(-86_400), scheduledCancelAt: nil, canceledAt: nil,
                occurredAt: now.addingTimeInterval(-2 * 86_400)))
            _ = try await database.transaction { try await applier.apply(lost, now: now, on: $0) }
            let reconciler = PaddleReconciler(
                database: database, applier: applier, paddle: paddle, mode: .test, now: { now }, logger: Logger(label: "test"),
                quietPeriod: 7 * 86_400)
            let report = try await reconciler.reconcileOnce()
            #expect(report == ReconcileReport(checked: 1, changed: 1, failed: 0))
            #expect(asked.withLock { $0 } == ["sub_lost"])
            let stored = try await database.read { try await BillingRepository.subscription(provider: .paddle, id: "sub_lost", on: $0) }
            #expect(stored?.change.status == .canceled)
            let member = try await database.read { try await MemberRepository.find(userID: user, now: Date(), on: $0) }
            #expect(member?.plan == .free)
            // Nothing stale is left to check.
            #expect(try await reconciler.reconcileOnce().checked == 0)
        }
    }
}
