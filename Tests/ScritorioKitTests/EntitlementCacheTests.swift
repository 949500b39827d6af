import Crypto
import Foundation
import ScritorioAPI
import ScritorioCore
@testable import ScritorioKit
import Synchronization
import Testing

@Suite("Entitlement cache: offline verification, stale-while-revalidate, clock rollback, offline expiry")
struct EntitlementCacheTests {
    struct Vectors: Decodable {
        struct Vector: Decodable {
            var name: String
            var token: String
            var now: Int64
            var error: String?
        }
        var private_key_seed_hex: String
        var jwks: JWKS
        var vectors: [Vector]
    }

    static func vectors() throws -> Vectors {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/entitlement-vectors.json")
        return try JSONDecoder().decode(Vectors.self, from: Data(contentsOf: url))
    }

    static func signer() throws -> EntitlementTokenSigner {
        let hex = try vectors().private_key_seed_hex
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return EntitlementTokenSigner(privateKey: try Curve25519.Signing.PrivateKey(rawRepresentation: bytes))
    }

    static let t0 = Date(timeIntervalSince1970: 1_795_000_000)

    static func token(issued: Date, expires: Date, codes: [String] = ["scritorio_pro"]) throws -> String {
        try signer().sign(EntitlementDocument(
            issuer: "test", subject: "6d3f3c4e-1111-4222-8333-944445555666", license: nil, fingerprint: nil,
            entitlements: codes.map { .init(code: $0, expiresAt: nil) }, issuedAt: issued, expiresAt: expires, serverTime: issued))
    }

    @Test("the server's test vectors: the cache trusts exactly the ones that verify")
    func serverVectors() throws {
        let file = try Self.vectors()
        let verifier = EntitlementTokenVerifier(jwks: file.jwks)
        for vector in file.vectors {
            let now = Date(timeIntervalSince1970: TimeInterval(vector.now))
            let record = CachedEntitlements(token: vector.token, fetchedAt: now, latestSeen: now)
            let snapshot = EntitlementSnapshot.evaluate(record, verifier: verifier, now: now, policy: EntitlementCachePolicy())
            switch vector.error {
            case nil: #expect(snapshot.document != nil && snapshot.freshness == .fresh, "\(vector.name)")
            case "expired": #expect(snapshot.document == nil && snapshot.freshness == .expired, "\(vector.name)")
            default: #expect(snapshot.document == nil && snapshot.freshness == .missing, "\(vector.name)")
            }
        }
    }

    @Test("fresh, then stale after the window, then expired at the document's exp (the offline grace ends)")
    func freshness() throws {
        let verifier = EntitlementTokenVerifier(jwks: try Self.vectors().jwks)
        let token = try Self.token(issued: Self.t0, expires: Self.t0.addingTimeInterval(7 * 86_400))
        let record = CachedEntitlements(token: token, fetchedAt: Self.t0, latestSeen: Self.t0)
        let policy = EntitlementCachePolicy(staleAfter: 300)
        let fresh = EntitlementSnapshot.evaluate(record, verifier: verifier, now: Self.t0.addingTimeInterval(299), policy: policy)
        #expect(fresh.freshness == .fresh && fresh.grants("scritorio_pro") && !fresh.clockRolledBack)
        let stale = EntitlementSnapshot.evaluate(record, verifier: verifier, now: Self.t0.addingTimeInterval(6 * 86_400), policy: policy)
        #expect(stale.freshness == .stale && stale.grants("scritorio_pro"))
        let over = EntitlementSnapshot.evaluate(record, verifier: verifier, now: Self.t0.addingTimeInterval(7 * 86_400), policy: policy)
        #expect(over.freshness == .expired && !over.grants("scritorio_pro") && over.activeCodes.isEmpty)
    }

    @Test("a clock set back is never earlier than the latest time seen: no stretching an expired document")
    func rollback() throws {
        let verifier = EntitlementTokenVerifier(jwks: try Self.vectors().jwks)
        let token = try Self.token(issued: Self.t0, expires: Self.t0.addingTimeInterval(86_400))
        // The app saw a time after the expiry, then the user set the clock back inside the validity window.
        let record = CachedEntitlements(token: token, fetchedAt: Self.t0, latestSeen: Self.t0.addingTimeInterval(86_400 + 60))
        let back = EntitlementSnapshot.evaluate(record, verifier: verifier, now: Self.t0.addingTimeInterval(3600), policy: EntitlementCachePolicy())
        #expect(back.clockRolledBack && back.freshness == .expired && !back.grants("scritorio_pro"))
        #expect(back.effectiveNow == record.latestSeen)
        // A small correction (under the tolerance) is not called tampering.
        let nudged = CachedEntitlements(token: token, fetchedAt: Self.t0, latestSeen: Self.t0.addingTimeInterval(100))
        let small = EntitlementSnapshot.evaluate(nudged, verifier: verifier, now: Self.t0.addingTimeInterval(50), policy: EntitlementCachePolicy())
        #expect(!small.clockRolledBack && small.grants("scritorio_pro"))
    }

    @Test("the cache remembers the clock: after seeing a late time, a rolled-back clock keeps that time")
    func cacheRemembersClock() async throws {
        let verifier = EntitlementTokenVerifier(jwks: try Self.vectors().jwks)
        let clock = SharedClock(Self.t0)
        let storage = InMemorySessionStorage()
        try SessionTests.stored(storage, expiresAt: Self.t0.addingTimeInterval(10 * 86_400))  // the document's user
        let client = ScritorioClient(url: URL(string: "http://127.0.0.1:9")!, publishableKey: "k", storage: storage, now: { clock.now })
        let cache = EntitlementCache(client: client, verifier: verifier, storage: storage)
        try await cache.accept(token: try Self.token(issued: Self.t0, expires: Self.t0.addingTimeInterval(86_400)))
        clock.advance(80_000)
        #expect(await cache.current().grants("scritorio_pro"))  // stale: served (the refresh fails offline)
        await cache.settle()
        clock.advance(-70_000)
        let back = await cache.current()
        #expect(back.clockRolledBack && back.effectiveNow == Self.t0.addingTimeInterval(80_000))
        clock.advance(70_000 + 7_000)  // past exp
        let expired = await cache.current()
        #expect(expired.freshness == .expired && !expired.grants("scritorio_pro"))
        await cache.settle()
    }

    @Test("a user's document is not served to nobody or to another user of the same profile")
    func otherUser() async throws {
        let verifier = EntitlementTokenVerifier(jwks: try Self.vectors().jwks)
        let storage = InMemorySessionStorage()
        let client = ScritorioClient(url: URL(string: "http://127.0.0.1:9")!, publishableKey: "k", storage: storage)
        let cache = EntitlementCache(client: client, verifier: verifier, storage: storage)
        let now = Date()
        try await cache.accept(token: try Self.token(issued: now, expires: now.addingTimeInterval(86_400)))
        let signedOut = await cache.current()
        #expect(signedOut.freshness == .missing && !signedOut.grants("scritorio_pro"))
        #expect(await cache.record == nil)
        // Another user signed in on this profile: the first user's document is not theirs either.
        try await cache.accept(token: try Self.token(issued: now, expires: now.addingTimeInterval(86_400)))
        let other = AccountUser(id: "0f0f0f0f-1111-4222-8333-944445555666", email: "b@example.com", displayName: nil, emailConfirmed: true)
        try storage.save(JSONEncoder().encode(Session(accessToken: "a", refreshToken: "r", expiresAt: now.addingTimeInterval(3600), user: other)), for: "session-default")
        let fresh = ScritorioClient(url: URL(string: "http://127.0.0.1:9")!, publishableKey: "k", storage: storage)
        let otherCache = EntitlementCache(client: fresh, verifier: verifier, storage: storage)
        #expect(!(await otherCache.current().grants("scritorio_pro")))
    }

    @Test("a tampered or foreign document is refused and never stored")
    func refuses() async throws {
        let verifier = EntitlementTokenVerifier(jwks: try Self.vectors().jwks)
        let storage = InMemorySessionStorage()
        let client = ScritorioClient(url: URL(string: "http://127.0.0.1:9")!, publishableKey: "k", storage: storage)
        let cache = EntitlementCache(client: client, verifier: verifier, storage: storage)
        let other = EntitlementTokenSigner(kid: try Self.signer().kid, privateKey: Curve25519.Signing.PrivateKey())
        let forged = try other.sign(EntitlementDocument(
            issuer: "x", subject: nil, license: nil, fingerprint: nil, entitlements: [.init(code: "scritorio_pro", expiresAt: nil)],
            issuedAt: Date(), expiresAt: Date().addingTimeInterval(3600), serverTime: Date()))
        await #expect { try await cache.accept(token: forged) } throws: {
            if case ScritorioError.untrustedDocument = $0 { true } else { false }
        }
        #expect(await cache.record == nil)
    }

    @Test("against the server: fetched, verified with the published keys, served offline after the server is gone")
    func live() async throws {
        let storage = InMemorySessionStorage()
        let jwks = Mutex(Data())
        try await KitServer.run { server in
            let client = server.client(storage: storage)
            _ = try await ClientIntegrationTests.signedUp(server, client)
            let keys = try await client.entitlementKeys()
            jwks.withLock { $0 = keys }
            let cache = EntitlementCache(client: client, verifier: try EntitlementTokenVerifier(jwks: keys), storage: storage)
            let free = await cache.current()
            let userID = await client.currentUser?.id
            #expect(free.freshness == .fresh && !free.grants("scritorio_pro") && free.document?.subject == userID)
            let checkout = try await client.checkout(plan: "pro_monthly")
            let transaction: String = try #require(checkout.transactionId)
            try await server.raw("POST", "/sandbox/paddle/transactions/\(transaction)/complete")
            _ = try await client.waitForUpgrade(
                transactionId: transaction,
                policy: UpgradePolicy(timeout: .seconds(60), initialDelay: .milliseconds(100), maximumDelay: .milliseconds(300)))
            #expect(try await cache.refresh().grants("scritorio_pro"))
        }
        // The server is gone: a new launch answers from the cache, offline.
        let offline = ScritorioClient(url: URL(string: "http://127.0.0.1:9")!, publishableKey: KitServer.key, storage: storage)
        let cache = EntitlementCache(client: offline, verifier: try EntitlementTokenVerifier(jwks: jwks.withLock { $0 }), storage: storage)
        let snapshot = await cache.current()
        #expect(snapshot.grants("scritorio_pro") && snapshot.document != nil)
        await cache.settle()
    }
}
