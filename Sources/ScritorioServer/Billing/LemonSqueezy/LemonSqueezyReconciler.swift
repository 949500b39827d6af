import Foundation
import Logging
import ScritorioCore
import ScritorioProviders
import ScritorioStore

/// Repairs drift between Scritorio and Lemon Squeezy, which gives up on a webhook after its last retry (about
/// two and a half minutes): every subscription of the store is read from `GET /v1/subscriptions` and applied
/// through the same applier as webhooks, so an older answer never overwrites a newer stored state, a lost
/// `subscription_created` of a known customer is recovered, and grants are re-evaluated (an `ends_at` may have
/// passed since the last event).
struct LemonSqueezyReconciler: Sendable {
    let database: Database
    let applier: BillingApplier
    let client: LemonSqueezyClient
    let config: LemonSqueezyConfig
    let now: @Sendable () -> Date
    let logger: Logger
    /// Bounds one pass (100 subscriptions a page).
    var maxPages = 50

    func reconcileOnce() async throws -> ReconcileReport {
        guard let store = config.storeID else { return ReconcileReport() }
        let start = now()
        var report = ReconcileReport()
        var page = 1
        var lastPage = 1
        repeat {
            let answer = try await client.listSubscriptions(store, page)
            lastPage = answer.lastPage
            for object in answer.subscriptions {
                report.checked += 1
                do {
                    let events = try LemonSqueezyEventDecoder.decode(apiSubscription: object.rawData, mode: config.mode)
                    if try await apply(events, id: object.id, at: start) { report.changed += 1 }
                } catch {
                    report.failed += 1
                    logger.warning("reconciliation of a Lemon Squeezy subscription failed", metadata: [
                        "subscription": "\(object.id)", "error": "\(error)",
                    ])
                }
            }
            page += 1
        } while page <= min(lastPage, maxPages)
        return report
    }

    /// Applies one subscription as the API describes it (its customer first, so a subscription never heard of can
    /// still find its user by email); returns whether its stored state changed.
    private func apply(_ events: [BillingEvent], id: String, at start: Date) async throws -> Bool {
        try await database.transaction { db -> Bool in
            let before = try await BillingRepository.subscription(provider: .lemonSqueezy, id: id, on: db)
            for event in events { _ = try await applier.apply(event, now: start, on: db) }
            if let user = before?.userID { try await applier.recompute(user, now: start, on: db) }
            let after = try await BillingRepository.subscription(provider: .lemonSqueezy, id: id, on: db)
            return before?.change.status != after?.change.status || before?.change.canceledAt != after?.change.canceledAt
                || before?.change.currentPeriodEnd != after?.change.currentPeriodEnd
                || before?.change.pausedWithAccess != after?.change.pausedWithAccess
        }
    }
}
