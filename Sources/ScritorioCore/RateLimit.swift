import Foundation

/// A rate-limit rule: `limit` requests per `window`, allowing up to `burst` at once. GoTrue's self-hosted
/// defaults are e.g. 150 per 5 minutes with a burst of 30 on `/token`.
public struct RateLimitRule: Sendable, Equatable {
    public var limit: Int
    public var window: TimeInterval
    public var burst: Int

    public init(limit: Int, window: TimeInterval, burst: Int? = nil) {
        self.limit = max(1, limit)
        self.window = window
        self.burst = max(1, burst ?? limit)
    }

    /// Tokens regained per second.
    public var refillRate: Double { Double(limit) / window }

    /// This rule with `limit` and `burst` multiplied (for test and benchmark deployments).
    public func scaled(by factor: Int) -> RateLimitRule {
        RateLimitRule(limit: limit * max(1, factor), window: window, burst: burst * max(1, factor))
    }
}

/// A token bucket. Pure: the caller passes the time, so tests need no clock.
public struct TokenBucket: Sendable, Equatable {
    public private(set) var tokens: Double
    public private(set) var updatedAt: Date

    public init(rule: RateLimitRule, now: Date) {
        self.tokens = Double(rule.burst)
        self.updatedAt = now
    }

    /// Takes one token if there is one; returns whether the request may proceed.
    public mutating func take(rule: RateLimitRule, now: Date) -> Bool {
        let elapsed = max(0, now.timeIntervalSince(updatedAt))
        tokens = min(Double(rule.burst), tokens + elapsed * rule.refillRate)
        updatedAt = now
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }

    /// Whether a token could be taken at `now`, without taking it.
    public func hasToken(rule: RateLimitRule, now: Date) -> Bool {
        min(Double(rule.burst), tokens + max(0, now.timeIntervalSince(updatedAt)) * rule.refillRate) >= 1
    }

    /// Whether the bucket is back to full at `now` (and can be forgotten).
    public func isFull(rule: RateLimitRule, now: Date) -> Bool {
        tokens + max(0, now.timeIntervalSince(updatedAt)) * rule.refillRate >= Double(rule.burst)
    }
}
