import Foundation
import HTTPTypes
import NIOCore
import ScritorioCore
import ScritorioRuntime
import ScritorioSandbox
@testable import ScritorioServer
import ScritorioStore
import ScritorioTestSupport
import Testing

/// Attacks found in review, each pinned by a test.
@Suite("Security regressions")
struct SecurityRegressionTests {
    @Test("redirects are matched by origin and glob, never by prefix")
    func redirectPolicy() {
        let policy = RedirectPolicy(siteURL: "https://app.example.com", allowList: ["myapp://auth/*", "https://*.example.org/done", "https://preview.example.net/**"])
        #expect(policy.resolve("https://app.example.com/welcome?x=1") == "https://app.example.com/welcome?x=1")
        for hostile in [
            "https://app.example.com.evil.com/x", "https://app.example.com@evil.com/", "https://evil.com/https://app.example.com",
            "http://app.example.com/", "https://app.example.com:8443/", "https://evil.com/x.example.org/done",
            "myapp://auth/a/b", "javascript:alert(1)",
        ] {
            #expect(policy.resolve(hostile) == "https://app.example.com", "\(hostile)")
        }
        #expect(policy.resolve("myapp://auth/callback") == "myapp://auth/callback")
        #expect(policy.resolve("https://staging.example.org/done") == "https://staging.example.org/done")
        #expect(policy.resolve("https://preview.example.net/a/b/c") == "https://preview.example.net/a/b/c")
        #expect(policy.resolve(nil) == "https://app.example.com")
    }

    @Test("an email link never carries a session to a host that only looks like the site")
    func recoveryRedirect() async throws {
        try await Harness.run(.sqlite) { app in
            let email = Harness.email()
            _ = try await app.confirmedSession(email)
            _ = try await app.request(.post, "/auth/v1/recover?redirect_to=http://scritorio.test.evil.com/steal", json: ["email": email])
            let link = try #require(app.outbox.list(to: email).first { $0.type == "recovery" }?.link)
            let reply = try await app.request(.get, String(link.dropFirst("http://scritorio.test".count)), apikey: false)
            let location = try #require(reply.headers[.location])
            #expect(location.hasPrefix("http://scritorio.test#access_token="))
        }
    }

    @Test("a doubled slash does not skip the API key check")
    func doubleSlash() async throws {
        try await Harness.run(.sqlite) { app in
            for path in ["/auth//v1/signup", "//auth/v1/signup"] {
                let reply = try await app.request(.post, path, json: ["email": Harness.email(), "password": "correct-horse-1"], apikey: false)
                #expect(reply.status == .unauthorized, "\(path)")
            }
            #expect(try await app.count("auth_users") == 0)
        }
    }

    @Test("Google with an unverified email gets no session")
    func unverifiedGoogle() async throws {
        try await Harness.run(.sqlite) { app in
            let token = try app.google.mint(email: Harness.email(), sub: "g-unverified", nonce: nil, name: nil, emailVerified: false, now: Date())
            let reply = try await app.request(.post, "/auth/v1/token?grant_type=id_token", json: ["provider": "google", "id_token": token])
            #expect((reply.status, reply.code) == (.unprocessableContent, "provider_email_needs_verification"))
            #expect(try await app.count("auth_users") == 0)
        }
    }

    @Test("whoever pre-registers an address keeps no way in once its owner signs up and confirms", arguments: TestStores.kinds)
    func preRegistration(kind: StoreKind) async throws {
        try await Harness.run(kind) { app in
            let email = Harness.email()
            _ = try await app.signUp(email, password: "attacker-pass-1", data: ["display_name": "Mallory"])
            let otp = try await app.signUp(email, password: "owner-pass-1")
            #expect(try await app.request(.post, "/auth/v1/verify", json: ["type": "signup", "email": email, "token": otp]).status == .ok)
            let attacker = try await app.request(.post, "/auth/v1/token?grant_type=password", json: ["email": email, "password": "attacker-pass-1"])
            #expect(attacker.code == "invalid_credentials")
            let owner = try await app.request(.post, "/auth/v1/token?grant_type=password", json: ["email": email, "password": "owner-pass-1"])
            #expect(owner.status == .ok)
            #expect((owner.json["user"] as? [String: Any])?["user_metadata"] as? [String: String] == [:])
        }
    }

    @Test("the duplicate sign-up decoy reveals nothing of the real account")
    func decoy() async throws {
        try await Harness.run(.sqlite) { app in
            let email = Harness.email()
            let real = try await app.confirmedSession(email)
            let decoy = try await app.request(.post, "/auth/v1/signup", json: ["email": email, "password": "whatever-1"])
            #expect(decoy.status == .ok)
            #expect(decoy.json["identities"] as? [Any] == nil || (decoy.json["identities"] as? [Any])?.isEmpty == true)
            #expect(decoy.string("id") != (real.json["user"] as? [String: Any])?["id"] as? String)
            #expect(decoy.json["last_sign_in_at"] == nil && decoy.json["email_confirmed_at"] == nil)
        }
    }

    @Test("guessing an account's password from one address cannot lock its owner out from another", arguments: TestStores.kinds)
    func noLockOut(kind: StoreKind) async throws {
        try await Harness.run(kind, configure: {
            $0.rateLimits.token = RateLimitRule(limit: 5, window: 3_600, burst: 5)  // no refill within the test
            $0.rateLimits.ipHeader = "X-Forwarded-For"
            $0.rateLimits.signInFailureDelay = .milliseconds(300)
        }) { app in
            let email = Harness.email()
            _ = try await app.confirmedSession(email, password: "owner-pass-1")
            func signIn(_ password: String, from address: String) async throws -> HTTPResponse.Status {
                var headers: HTTPFields = [.contentType: "application/json", HTTPField.Name("apikey")!: Harness.key]
                headers[HTTPField.Name("X-Forwarded-For")!] = address
                let body = ByteBuffer(string: #"{"email":"\#(email)","password":"\#(password)"}"#)
                return try await app.client.execute(uri: "/auth/v1/token?grant_type=password", method: .post, headers: headers, body: body).status
            }
            // The guesser: five tries, then refused, even with the right password (its own bucket is empty).
            var guesses: [HTTPResponse.Status] = []
            for index in 0..<8 { guesses.append(try await signIn("guess-\(index)", from: "203.0.113.66")) }
            #expect(guesses == Array(repeating: .badRequest, count: 5) + Array(repeating: .tooManyRequests, count: 3))
            #expect(try await signIn("owner-pass-1", from: "203.0.113.66") == .tooManyRequests)
            // The owner, from another address: signed in, only slowed down by the account's failures.
            let started = ContinuousClock.now
            #expect(try await signIn("owner-pass-1", from: "198.51.100.9") == .ok)
            #expect(ContinuousClock.now - started >= .milliseconds(300), "over its failure budget, the account's sign-ins wait")
            // Another guessing address is answered too (slowly), not refused on the account's behalf.
            #expect(try await signIn("guess-x", from: "203.0.113.67") == .badRequest)
        }
    }

    @Test("with PostgreSQL, two replicas count one address's sign-ups in the same bucket")
    func sharedBuckets() async throws {
        guard TestStores.kinds.contains(.postgres) else { return }
        try await AIHarness.run(.postgres, configure: { $0.rateLimits.signup = RateLimitRule(limit: 3, window: 3_600) }, replicas: 2) { h in
            var statuses: [HTTPResponse.Status] = []
            for index in 0..<6 {
                let client = index % 2 == 0 ? h.base.client : h.replicas[0]
                let headers: HTTPFields = [.contentType: "application/json", HTTPField.Name("apikey")!: Harness.key]
                let body = ByteBuffer(string: #"{"email":"\#(Harness.email())","password":"correct-horse-1"}"#)
                statuses.append(try await client.execute(uri: "/auth/v1/signup", method: .post, headers: headers, body: body).status)
            }
            // Three in all, whichever replica answered (per-replica buckets would have let six through).
            #expect(statuses == [.ok, .ok, .ok, .tooManyRequests, .tooManyRequests, .tooManyRequests])
            let rows = try await h.base.database.read { try await $0.sql.raw("SELECT key FROM rate_limit_buckets").all() }
            #expect(!rows.isEmpty)
        }
    }

    @Test("the client IP behind a proxy is the rightmost forwarded address")
    func forwardedFor() async throws {
        try await Harness.run(.sqlite, configure: {
            $0.rateLimits.signup = RateLimitRule(limit: 2, window: 300)
            $0.rateLimits.ipHeader = "X-Forwarded-For"
        }) { app in
            var statuses: [HTTPResponse.Status] = []
            for index in 0..<3 {
                var headers: HTTPFields = [.contentType: "application/json", HTTPField.Name("apikey")!: Harness.key]
                headers[HTTPField.Name("X-Forwarded-For")!] = "10.0.0.\(index), 203.0.113.7"
                let body = ByteBuffer(string: #"{"email":"\#(Harness.email())","password":"correct-horse-1"}"#)
                statuses.append(try await app.client.execute(uri: "/auth/v1/signup", method: .post, headers: headers, body: body).status)
            }
            // Spoofed left-hand addresses change nothing: all three come from 203.0.113.7.
            #expect(statuses == [.ok, .ok, .tooManyRequests])
        }
    }

    @Test("a NUL in a password is part of it; an address with invisible or control characters is refused", arguments: TestStores.kinds)
    func nulAndInvisibleCharacters(kind: StoreKind) async throws {
        try await Harness.run(kind) { app in
            let email = Harness.email()
            let password = "abcdef\u{0}-long-secret"
            _ = try await app.confirmedSession(email, password: password)
            func signIn(_ password: String) async throws -> Harness.Reply {
                try await app.request(.post, "/auth/v1/token?grant_type=password", json: ["email": email, "password": password])
            }
            #expect(try await signIn(password).status == .ok)
            for wrong in ["abcdef", "abcdef\u{0}", "abcdef\u{0}-long-secreT"] {
                let refused = try await signIn(wrong)
                #expect((refused.status, refused.code) == (.badRequest, "invalid_credentials"), "\(wrong.debugDescription)")
            }
            for address in ["admin\u{200B}@example.com", "ad\u{0}min@example.com", "admin\u{202E}@example.com", "adm\u{0456}n@example.com"] {
                let refused = try await app.request(.post, "/auth/v1/signup", json: ["email": address, "password": "correct-horse-1"])
                #expect((refused.status, refused.code) == (.badRequest, "validation_failed"), "\(address.debugDescription)")
            }
            #expect(try await app.count("auth_users") == 1)
        }
    }

    @Test("with --sandbox, configured webhook secrets are checked beside the fakes' own, so the simulator is never refused")
    func sandboxKeepsItsSecrets() {
        var config = AppConfig()
        config.sandbox = true
        config.paddle.webhookSecrets = ["pdl_ntfset_mine"]
        config.lemonSqueezy.webhookSecrets = ["my-ls-secret"]
        let filled = config.applyingSandboxDefaults()
        #expect(filled.paddle.webhookSecrets == ["pdl_ntfset_mine", PaddleSandbox.webhookSecret])
        #expect(filled.lemonSqueezy.webhookSecrets == ["my-ls-secret", LemonSqueezySandbox.webhookSecret])
        // A real account configured: its secrets alone.
        config.paddle.apiKey = "pdl_sdbx_apikey_x"
        #expect(config.applyingSandboxDefaults().paddle.webhookSecrets == ["pdl_ntfset_mine"])
        config.sandbox = false
        config.paddle.apiKey = nil
        #expect(config.applyingSandboxDefaults().paddle.webhookSecrets == ["pdl_ntfset_mine"])
    }

    @Test("configuration errors are reported, not crashes")
    func config() {
        #expect(throws: ConfigError.self) { try AppConfig.fromEnvironment(["SCRITORIO_PORT": "1e30"]) }
        #expect(throws: ConfigError.self) { try AppConfig.fromEnvironment(["SCRITORIO_EXTERNAL_URL": "not a url"]) }
        #expect(throws: ConfigError.self) { try AppConfig.fromEnvironment(["SCRITORIO_AUTH": "supabase", "SUPABASE_JWT_SECRET": "x"]) }
        #expect(throws: ConfigError.self) { try AppConfig.fromEnvironment(["PADDLE_ENVIRONMENT": "sandbox", "PADDLE_API_KEY": "pdl_live_apikey_x"]) }
        // A lifetime under the floor is refused, not silently replaced by the default.
        #expect(throws: ConfigError.self) { try AppConfig.fromEnvironment(["SCRITORIO_AUTH_ACCESS_TOKEN_TTL": "29"]) }
        #expect(throws: ConfigError.self) { try AppConfig.fromEnvironment(["SCRITORIO_AUTH_OTP_TTL": "59"]) }
        #expect((try? AppConfig.fromEnvironment(["SCRITORIO_AUTH_ACCESS_TOKEN_TTL": "30"]))?.accessTokenLifetime == 30)
        let ok = try? AppConfig.fromEnvironment(["SCRITORIO_AUTH": "supabase", "SUPABASE_JWT_SECRET": "x", "SUPABASE_JWT_ISSUER": "https://x.supabase.co/auth/v1"])
        #expect(ok?.authMode == .supabase(url: nil, jwtSecret: "x", issuer: "https://x.supabase.co/auth/v1"))
    }
}
