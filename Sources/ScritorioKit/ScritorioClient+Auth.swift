import Foundation
import ScritorioAPI
import ScritorioModels
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// What sign-up led to.
public enum SignUpOutcome: Sendable, Equatable {
    /// The server sent a code to the address; call ``ScritorioClient/confirmSignUp(email:code:)`` with it.
    case confirmationRequired(email: String)
    /// The server confirms automatically: the user is signed in.
    case signedIn(AccountUser)
}

/// How much of the account a sign-out ends.
public enum SignOutScope: String, Sendable {
    /// Every session of the user, on every device.
    case global
    /// Only this device's session.
    case local
    /// Every other session, keeping this one.
    case others
}

extension ScritorioClient {
    /// Creates an account. With confirmation on (the default), the server emails a code and the answer is
    /// ``SignUpOutcome/confirmationRequired(email:)``; an address that is already registered and confirmed is
    /// reported as `user_already_exists` (the server answers it like a new sign-up, without identities, so as not
    /// to reveal it to strangers; the app may tell its own user).
    public func signUp(email: String, password: String, displayName: String? = nil) async throws -> SignUpOutcome {
        var data: [String: JSONValue] = [:]
        if let displayName { data["display_name"] = .string(displayName) }
        let call = try requester.call(API.Auth.signUp, body: SignUpRequest(email: email, password: password, data: data))
        let user: UserResponse
        switch try await requester.json(SignUpResponse.self, call) {
        case .session(let session):
            let signedIn = Session(session)
            await sessions.set(signedIn) { .signedIn($0) }
            await initializeMember()
            return .signedIn(signedIn.user)
        case .user(let answer):
            user = answer
        }
        if user.identities.isEmpty {
            throw ScritorioError.server(status: 422, code: ErrorCode.userAlreadyExists.rawValue, message: "User already registered")
        }
        return .confirmationRequired(email: user.email)
    }

    /// Confirms a sign-up with the code from the email and signs the user in (creating the member).
    @discardableResult
    public func confirmSignUp(email: String, code: String) async throws -> AccountUser {
        try await verify(type: "email", email: email, code: code)
    }

    /// Asks the server to email the confirmation code again.
    public func resendConfirmation(email: String) async throws {
        _ = try await requester.send(requester.call(API.Auth.resend, body: ResendRequest(type: "signup", email: email)))
    }

    /// Signs in with email and password, then creates the member if needed (the seed's `tryInit`).
    @discardableResult
    public func signIn(email: String, password: String) async throws -> AccountUser {
        try await signedIn(requester.call(API.Auth.passwordGrant, body: PasswordGrantRequest(email: email, password: password)))
    }

    /// Signs in with a Google ID token the app obtained (Google Sign-In, a web view). Pass the raw `nonce` the app
    /// generated when the token was requested with its SHA-256; the server checks that they match.
    @discardableResult
    public func signInWithGoogle(idToken: String, nonce: String? = nil) async throws -> AccountUser {
        try await signedIn(
            requester.call(API.Auth.idTokenGrant, body: IDTokenGrantRequest(provider: "google", id_token: idToken, nonce: nonce)))
    }

    /// Emails a password-reset code (the answer is the same whether or not the address has an account).
    public func sendPasswordReset(email: String) async throws {
        _ = try await requester.send(requester.call(API.Auth.recover, body: RecoverRequest(email: email)))
    }

    /// Signs in with the code from a password-reset email; then call ``updatePassword(_:)``.
    @discardableResult
    public func verifyPasswordReset(email: String, code: String) async throws -> AccountUser {
        try await verify(type: "recovery", email: email, code: code)
    }

    /// Sets a new password for the signed-in user (after a recovery sign-in, or from settings). The server ends
    /// the user's other sessions.
    @discardableResult
    public func updatePassword(_ password: String) async throws -> AccountUser {
        try await updateUser(UpdateUserRequest(password: password))
    }

    /// Changes the display name (`user_metadata.display_name`, kept in step with the profile by the server).
    @discardableResult
    public func updateDisplayName(_ name: String?) async throws -> AccountUser {
        try await updateUser(UpdateUserRequest(data: ["display_name": name.map(JSONValue.string) ?? .null]))
    }

    /// The signed-in user as the server knows it now (also notices a session revoked elsewhere).
    @discardableResult
    public func reloadUser() async throws -> AccountUser {
        let user = AccountUser(try await send(API.Auth.user))
        await sessions.updateUser(user)
        return user
    }

    /// Signs out. The local session is always forgotten, even when the server cannot be reached or already
    /// considers the session gone.
    public func signOut(scope: SignOutScope = .local) async {
        if let session = await sessions.current() {
            if let call = try? requester.call(
                API.Auth.logout, query: [URLQueryItem(name: "scope", value: scope.rawValue)], bearer: session.accessToken)
            {
                _ = try? await requester.send(call)
            }
        }
        await sessions.clear()
    }

    // MARK: Helpers

    private func verify(type: String, email: String, code: String) async throws -> AccountUser {
        try await signedIn(requester.call(API.Auth.verify, body: VerifyRequest(type: type, token: code, email: email)))
    }

    private func signedIn(_ call: Call) async throws -> AccountUser {
        let session = Session(try await requester.json(SessionResponse.self, call))
        await sessions.set(session) { .signedIn($0) }
        await initializeMember()
        return session.user
    }

    private func updateUser(_ body: UpdateUserRequest) async throws -> AccountUser {
        let user = AccountUser(try await send(API.Auth.updateUser, body: body))
        await sessions.updateUser(user)
        return user
    }
}
