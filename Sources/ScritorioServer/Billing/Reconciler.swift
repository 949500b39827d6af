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
struct Reconciler: Sendable {
    let database: Database
    let applier: BillingApplier
    let paddle: PaddleClient
    let mode: BillingMode
    let now: @Sendable () -> Date
    let logger: Logger
    /// Subscriptions not heard of for this long are checked even if nothing looks wrong.
    var quietPeriod: TimeInterval = 86_400
    var batchSize = 100

    struct Report: Equatable, Sendable {
        var checked = 0
        var changed = 0
        var failed = 0
    }

    func reconcileOnce() async throws -> Report {
        let start = now()
        let candidates = try await database.read { db in
            try await BillingRepository.reconciliationCandidates(
                provider: .paddle, mode: mode, now: start, quietSince: start.addingTimeInterval(-quietPeriod), limit: batchSize, on: db)
        }
        var report = Report()
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

/// Runs the reconcilers (one per configured provider) periodically for the process's lifetime.
struct ReconcileService: Service {
    let passes: [@Sendable () async throws -> Reconciler.Report]
    let interval: Duration
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                if Task.isCancelled { break }
                for pass in passes {
                    if let report = try? await pass(), report.checked > 0 {
                        logger.info("reconciled subscriptions", metadata: [
                            "checked": "\(report.checked)", "changed": "\(report.changed)", "failed": "\(report.failed)",
                        ])
                    }
                }
            }
        }
    }
}

/// One reconciliation pass, for `scritorio billing reconcile`: Paddle's stale-looking subscriptions and/or every
/// subscription of the Lemon Squeezy store, whichever clients are given.
public func reconcileBilling(
    config: AppConfig, database: Database, paddle: PaddleClient?, lemonSqueezy: LemonSqueezyClient? = nil, logger: Logger
) async throws -> (checked: Int, changed: Int, failed: Int) {
    let applier = try BillingApplier(config: config)
    var total = Reconciler.Report()
    var reports: [Reconciler.Report] = []
    if let paddle {
        reports.append(try await Reconciler(
            database: database, applier: applier, paddle: paddle, mode: config.paddle.mode, now: { Date() }, logger: logger
        ).reconcileOnce())
    }
    if let lemonSqueezy {
        reports.append(try await LemonSqueezyReconciler(
            database: database, applier: applier, client: lemonSqueezy, config: config.lemonSqueezy, now: { Date() }, logger: logger
        ).reconcileOnce())
    }
    for report in reports {
        total.checked += report.checked
        total.changed += report.changed
        total.failed += report.failed
    }
    return (total.checked, total.changed, total.failed)
}
