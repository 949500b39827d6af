import Foundation
import HTTPTypes
import Hummingbird
import ScritorioCore
import Synchronization

/// In-memory token buckets keyed by rule and client (IP or email). Limits are per replica; they exist to blunt
/// brute force and mail abuse, not to meter paid usage (which lives in the database).
final class RateLimiter: Sendable {
    private let buckets = Mutex<[String: TokenBucket]>([:])
    private let maxKeys = 100_000

    /// Takes a token for `key` under `rule`; throws 429 `over_request_rate_limit` when none is left.
    func check(_ rule: RateLimitRule, key: String, now: Date) throws {
        let allowed = buckets.withLock { buckets -> Bool in
            if buckets.count >= maxKeys {
                // Forget clients whose buckets have refilled; they would start full anyway.
                buckets = buckets.filter { !$0.value.isFull(rule: rule, now: now) }
            }
            var bucket = buckets[key] ?? TokenBucket(rule: rule, now: now)
            let allowed = bucket.take(rule: rule, now: now)
            buckets[key] = bucket
            return allowed
        }
        guard allowed else {
            throw APIError.rateLimited(retryAfter: max(1, Int((1 / rule.refillRate).rounded(.up))))
        }
    }

    /// Like `check` but answering with the email-sending error code.
    func checkEmail(_ rule: RateLimitRule, key: String, now: Date) throws {
        do {
            try check(rule, key: key, now: now)
        } catch {
            throw APIError.emailRateLimited(seconds: max(1, Int((1 / rule.refillRate).rounded(.up))))
        }
    }
}

extension Request {
    /// The client's IP for rate limiting: the configured proxy header's first address, else the socket peer.
    func clientIP(context: AppRequestContext, header: String?) -> String {
        if let header, let name = HTTPField.Name(header), let value = headers[name] {
            let first = value.split(separator: ",").first.map { $0.trimmingCharacters(in: .whitespaces) }
            if let first, !first.isEmpty { return first }
        }
        return context.remoteAddress?.ipAddress ?? "unknown"
    }
}
