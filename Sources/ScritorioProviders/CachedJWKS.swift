import Foundation
import ScritorioCore
import Synchronization

/// A JWKS fetcher with a cache: keys are reused for `maxAge`; after a failed fetch the stale keys (if any) keep
/// working and the next attempt waits `retryAfter`, so an unreachable issuer costs one outbound call per
/// interval, not one per sign-in.
public final class CachedJWKS: Sendable {
    private struct State {
        var keys: JWKS?
        var fetchedAt: Date = .distantPast
        var lastAttempt: Date = .distantPast
    }

    private let upstream: JWKSFetcher
    private let maxAge: TimeInterval
    private let retryAfter: TimeInterval
    private let now: @Sendable () -> Date
    private let state = Mutex(State())

    public init(
        _ upstream: JWKSFetcher, maxAge: TimeInterval = 600, retryAfter: TimeInterval = 30,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.upstream = upstream
        self.maxAge = maxAge
        self.retryAfter = retryAfter
        self.now = now
    }

    /// The cached keys, refreshed when old.
    public func keys() async throws -> JWKS {
        let now = self.now()
        let current = state.withLock { $0 }
        if let keys = current.keys, now.timeIntervalSince(current.fetchedAt) < maxAge { return keys }
        if now.timeIntervalSince(current.lastAttempt) < retryAfter {
            if let keys = current.keys { return keys }
            throw JWKSFetchError.backingOff
        }
        state.withLock { $0.lastAttempt = now }
        do {
            let fresh = try await upstream.fetch()
            state.withLock { $0 = State(keys: fresh, fetchedAt: now, lastAttempt: now) }
            return fresh
        } catch {
            if let keys = current.keys { return keys }
            throw error
        }
    }

    /// This cache as a fetcher.
    public var fetcher: JWKSFetcher { JWKSFetcher { try await self.keys() } }
}
