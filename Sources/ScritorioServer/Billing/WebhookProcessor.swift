import Foundation
import Logging
import ScritorioCore
import ScritorioStore
import ServiceLifecycle

/// Applies stored webhook events in the background: claims due events, applies each in its own transaction,
/// and records the outcome. A failing event is retried with exponential back-off and parked after
/// `maxAttempts`, so it never blocks the others. Safe to run on several replicas (claims are leased).
///
/// On graceful shutdown it stops between events, never inside one: the event being applied is finished and its
/// outcome recorded, and the rest of the batch is released for the next start.
struct WebhookProcessor: Service {
    let database: Database
    let applier: BillingApplier
    let now: @Sendable () -> Date
    let logger: Logger
    var interval: Duration = .milliseconds(250)
    var batchSize = 50
    var maxAttempts = 8
    /// The Lemon Squeezy mode this deployment runs in: events of the other mode are refused (`wrong_mode`).
    var lemonSqueezyMode: BillingMode = .test

    func run() async throws {
        // SQLite is one server's store: any lease in it was taken by this server before it stopped (a crash or a
        // kill -9), so the events it held are taken again at once instead of after their lease. (On PostgreSQL a
        // lease may be another live replica's; those expire.)
        if database.kind == .sqlite {
            try? await database.transaction { try await WebhookQueue.releaseAllLeases(on: $0) }
        }
        // Not cancelled on shutdown (cancelling a transaction half-way would count as a failed attempt); only the
        // idle wait is cut short.
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            let processed = (try? await drainOnce()) ?? 0
            if processed == 0 { try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) } }
        }
    }

    /// Processes one batch; returns how many events it handled.
    @discardableResult
    func drainOnce() async throws -> Int {
        let start = now()
        let batch = try await database.transaction { db in
            try await WebhookQueue.claim(limit: batchSize, now: start, leaseUntil: start.addingTimeInterval(60), on: db)
        }
        for (index, event) in batch.enumerated() {
            if Task.isShuttingDownGracefully || Task.isCancelled {
                let rest = batch[index...].map(\.id)
                try? await database.transaction { db in try await WebhookQueue.release(ids: rest, on: db) }
                return index
            }
            await process(event)
        }
        return batch.count
    }

    /// The stored event read as billing events: the one that decides the outcome, with what is applied before and
    /// after it, and whether it belongs to the other mode.
    private struct Decoded {
        var event: BillingEvent
        var before: [BillingEvent] = []
        var after: [BillingEvent] = []
        var otherMode = false
    }

    private func decode(_ event: ClaimedWebhookEvent) throws -> Decoded {
        switch event.provider {
        case .paddle:
            return Decoded(event: try PaddleEventDecoder.decode(Data(event.payload.utf8), mode: event.mode).event)
        case .lemonSqueezy:
            let body = try LemonSqueezyEventDecoder.decode(Data(event.payload.utf8))
            var decoded = Decoded(event: body.event, otherMode: body.mode != lemonSqueezyMode)
            if let customer = body.customer {
                if body.hasUser { decoded.after = [.customer(customer)] } else { decoded.before = [.customer(customer)] }
            }
            return decoded
        default:
            return Decoded(event: .ignored(type: "unsupported provider \(event.provider.rawValue)"))
        }
    }

    private func process(_ event: ClaimedWebhookEvent) async {
        let at = now()
        let decodedEvent: Decoded
        do {
            decodedEvent = try decode(event)
        } catch {
            // The stored bytes are what the provider signed and they never change: reading them again cannot succeed,
            // so the event is parked at once with the reason, for an operator (`scritorio admin events`), instead of
            // being retried for hours.
            logger.error("webhook event unreadable; parked", metadata: [
                "event_id": "\(event.eventID)", "provider": "\(event.provider.rawValue)", "error": "\(error)",
            ])
            try? await database.transaction { db in
                try await WebhookQueue.fail(
                    id: event.id, error: "unreadable: \(error)", attempts: event.attempts + 1, nextAttempt: at, park: true, on: db)
            }
            return
        }
        do {
            let decoded = decodedEvent.event
            let (first, then, refused) = (decodedEvent.before, decodedEvent.after, decodedEvent.otherMode)
            try await database.transaction { db in
                var outcome = BillingApplier.Outcome.wrongMode
                if !refused {
                    for extra in first { _ = try await applier.apply(extra, now: at, linkedUser: event.linkedUserID, on: db) }
                    outcome = try await applier.apply(decoded, now: at, linkedUser: event.linkedUserID, on: db)
                    for extra in then { _ = try await applier.apply(extra, now: at, linkedUser: event.linkedUserID, on: db) }
                }
                let (status, user): (WebhookEventStatus, UserID?) = switch outcome {
                case .applied(let user): (.processed, user)
                case .stale: (.stale, nil)
                case .ignored: (.ignored, nil)
                case .orphan: (.orphan, nil)
                case .wrongMode: (.wrongMode, nil)
                }
                if case .wrongMode = outcome {
                    logger.error("webhook event refused: it belongs to the other mode", metadata: ["event_id": "\(event.eventID)"])
                }
                try await WebhookQueue.finish(id: event.id, status: status, userID: user, now: at, on: db)
            }
        } catch {
            let attempts = event.attempts + 1
            let delay = min(pow(2, Double(attempts)) * 5, 3600)
            let park = attempts >= maxAttempts
            logger.error("webhook event failed", metadata: [
                "event_id": "\(event.eventID)", "attempts": "\(attempts)", "parked": "\(park)", "error": "\(error)",
            ])
            try? await database.transaction { db in
                try await WebhookQueue.fail(
                    id: event.id, error: "\(error)", attempts: attempts, nextAttempt: at.addingTimeInterval(delay), park: park, on: db)
            }
        }
    }
}
