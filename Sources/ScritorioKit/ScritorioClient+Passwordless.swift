import Foundation
import ScritorioAPI
import ScritorioModels
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

extension ScritorioClient {
    /// Emails a 6-digit sign-in code (and a link) to `email`. With `createUser` (the default) an address with no
    /// account gets a sign-up code instead, which signs in just the same; without it, an unknown address is
    /// refused with `otp_disabled`.
    public func sendSignInCode(email: String, createUser: Bool = true) async throws {
        _ = try await requester.send(requester.call(API.Auth.otp, body: OTPRequest(email: email, create_user: createUser)))
    }

    /// Signs in with the code from ``sendSignInCode(email:createUser:)``, then creates the member if needed.
    @discardableResult
    public func signIn(email: String, code: String) async throws -> AccountUser {
        try await adoptSession(requester.call(
            API.Auth.verify, body: VerifyRequest(type: "email", token: code.trimmingCharacters(in: .whitespaces), email: email)))
    }

    /// Signs in without credentials (when the server allows anonymous users). The account keeps its id, member and
    /// purchases when the user later adds an email with ``changeEmail(to:)`` and confirms it.
    @discardableResult
    public func signInAnonymously() async throws -> AccountUser {
        try await adoptSession(requester.call(API.Auth.signUp, body: SignUpRequest(email: nil, password: nil, data: [:])))
    }

    /// Starts changing the signed-in user's email: the server mails a code to the new address (and, with secure
    /// email change, another to the current one). The address stays as it is until ``confirmEmailChange(email:code:)``
    /// has been called with each code; the returned user carries the address waiting in ``AccountUser/pendingEmail``.
    @discardableResult
    public func changeEmail(to email: String) async throws -> AccountUser {
        let user = AccountUser(try await send(API.Auth.updateUser, body: UpdateUserRequest(email: email)))
        await sessions.updateUser(user)
        return user
    }

    /// Confirms one email-change code, sent to `email`. Returns nil while the other address has yet to confirm;
    /// once the change is complete, the new session's user (at the new address; no longer anonymous).
    @discardableResult
    public func confirmEmailChange(email: String, code: String) async throws -> AccountUser? {
        let call = try requester.call(
            API.Auth.verify, body: VerifyRequest(type: "email_change", token: code.trimmingCharacters(in: .whitespaces), email: email))
        let (data, _) = try await requester.send(call)
        // The first of two confirmations answers GoTrue's note, `{"code":"200","msg":…}`, not a session.
        if let note = try? JSONDecoder().decode([String: String].self, from: data), note["code"] == "200" { return nil }
        let session = Session(try JSONDecoder().decode(SessionResponse.self, from: data))
        await sessions.set(session) { .signedIn($0) }
        return session.user
    }

    /// Emails the signed-in user a code to pass as `nonce` to ``updatePassword(_:nonce:)`` where the server asks
    /// for reauthentication before a password change.
    public func reauthenticate() async throws {
        _ = try await send(API.Auth.reauthenticate)
    }

    /// Sets a new password, with the code from ``reauthenticate()`` when the server requires one.
    @discardableResult
    public func updatePassword(_ password: String, nonce: String?) async throws -> AccountUser {
        let user = AccountUser(try await send(API.Auth.updateUser, body: UpdateUserRequest(password: password, nonce: nonce)))
        await sessions.updateUser(user)
        return user
    }

    /// Adopts the session `call` answers with and creates the member if needed.
    func adoptSession(_ call: Call) async throws -> AccountUser {
        let session = Session(try await requester.json(SessionResponse.self, call))
        await sessions.set(session) { .signedIn($0) }
        await initializeMember()
        return session.user
    }
}
