import Foundation
import HTTPTypes
import Hummingbird
import ScritorioCore
import Synchronization

/// In-memory token buckets keyed by rule and client (IP or email). Limits are per replica; they exist to blunt
/// brute force and mail abuse, not to meter paid usage (which lives in the database).
final class RateLimiter: Sendable {
    private let buckets = Mutex<[String: (bucket: TokenBucket, rule: RateLimitRule)]>([:])
    private let maxKeys = 100_000

    /// Takes a token for `key` under `rule`; throws 429 `over_request_rate_limit` when none is left.
    func check(_ rule: RateLimitRule, key: String, now: Date) throws {
        guard take(rule, key: key, now: now) else {
            throw APIError.rateLimited(retryAfter: max(1, Int((1 / rule.refillRate).rounded(.up))))
        }
    }

    /// Whether `key` has a token left under `rule`, without taking one.
    func hasToken(_ rule: RateLimitRule, key: String, now: Date) -> Bool {
        buckets.withLock { $0[key]?.bucket.hasToken(rule: rule, now: now) ?? true }
    }

    /// Takes a token for `key` under `rule` if there is one; returns whether there was.
    @discardableResult
    func take(_ rule: RateLimitRule, key: String, now: Date) -> Bool {
        buckets.withLock { buckets -> Bool in
            if buckets.count >= maxKeys {
                // Forget clients whose buckets have refilled under their own rule; they would start full anyway.
                buckets = buckets.filter { !$0.value.bucket.isFull(rule: $0.value.rule, now: now) }
                // Still full of live buckets: drop the lot rather than grow without bound.
                if buckets.count >= maxKeys { buckets.removeAll(keepingCapacity: true) }
            }
            var bucket = buckets[key]?.bucket ?? TokenBucket(rule: rule, now: now)
            let allowed = bucket.take(rule: rule, now: now)
            buckets[key] = (bucket, rule)
            return allowed
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
    func clientIP(context: some RemoteAddressRequestContext, header: String?) -> String {
        if let header, let name = HTTPField.Name(header), let value = headers[name] {
            // The rightmost address is the one the trusted proxy added; anything left of it the client wrote.
            let last = value.split(separator: ",").last.map { $0.trimmingCharacters(in: .whitespaces) }
            if let last, !last.isEmpty { return last }
        }
        return context.remoteAddress?.ipAddress ?? "unknown"
    }
}
