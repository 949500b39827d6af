/// How one AI request ended, in the ledger's words: the raw value is what `ai_usage_events.outcome` stores.
///
/// The stored strings are the ledger's vocabulary, read by operators and reports, so a case may be renamed but
/// its raw value never changes.
public enum AIOutcome: String, Sendable, CaseIterable, Codable {
    /// The upstream answered (any status below 400) and the answer was relayed.
    case ok
    /// The upstream answered an error (400 and up, other than 401), passed through as it was.
    case upstreamError = "upstream_error"
    /// The upstream refused the gateway's own key (401).
    case upstreamAuth = "upstream_auth"
    /// Sent and not answered in time.
    case timeout
    /// The client went away (or its handler was cancelled) before the answer was whole.
    case cancelled
    /// The connection failed after the request may have reached the upstream.
    case interrupted
    /// The upstream could not be reached: nothing was sent.
    case unreachable
    /// The answer broke off before it was whole.
    case failed
    /// Refused before the upstream: an allowance (requests or tokens per day or month, audio seconds) is used up.
    case quotaExceeded = "quota_exceeded"
    /// Refused before the upstream: too many requests this minute, or the allowance was busy.
    case rateLimited = "rate_limited"
    /// Not a request at all: words the app counted on the device (`POST /v1/me/usage/words`).
    case reported
}
