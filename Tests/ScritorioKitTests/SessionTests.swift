import Foundation
import ScritorioAPI
import ScritorioCore
@testable import ScritorioKit
import Synchronization
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A scripted server: answers by path, counts requests, can hold answers until released.
final class ScriptedServer: Sendable {
    let requests = Mutex<[String]>([])
    let handler: @Sendable (URLRequest) async throws -> (Int, String)

    init(_ handler: @escaping @Sendable (URLRequest) async throws -> (Int, String)) {
        self.handler = handler
    }

    var transport: Transport {
        Transport(
            send: { request in
                self.requests.withLock { $0.append(request.url?.path ?? "") }
                let (status, body) = try await self.handler(request)
                let response = HTTPURLResponse(url: request.url!, statusCode: status, httpVersion: "HTTP/1.1", headerFields: ["Content-Type": "application/json"])!
                return (Data(body.utf8), response)
            },
            stream: { _ in AsyncThrowingStream { $0.finish() } })
    }

    func count(_ path: String) -> Int { requests.withLock { $0.filter { $0 == path }.count } }

    static func sessionJSON(access: String, refresh: String, expiresAt: Date) -> String {
        """
        {"access_token":"\(access)","token_type":"bearer","expires_in":3600,"expires_at":\(Int64(expiresAt.timeIntervalSince1970)),"refresh_token":"\(refresh)",\
        "user":{"id":"6d3f3c4e-1111-4222-8333-944445555666","aud":"authenticated","role":"authenticated","email":"ada@example.com","phone":"",\
        "email_confirmed_at":"2026-11-25T00:00:00.000000Z","app_metadata":{},"user_metadata":{"display_name":"Ada"},"identities":[],\
        "created_at":"2026-11-25T00:00:00.000000Z","updated_at":"2026-11-25T00:00:00.000000Z","is_anonymous":false}}
        """
    }
}

@Suite("Session: storage, refresh single-flight, revocation, start-up timeout")
struct SessionTests {
    static let url = URL(string: "http://kit.test")!
    static let user = AccountUser(id: "6d3f3c4e-1111-4222-8333-944445555666", email: "ada@example.com", displayName: "Ada", emailConfirmed: true)

    static func stored(_ storage: any SessionStorage, expiresAt: Date, refresh: String = "r0") throws {
        let session = Session(accessToken: "a0", refreshToken: refresh, expiresAt: expiresAt, user: user)
        try storage.save(JSONEncoder().encode(session), for: "session-default")
    }

    @Test("concurrent callers of an expiring session share one refresh")
    func singleFlight() async throws {
        let counter = Mutex(0)
        let server = ScriptedServer { request in
            #expect(request.url?.query == "grant_type=refresh_token")
            let n = counter.withLock { $0 += 1; return $0 }
            try await Task.sleep(for: .milliseconds(50))  // keep the refresh in flight while the others arrive
            return (200, ScriptedServer.sessionJSON(access: "a\(n)", refresh: "r\(n)", expiresAt: Date().addingTimeInterval(3600)))
        }
        let storage = InMemorySessionStorage()
        try Self.stored(storage, expiresAt: Date().addingTimeInterval(-5))
        let client = ScritorioClient(url: Self.url, publishableKey: "k", storage: storage, transport: server.transport)
        let tokens = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<20 { group.addTask { try await client.accessToken() } }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(Set(tokens) == ["a1"])
        #expect(server.count("/auth/v1/token") == 1)
        // The refreshed session was persisted (a restart uses it).
        let saved = try JSONDecoder().decode(Session.self, from: try #require(try storage.load("session-default")))
        #expect(saved.refreshToken == "r1")
    }

    @Test("a token with time left is not refreshed; one inside the margin is")
    func margin() async throws {
        let server = ScriptedServer { _ in (200, ScriptedServer.sessionJSON(access: "a1", refresh: "r1", expiresAt: Date().addingTimeInterval(3600))) }
        let storage = InMemorySessionStorage()
        try Self.stored(storage, expiresAt: Date().addingTimeInterval(600))
        let client = ScritorioClient(url: Self.url, publishableKey: "k", storage: storage, transport: server.transport, refreshMargin: 60)
        #expect(try await client.accessToken() == "a0")
        let later = ScritorioClient(url: Self.url, publishableKey: "k", storage: storage, transport: server.transport, refreshMargin: 900)
        #expect(try await later.accessToken() == "a1")
        #expect(server.count("/auth/v1/token") == 1)
    }

    @Test("a reused or unknown refresh token signs out cleanly: storage emptied, signedOut announced, typed error")
    func revoked() async throws {
        let server = ScriptedServer { _ in (400, #"{"code":"refresh_token_already_used","message":"Invalid Refresh Token: Already Used"}"#) }
        let storage = InMemorySessionStorage()
        try Self.stored(storage, expiresAt: Date().addingTimeInterval(-5))
        let client = ScritorioClient(url: Self.url, publishableKey: "k", storage: storage, transport: server.transport)
        var events = await client.authStateChanges.makeAsyncIterator()
        await #expect(throws: ScritorioError.sessionRevoked(code: "refresh_token_already_used")) { try await client.accessToken() }
        #expect(await events.next() == .signedOut)
        #expect(try storage.load("session-default") == nil)
        #expect(await client.currentUser == nil)
        await #expect(throws: ScritorioError.notSignedIn) { try await client.accessToken() }
    }

    @Test("a token refused as bad_jwt although it looked valid (a slow device clock) is refreshed once and retried")
    func retryAfterBadJWT() async throws {
        let server = ScriptedServer { request in
            if request.url?.path == "/auth/v1/token" {
                return (200, ScriptedServer.sessionJSON(access: "a1", refresh: "r1", expiresAt: Date().addingTimeInterval(3600)))
            }
            if request.value(forHTTPHeaderField: "Authorization") == "Bearer a0" {
                return (403, #"{"code":"bad_jwt","message":"invalid JWT: token is expired"}"#)
            }
            return (200, #"{"plan":"free","entitlements":[]}"#)
        }
        let storage = InMemorySessionStorage()
        try Self.stored(storage, expiresAt: Date().addingTimeInterval(3000))
        let client = ScritorioClient(url: Self.url, publishableKey: "k", storage: storage, transport: server.transport)
        #expect(try await client.entitlements().plan == "free")
        #expect(server.count("/auth/v1/token") == 1 && server.count("/v1/me/entitlements") == 2)
    }

    @Test("auto-refresh renews a session nearing expiry without any call being made")
    func autoRefresh() async throws {
        let server = ScriptedServer { _ in (200, ScriptedServer.sessionJSON(access: "a1", refresh: "r1", expiresAt: Date().addingTimeInterval(3600))) }
        let storage = InMemorySessionStorage()
        try Self.stored(storage, expiresAt: Date().addingTimeInterval(30))
        let client = ScritorioClient(url: Self.url, publishableKey: "k", storage: storage, transport: server.transport, refreshMargin: 60)
        let events = await client.authStateChanges
        let refresher = Task { await client.runAutoRefresh() }
        defer { refresher.cancel() }
        let refreshed = await firstEvent(events) { if case .tokenRefreshed = $0 { true } else { false } }
        #expect(refreshed == .tokenRefreshed(Self.user))
        #expect(await client.session?.accessToken == "a1")
        #expect(server.count("/auth/v1/token") == 1)
    }

    @Test("offline during refresh keeps the session (the app may work offline)")
    func offlineRefresh() async throws {
        let server = ScriptedServer { _ in throw URLError(.notConnectedToInternet) }
        let storage = InMemorySessionStorage()
        try Self.stored(storage, expiresAt: Date().addingTimeInterval(-5))
        let client = ScritorioClient(url: Self.url, publishableKey: "k", storage: storage, transport: server.transport)
        await #expect {
            try await client.accessToken()
        } throws: { error in
            if case ScritorioError.offline = error { return true } else { return false }
        }
        #expect(await client.currentUser == Self.user)
        #expect(await client.start(timeout: .seconds(30)) == Self.user)
    }

    @Test("start-up that does not answer resolves to signed-out; the late restore still signs in")
    func startupTimeout() async throws {
        let gate = AsyncStream<Void>.makeStream()
        let server = ScriptedServer { _ in
            for await _ in gate.stream { break }
            return (200, ScriptedServer.sessionJSON(access: "a1", refresh: "r1", expiresAt: Date().addingTimeInterval(3600)))
        }
        let storage = InMemorySessionStorage()
        try Self.stored(storage, expiresAt: Date().addingTimeInterval(-5))
        let client = ScritorioClient(url: Self.url, publishableKey: "k", storage: storage, transport: server.transport)
        let events = await client.authStateChanges
        #expect(await client.start(timeout: .milliseconds(20)) == nil)
        gate.continuation.yield()
        var seen: [AuthEvent] = []
        for await event in events {
            seen.append(event)
            if case .signedIn = event { break }
        }
        #expect(seen.first == .initialSession(nil))
        #expect(seen.contains(.tokenRefreshed(Self.user)))
        #expect(seen.last == .signedIn(Self.user))
    }

    @Test("a restore that answers at once always wins start-up: the cancelled timer never answers signed-out")
    func startupRestoreWins() async throws {
        // A stored session far from expiry restores without a request, as fast as it can.
        let server = ScriptedServer { _ in (500, "{}") }
        for _ in 0..<300 {
            let storage = InMemorySessionStorage()
            try Self.stored(storage, expiresAt: Date().addingTimeInterval(3600))
            let client = ScritorioClient(url: Self.url, publishableKey: "k", storage: storage, transport: server.transport)
            #expect(await client.start() == Self.user)
        }
        #expect(server.requests.withLock { $0.isEmpty })
    }

    @Test("start-up without a stored session announces signed-out at once")
    func startupEmpty() async throws {
        let server = ScriptedServer { _ in (500, "{}") }
        let client = ScritorioClient(url: Self.url, publishableKey: "k", transport: server.transport)
        #expect(await client.start() == nil)
        var events = await client.authStateChanges.makeAsyncIterator()
        #expect(await events.next() == .initialSession(nil))
        #expect(server.requests.withLock { $0.isEmpty })
    }

    @Test("error bodies of every surface become typed errors with the server's code")
    func errorShapes() {
        func parse(_ status: Int, _ body: String) -> ScritorioError { Requester.error(status: status, body: Data(body.utf8), headers: nil) }
        #expect(parse(400, #"{"code":"invalid_credentials","message":"Invalid login credentials"}"#) == .server(status: 400, code: "invalid_credentials", message: "Invalid login credentials"))
        #expect(parse(400, #"{"code":400,"error_code":"otp_expired","msg":"Token has expired"}"#) == .server(status: 400, code: "otp_expired", message: "Token has expired"))
        #expect(parse(400, #"{"error":"invalid request","error_description":"Bad ID token"}"#) == .server(status: 400, code: "invalid request", message: "Bad ID token"))
        #expect(parse(401, #"{"error":"unauthorized","message":"Missing bearer"}"#) == .server(status: 401, code: "unauthorized", message: "Missing bearer"))
        #expect(parse(429, #"{"error":{"message":"Quota used","type":"insufficient_quota","code":"insufficient_quota","resets_at":"2026-12-01T00:00:00Z"}}"#)
            == .quotaExceeded(resetsAt: WireDate.parse("2026-12-01T00:00:00Z"), message: "Quota used"))
        #expect(parse(502, "Bad Gateway") == .server(status: 502, code: "http_502", message: "Bad Gateway"))
    }

    @Test("the session file is 0600 in a 0700 directory")
    func filePermissions() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kit-\(UUID().uuidString)/scritorio")
        defer { try? FileManager.default.removeItem(at: directory.deletingLastPathComponent()) }
        let storage = FileSessionStorage(directory: directory)
        try storage.save(Data("secret".utf8), for: "session-default")
        try storage.save(Data("secret2".utf8), for: "session-default")
        let file = try FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent("session-default.json").path)
        let dir = try FileManager.default.attributesOfItem(atPath: directory.path)
        #expect((file[.posixPermissions] as? Int) == 0o600)
        #expect((dir[.posixPermissions] as? Int) == 0o700)
        #expect(try storage.load("session-default") == Data("secret2".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["session-default.json"])
        try storage.remove("session-default")
        #expect(try storage.load("session-default") == nil)
        #expect(try storage.load("../../etc/passwd") == nil)
    }
}
