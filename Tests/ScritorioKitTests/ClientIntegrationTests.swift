import Crypto
import Foundation
import ScritorioAPI
import ScritorioCore
@testable import ScritorioKit
import Testing

/// The SDK against the real server in-process (SQLite, sandbox fakes), over real sockets and URLSession.
@Suite("ScritorioKit against the real server", .serialized)
struct ClientIntegrationTests {
    static let password = "correct-horse-1"

    /// Signs a new user up and in through the SDK.
    static func signedUp(_ server: KitServer, _ client: ScritorioClient) async throws -> String {
        let email = KitServer.email()
        #expect(try await client.signUp(email: email, password: password) == .confirmationRequired(email: email))
        try await client.confirmSignUp(email: email, code: try server.code(for: email))
        return email
    }

    @Test("sign up, confirm with the mailed code, member created free; the session survives a restart")
    func signUpConfirm() async throws {
        try await KitServer.run { server in
            let storage = InMemorySessionStorage()
            let client = server.client(storage: storage)
            let email = KitServer.email()
            #expect(try await client.signUp(email: email, password: Self.password) == .confirmationRequired(email: email))
            // Before confirming: the password is right but the address is not confirmed.
            await #expect(throws: ScritorioError.server(status: 400, code: "email_not_confirmed", message: "Email not confirmed")) {
                try await client.signIn(email: email, password: Self.password)
            }
            await #expect { try await client.confirmSignUp(email: email, code: "000000") } throws: {
                ($0 as? ScritorioError)?.errorCode == .otpExpired
            }
            // A second mail on request (a minute later: the server spaces mails to one address); its code works.
            server.clock.advance(61)
            try await client.resendConfirmation(email: email)
            #expect(server.outbox.list(to: email).count == 2)
            var events = await client.authStateChanges.makeAsyncIterator()
            let user = try await client.confirmSignUp(email: email, code: try server.code(for: email))
            #expect(user.email == email && user.emailConfirmed)
            #expect(await events.next() == .signedIn(user))
            let member = try #require(try await client.member())
            #expect(member.plan == "free" && member.id == user.id && !member.isPaying)
            #expect(EffectivePlan.of(member: member) == .free)
            // Registering the same confirmed address again is reported as already registered.
            await #expect { _ = try await server.client().signUp(email: email, password: Self.password) } throws: {
                ($0 as? ScritorioError)?.errorCode == .userAlreadyExists
            }
            // A new client over the same storage restores the session.
            let restarted = server.client(storage: storage)
            #expect(await restarted.start() == user)
            #expect(try await restarted.me().user.id == user.id)
        }
    }

    @Test("sign in with password; wrong password is invalid_credentials; display name; sign out ends the server session")
    func signInDisplayNameSignOut() async throws {
        try await KitServer.run { server in
            let email = try await Self.signedUp(server, server.client())
            let client = server.client()
            await #expect(throws: ScritorioError.server(status: 400, code: "invalid_credentials", message: "Invalid login credentials")) {
                try await client.signIn(email: email, password: "wrong-password")
            }
            let user = try await client.signIn(email: email, password: Self.password)
            #expect(user.email == email)
            let renamed = try await client.updateDisplayName("Ada Lovelace")
            #expect(renamed.displayName == "Ada Lovelace")
            #expect(try await client.me().profile?.displayName == "Ada Lovelace")
            #expect(try await client.reloadUser().displayName == "Ada Lovelace")
            let token = try await client.accessToken()
            await client.signOut()
            #expect(await client.currentUser == nil)
            let (status, body) = try await server.raw("GET", "/auth/v1/user", bearer: token)
            #expect(status == 403 && body["code"] as? String == "session_not_found")
            await #expect(throws: ScritorioError.notSignedIn) { _ = try await client.member() }
        }
    }

    @Test("the access token expires; the SDK refreshes it ahead of time and carries on")
    func refreshAcrossExpiry() async throws {
        try await KitServer.run { server in
            let client = server.client()
            _ = try await Self.signedUp(server, client)
            let first = try await client.accessToken()
            let events = await client.authStateChanges
            server.clock.advance(2 * 3600)
            // The server no longer takes the old token …
            let (status, _) = try await server.raw("GET", "/v1/me", bearer: first)
            #expect(status == 401 || status == 403)
            // … and the SDK notices the expiry itself and refreshes before calling.
            let me = try await client.me()
            #expect(me.member?.plan == "free")
            let second = try await client.accessToken()
            #expect(second != first)
            let refreshed = await firstEvent(events) { if case .tokenRefreshed = $0 { true } else { false } }
            #expect(refreshed?.user?.id == me.user.id)
        }
    }

    @Test("a stolen refresh token reused later revokes the session; the SDK signs out cleanly")
    func reuseDetection() async throws {
        try await KitServer.run { server in
            let client = server.client()
            _ = try await Self.signedUp(server, client)
            let stolen = try #require(await client.session).refreshToken
            // Two rotations: the stolen token is no longer the parent of the active one (which the server would
            // answer with the active token again), and it is past the reuse interval.
            try await client.refreshSession()
            try await client.refreshSession()
            server.clock.advance(60)
            let (status, body) = try await server.raw("POST", "/auth/v1/token?grant_type=refresh_token", json: ["refresh_token": stolen])
            #expect(status == 400 && body["code"] as? String == "refresh_token_already_used")
            // The app's next refresh comes later (the family's tokens were revoked just now, and a token revoked
            // within the reuse interval is still honoured once).
            server.clock.advance(60)
            let events = await client.authStateChanges
            await #expect { try await client.refreshSession() } throws: {
                if case ScritorioError.sessionRevoked = $0 { return true } else { return false }
            }
            #expect(await client.currentUser == nil)
            #expect(await firstEvent(events) { $0 == .signedOut } == .signedOut)
            await #expect(throws: ScritorioError.notSignedIn) { _ = try await client.me() }
        }
    }

    @Test("Google sign-in with a sandbox-issued ID token and its nonce; a wrong nonce is refused")
    func google() async throws {
        try await KitServer.run { server in
            let email = KitServer.email()
            let nonce = UUID().uuidString
            let hashed = SHA256.hash(data: Data(nonce.utf8)).map { String(format: "%02x", $0) }.joined()
            let (_, minted) = try await server.raw("POST", "/sandbox/google/id-token", json: ["email": email, "nonce": hashed])
            let idToken = try #require(minted["id_token"] as? String)
            let client = server.client()
            await #expect { try await client.signInWithGoogle(idToken: idToken, nonce: "not-the-nonce") } throws: { $0 is ScritorioError }
            let user = try await client.signInWithGoogle(idToken: idToken, nonce: nonce)
            #expect(user.email == email)
            #expect(try await client.member()?.plan == "free")
        }
    }

    @Test("password reset: code by mail, recovery sign-in, new password; the old one stops working")
    func reset() async throws {
        try await KitServer.run { server in
            let email = try await Self.signedUp(server, server.client())
            let client = server.client()
            try await client.sendPasswordReset(email: email)
            let mail = try #require(server.outbox.list(to: email).first)
            #expect(mail.type == "recovery")
            try await client.verifyPasswordReset(email: email, code: try #require(mail.otp))
            try await client.updatePassword("a-new-horse-2")
            await client.signOut()
            await #expect { try await client.signIn(email: email, password: Self.password) } throws: {
                ($0 as? ScritorioError)?.errorCode == .invalidCredentials
            }
            #expect(try await client.signIn(email: email, password: "a-new-horse-2").email == email)
        }
    }

    @Test("the login form drives sign-up, confirmation and sign-in against the server")
    func loginForm() async throws {
        try await KitServer.run { server in
            let client = server.client()
            var form = LoginForm(mode: .signUp)
            form.email = KitServer.email()
            form.password = Self.password
            form.confirmPassword = Self.password
            await form.submit(using: client)
            #expect(form.status == .success && form.hasSubmittedRegistration)
            form.code = try server.code(for: form.email)
            await form.submit(using: client)
            #expect(form.status == .success)
            #expect(await client.currentUser?.email == form.email)
            await client.signOut()

            var signIn = LoginForm(mode: .signIn)
            signIn.email = form.email
            signIn.password = "wrong-password"
            await signIn.submit(using: client)
            #expect(signIn.status == .error && signIn.errorMessage == "Wrong email or password.")
            signIn.password = Self.password
            await signIn.submit(using: client)
            #expect(signIn.status == .success && signIn.errorMessage.isEmpty)
        }
    }

    @Test("upgrade: checkout, the Paddle simulator pays, verify applies it, the member is pro")
    func upgradeVerified() async throws {
        try await KitServer.run { server in
            let client = server.client()
            _ = try await Self.signedUp(server, client)
            #expect(try await client.entitlements().plan == "free")
            let opened = OpenedURL()
            let policy = UpgradePolicy(timeout: .seconds(60), initialDelay: .milliseconds(100), maximumDelay: .milliseconds(500))
            let member = try await client.upgrade(plan: "pro_monthly", policy: policy) { checkout in
                opened.set(checkout)
                #expect(checkout.checkoutUrl.contains("_ptxn=\(checkout.transactionId ?? "-")"))
                // The buyer pays in the browser: the simulator completes the transaction.
                let (status, _) = try await server.raw("POST", "/sandbox/paddle/transactions/\(checkout.transactionId ?? "")/complete")
                #expect(status == 200)
            }
            #expect(member?.plan == "pro" && member?.isPaying == true)
            #expect(EffectivePlan.of(member: member) == .pro)
            let entitlements = try await client.entitlements()
            #expect(entitlements.plan == "pro" && entitlements.entitlements.map(\.code).contains("scritorio_pro"))
            #expect(try await client.subscription()?.active == true)
            #expect(opened.value != nil)
        }
    }

    @Test("upgrade through Lemon Squeezy: nothing to verify, the SDK polls until the signed webhook made the user pro")
    func upgradeLemonSqueezy() async throws {
        try await KitServer.run { server in
            let client = server.client()
            _ = try await Self.signedUp(server, client)
            let policy = UpgradePolicy(timeout: .seconds(60), initialDelay: .milliseconds(100), maximumDelay: .milliseconds(300))
            let member = try await client.upgrade(plan: "pro_monthly", provider: "lemonsqueezy", policy: policy) { checkout in
                #expect(checkout.provider == "lemonsqueezy" && checkout.transactionId == nil)
                let id = try #require(checkout.checkoutId)
                let (status, _) = try await server.raw("POST", "/sandbox/lemonsqueezy/checkouts/\(id)/complete")
                #expect(status == 200)
            }
            #expect(member?.plan == "pro")
            #expect(try await client.subscription()?.provider == "lemonsqueezy")
        }
    }

    @Test("upgrade without a transaction id: polling with back-off until the webhook made the user pro")
    func upgradePolled() async throws {
        try await KitServer.run { server in
            let client = server.client()
            _ = try await Self.signedUp(server, client)
            let checkout = try await client.checkout(plan: "pro_monthly")
            let steps = StepLog()
            let waiting = Task {
                try await client.waitForUpgrade(
                    policy: UpgradePolicy(timeout: .seconds(60), initialDelay: .milliseconds(100), maximumDelay: .milliseconds(300)),
                    progress: { steps.append($0) })
            }
            // Pay only once the SDK has seen the free plan at least once.
            for _ in 0..<1500 where !steps.values.contains(where: { $0.status == .waitingForPayment }) {
                try await Task.sleep(for: .milliseconds(20))
            }
            let (status, _) = try await server.raw("POST", "/sandbox/paddle/transactions/\(checkout.transactionId ?? "")/complete")
            #expect(status == 200)
            let member = try await waiting.value
            #expect(member?.plan == "pro")
            #expect(steps.values.last?.status == .upgraded(plan: "pro"))
        }
    }

    @Test("a checkout that is never paid times out with a typed error")
    func upgradeTimeout() async throws {
        try await KitServer.run { server in
            let client = server.client()
            _ = try await Self.signedUp(server, client)
            let checkout = try await client.checkout(plan: "pro_monthly")
            let transaction: String = try #require(checkout.transactionId)
            await #expect(throws: ScritorioError.timedOut) {
                _ = try await client.waitForUpgrade(
                    transactionId: transaction,
                    policy: UpgradePolicy(timeout: .milliseconds(400), initialDelay: .milliseconds(50), maximumDelay: .milliseconds(100)))
            }
            #expect(try await client.member()?.plan == "free")
            await #expect { _ = try await client.checkout(plan: "no_such_plan") } throws: {
                ($0 as? ScritorioError)?.errorCode == .validationFailed
            }
        }
    }
}

final class OpenedURL: @unchecked Sendable {
    private let lock = NSLock()
    private var checkout: Checkout?
    func set(_ value: Checkout) { lock.withLock { checkout = value } }
    var value: Checkout? { lock.withLock { checkout } }
}

final class StepLog: @unchecked Sendable {
    private let lock = NSLock()
    private var steps: [UpgradeProgress] = []
    func append(_ step: UpgradeProgress) { lock.withLock { steps.append(step) } }
    var values: [UpgradeProgress] { lock.withLock { steps } }
}

/// The first event matching `predicate`, or `nil` if none came within a generous safety limit (so a broken SDK
/// fails the test instead of hanging the run).
func firstEvent(_ events: AsyncStream<AuthEvent>, limit: Duration = .seconds(30), where predicate: @escaping @Sendable (AuthEvent) -> Bool) async -> AuthEvent? {
    await withTaskGroup(of: AuthEvent?.self) { group in
        group.addTask {
            for await event in events where predicate(event) { return event }
            return nil
        }
        group.addTask {
            try? await Task.sleep(for: limit)
            return nil
        }
        let first = await group.next() ?? nil
        group.cancelAll()
        return first
    }
}
