import Foundation
import Logging
import ScritorioAPI
import ScritorioCore
import ScritorioProviders
import ScritorioStore
import ServiceLifecycle

/// Repairs drift between Scritorio and Paddle: for subscriptions that look stale it fetches the current state
/// from Paddle's API and applies it through the same applier as webhooks (so an older answer never overwrites a
/// newer stored state). A lost webhook costs at most one reconciliation interval.
struct PaddleReconciler: Sendable {
    let database: Database
    let applier: BillingApplier
    let paddle: PaddleClient
    let mode: BillingMode
    let now: @Sendable () -> Date
    let logger: Logger
    /// Subscriptions not heard of for this long are checked even if nothing looks wrong.
    var quietPeriod: TimeInterval = 86_400
    var batchSize = 100

    func reconcileOnce() async throws -> ReconcileReport {
        let start = now()
        let candidates = try await database.read { db in
            try await BillingRepository.reconciliationCandidates(
                provider: .paddle, mode: mode, now: start, quietSince: start.addingTimeInterval(-quietPeriod), limit: batchSize, on: db)
        }
        var report = ReconcileReport()
        for id in candidates {
            report.checked += 1
            do {
                let info = try await paddle.getSubscription(id)
                let event = try paddleAPIEvent(
                    type: "subscription.updated", occurredAt: info.updatedAt ?? WireDate.format(start), raw: info.rawData, mode: mode)
                let changed = try await database.transaction { db -> Bool in
                    let before = try await BillingRepository.subscription(provider: .paddle, id: id, on: db)
                    _ = try await applier.apply(event, now: start, on: db)
                    // Re-evaluating even an unchanged subscription matters: a scheduled cancel or a grace period
                    // may have run out since the last event.
                    if let user = before?.userID { try await applier.recompute(user, now: start, on: db) }
                    let after = try await BillingRepository.subscription(provider: .paddle, id: id, on: db)
                    return before?.change.status != after?.change.status
                        || before?.change.scheduledCancelAt != after?.change.scheduledCancelAt
                        || before?.change.trialEndsAt != after?.change.trialEndsAt
                        || before?.change.currentPeriodEnd != after?.change.currentPeriodEnd
                }
                if changed { report.changed += 1 }
            } catch {
                report.failed += 1
                logger.warning("reconciliation of a subscription failed", metadata: ["subscription": "\(id)", "error": "\(error)"])
            }
        }
        return report
    }
}
