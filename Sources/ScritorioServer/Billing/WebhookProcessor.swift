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
    /// Events (touching nothing in common) applied in one transaction.
    var eventsPerTransaction = 8
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
        let together = max(1, eventsPerTransaction)
        return await withTaskGroup(of: (keys: Set<String>, count: Int).self) { group in
            var handled = 0
            var running = 0
            var busy: Set<String> = []
            while true {
                if !waiting.isEmpty, Task.isShuttingDownGracefully || Task.isCancelled {
                    let rest = waiting.map(\.event.id)
                    waiting = []
                    try? await database.transaction { db in try await WebhookQueue.release(ids: rest, on: db) }
                }
                // Start every job whose keys are free, in order, up to `together` in one transaction; a job that
                // must wait holds its keys for the jobs after it, so events of one user keep the provider's order.
                var blocked = busy
                var index = waiting.startIndex
                while running < parallel, index < waiting.endIndex {
                    var jobs: [Job] = []
                    var keys: Set<String> = []
                    while jobs.count < together, index < waiting.endIndex {
                        let job = waiting[index]
                        if job.keys.isDisjoint(with: blocked) {
                            waiting.remove(at: index)
                            jobs.append(job)
                            keys.formUnion(job.keys)
                        } else {
                            index += 1
                        }
                        blocked.formUnion(job.keys)
                    }
                    guard !jobs.isEmpty else { break }
                    busy.formUnion(keys)
                    running += 1
                    group.addTask {
                        await process(jobs)
                        return (keys, jobs.count)
                    }
                }
                guard let done = await group.next() else { break }
                running -= 1
                handled += done.count
                busy.subtract(done.keys)
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

    /// Applies `jobs` (events that touch nothing in common) in one transaction, which saves a commit and the
    /// transaction's set-up per event. If any of them fails, the transaction is undone and each is applied on its
    /// own, so only the failing one counts an attempt.
    private func process(_ jobs: [Job]) async {
        var readable: [(job: Job, decoded: Decoded)] = []
        for job in jobs {
            if case .success(let decoded) = job.decoded { readable.append((job, decoded)) } else { await process(job) }
        }
        guard readable.count > 1 else {
            for item in readable { await process(item.job) }
            return
        }
        let at = now()
        let keys = readable.reduce(into: Set<String>()) { $0.formUnion($1.job.keys) }
        let together = readable
        do {
            let outcomes = try await database.transaction(redoable: true) { db in
                try await WebhookQueue.lock(keys: keys, on: db)
                var outcomes: [(ClaimedWebhookEvent, BillingApplier.Outcome)] = []
                for item in together { outcomes.append((item.job.event, try await apply(item.job.event, item.decoded, at: at, on: db))) }
                return outcomes
            }
            for (event, outcome) in outcomes { report(event, outcome) }
        } catch {
            for item in readable { await process(item.job) }
        }
    }

    private func process(_ job: Job) async {
        let event = job.event
        let at = now()
        let decoded: Decoded
        switch job.decoded {
        case .success(let value):
            decoded = value
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
            let keys = job.keys
            let outcome = try await database.transaction(redoable: true) { db in
                try await WebhookQueue.lock(keys: keys, on: db)
                return try await apply(event, decoded, at: at, on: db)
            }
            report(event, outcome)
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

    /// Applies one event inside the caller's transaction and records its outcome there.
    private func apply(_ event: ClaimedWebhookEvent, _ decoded: Decoded, at: Date, on db: SQLConnection) async throws -> BillingApplier.Outcome {
        var outcome = BillingApplier.Outcome.wrongMode
        if !decoded.otherMode {
            for extra in decoded.before { _ = try await applier.apply(extra, now: at, linkedUser: event.linkedUserID, on: db) }
            outcome = try await applier.apply(decoded.event, now: at, linkedUser: event.linkedUserID, on: db)
            for extra in decoded.after { _ = try await applier.apply(extra, now: at, linkedUser: event.linkedUserID, on: db) }
        }
        let (status, user): (WebhookEventStatus, UserID?) = switch outcome {
        case .applied(let user): (.processed, user)
        case .stale: (.stale, nil)
        case .ignored: (.ignored, nil)
        case .orphan: (.orphan, nil)
        case .wrongMode: (.wrongMode, nil)
        }
        try await WebhookQueue.finish(id: event.id, status: status, userID: user, now: at, on: db)
        return outcome
    }

    /// Logs what an operator must hear about, once the outcome is committed.
    private func report(_ event: ClaimedWebhookEvent, _ outcome: BillingApplier.Outcome) {
        if case .wrongMode = outcome {
            logger.error("webhook event refused: it belongs to the other mode", metadata: ["event_id": "\(event.eventID)"])
        }
    }
}
