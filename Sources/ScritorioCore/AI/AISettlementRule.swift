/// What a reserved request owes, decided in one place from what became of its upstream call.
///
/// OpenAI bills the work it did, whether or not its answer arrived. So a call that may have reached the upstream
/// is charged the usage the upstream reported, or its whole reservation when it reported none (the estimate
/// bounds the real use from above). A call that certainly did no billable work (never sent, refused with an
/// error, which OpenAI does not bill) costs nothing and gives its reservation back.
public enum AISettlementRule {
    /// The ledger line a result becomes: its outcome, the HTTP status recorded, and the usage charged.
    public struct Decision: Sendable, Equatable {
        public var outcome: AIOutcome
        /// The status the client was answered (499 when it went away before any answer).
        public var status: Int
        public var charged: AIUsage

        public init(outcome: AIOutcome, status: Int, charged: AIUsage) {
            self.outcome = outcome
            self.status = status
            self.charged = charged
        }
    }

    /// The settlement of `result` for a request that reserved `reserved`.
    public static func decide(_ result: AIUpstreamResult, reserved: AIUsage) -> Decision {
        let nothing = AIUsage()
        switch result {
        case .answered(let status, let usage):
            return Decision(outcome: .ok, status: status, charged: usage ?? reserved)
        case .upstreamError(let status):
            return Decision(outcome: .upstreamError, status: status, charged: nothing)
        case .keyRejected:
            // The gateway's own configuration failed the call; the caller answered 502 owes nothing.
            return Decision(outcome: .upstreamAuth, status: 502, charged: nothing)
        case .timedOut:
            return Decision(outcome: .timeout, status: 504, charged: reserved)
        case .bodyCut:
            return Decision(outcome: .failed, status: 504, charged: reserved)
        case .streamCut(let usage):
            // The stream's head (200) was already sent; part of the answer may have been produced.
            return Decision(outcome: .failed, status: 200, charged: usage ?? reserved)
        case .clientLeft(let usage):
            return Decision(outcome: .cancelled, status: 200, charged: usage ?? reserved)
        case .cancelled:
            return Decision(outcome: .cancelled, status: 499, charged: reserved)
        case .abandoned:
            return Decision(outcome: .cancelled, status: 499, charged: nothing)
        case .interrupted:
            return Decision(outcome: .interrupted, status: 502, charged: reserved)
        case .unreachable:
            return Decision(outcome: .unreachable, status: 502, charged: nothing)
        }
    }
}
