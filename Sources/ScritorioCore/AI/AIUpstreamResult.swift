/// What became of a reserved request's call upstream, as the gateway saw it: all its settlement is decided
/// from (`AISettlementRule`). The cases tell apart what costs differently, which the ledger's outcomes do not
/// always (a call abandoned before it was sent and one cancelled while the upstream worked are both `cancelled`).
public enum AIUpstreamResult: Sendable, Equatable {
    /// The upstream answered `status` (below 400) and the answer was relayed whole: a buffered answer, or a stream
    /// that ended. `usage` is what it reported, `nil` when it reported none.
    case answered(status: Int, usage: AIUsage?)
    /// The upstream answered an error (400 and up, other than 401), passed through as it was.
    case upstreamError(status: Int)
    /// The upstream refused the gateway's own key (401).
    case keyRejected
    /// Sent, and no answer (or not all of its head) arrived in time.
    case timedOut
    /// A buffered answer's body broke off before it was whole.
    case bodyCut
    /// A stream broke off after `usage` (if the upstream had reported it).
    case streamCut(usage: AIUsage?)
    /// The client went away while a stream was relayed, after `usage` (if the upstream had reported it).
    case clientLeft(usage: AIUsage?)
    /// The handler was cancelled while the upstream had the call.
    case cancelled
    /// Nothing was in flight when the client went away: the call was never sent, or its answer was dropped
    /// before any of it was relayed.
    case abandoned
    /// The connection failed after the request may have reached the upstream.
    case interrupted
    /// The upstream could not be reached at all.
    case unreachable
}
