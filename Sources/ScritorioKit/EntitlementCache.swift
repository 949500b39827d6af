import Foundation
import ScritorioAPI
import ScritorioModels

/// How long a cached entitlement document counts as fresh, and how much backwards clock movement is tolerated.
public struct EntitlementCachePolicy: Sendable, Equatable {
    /// A document fetched longer ago than this is stale: still served, and refreshed in the background.
    public var staleAfter: TimeInterval
    /// A clock earlier than the latest time seen by more than this counts as rolled back (small NTP corrections
    /// are not tampering).
    public var rollbackTolerance: TimeInterval

    /// A policy (RevenueCat's foreground default of five minutes).
    public init(staleAfter: TimeInterval = 300, rollbackTolerance: TimeInterval = 120) {
        self.staleAfter = staleAfter
        self.rollbackTolerance = rollbackTolerance
    }
}

/// What the cache knows, as stored between launches.
public struct CachedEntitlements: Codable, Sendable, Equatable {
    /// The signed document (a compact JWS).
    public var token: String
    /// When it was fetched, by the (trusted) clock.
    public var fetchedAt: Date
    /// The latest time ever seen: device clock readings and the server times of verified documents.
    public var latestSeen: Date

    /// A record from its parts.
    public init(token: String, fetchedAt: Date, latestSeen: Date) {
        self.token = token
        self.fetchedAt = fetchedAt
        self.latestSeen = latestSeen
    }
}

/// The entitlements an app may rely on right now.
public struct EntitlementSnapshot: Sendable, Equatable {
    /// How current the answer is.
    public enum Freshness: Sendable, Equatable {
        /// Fetched within the policy's window.
        case fresh
        /// Older; served while a refresh runs.
        case stale
        /// The document's own expiry has passed: the offline grace is over, nothing is granted.
        case expired
        /// Nothing cached (never fetched, or the cached document is not trustworthy).
        case missing
    }

    /// The verified document, `nil` when expired or missing.
    public var document: EntitlementDocument?
    /// How current it is.
    public var freshness: Freshness
    /// The time the checks used: the device clock, or the latest time seen if the clock went back.
    public var effectiveNow: Date
    /// The device clock reads earlier than a time already seen.
    public var clockRolledBack: Bool

    /// Whether `code` is granted now.
    public func grants(_ code: String) -> Bool {
        document?.grants(code, at: effectiveNow) ?? false
    }

    /// The codes granted now.
    public var activeCodes: [String] { document?.activeCodes(at: effectiveNow) ?? [] }

    /// The rules, without storage or network: verify `record` offline with `verifier` at a clock that never goes
    /// below the latest time seen; the grace ends at the document's expiry.
    public static func evaluate(
        _ record: CachedEntitlements?, verifier: EntitlementTokenVerifier, now: Date, policy: EntitlementCachePolicy
    ) -> EntitlementSnapshot {
        guard let record else { return EntitlementSnapshot(document: nil, freshness: .missing, effectiveNow: now, clockRolledBack: false) }
        let effective = max(now, record.latestSeen)
        let rolledBack = now < record.latestSeen.addingTimeInterval(-policy.rollbackTolerance)
        do {
            let document = try verifier.verify(record.token, now: effective)
            let fresh = effective.timeIntervalSince(record.fetchedAt) < policy.staleAfter
            return EntitlementSnapshot(document: document, freshness: fresh ? .fresh : .stale, effectiveNow: effective, clockRolledBack: rolledBack)
        } catch .expired {
            return EntitlementSnapshot(document: nil, freshness: .expired, effectiveNow: effective, clockRolledBack: rolledBack)
        } catch {
            return EntitlementSnapshot(document: nil, freshness: .missing, effectiveNow: effective, clockRolledBack: rolledBack)
        }
    }
}

/// The last signed entitlement document, kept in ``SessionStorage`` and verified offline with the public keys the
/// app ships: served at once, refreshed in the background when stale, trusted offline until the document's own
/// expiry, and never fooled by a clock set back.
///
/// ```swift
/// let cache = try EntitlementCache(client: client, jwks: bundledJWKS, storage: storage)
/// if await cache.current().grants("scritorio_pro") { … }
/// ```
public actor EntitlementCache {
    private let client: ScritorioClient
    private let verifier: EntitlementTokenVerifier
    private let storage: any SessionStorage
    private let key: String
    private let policy: EntitlementCachePolicy
    private let now: @Sendable () -> Date
    private var refreshing: Task<EntitlementSnapshot, any Error>?

    /// A cache for `client`'s user.
    public init(
        client: ScritorioClient, verifier: EntitlementTokenVerifier, storage: any SessionStorage,
        policy: EntitlementCachePolicy = EntitlementCachePolicy(), now: (@Sendable () -> Date)? = nil
    ) {
        self.client = client
        self.verifier = verifier
        self.storage = storage
        self.key = client.storageKey("entitlements")
        self.policy = policy
        self.now = now ?? client.now
    }

    /// A cache verifying with the Ed25519 keys of a JWKS document (the server's `GET /v1/entitlements/jwks.json`,
    /// shipped inside the app).
    public init(
        client: ScritorioClient, jwks: Data, storage: any SessionStorage, policy: EntitlementCachePolicy = EntitlementCachePolicy()
    ) throws {
        self.init(client: client, verifier: try EntitlementTokenVerifier(jwks: jwks), storage: storage, policy: policy)
    }

    /// The stored record, if any.
    public var record: CachedEntitlements? {
        (try? storage.load(key)).flatMap { $0 }.flatMap { try? JSONDecoder().decode(CachedEntitlements.self, from: $0) }
    }

    /// The entitlements now. A fresh or stale document answers at once (a stale one starts a background refresh);
    /// with nothing usable cached, this waits for the server (and answers from the cache if that fails).
    public func current() async -> EntitlementSnapshot {
        var snapshot = evaluateAndRemember()
        // A user's document serves only that user: after a sign-out, or another user's sign-in on this profile,
        // it is not theirs (licence documents name no user and stay).
        if let subject = snapshot.document?.subject, subject != (await client.currentUser)?.id {
            clear()
            snapshot = EntitlementSnapshot(document: nil, freshness: .missing, effectiveNow: snapshot.effectiveNow, clockRolledBack: snapshot.clockRolledBack)
            if await client.currentUser == nil { return snapshot }
        }
        switch snapshot.freshness {
        case .fresh:
            return snapshot
        case .stale:
            startRefresh()
            return snapshot
        case .expired, .missing:
            return (try? await refresh()) ?? snapshot
        }
    }

    /// Fetches a new document from `GET /v1/me/entitlements` now (one fetch shared by concurrent callers).
    @discardableResult
    public func refresh() async throws -> EntitlementSnapshot {
        try await refreshTask().value
    }

    /// The running fetch, or a new one; set before this returns, so ``settle()`` always sees it.
    private func refreshTask() -> Task<EntitlementSnapshot, any Error> {
        if let refreshing { return refreshing }
        let client = self.client
        let task = Task<EntitlementSnapshot, any Error> {
            let result: Result<EntitlementSnapshot, any Error>
            do {
                let response = try await client.entitlements()
                guard let token = response.entitlementToken else {
                    throw ScritorioError.untrustedDocument("the server sent no signed document")
                }
                result = .success(try self.accept(token: token))
            } catch {
                result = .failure(error)
            }
            self.finishRefresh()
            return try result.get()
        }
        refreshing = task
        return task
    }

    private func finishRefresh() { refreshing = nil }

    /// Waits for a background refresh, if one is running (tests and apps that want the newest answer).
    public func settle() async {
        _ = try? await refreshing?.value
    }

    /// Stores a signed document received from the server (from ``refresh()`` or a licence validation) after
    /// verifying it. A document issued "in the future" by the device clock is accepted at the server's time (the
    /// signature proves it), which also moves the latest time seen forward.
    @discardableResult
    public func accept(token: String) throws -> EntitlementSnapshot {
        let previous = record
        let clock = max(now(), previous?.latestSeen ?? .distantPast)
        let document: EntitlementDocument
        do {
            document = try verifier.verify(token, now: clock)
        } catch .notYetValid(let issuedAt) {
            do { document = try verifier.verify(token, now: issuedAt) } catch { throw ScritorioError.untrustedDocument("\(error)") }
        } catch {
            throw ScritorioError.untrustedDocument("\(error)")
        }
        let seen = max(clock, document.serverTime)
        let fetched = CachedEntitlements(token: token, fetchedAt: seen, latestSeen: seen)
        if let data = try? JSONEncoder().encode(fetched) { try? storage.save(data, for: key) }
        return EntitlementSnapshot.evaluate(fetched, verifier: verifier, now: now(), policy: policy)
    }

    /// Forgets the cached document (on sign-out).
    public func clear() {
        try? storage.remove(key)
    }

    private func startRefresh() {
        _ = refreshTask()
    }

    /// Evaluates the stored record and remembers the clock reading, so a later rollback is noticed.
    private func evaluateAndRemember() -> EntitlementSnapshot {
        guard var stored = record else { return EntitlementSnapshot.evaluate(nil, verifier: verifier, now: now(), policy: policy) }
        let snapshot = EntitlementSnapshot.evaluate(stored, verifier: verifier, now: now(), policy: policy)
        if snapshot.effectiveNow > stored.latestSeen {
            stored.latestSeen = snapshot.effectiveNow
            if let data = try? JSONEncoder().encode(stored) { try? storage.save(data, for: key) }
        }
        return snapshot
    }
}
