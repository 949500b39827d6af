import Foundation
import Logging
import ScritorioStore

/// A settlement written on its own, as both meters need it (PostgreSQL for every settlement, SQLite's group
/// commit for those of a batch that failed): a lost settlement is a missing ledger row and a reservation held
/// until its period ends, so a store that refuses is tried again, first while the client waits, then in the
/// background.
enum AISettlementWriter {
    /// What became of a settlement tried on its own.
    enum Outcome: Equatable {
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
        /// After a restart: the first attempt soon, the rest as usual.
        static let resumed = BackgroundRetry(first: .milliseconds(500), longest: .seconds(60), patience: .seconds(86_400))
    }

    /// Settles `job` in a transaction of its own, trying again after 0.05 s, 0.1 s, … 0.8 s when the store
    /// refuses. Runs outside any request's task, so a client that went away cannot cut it short. When the store
    /// still refuses after that (about 1.5 s), the answer goes out and the settlement is kept in the `journal`
    /// (on disk, so a restart resumes it) and tried again in the background.
    @discardableResult
    static func settle(
        _ job: AIRepository.Settlement, database: Database, logger: Logger, background: BackgroundRetry = .standard,
        journal: AISettlementJournal? = nil
    ) async -> Outcome {
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
                do {
                    try journal?.keep(job)
                } catch {
                    logger.error("AI settlement could not be kept on disk; a restart would lose it", metadata: ["request_id": "\(job.event.requestID)", "error": "\(error)"])
                }
                Task.detached { await settleInBackground(job, database: database, logger: logger, retry: background, journal: journal) }
                return .deferred
            }
            logger.warning("AI settlement failed; trying again", metadata: metadata)
            try? await Task.sleep(for: .milliseconds(50 << attempt))
        }
        return .deferred
    }

    /// One attempt at `job` in a transaction of its own: written, found already written (a commit whose answer
    /// was lost leaves the ledger row, and the request id is unique), or the store's error.
    static func write(_ job: AIRepository.Settlement, database: Database) async -> Result<Outcome, any Error> {
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

    /// The background attempts, after the six in the foreground.
    static func settleInBackground(
        _ job: AIRepository.Settlement, database: Database, logger: Logger, retry: BackgroundRetry, journal: AISettlementJournal? = nil
    ) async {
        var delay = retry.first
        var waited = Duration.zero
        var attempt = 6
        while waited < retry.patience {
            try? await Task.sleep(for: delay)
            // Cancelled (the process is stopping): the journal keeps the settlement for the next start.
            if Task.isCancelled { return }
            waited += delay
            attempt += 1
            switch await write(job, database: database) {
            case .success:
                logger.notice("AI settlement written in the background", metadata: ["request_id": "\(job.event.requestID)", "attempt": "\(attempt)"])
                journal?.done(job.event.requestID)
                return
            case .failure(let error):
                logger.warning(
                    "AI settlement still refused", metadata: ["request_id": "\(job.event.requestID)", "attempt": "\(attempt)", "error": "\(error)"])
            }
            delay = min(delay * 2, retry.longest)
        }
        // Kept in the journal: the next start tries it again.
        logger.error(
            "AI settlement given up until the next start; the reservation stays held meanwhile", metadata: ["request_id": "\(job.event.requestID)"])
    }
}
