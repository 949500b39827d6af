import Foundation
import ScritorioAPI

/// Owns the current session: persists it, refreshes it ahead of expiry with one refresh shared by every
/// concurrent caller, signs out cleanly when the server says the session is gone, and tells listeners.
actor SessionManager {
    private let requester: Requester
    private let storage: any SessionStorage
    private let storageKey: String
    private let now: @Sendable () -> Date
    /// Refresh when fewer than this many seconds are left (supabase-swift refreshes 30 s before, supabase-js at 90 s).
    let refreshMargin: TimeInterval

    private var session: Session?
    private var loaded = false
    /// Whether a state was announced yet (start-up, sign-in or sign-out); new listeners then get it at once.
    private var announced = false
    private var refreshing: Task<Session, any Error>?
    private var listeners: [UUID: AsyncStream<AuthEvent>.Continuation] = [:]
    private(set) var refreshCount = 0

    init(requester: Requester, storage: any SessionStorage, storageKey: String, refreshMargin: TimeInterval, now: @escaping @Sendable () -> Date) {
        self.requester = requester
        self.storage = storage
        self.storageKey = storageKey
        self.refreshMargin = refreshMargin
        self.now = now
    }

    // MARK: Listeners

    /// A stream that starts with the current state and then follows every change.
    func subscribe() -> AsyncStream<AuthEvent> {
        let (stream, continuation) = AsyncStream<AuthEvent>.makeStream(bufferingPolicy: .unbounded)
        let id = UUID()
        listeners[id] = continuation
        continuation.onTermination = { [weak self] _ in
            Task { await self?.unsubscribe(id) }
        }
        if announced { continuation.yield(.initialSession(session?.user)) }
        return stream
    }

    private func unsubscribe(_ id: UUID) { listeners[id] = nil }

    func emit(_ event: AuthEvent) {
        announced = true
        for continuation in listeners.values { continuation.yield(event) }
    }

    // MARK: State

    /// The stored session, read once.
    func current() -> Session? {
        loadIfNeeded()
        return session
    }

    private func loadIfNeeded() {
        guard !loaded else { return }
        loaded = true
        if let data = try? storage.load(storageKey) {
            session = try? JSONDecoder().decode(Session.self, from: data)
        }
    }

    /// Reads the stored session and makes it usable (refreshing an expired access token). An unreachable
    /// server keeps the stored session (the app may work offline); a revoked one signs out.
    func restore() async -> AccountUser? {
        loadIfNeeded()
        guard let stored = session else { return nil }
        guard stored.needsRefresh(at: now(), margin: refreshMargin) else { return stored.user }
        do {
            return try await refresh(force: true).user
        } catch ScritorioError.sessionRevoked {
            return nil
        } catch {
            return self.session?.user
        }
    }

    /// Replaces the session (after sign-in, refresh or a user update) and tells listeners.
    func set(_ new: Session, event: (AccountUser) -> AuthEvent) {
        loaded = true
        session = new
        persist()
        emit(event(new.user))
    }

    /// Updates the signed-in user without changing tokens.
    func updateUser(_ user: AccountUser) {
        guard var current = session, current.user.id == user.id else { return }
        current.user = user
        session = current
        persist()
        emit(.userUpdated(user))
    }

    /// Forgets the session locally and tells listeners (once).
    func clear() {
        loaded = true
        refreshing?.cancel()
        refreshing = nil
        let hadSession = session != nil
        session = nil
        try? storage.remove(storageKey)
        if hadSession { emit(.signedOut) }
    }

    private func persist() {
        guard let session, let data = try? JSONEncoder().encode(session) else { return }
        try? storage.save(data, for: storageKey)
    }

    // MARK: Tokens

    /// A session whose access token has at least `refreshMargin` seconds left, refreshing first if needed.
    func valid() async throws -> Session {
        loadIfNeeded()
        guard let session else { throw ScritorioError.notSignedIn }
        if session.needsRefresh(at: now(), margin: refreshMargin) {
            return try await refresh(force: false)
        }
        return session
    }

    /// Refreshes the access token. Every caller that arrives while a refresh is running waits for that one:
    /// presenting the same refresh token twice would look like token theft to the server.
    func refresh(force: Bool) async throws -> Session {
        if let refreshing { return try await refreshing.value }
        loadIfNeeded()
        guard let session else { throw ScritorioError.notSignedIn }
        if !force, !session.needsRefresh(at: now(), margin: refreshMargin) { return session }
        let requester = self.requester
        let token = session.refreshToken
        let task = Task<Session, any Error> {
            let call = try requester.call(API.Auth.refreshGrant, body: RefreshGrantRequest(refresh_token: token))
            return Session(try await requester.json(SessionResponse.self, call))
        }
        refreshing = task
        refreshCount += 1
        defer { refreshing = nil }
        do {
            let fresh = try await task.value
            // A sign-out while the refresh was in flight wins.
            guard self.session?.refreshToken == token else { throw ScritorioError.notSignedIn }
            set(fresh) { .tokenRefreshed($0) }
            return fresh
        } catch let ScritorioError.server(_, code, _) where ScritorioError.endsSession(code) {
            clear()
            throw ScritorioError.sessionRevoked(code: code)
        }
    }

    /// Runs an authenticated call with a valid token; if the server says the session is gone, signs out
    /// locally and reports ``ScritorioError/sessionRevoked(code:)``.
    func authorized<T: Sendable>(_ body: @Sendable (String) async throws -> T) async throws -> T {
        var session = try await valid()
        var retried = false
        while true {
            do {
                return try await body(session.accessToken)
            } catch let ScritorioError.server(_, code, _) where ScritorioError.endsSession(code) {
                if self.session?.accessToken == session.accessToken { clear() }
                throw ScritorioError.sessionRevoked(code: code)
            } catch let ScritorioError.server(status, code, _) where !retried && (code == "bad_jwt" || (status == 401 && code == "unauthorized")) {
                // The token was refused although it looked valid here (the device clock is behind the server's):
                // refresh once and try again.
                retried = true
                if self.session?.accessToken == session.accessToken {
                    session = try await refresh(force: true)
                } else if let current = self.session {
                    session = current
                } else {
                    throw ScritorioError.notSignedIn
                }
            }
        }
    }
}
