import Foundation
import Logging
import ScritorioStore

/// Settlements the store refused, kept on disk until they are written, so a restart resumes them instead of
/// leaving their reservations held to the end of the period. One JSON file per request in the data directory
/// (`ai-settlements/`), written atomically: local disk, because the store is what was refusing. A replica resumes
/// its own; the ledger's unique request id makes a second write of one that did commit harmless.
struct AISettlementJournal: Sendable {
    let directory: String

    /// The journal of the server whose data directory is `dataDirectory`.
    static func of(dataDirectory: String) -> AISettlementJournal {
        AISettlementJournal(directory: dataDirectory + "/ai-settlements")
    }

    private func path(_ requestID: String) -> String {
        // Request ids are the gateway's own (`req_` and hex); anything else is kept out of the path.
        directory + "/" + String(requestID.unicodeScalars.filter { $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" }) + ".json"
    }

    /// Records `job` as pending.
    func keep(_ job: AIRepository.Settlement) throws {
        // Dates as Foundation keeps them (seconds since 2001, exactly), so a resumed settlement is the same one.
        try PrivateFile.write(try JSONEncoder().encode(job), to: path(job.event.requestID))
    }

    /// Forgets `requestID` once written (or given up).
    func done(_ requestID: String) {
        try? FileManager.default.removeItem(atPath: path(requestID))
    }

    /// Every pending settlement; unreadable files are skipped (and reported by the caller's count).
    func pending() -> [AIRepository.Settlement] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        let decoder = JSONDecoder()
        return names.filter { $0.hasSuffix(".json") }.sorted().compactMap { name in
            guard let data = FileManager.default.contents(atPath: directory + "/" + name) else { return nil }
            return try? decoder.decode(AIRepository.Settlement.self, from: data)
        }
    }

    /// Starts the background attempts of every pending settlement (at start-up).
    func resume(database: Database, logger: Logger, retry: AISettlementWriter.BackgroundRetry = .resumed) -> Int {
        let jobs = pending()
        for job in jobs {
            Task.detached {
                await AISettlementWriter.settleInBackground(job, database: database, logger: logger, retry: retry, journal: self)
            }
        }
        if !jobs.isEmpty { logger.notice("resuming AI settlements kept from before the restart", metadata: ["count": "\(jobs.count)"]) }
        return jobs.count
    }
}
