import Foundation
import ScritorioAPI
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The desktop app's connection to a Scritorio server: accounts (``ScritorioClient/signIn(email:password:)`` and
/// friends), the member and entitlements, upgrades, licences and managed AI. One client per server and user
/// profile; it is safe to share between tasks.
///
/// ```swift
/// let client = ScritorioClient(url: URL(string: "https://accounts.example.com")!, publishableKey: "sb_publishable_…")
/// try await client.signIn(email: "ada@example.com", password: "correct-horse-1")
/// let member = try await client.member()
/// ```
public final class ScritorioClient: Sendable {
    /// The server's base URL.
    public let url: URL
    /// The key sent as `apikey` (public; it identifies the app, not the user).
    public let publishableKey: String

    let requester: Requester
    let sessions: SessionManager
    let storage: any SessionStorage
    let profile: String
    let now: @Sendable () -> Date

    /// A client for the server at `url`.
    /// - Parameters:
    ///   - url: the server's base URL (`https://accounts.example.com`).
    ///   - publishableKey: the key `scritorio serve` prints (public; sent as `apikey`).
    ///   - storage: where the session lives between launches (default: in memory only).
    ///   - profile: names the stored session, so one machine can keep several accounts apart.
    ///   - transport: how requests are sent (default: `URLSession`).
    ///   - refreshMargin: refresh the access token when fewer than this many seconds are left.
    ///   - now: the clock (tests move it).
    public init(
        url: URL, publishableKey: String, storage: any SessionStorage = InMemorySessionStorage(), profile: String = "default",
        transport: Transport = .urlSession(), refreshMargin: TimeInterval = 60, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.url = url
        self.publishableKey = publishableKey
        self.storage = storage
        self.profile = profile
        self.now = now
        self.requester = Requester(baseURL: url, publishableKey: publishableKey, transport: transport)
        self.sessions = SessionManager(
            requester: requester, storage: storage, storageKey: "session-\(profile)", refreshMargin: refreshMargin, now: now)
    }

    // MARK: State

    /// Every change of who is signed in, starting with the current state (once ``start(timeout:)`` has run).
    public var authStateChanges: AsyncStream<AuthEvent> {
        get async { await sessions.subscribe() }
    }

    /// The stored session, if any (no network).
    public var session: Session? {
        get async { await sessions.current() }
    }

    /// The signed-in user, if any (no network).
    public var currentUser: AccountUser? {
        get async { await sessions.current()?.user }
    }

    /// Restores the stored session at start-up and announces the initial state. If that does not finish within
    /// `timeout` (a slow keychain, a server that does not answer), the app proceeds signed out, as the seed does
    /// after 4 seconds; a restore that finishes later still signs the user in.
    @discardableResult
    public func start(timeout: Duration = .seconds(4)) async -> AccountUser? {
        let sessions = self.sessions
        let restore = Task { await sessions.restore() }
        let race = FirstAnswer<AccountUser?>()
        let answer: AccountUser?? = await withCheckedContinuation { continuation in
            race.continuation = continuation
            let timer = Task {
                // A cancelled sleep means the restore answered first: the timer must then say nothing (answering
                // "no user" here raced the restored session and signed a restored user out).
                do { try await Task.sleep(for: timeout) } catch { return }
                race.answer(nil)
            }
            Task {
                let user = await restore.value
                race.answer(.some(user))
                timer.cancel()
            }
        }
        if let restored = answer {
            await sessions.emit(.initialSession(restored))
            return restored
        }
        // Timed out: proceed signed out now, and sign in when the restore lands.
        await sessions.emit(.initialSession(nil))
        Task {
            if let user = await restore.value { await sessions.emit(.signedIn(user)) }
        }
        return nil
    }

    /// A valid access token, refreshed first if it is about to expire. Concurrent callers share one refresh.
    public func accessToken() async throws -> String {
        try await sessions.valid().accessToken
    }

    /// Refreshes the access token now (one refresh shared by concurrent callers).
    @discardableResult
    public func refreshSession() async throws -> Session {
        try await sessions.refresh(force: true)
    }

    /// Keeps the session fresh in the background until the task is cancelled: refreshes when fewer than the
    /// refresh margin's seconds are left (so `tokenRefreshed` arrives without any call being made), waits while
    /// signed out, and backs off while the server cannot be reached. A revoked session signs out as usual.
    public func runAutoRefresh() async {
        var failures = 0
        while !Task.isCancelled {
            guard let session = await sessions.current() else {
                try? await Task.sleep(for: .seconds(5))
                continue
            }
            let wait = session.expiresAt.timeIntervalSince(now()) - sessions.refreshMargin
            if wait > 0 {
                // Wake at least once a minute: a sign-in, a sign-out or a clock change may have moved the deadline.
                try? await Task.sleep(for: .seconds(min(wait, 60)))
                continue
            }
            do {
                _ = try await sessions.refresh(force: false)
                failures = 0
            } catch {
                failures += 1
                try? await Task.sleep(for: .seconds(min(60, 1 << min(failures, 6))))
            }
        }
    }

    // MARK: Requests

    /// Calls `endpoint` as the signed-in user and decodes its answer.
    func send<Response: Decodable & Sendable>(
        _ endpoint: Endpoint<NoBody, Response>, parameters: [String: String] = [:], query: [URLQueryItem] = []
    ) async throws -> Response {
        let requester = self.requester
        return try await sessions.authorized { token in
            try await requester.json(Response.self, requester.call(endpoint, parameters: parameters, query: query, bearer: token))
        }
    }

    /// Sends `body` to `endpoint` as the signed-in user and decodes its answer.
    func send<Body: Encodable & Sendable, Response: Decodable & Sendable>(
        _ endpoint: Endpoint<Body, Response>, parameters: [String: String] = [:], body: Body
    ) async throws -> Response {
        let requester = self.requester
        return try await sessions.authorized { token in
            try await requester.json(Response.self, requester.call(endpoint, body: body, parameters: parameters, bearer: token))
        }
    }

    /// Calls `endpoint` as the signed-in user; only success matters.
    func sendIgnoringBody<Response>(_ endpoint: Endpoint<NoBody, Response>, parameters: [String: String] = [:]) async throws {
        let requester = self.requester
        try await sessions.authorized { token in
            _ = try await requester.send(requester.call(endpoint, parameters: parameters, bearer: token))
        }
    }

    /// Sends `body` to `endpoint` as the signed-in user; only success matters.
    func sendIgnoringBody<Body: Encodable & Sendable, Response>(_ endpoint: Endpoint<Body, Response>, body: Body) async throws {
        let requester = self.requester
        try await sessions.authorized { token in
            _ = try await requester.send(requester.call(endpoint, body: body, bearer: token))
        }
    }

    func storageKey(_ name: String) -> String { "\(name)-\(profile)" }
}

/// Resumes a continuation with whichever answer comes first; later answers are dropped.
final class FirstAnswer<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var resumed = false
    // Set before either racer can answer (both start after it is assigned).
    var continuation: CheckedContinuation<Value?, Never>?

    func answer(_ value: Value?) {
        let continuation: CheckedContinuation<Value?, Never>? = lock.withLock {
            guard !resumed else { return nil }
            resumed = true
            return self.continuation
        }
        continuation?.resume(returning: value)
    }
}
