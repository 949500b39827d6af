import Foundation
import Logging
import ScritorioCore
import ScritorioStore
import ServiceLifecycle

/// Applies stored webhook events in the background: claims due events in batches, applies each in its own
/// transaction, and records the outcome. A failing event is retried with exponential back-off and parked after
/// `maxAttempts`, so it never blocks the others. Safe to run on several replicas (claims are leased).
///
/// Up to `workers` events are applied at once, but never two that touch the same user, customer, subscription or
/// order (`BillingEvent.touchedKeys`): those wait their turn in the provider's order, here by the scheduler and
/// across replicas by a lock on their keys in the transaction (`WebhookQueue.lock`).
///
/// On graceful shutdown it stops between events, never inside one: the events being applied are finished and
/// their outcomes recorded, and the rest of the batch is released for the next start.
struct WebhookProcessor: Service {
    let database: Database
    let applier: BillingApplier
    let now: @Sendable () -> Date
    let logger: Logger
    var interval: Duration = .milliseconds(250)
    var batchSize = 200
    /// Events applied at once. A single SQLite writer gains little from more than a couple.
    var workers = 1
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

    /// A claimed event with what it decoded to and the keys it touches.
    private struct Job: Sendable {
        var event: ClaimedWebhookEvent
        var decoded: Result<Decoded, any Error>
        var keys: Set<String>
    }

    /// Processes one batch; returns how many events it handled.
    @discardableResult
    func drainOnce() async throws -> Int {
        let start = now()
        let batch = try await database.transaction { db in
            try await WebhookQueue.claim(limit: batchSize, now: start, leaseUntil: start.addingTimeInterval(60), on: db)
        }
        var waiting = batch.map { event in
            let decoded = Result(catching: { try decode(event) })
            var keys: Set<String> = []
            if case .success(let result) = decoded {
                for part in result.before + [result.event] + result.after { keys.formUnion(part.touchedKeys) }
            }
            if let linked = event.linkedUserID { keys.insert("user:\(linked)") }
            return Job(event: event, decoded: decoded, keys: keys)
        }[...]
        let parallel = max(1, workers)
        return await withTaskGroup(of: Set<String>.self) { group in
            var handled = 0
            var running = 0
            var busy: Set<String> = []
            while true {
                if !waiting.isEmpty, Task.isShuttingDownGracefully || Task.isCancelled {
                    let rest = waiting.map(\.event.id)
                    waiting = []
                    try? await database.transaction { db in try await WebhookQueue.release(ids: rest, on: db) }
                }
                // Start every job whose keys are free, in order; a job that must wait holds its keys for the jobs
                // after it, so events of one user keep the provider's order.
                var blocked = busy
                var index = waiting.startIndex
                while running < parallel, index < waiting.endIndex {
                    let job = waiting[index]
                    if job.keys.isDisjoint(with: blocked) {
                        waiting.remove(at: index)
                        busy.formUnion(job.keys)
                        blocked.formUnion(job.keys)
                        running += 1
                        group.addTask {
                            await process(job)
                            return job.keys
                        }
                    } else {
                        blocked.formUnion(job.keys)
                        index += 1
                    }
                }
                guard let done = await group.next() else { break }
                running -= 1
                handled += 1
                busy.subtract(done)
            }
            return handled
        }
    }

    /// The stored event read as billing events: the one that decides the outcome, with what is applied before and
    /// after it, and whether it belongs to the other mode.
    private struct Decoded: Sendable {
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

    private func process(_ job: Job) async {
        let event = job.event
        let at = now()
        let decodedEvent: Decoded
        switch job.decoded {
        case .success(let decoded):
            decodedEvent = decoded
        case .failure(let error):
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
            let keys = job.keys
            try await database.transaction(redoable: true) { db in
                try await WebhookQueue.lock(keys: keys, on: db)
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
