import Logging
import ScritorioStore

/// The meter on PostgreSQL, whose writers do not queue behind one another: each reservation is one autocommit
/// statement on a pooled connection, each settlement its own transaction (retried when refused).
struct AIPostgresMeter: AIMeter {
    let database: Database
    let logger: Logger
    var journal: AISettlementJournal?

    func reserve(_ reservation: AIReservation) async throws -> AIReservation? {
        // The conditional UPDATE is atomic by itself; no transaction around it saves two round trips.
        try await database.read { try await AIRepository.reserve(reservation, on: $0) }
    }

    func settle(_ settlement: AIRepository.Settlement) async {
        await AISettlementWriter.settle(settlement, database: database, logger: logger, journal: journal)
    }
}
