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

        /// The conditional reservation of this job, or of `count` jobs like it whose estimates sum to `estimate`.
        func reserve(estimate: AIUsage? = nil, count: Int64 = 1, on db: SQLConnection) async throws -> AIReservation? {
            let reserved = try await AIRepository.reserve(
                userID: userID, plan: plan, limits: limits, periods: periods, estimate: estimate ?? self.estimate, requests: count,
                now: now, on: db)
            return reserved.map { _ in AIReservation(userID: userID, periods: periods, estimate: self.estimate) }
        }

        /// Jobs that one statement can reserve together: same user, plan, limits and periods.
        struct GroupKey: Hashable {
            var userID: UserID
            var plan: String
            var limits: AILimits
            var periods: AIPeriods
        }

        var groupKey: GroupKey { GroupKey(userID: userID, plan: plan, limits: limits, periods: periods) }
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
                // A lone reservation is one conditional UPDATE, atomic by itself: no BEGIN and COMMIT around it
                // (two trips to the writer fewer on a quiet server, where every request is its own batch).
                if batch.isEmpty, let job = jobs.first, jobs.count == 1 {
                    let result = try await database.writeOne { try await job.reserve(on: $0) }
                    reserving[0].waiter.resume(returning: result)
                    continue
                }
                let results = try await database.transaction { db in
                    // Settlements first: they can only give allowance back.
                    if !batch.isEmpty { try await AIRepository.settle(batch: batch, on: db) }
                    return try await Self.reserve(jobs, on: db)
                }
                for (entry, result) in zip(reserving, results) { entry.waiter.resume(returning: result) }
                for entry in settling { entry.waiter.resume() }
            } catch {
                // One bad job must not fail the others: run them one by one.
                logger.warning("AI batch write failed; retrying one by one", metadata: ["error": "\(error)"])
                for entry in settling {
                    await Self.settleAlone(entry.job, database: database, logger: logger)
                    entry.waiter.resume()
                }
                for entry in reserving {
                    let job = entry.job
                    do {
                        let result = try await database.transaction { try await job.reserve(on: $0) }
                        entry.waiter.resume(returning: result)
                    } catch {
                        entry.waiter.resume(throwing: error)
                    }
                }
            }
        }
        draining = false
    }

    /// Settles `job` in a transaction of its own, trying again after 0.05 s, 0.1 s, … 0.8 s when the store
    /// refuses: a lost settlement is a missing ledger row and a reservation held until its period ends. Runs
    /// outside any request's task, so a client that went away cannot cut it short. When the store still refuses
    /// after that (about 1.5 s), the answer goes out and the settlement is kept in memory and tried again in the
    /// background (a restart loses it: its reservation then stays held to the period's end).
    @discardableResult
    static func settleAlone(
        _ job: AIRepository.Settlement, database: Database, logger: Logger, background: BackgroundRetry = .standard
    ) async -> SettleOutcome {
        let attempts = 6
        for attempt in 0..<attempts {
            let error: any Error
            switch await write(job, database: database) {
            case .success(let outcome): return outcome
            case .failure(let failure): error = failure
            }
            let metadata: Logger.Metadata = ["request_id": "\(job.event.requestID)", "attempt": "\(attempt + 1)", "error": "\(error)"]
            guard attempt + 1 < attempts else {
                logger.error("AI settlement failed; kept and tried again in the background", metadata: metadata)
                Task.detached { await settleInBackground(job, database: database, logger: logger, retry: background) }
                return .deferred
            }
            logger.warning("AI settlement failed; trying again", metadata: metadata)
            try? await Task.sleep(for: .milliseconds(50 << attempt))
        }
        return .deferred
    }

    /// One attempt at `job` in a transaction of its own: written, found already written (a commit whose answer
    /// was lost leaves the ledger row, and the request id is unique), or the store's error.
    static func write(_ job: AIRepository.Settlement, database: Database) async -> Result<SettleOutcome, any Error> {
        do {
            try await database.transaction { try await AIRepository.settle(batch: [job], on: $0) }
            return .success(.written)
        } catch {
            if case StoreError.uniqueViolation = error,
                (try? await database.read { try await AIRepository.settled(requestID: job.event.requestID, on: $0) }) == true
            {
                return .success(.alreadyWritten)
            }
            return .failure(error)
        }
    }

    /// What became of a settlement tried on its own.
    enum SettleOutcome: Equatable {
        case written
        /// An earlier attempt had committed after all.
        case alreadyWritten
        /// Still refused: left to the background attempts.
        case deferred
    }

    /// How a settlement the store kept refusing is tried again: after `first`, doubling up to `longest`, for
    /// `patience` in all (a day: an outage longer than that needs an operator, and the log names each request).
    struct BackgroundRetry: Sendable {
        var first: Duration
        var longest: Duration
        var patience: Duration

        static let standard = BackgroundRetry(first: .seconds(2), longest: .seconds(60), patience: .seconds(86_400))
    }

    static func settleInBackground(_ job: AIRepository.Settlement, database: Database, logger: Logger, retry: BackgroundRetry) async {
        var delay = retry.first
        var waited = Duration.zero
        var attempt = 6
        while waited < retry.patience {
            try? await Task.sleep(for: delay)
            waited += delay
            attempt += 1
            switch await write(job, database: database) {
            case .success:
                logger.notice("AI settlement written in the background", metadata: ["request_id": "\(job.event.requestID)", "attempt": "\(attempt)"])
                return
            case .failure(let error):
                logger.warning(
                    "AI settlement still refused", metadata: ["request_id": "\(job.event.requestID)", "attempt": "\(attempt)", "error": "\(error)"])
            }
            delay = min(delay * 2, retry.longest)
        }
        logger.error(
            "AI settlement given up; the reservation stays held until its period ends", metadata: ["request_id": "\(job.event.requestID)"])
    }

    /// Reserves `jobs` in order, as one by one would: a user's requests of the batch are first tried as one sum
    /// (when it fits, each of them would have fitted in turn), and one by one only when it does not.
    static func reserve(_ jobs: [ReserveJob], on db: SQLConnection) async throws -> [AIReservation?] {
        var results = [AIReservation?](repeating: nil, count: jobs.count)
        var groups: [ReserveJob.GroupKey: [Int]] = [:]
        var order: [ReserveJob.GroupKey] = []
        for (index, job) in jobs.enumerated() {
            let key = job.groupKey
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(index)
        }
        for key in order {
            let members = groups[key] ?? []
            if members.count > 1 {
                let sum = members.reduce(AIUsage()) { total, index in
                    AIUsage(inputTokens: total.totalTokens + jobs[index].estimate.totalTokens,
                            audioSeconds: total.audioSeconds + jobs[index].estimate.audioSeconds)
                }
                if try await jobs[members[0]].reserve(estimate: sum, count: Int64(members.count), on: db) != nil {
                    for index in members { results[index] = AIReservation(userID: key.userID, periods: key.periods, estimate: jobs[index].estimate) }
                    continue
                }
            }
            for index in members { results[index] = try await jobs[index].reserve(on: db) }
        }
        return results
    }
}
