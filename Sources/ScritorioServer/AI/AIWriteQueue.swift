import Foundation
import Logging
import ScritorioCore
import ScritorioStore

/// The meter on SQLite: a group commit, as its single writer would otherwise take two transactions per AI
/// request. The reservations and settlements that arrive while a transaction runs go into the next one together.
/// Each reservation is still its own conditional UPDATE, applied in order by the one writer, so the allowance is
/// as exact as one by one; each caller waits until its own transaction has committed.
actor AIWriteQueue: AIMeter {
    private let database: Database
    private let logger: Logger
    private let journal: AISettlementJournal?
    private var reserves: [(reservation: AIReservation, waiter: CheckedContinuation<AIReservation?, any Error>)] = []
    private var settles: [(job: AIRepository.Settlement, waiter: CheckedContinuation<Void, Never>)] = []
    private var draining = false

    init(database: Database, logger: Logger, journal: AISettlementJournal? = nil) {
        self.database = database
        self.logger = logger
        self.journal = journal
    }

    func reserve(_ reservation: AIReservation) async throws -> AIReservation? {
        try await withCheckedThrowingContinuation { waiter in
            reserves.append((reservation, waiter))
            start()
        }
    }

    /// Settles; never throws (a failure is retried on its own, then in the background).
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
            let asked = reserving.map(\.reservation)
            let batch = settling.map(\.job)
            do {
                // A lone reservation is one conditional UPDATE, atomic by itself: no BEGIN and COMMIT around it
                // (two trips to the writer fewer on a quiet server, where every request is its own batch).
                if batch.isEmpty, let reservation = asked.first, asked.count == 1 {
                    let result = try await database.writeOne { try await AIRepository.reserve(reservation, on: $0) }
                    reserving[0].waiter.resume(returning: result)
                    continue
                }
                let results = try await database.transaction { db in
                    // Settlements first: they can only give allowance back.
                    if !batch.isEmpty { try await AIRepository.settle(batch: batch, on: db) }
                    return try await Self.reserve(asked, on: db)
                }
                for (entry, result) in zip(reserving, results) { entry.waiter.resume(returning: result) }
                for entry in settling { entry.waiter.resume() }
            } catch {
                // One bad job must not fail the others: run them one by one.
                logger.warning("AI batch write failed; retrying one by one", metadata: ["error": "\(error)"])
                for entry in settling {
                    await AISettlementWriter.settle(entry.job, database: database, logger: logger, journal: journal)
                    entry.waiter.resume()
                }
                for entry in reserving {
                    let reservation = entry.reservation
                    do {
                        let result = try await database.transaction { try await AIRepository.reserve(reservation, on: $0) }
                        entry.waiter.resume(returning: result)
                    } catch {
                        entry.waiter.resume(throwing: error)
                    }
                }
            }
        }
        draining = false
    }

    /// Reservations that one statement can decide together: same user, plan, limits and periods.
    private struct GroupKey: Hashable {
        var userID: UserID
        var plan: String
        var limits: AILimits
        var periods: AIPeriods

        init(_ reservation: AIReservation) {
            userID = reservation.userID
            plan = reservation.plan
            limits = reservation.limits
            periods = reservation.periods
        }
    }

    /// Reserves `asked` in order, as one by one would: a user's requests of the batch are first tried as one sum
    /// (when it fits, each of them would have fitted in turn), and one by one only when it does not.
    static func reserve(_ asked: [AIReservation], on db: SQLConnection) async throws -> [AIReservation?] {
        var results = [AIReservation?](repeating: nil, count: asked.count)
        var groups: [GroupKey: [Int]] = [:]
        var order: [GroupKey] = []
        for (index, reservation) in asked.enumerated() {
            let key = GroupKey(reservation)
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(index)
        }
        for key in order {
            let members = groups[key] ?? []
            if members.count > 1 {
                let sum = members.reduce(AIUsage()) { total, index in
                    AIUsage(inputTokens: total.totalTokens + asked[index].estimate.totalTokens,
                            audioSeconds: total.audioSeconds + asked[index].estimate.audioSeconds)
                }
                let first = asked[members[0]]
                let granted = try await AIRepository.reserve(
                    userID: key.userID, plan: key.plan, limits: key.limits, periods: key.periods, estimate: sum,
                    requests: Int64(members.count), now: first.at, on: db)
                if granted != nil {
                    for index in members { results[index] = asked[index] }
                    continue
                }
            }
            for index in members { results[index] = try await AIRepository.reserve(asked[index], on: db) }
        }
        return results
    }
}
