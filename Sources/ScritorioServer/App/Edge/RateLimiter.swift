import Foundation
import HTTPTypes
import Hummingbird
import ScritorioCore
import ScritorioStore
import Synchronization

/// Token buckets keyed by rule and client (IP, email, licence key). With `shared` (PostgreSQL) the buckets live in
/// the database, so every replica counts against the same limits; otherwise (SQLite, one server) in memory. They
/// blunt brute force and mail abuse; paid usage is metered elsewhere.
final class RateLimiter: Sendable {
    private let buckets = Mutex<[String: (bucket: TokenBucket, rule: RateLimitRule)]>([:])
    private let maxKeys = 100_000
    private let shared: Database?
    private let takes = Atomic<Int>(0)

    init(shared: Database? = nil) {
        self.shared = shared
    }

    /// Takes a token for `key` under `rule`; throws 429 `over_request_rate_limit` when none is left.
    func check(_ rule: RateLimitRule, key: String, now: Date) async throws {
        guard try await take(rule, key: key, now: now) else {
            throw APIError.rateLimited(retryAfter: max(1, Int((1 / rule.refillRate).rounded(.up))))
        }
    }

    /// Whether `key` has a token left under `rule`, without taking one.
    func hasToken(_ rule: RateLimitRule, key: String, now: Date) async throws -> Bool {
        if let shared {
            return try await shared.read { try await RateLimitRepository.hasToken(key: key, rule: rule, now: now, on: $0) }
        }
        return buckets.withLock { $0[key]?.bucket.hasToken(rule: rule, now: now) ?? true }
    }

    /// Takes a token for `key` under `rule` if there is one; returns whether there was.
    @discardableResult
    func take(_ rule: RateLimitRule, key: String, now: Date) async throws -> Bool {
        if let shared {
            // Now and then, forget buckets nobody touched for two hours (longer than any rule's window: full again).
            if takes.wrappingAdd(1, ordering: .relaxed).oldValue % 10_000 == 9_999 {
                try? await shared.read { try await RateLimitRepository.prune(before: now.addingTimeInterval(-7_200), on: $0) }
            }
            return try await shared.read { try await RateLimitRepository.take(key: key, rule: rule, now: now, on: $0) }
        }
        return takeInMemory(rule, key: key, now: now)
    }

    private func takeInMemory(_ rule: RateLimitRule, key: String, now: Date) -> Bool {
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
    func checkEmail(_ rule: RateLimitRule, key: String, now: Date) async throws {
        do {
            try await check(rule, key: key, now: now)
        } catch is APIError {
            // Refused: said as the mail limit. A store failure goes up as it is.
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
