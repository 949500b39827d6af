import Foundation
import HTTPTypes
import ScritorioCore
import ScritorioProviders
import ScritorioSandbox
@testable import ScritorioServer
import ScritorioStore
import ScritorioTestSupport
import Synchronization
import Testing

@Suite("Mail, recovery, PKCE links and Google sign-in")
struct MailAndGoogleTests {
    @Test("a mail failure is a clear 503 and the sign-up is kept; asking again sends it", arguments: TestStores.kinds)
    func mailFailure(kind: StoreKind) async throws {
        let failing = Mutex(true)
        try await Harness.run(kind, mailer: { outbox in
            Mailer { message in
                if failing.withLock({ $0 }) { throw MailerError.notConfigured }
                outbox.deliver(message, now: Date())
            }
        }) { app in
            let email = Harness.email()
            let first = try await app.request(.post, "/auth/v1/signup", json: ["email": email, "password": "correct-horse-1"])
            #expect((first.status, first.code) == (.serviceUnavailable, "email_send_failed"))
            #expect(!first.raw.contains("correct-horse-1"))
            #expect(try await app.count("auth_users") == 1)
            failing.withLock { $0 = false }
            let retry = try await app.request(.post, "/auth/v1/signup", json: ["email": email, "password": "correct-horse-1"])
            #expect(retry.status == .ok)
            let otp = try #require(app.outbox.list(to: email).first?.otp)
            #expect(try await app.request(.post, "/auth/v1/verify", json: ["type": "email", "email": email, "token": otp]).status == .ok)
        }
    }

    @Test("confirmation mail goes out over SMTP")
    func smtpDelivery() async throws {
        let received = Mutex<[ReceivedSMTPMessage]>([])
        let server = try await SandboxSMTPServer.start { message in received.withLock { $0.append(message) } }
        do {
            let configuration = try SMTPConfiguration(url: "smtp://127.0.0.1:\(server.port)?starttls=off")
            try await Harness.run(.sqlite, mailer: { _ in .smtp(SMTPClient(configuration: configuration), from: "Scritorio <no-reply@scritorio.test>") }) { app in
                let email = Harness.email()
                #expect(try await app.request(.post, "/auth/v1/signup", json: ["email": email, "password": "correct-horse-1"]).status == .ok)
                let message = try #require(received.withLock { $0.first })
                #expect(message.rcptTo == [email])
                #expect(message.data.contains("Subject: Confirm your signup"))
                #expect(message.data.contains("/auth/v1/verify?token="))
            }
        } catch {
            try await server.shutdown()
            throw error
        }
        try await server.shutdown()
    }

    @Test("recovery: unknown emails answer {} too; the OTP signs in and a new password works", arguments: TestStores.kinds)
    func recovery(kind: StoreKind) async throws {
        try await Harness.run(kind) { app in
            let unknown = try await app.request(.post, "/auth/v1/recover", json: ["email": Harness.email()])
            #expect(unknown.status == .ok && unknown.raw == "{}")
            let email = Harness.email()
            _ = try await app.confirmedSession(email)
            #expect(try await app.request(.post, "/auth/v1/recover", json: ["email": email]).raw == "{}")
            let mail = try #require(app.outbox.list(to: email).first)
            #expect(mail.type == "recovery")
            let session = try await app.request(.post, "/auth/v1/verify", json: ["type": "recovery", "email": email, "token": mail.otp ?? ""])
            let token = try #require(session.string("access_token"))
            #expect(try await app.request(.put, "/auth/v1/user", json: ["password": "new-password-9"], bearer: token).status == .ok)
            #expect(try await app.request(.post, "/auth/v1/token?grant_type=password", json: ["email": email, "password": "new-password-9"]).status == .ok)
        }
    }

    @Test("PKCE: the link redirects with a code that only the right verifier exchanges, once", arguments: TestStores.kinds)
    func pkceLink(kind: StoreKind) async throws {
        try await Harness.run(kind, configure: { $0.redirectAllowList = ["myapp://auth/*"] }) { app in
            let email = Harness.email()
            let verifier = String(repeating: "v", count: 20) + UUID().uuidString + String(repeating: "w", count: 10)
            let challenge = Base64URL.encode(Data(OneTimeCodeHash.sha256HexData(verifier)))
            let signup = try await app.request(
                .post, "/auth/v1/signup?redirect_to=myapp://auth/callback",
                json: ["email": email, "password": "correct-horse-1", "code_challenge": challenge, "code_challenge_method": "s256"])
            #expect(signup.status == .ok)
            let link = try #require(app.outbox.list(to: email).first?.link)
            let path = String(link.dropFirst("http://scritorio.test".count))
            let redirect = try await app.request(.get, path, apikey: false)
            #expect(redirect.status == .seeOther)
            let location = try #require(redirect.headers[.location])
            #expect(location.hasPrefix("myapp://auth/callback?code="))
            let code = String(location.split(separator: "=").last ?? "")
            let wrong = try await app.request(.post, "/auth/v1/token?grant_type=pkce", json: ["auth_code": code, "code_verifier": verifier + "x"])
            #expect((wrong.status, wrong.code) == (.badRequest, "bad_code_verifier"))
            let session = try await app.request(.post, "/auth/v1/token?grant_type=pkce", json: ["auth_code": code, "code_verifier": verifier])
            #expect(session.status == .ok && session.string("access_token") != nil)
            let replay = try await app.request(.post, "/auth/v1/token?grant_type=pkce", json: ["auth_code": code, "code_verifier": verifier])
            #expect((replay.status, replay.code) == (.notFound, "flow_state_not_found"))
            // A link to somewhere not allowed lands on the site URL instead.
            let evil = try await app.request(.get, "/auth/v1/verify?token=nope&type=signup&redirect_to=https://evil.example", apikey: false)
            #expect(evil.headers[.location]?.hasPrefix("http://scritorio.test#error=") == true)
        }
    }

    @Test("Google ID tokens: nonce rule, audience, and one user per Google account", arguments: TestStores.kinds)
    func google(kind: StoreKind) async throws {
        try await Harness.run(kind) { app in
            let email = Harness.email()
            let raw = "nonce-\(UUID().uuidString)"
            let hashed = OneTimeCodeHash.sha256Hex(raw)
            let token = try app.google.mint(email: email, sub: "g-123", nonce: hashed, name: "Ada G", now: Date())
            let ok = try await app.request(.post, "/auth/v1/token?grant_type=id_token", json: ["provider": "google", "id_token": token, "nonce": raw])
            #expect(ok.status == .ok)
            let claims = Harness.claims(ok.string("access_token") ?? "")
            #expect((claims["amr"] as? [[String: Any]])?.first?["method"] as? String == "oauth")
            let userID = (ok.json["user"] as? [String: Any])?["id"] as? String

            let noNonce = try await app.request(.post, "/auth/v1/token?grant_type=id_token", json: ["provider": "google", "id_token": token])
            #expect(noNonce.status == .badRequest && noNonce.json["error_description"] != nil)
            let mismatch = try await app.request(.post, "/auth/v1/token?grant_type=id_token", json: ["provider": "google", "id_token": token, "nonce": "other"])
            #expect(mismatch.status == .badRequest)
            let otherAudience = try app.google.mint(email: email, sub: "g-123", nonce: nil, name: nil, audience: "someone-else", now: Date())
            #expect(try await app.request(.post, "/auth/v1/token?grant_type=id_token", json: ["provider": "google", "id_token": otherAudience]).status == .badRequest)
            let expired = try app.google.mint(email: email, sub: "g-123", nonce: nil, name: nil, now: Date().addingTimeInterval(-7200))
            #expect(try await app.request(.post, "/auth/v1/token?grant_type=id_token", json: ["provider": "google", "id_token": expired]).status == .badRequest)

            let again = try app.google.mint(email: email, sub: "g-123", nonce: nil, name: nil, now: Date())
            let second = try await app.request(.post, "/auth/v1/token?grant_type=id_token", json: ["provider": "google", "id_token": again])
            #expect((second.json["user"] as? [String: Any])?["id"] as? String == userID)
            #expect(try await app.count("auth_users") == 1)
        }
    }

    @Test("rotating the signing key keeps tokens signed by the old key valid")
    func keyRotation() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let old = try SigningKeys.load(directory: directory, environmentPEM: nil, now: Date())
        let token = try old.current.sign(["sub": "x"])
        let newKid = try SigningKeys.rotate(directory: directory, now: Date(), keepRetiredFor: 7200)
        let rotated = try SigningKeys.load(directory: directory, environmentPEM: nil, now: Date())
        #expect(rotated.current.kid == newKid && newKid != old.current.kid)
        #expect(Set(rotated.jwks.keys.compactMap(\.kid)) == [old.current.kid, newKid])
        #expect(throws: Never.self) { try rotated.keySet.verify(token) }
        // Much later the retired key is dropped at the next rotation.
        try SigningKeys.rotate(directory: directory, now: Date().addingTimeInterval(86_400), keepRetiredFor: 7200)
        let later = try SigningKeys.load(directory: directory, environmentPEM: nil, now: Date())
        #expect(!later.jwks.keys.contains { $0.kid == old.current.kid })
    }
}

extension OneTimeCodeHash {
    static func sha256HexData(_ text: String) -> [UInt8] {
        let hex = sha256Hex(text)
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }
}
