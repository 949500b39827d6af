import Foundation
import Logging
import ScritorioCore
import ScritorioProviders
import ScritorioStore
import ServiceLifecycle

/// What one reconciliation pass did.
struct ReconcileReport: Equatable, Sendable {
    var checked = 0
    var changed = 0
    var failed = 0
}

/// Runs the reconcilers (one per configured provider) periodically for the process's lifetime.
struct ReconcileService: Service {
    let passes: [@Sendable () async throws -> ReconcileReport]
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
    var total = ReconcileReport()
    var reports: [ReconcileReport] = []
    if let paddle {
        reports.append(try await PaddleReconciler(
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
