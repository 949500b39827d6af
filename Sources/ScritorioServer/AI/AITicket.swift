import ScritorioCore
import ScritorioStore
import Synchronization

/// What a request holds between its reservation and its settlement: the reservation and the request's line in
/// the ledger (model, operation, request id). Settles exactly once, with what became of the upstream call; a
/// streamed answer dropped before its body ever runs settles on release as `abandoned`, so its reservation is
/// given back rather than held until the period ends.
final class AITicket: Sendable {
    let gateway: AIGateway
    let reservation: AIReservation
    let model: String
    let operation: AIOperation
    let requestID: String
    private let settled = Mutex(false)
    /// Words of the transcript relayed so far (transcriptions only): charged as counted, never as estimated.
    private let words = Mutex<Int64>(0)

    /// Records the words of the transcript the client was given.
    func count(words count: Int64) { words.withLock { $0 = count } }

    init(gateway: AIGateway, reservation: AIReservation, model: String, operation: AIOperation, requestID: String) {
        self.gateway = gateway
        self.reservation = reservation
        self.model = model
        self.operation = operation
        self.requestID = requestID
    }

    /// Settles the reservation to what `result` costs (`AISettlementRule`); later calls do nothing.
    func settle(_ result: AIUpstreamResult) async {
        guard settled.withLock({ let first = !$0; $0 = true; return first }) else { return }
        await gateway.settle(reservation, model: model, operation: operation, requestID: requestID, result, words: words.withLock { $0 })
    }

    deinit {
        guard !settled.withLock({ $0 }) else { return }
        let gateway = self.gateway, reservation = self.reservation, model = self.model, operation = self.operation
        let requestID = self.requestID
        Task { await gateway.settle(reservation, model: model, operation: operation, requestID: requestID, .abandoned) }
    }
}
