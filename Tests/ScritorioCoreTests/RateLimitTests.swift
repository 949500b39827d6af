import Foundation
import ScritorioCore
import Testing

@Suite("Rate limiting")
struct RateLimitTests {
    let start = Date(timeIntervalSince1970: 1_700_000_000)
    /// GoTrue's /token default: 150 per 5 minutes, burst 30 → 0.5 tokens per second.
    let token = RateLimitRule(limit: 150, window: 300, burst: 30)

    @Test func ruleDefaultsAndClamps() {
        #expect(token.refillRate == 0.5)
        let noBurst = RateLimitRule(limit: 30, window: 300)
        #expect(noBurst.burst == 30, "burst defaults to the limit")
        let zero = RateLimitRule(limit: 0, window: 60, burst: 0)
        #expect(zero.limit == 1)
        #expect(zero.burst == 1)
        #expect(RateLimitRule(limit: -5, window: 60, burst: -1).burst == 1)
    }

    /// Makes `attempts` requests at `now` and returns how many were allowed.
    func granted(_ attempts: Int, _ bucket: inout TokenBucket, rule: RateLimitRule, at now: Date) -> Int {
        (0..<attempts).reduce(0) { count, _ in bucket.take(rule: rule, now: now) ? count + 1 : count }
    }

    @Test func burstThenRefuse() {
        var bucket = TokenBucket(rule: token, now: start)
        #expect(bucket.tokens == 30)
        let first = granted(30, &bucket, rule: token, at: start)
        #expect(first == 30)
        let more = granted(5, &bucket, rule: token, at: start)
        #expect(more == 0)
        #expect(bucket.tokens >= 0)
    }

    @Test func refillOverTime() {
        var bucket = TokenBucket(rule: token, now: start)
        _ = granted(30, &bucket, rule: token, at: start)
        let afterOneSecond = granted(1, &bucket, rule: token, at: start.addingTimeInterval(1))
        #expect(afterOneSecond == 0, "half a token after 1 s")
        let afterTwoSeconds = granted(2, &bucket, rule: token, at: start.addingTimeInterval(2))
        #expect(afterTwoSeconds == 1, "a whole token after 2 s")
        // 10 more seconds regain 5 tokens.
        let afterTwelveSeconds = granted(10, &bucket, rule: token, at: start.addingTimeInterval(12))
        #expect(afterTwelveSeconds == 5)
    }

    @Test func refillIsCappedAtBurst() {
        var bucket = TokenBucket(rule: token, now: start)
        _ = granted(1, &bucket, rule: token, at: start)
        let afterADay = granted(100, &bucket, rule: token, at: start.addingTimeInterval(86_400))
        #expect(afterADay == 30, "a day of idleness still allows only a burst")
    }

    @Test func clockGoingBackwardsDoesNotRefill() {
        var bucket = TokenBucket(rule: token, now: start)
        _ = granted(30, &bucket, rule: token, at: start)
        let backwards = granted(1, &bucket, rule: token, at: start.addingTimeInterval(-3600))
        #expect(backwards == 0)
    }

    @Test func isFull() {
        var bucket = TokenBucket(rule: token, now: start)
        #expect(bucket.isFull(rule: token, now: start))
        _ = granted(1, &bucket, rule: token, at: start)
        #expect(!bucket.isFull(rule: token, now: start))
        #expect(!bucket.isFull(rule: token, now: start.addingTimeInterval(1.9)))
        #expect(bucket.isFull(rule: token, now: start.addingTimeInterval(2)))

        _ = granted(29, &bucket, rule: token, at: start)
        #expect(!bucket.isFull(rule: token, now: start.addingTimeInterval(59)))
        #expect(bucket.isFull(rule: token, now: start.addingTimeInterval(60)))
    }

    @Test func scaledMultipliesLimitAndBurst() {
        let scaled = token.scaled(by: 10)
        #expect(scaled.limit == 1500)
        #expect(scaled.burst == 300)
        #expect(scaled.window == 300)
        #expect(scaled.refillRate == 5)
        #expect(token.scaled(by: 1) == token)
        #expect(token.scaled(by: 0) == token, "factors below 1 are treated as 1")
        #expect(token.scaled(by: -3) == token)

        var bucket = TokenBucket(rule: scaled, now: start)
        let burst = granted(400, &bucket, rule: scaled, at: start)
        #expect(burst == 300)
        let halfSecond = granted(10, &bucket, rule: scaled, at: start.addingTimeInterval(0.5))
        #expect(halfSecond == 2, "2.5 tokens regained in 0.5 s")
    }
}
