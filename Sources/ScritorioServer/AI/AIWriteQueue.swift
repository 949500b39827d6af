import Foundation
import Logging
import ScritorioCore
import ScritorioStore

/// Group commit for SQLite, whose single writer would otherwise take two transactions per AI request: the
/// reservations and settlements that arrive while a transaction runs go into the next one together. Each
/// reservation is still its own conditional UPDATE, applied in order by the one writer, so the allowance is as
/// exact as one by one; each caller waits until its own transaction has committed.
actor AIWriteQueue {
    struct ReserveJob: Sendable {
        var userID: UserID
        var plan: String
        var limits: AILimits
        var periods: AIPeriods
        var estimate: AIUsage
        var now: Date
    }

    private let database: Database
    private let logger: Logger
    private var reserves: [(job: ReserveJob, waiter: CheckedContinuation<AIReservation?, any Error>)] = []
    private var settles: [(job: AIRepository.Settlement, waiter: CheckedContinuation<Void, Never>)] = []
    private var draining = false

    init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    func reserve(_ job: ReserveJob) async throws -> AIReservation? {
        try await withCheckedThrowingContinuation { waiter in
            reserves.append((job, waiter))
            start()
        }
    }

    /// Settles; never throws (a failure is logged, the reservation then stays held until the period ends).
    func settle(_ job: AIRepository.Settlement) async {
        await withCheckedContinuation { waiter in
            settles.append((job, waiter))
            start()
        }
    }

    private func start() {
        guard !draining else { return }
        draining = true
        Task { await self.drain() }
    }

    private func drain() async {
        while !reserves.isEmpty || !settles.isEmpty {
            let reserving = reserves
            let settling = settles
            reserves = []
            settles = []
            let jobs = reserving.map(\.job)
            let batch = settling.map(\.job)
            do {
                let results = try await database.transaction { db in
                    // Settlements first: they can only give allowance back.
                    if !batch.isEmpty { try await AIRepository.settle(batch: batch, on: db) }
                    var results: [AIReservation?] = []
                    for job in jobs {
                        results.append(try await AIRepository.reserve(
                            userID: job.userID, plan: job.plan, limits: job.limits, periods: job.periods, estimate: job.estimate,
                            now: job.now, on: db))
                    }
                    return results
                }
                for (entry, result) in zip(reserving, results) { entry.waiter.resume(returning: result) }
                for entry in settling { entry.waiter.resume() }
            } catch {
                // One bad job must not fail the others: run them one by one.
                logger.warning("AI batch write failed; retrying one by one", metadata: ["error": "\(error)"])
                for entry in settling {
                    let job = entry.job
                    do {
                        try await database.transaction { try await AIRepository.settle(batch: [job], on: $0) }
                    } catch {
                        logger.error("AI settlement failed", metadata: ["request_id": "\(job.event.requestID)", "error": "\(error)"])
                    }
                    entry.waiter.resume()
                }
                for entry in reserving {
                    let job = entry.job
                    do {
                        let result = try await database.transaction {
                            try await AIRepository.reserve(
                                userID: job.userID, plan: job.plan, limits: job.limits, periods: job.periods, estimate: job.estimate,
                                now: job.now, on: $0)
                        }
                        entry.waiter.resume(returning: result)
                    } catch {
                        entry.waiter.resume(throwing: error)
                    }
                }
            }
        }
        draining = false
    }
}
