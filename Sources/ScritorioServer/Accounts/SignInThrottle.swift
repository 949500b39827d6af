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

    func wait(email: String) async {
        guard delay > .zero, !limiter.hasToken(rule, key: key(email), now: now()) else { return }
        // A cancelled request (the client went away) simply stops waiting.
        try? await Task.sleep(for: delay)
    }

    func failed(email: String) {
        limiter.take(rule, key: key(email), now: now())
    }
}
