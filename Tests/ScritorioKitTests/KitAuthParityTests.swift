import Foundation
import ScritorioCore
import ScritorioKit
import Testing

/// The SDK's passwordless, anonymous, email-change, reauthentication and MFA calls against the real server.
@Suite("Kit: codes, anonymous users, email change, MFA", .serialized)
struct KitAuthParityTests {
    static let password = "kit-password-1"

    @Test("sign in with an emailed code; an unknown address is refused when sign-up is not wanted")
    func codeSignIn() async throws {
        try await KitServer.run { server in
            let client = server.client()
            let email = KitServer.email()
            await #expect(throws: ScritorioError.self) { try await client.sendSignInCode(email: email, createUser: false) }
            try await client.sendSignInCode(email: email)
            let user = try await client.signIn(email: email, code: try server.code(for: email))
            #expect(user.email == email && user.emailConfirmed)
            let currentID = await client.currentUser?.id
            #expect(currentID == user.id)
            #expect(try await client.member() != nil)
        }
    }

    @Test("anonymous, then an email: the same user id, no longer anonymous; secure change needs both codes")
    func anonymousAndEmailChange() async throws {
        try await KitServer.run(configure: { $0.anonymousSignIns = true }) { server in
            let client = server.client()
            let guest = try await client.signInAnonymously()
            #expect(guest.isAnonymous && guest.email == nil)
            let email = KitServer.email()
            let pending = try await client.changeEmail(to: email)
            #expect(pending.pendingEmail == email && pending.isAnonymous)
            let converted = try #require(try await client.confirmEmailChange(email: email, code: try server.code(for: email)))
            #expect(converted.id == guest.id && !converted.isAnonymous && converted.email == email)
            try await client.updatePassword(Self.password)

            // A secure change of that address: both the current and the new one confirm.
            let next = KitServer.email()
            _ = try await client.changeEmail(to: next)
            let first = try await client.confirmEmailChange(email: email, code: try server.code(for: email))
            #expect(first == nil)
            let unchanged = await client.currentUser?.email
            #expect(unchanged == email)
            let done = try await client.confirmEmailChange(email: next, code: try server.code(for: next))
            #expect(done?.email == next && done?.id == guest.id)
            await client.signOut()
            #expect(try await client.signIn(email: next, password: Self.password).id == guest.id)
        }
    }

    @Test("reauthentication: the mailed code is the nonce a day-old session's password change needs")
    func reauthentication() async throws {
        try await KitServer.run(configure: { $0.passwordChangeNeedsReauthentication = true }) { server in
            let client = server.client()
            let email = KitServer.email()
            try await client.sendSignInCode(email: email)
            try await client.signIn(email: email, code: try server.code(for: email))
            server.clock.advance(25 * 3600)
            await #expect(throws: ScritorioError.self) { try await client.updatePassword(Self.password) }
            try await client.reauthenticate()
            try await client.updatePassword(Self.password, nonce: try server.code(for: email))
            await client.signOut()
            #expect(try await client.signIn(email: email, password: Self.password).email == email)
        }
    }

    @Test("MFA: enrol with the QR code's secret, verify to aal2; the login form then asks for the app's code")
    func mfa() async throws {
        try await KitServer.run { server in
            let client = server.client()
            let email = KitServer.email()
            var form = LoginForm(mode: .signUp)
            form.email = email
            form.password = Self.password
            form.confirmPassword = Self.password
            await form.submit(using: client)
            form.code = try server.code(for: email)
            await form.submit(using: client)
            #expect(form.status == .success)

            let enrollment = try await client.enrollTOTP(friendlyName: "laptop")
            #expect(enrollment.qrCodeDataURI.hasPrefix("data:image/svg+xml;utf-8,<svg") && enrollment.uri.contains(enrollment.secret))
            let totp = TOTP(secret: try #require(Base32.decode(enrollment.secret)))
            #expect(try await client.assuranceLevel() == (.aal1, .aal1))
            try await client.verifyFactor(enrollment.factorID, code: totp.code(at: server.clock.now))
            #expect(try await client.assuranceLevel() == (.aal2, .aal2))
            #expect(try await client.factors().map(\.isVerified) == [true])
            await client.signOut()

            var signIn = LoginForm(mode: .signIn)
            signIn.email = email
            signIn.password = Self.password
            await signIn.submit(using: client)
            #expect(signIn.needsSecondFactor && signIn.status == .idle && signIn.factorID == enrollment.factorID)
            #expect(try await client.assuranceLevel() == (.aal1, .aal2))
            signIn.code = "12"
            await signIn.submit(using: client)
            #expect(signIn.errorMessage == "Enter the 6-digit code.")
            server.clock.advance(30)
            signIn.code = "000000" == totp.code(at: server.clock.now) ? "111111" : "000000"
            await signIn.submit(using: client)
            #expect(signIn.status == .error && signIn.errorMessage == "That code from your authenticator app is wrong. Try the current one.")
            signIn.code = totp.code(at: server.clock.now)
            await signIn.submit(using: client)
            #expect(signIn.status == .success && !signIn.needsSecondFactor)
            #expect(try await client.assuranceLevel().current == .aal2)
            try await client.removeFactor(enrollment.factorID)
            #expect(try await client.factors().isEmpty)
        }
    }

    @Test("the login form's code mode: the address, then the mailed code")
    func formCodeMode() async throws {
        try await KitServer.run { server in
            let client = server.client()
            var form = LoginForm(mode: .signInWithCode)
            form.email = "not an email"
            await form.submit(using: client)
            #expect(form.errorMessage == "Enter a valid email address." && !form.hasRequestedCode)
            form.email = KitServer.email()
            await form.submit(using: client)
            #expect(form.hasRequestedCode && form.status == .idle)
            form.code = try server.code(for: form.email)
            await form.submit(using: client)
            let signedIn = await client.currentUser?.email
            #expect(form.status == .success && signedIn == form.email)

            // Words the app counted on the device: once per key.
            let first = try await client.reportWords(40, idempotencyKey: "dictation-1")
            let again = try await client.reportWords(40, idempotencyKey: "dictation-1")
            let more = try await client.reportWords(2)
            #expect(first?.wordsToday == 40 && again?.wordsToday == 40 && more?.wordsTotal == 42)
        }
    }
}
