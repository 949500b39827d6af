import ScritorioStore

/// Where the gateway writes reservations and settlements, chosen once at start-up for the store: SQLite's group
/// commit (`AIWriteQueue`) or PostgreSQL's one statement per pooled connection (`AIPostgresMeter`). Both decide
/// each reservation by the same conditional UPDATE, so the allowance holds the same either way.
protocol AIMeter: Sendable {
    /// The conditional reservation: `reservation` once granted, `nil` when a limit refused it.
    func reserve(_ reservation: AIReservation) async throws -> AIReservation?

    /// Writes a settlement. Never throws: one the store keeps refusing is retried (`AISettlementWriter`).
    func settle(_ settlement: AIRepository.Settlement) async
}
