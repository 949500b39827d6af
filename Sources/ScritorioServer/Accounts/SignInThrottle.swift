import Foundation
import ScritorioCore

/// Slows the password sign-ins of an email that has failed too often, from whatever addresses. Each failure takes a
/// token from the email's bucket (the `/token` rule); while the bucket is empty, a sign-in waits `delay` before the
/// password is checked. It never refuses: refusing would let anyone who knows an address keep its owner out.
struct SignInThrottle: Sendable {
    let limiter: RateLimiter
    let rule: RateLimitRule
    let delay: Duration
    let now: @Sendable () -> Date

    private func key(_ email: String) -> String { "token:email-failures:\(email)" }

    /// Waits when the email is over its failure budget. A cancelled request (the client went away) throws here
    /// rather than go on to check the password without the wait.
    func wait(email: String) async throws {
        guard delay > .zero, try await !limiter.hasToken(rule, key: key(email), now: now()) else { return }
        try await Task.sleep(for: delay)
    }

    func failed(email: String) async throws {
        try await limiter.take(rule, key: key(email), now: now())
    }
}
