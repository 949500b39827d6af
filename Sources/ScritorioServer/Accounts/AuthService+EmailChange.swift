import Foundation
import ScritorioAPI
import ScritorioCore
import ScritorioStore

/// Email change as GoTrue does it: `PUT /user {email}` mails a code and link to the new address and, with secure
/// email change (the default), another to the current one; the address changes once every mailed token is
/// verified (`type: email_change`). An anonymous user has no current address, so one confirmation converts it.
extension AuthService {
    static let emailChangeAccepted = "Confirmation link accepted. Please proceed to confirm link sent to the other email"

    /// Records the pending change and returns the mails to send once it is committed.
    func startEmailChange(
        _ user: inout AuthUser, to newEmail: String, challenge: (String, PKCE.Method)?, redirect: String, now: Date, on db: SQLConnection
    ) async throws -> [MailMessage] {
        try await checkMailAllowed(lastSentAt: user.emailChangeSentAt, now: now)
        user.emailChange = newEmail
        user.emailChangeSentAt = now
        user.emailChangeConfirmStatus = 0
        let flow = try await createFlowState(challenge, method: "email_change", now: now, on: db)
        func link(_ hash: String) -> String {
            MailTemplates.link(baseURL: config.baseURL, tokenHash: hash, type: "email_change", redirectTo: redirect)
        }
        let new = try await newToken(for: user, type: .emailChangeNew, address: newEmail, flow: flow, redirect: redirect, now: now, on: db)
        var mails = [MailTemplates.emailChange(to: newEmail, newEmail: newEmail, code: new.code, tokenHash: new.hash, link: link(new.hash))]
        if config.secureEmailChange, let current = user.email, !current.isEmpty {
            let old = try await newToken(for: user, type: .emailChangeCurrent, address: current, flow: flow, redirect: redirect, now: now, on: db)
            mails.append(MailTemplates.emailChange(to: current, newEmail: newEmail, code: old.code, tokenHash: old.hash, link: link(old.hash)))
        } else {
            try await OneTimeTokenRepository.deleteAll(of: user.id, types: [.emailChangeCurrent], on: db)
        }
        return mails
    }

    /// Applies the change: the address, its identity (created for an anonymous user, who stops being one), and
    /// confirmation; the pending tokens go.
    func completeEmailChange(_ user: inout AuthUser, to newEmail: String, now: Date, on db: SQLConnection) async throws {
        if try await UserRepository.find(email: newEmail, on: db).map({ $0.id != user.id }) == true { throw Self.emailExists }
        user.email = newEmail
        user.emailChange = nil
        user.emailChangeConfirmStatus = 0
        if user.emailConfirmedAt == nil { user.emailConfirmedAt = now }
        try await setEmailIdentity(of: &user, to: newEmail, verified: true, now: now, on: db)
        user.isAnonymous = false
        // Every code sent to the old address (sign-in links included) stops working with it.
        try await OneTimeTokenRepository.deleteAll(of: user.id, on: db)
    }

    /// A verified `email_change` token: the first of two (secure change) is only recorded; the last applies it.
    /// Returns the updated user, or nil while the other address has yet to confirm.
    func applyEmailChangeToken(_ token: StoredOneTimeToken, now: Date, on db: SQLConnection) async throws -> AuthUser? {
        guard var user = try await UserRepository.find(id: token.userID, on: db, forUpdate: true), let newEmail = user.emailChange else {
            throw APIError.otpExpired
        }
        // Each code vouches for one address: the new one for the pending change, the current one for the account's.
        let vouchedFor = token.type == .emailChangeNew ? newEmail : user.email
        guard token.relatesTo == vouchedFor else { throw APIError.otpExpired }
        let other: OneTimeTokenType = token.type == .emailChangeNew ? .emailChangeCurrent : .emailChangeNew
        // Read without a lock: a concurrent verification of the other code holds it, and waiting would deadlock.
        if !config.autoconfirm, user.emailChangeConfirmStatus == 0,
            try await OneTimeTokenRepository.find(userID: user.id, type: other, on: db, forUpdate: false) != nil
        {
            user.emailChangeConfirmStatus = 1
            user.updatedAt = now
            try await UserRepository.update(user, on: db)
            return nil
        }
        try await completeEmailChange(&user, to: newEmail, now: now, on: db)
        user.updatedAt = now
        try await UserRepository.update(user, on: db)
        return user
    }

    /// `POST /resend {type: email_change, email: <current address>}`: both mails again (`{}` when nothing waits).
    func resendEmailChange(email: String, redirect: String) async throws {
        let now = self.now()
        let mails: [MailMessage] = try await database.transaction { db in
            guard var user = try await UserRepository.find(email: email, on: db, forUpdate: true), let pending = user.emailChange else {
                return []
            }
            let mails = try await startEmailChange(&user, to: pending, challenge: nil, redirect: redirect, now: now, on: db)
            try await UserRepository.update(user, on: db)
            return mails
        }
        for mail in mails { try await deliver(mail) }
    }
}
