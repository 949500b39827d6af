import Foundation
import ScritorioAPI
import ScritorioCore
import ScritorioStore

/// `POST /admin/generate_link` and `POST /invite`: links the service role makes for a user (the first sent by
/// whoever called it, the second mailed by Scritorio).
extension AuthService {
    static let linkTypes = ["signup", "invite", "magiclink", "recovery", "email_change_current", "email_change_new"]

    /// A fresh code, its hash for `address`, and the stored token standing for it.
    func newToken(
        for user: AuthUser, type: OneTimeTokenType, address: String, flow: FlowStateID? = nil, redirect: String, now: Date,
        on db: SQLConnection
    ) async throws -> (code: String, hash: String) {
        let code = OneTimeCode.generate()
        let hash = OneTimeCode.tokenHash(email: address, code: code)
        try await OneTimeTokenRepository.replace(
            StoredOneTimeToken(
                userID: user.id, type: type, tokenHash: hash, relatesTo: address, flowStateID: flow, redirectTo: redirect, createdAt: now),
            on: db)
        return (code, hash)
    }

    func generateLink(_ body: GenerateLinkRequest, redirectTo query: String?) async throws -> GenerateLinkResponse {
        let email = try normalizedEmail(body.email)
        let requested = body.type ?? ""
        guard Self.linkTypes.contains(requested) else {
            throw APIError.validation("Invalid email action link type requested: \(requested)")
        }
        if requested == "email_change_current", !config.secureEmailChange {
            throw APIError.validation("Enable secure email change to generate link for current email")
        }
        let newEmail = requested.hasPrefix("email_change") ? try normalizedEmail(body.new_email) : nil
        let redirect = redirectTarget(body.redirect_to ?? query)
        let password = try body.password.flatMap { $0.isEmpty ? nil : try checkNewPassword($0) }
        var hash: String?
        if let password { hash = try await passwords.hash(password) }
        let passwordHash = hash
        let now = self.now()
        return try await database.transaction { db in
            var type = requested
            var user = try await UserRepository.find(email: email, on: db, forUpdate: true)
            if user == nil {
                switch type {
                case "magiclink": type = "signup"
                case "recovery", "email_change_current", "email_change_new":
                    throw APIError(.notFound, .userNotFound, "User with this email not found")
                case "signup" where passwordHash == nil && requested == "signup":
                    throw APIError.validation("Signup requires a valid password")
                default: break
                }
            }
            let token: (code: String, hash: String)
            switch type {
            case "signup", "invite":
                if var existing = user {
                    if existing.isConfirmed { throw Self.emailExists }
                    if let data = body.data { existing.userMetadata = existing.userMetadata.mergingMetadata(data) }
                    // The unproven sign-up's password goes: the link's user sets their own (or the one given here).
                    existing.encryptedPassword = passwordHash
                    existing.confirmationSentAt = now
                    if type == "invite" { existing.invitedAt = now }
                    existing.updatedAt = now
                    try await UserRepository.update(existing, on: db)
                    user = existing
                } else {
                    var created = AuthUser(
                        id: .random(), email: email, encryptedPassword: passwordHash, emailConfirmedAt: nil, confirmationSentAt: now,
                        recoverySentAt: nil, lastSignInAt: nil, appMetadata: AuthUser.appMetadata(providers: ["email"]),
                        userMetadata: body.data ?? [:], createdAt: now, updatedAt: now)
                    if type == "invite" { created.invitedAt = now }
                    try await insertWithEmailIdentity(created, now: now, on: db)
                    user = created
                }
                token = try await newToken(for: user!, type: .confirmation, address: email, redirect: redirect, now: now, on: db)
            case "magiclink", "recovery":
                try await UserRepository.setMailSentAt(id: user!.id, confirmation: false, to: now, on: db)
                user!.recoverySentAt = now
                token = try await newToken(for: user!, type: .recovery, address: email, redirect: redirect, now: now, on: db)
            default:
                guard var existing = user, let newEmail else { throw Self.adminUserNotFound }
                if newEmail != email, try await UserRepository.find(email: newEmail, on: db) != nil { throw Self.emailExists }
                // A new pending address: the codes of any earlier change no longer apply.
                try await OneTimeTokenRepository.deleteAll(of: existing.id, types: [.emailChangeCurrent, .emailChangeNew], on: db)
                existing.emailChange = newEmail
                existing.emailChangeSentAt = now
                existing.emailChangeConfirmStatus = 0
                existing.updatedAt = now
                try await UserRepository.update(existing, on: db)
                user = existing
                token = type == "email_change_current"
                    ? try await newToken(for: existing, type: .emailChangeCurrent, address: email, redirect: redirect, now: now, on: db)
                    : try await newToken(for: existing, type: .emailChangeNew, address: newEmail, redirect: redirect, now: now, on: db)
            }
            let linkType = type.hasPrefix("email_change") ? "email_change" : type
            let link = MailTemplates.link(baseURL: config.baseURL, tokenHash: token.hash, type: linkType, redirectTo: redirect)
            return GenerateLinkResponse(
                user: try await userResponse(user!, on: db), action_link: link, email_otp: token.code, hashed_token: token.hash,
                verification_type: type, redirect_to: redirect)
        }
    }

    /// `POST /invite`: a new account with no password (or an unconfirmed one invited again) and the mail that
    /// lets its owner in; a confirmed address is refused.
    func invite(_ body: InviteRequest, redirectTo: String?) async throws -> UserResponse {
        let email = try normalizedEmail(body.email)
        let redirect = redirectTarget(redirectTo)
        let now = self.now()
        let (response, mail, userID, previous): (UserResponse, MailMessage, UserID, Date?) = try await database.transaction { db in
            var user: AuthUser
            let previous: Date?
            if let existing = try await UserRepository.find(email: email, on: db, forUpdate: true) {
                if existing.isConfirmed { throw Self.emailExists }
                try await checkMailAllowed(lastSentAt: existing.confirmationSentAt, now: now)
                user = existing
                previous = existing.confirmationSentAt
                // The invitee proves the address; a password from an earlier, unproven sign-up does not stay.
                user.encryptedPassword = nil
                user.confirmationSentAt = now
                user.invitedAt = now
                user.updatedAt = now
                try await UserRepository.update(user, on: db)
            } else {
                try await checkMailAllowed(lastSentAt: nil, now: now)
                user = AuthUser(
                    id: .random(), email: email, encryptedPassword: nil, emailConfirmedAt: nil, confirmationSentAt: now,
                    recoverySentAt: nil, lastSignInAt: nil, appMetadata: AuthUser.appMetadata(providers: ["email"]),
                    userMetadata: body.data ?? [:], createdAt: now, updatedAt: now)
                user.invitedAt = now
                previous = nil
                try await insertWithEmailIdentity(user, now: now, on: db)
            }
            let token = try await newToken(for: user, type: .confirmation, address: email, redirect: redirect, now: now, on: db)
            let link = MailTemplates.link(baseURL: config.baseURL, tokenHash: token.hash, type: "invite", redirectTo: redirect)
            return (
                try await userResponse(user, on: db), MailTemplates.invite(to: email, code: token.code, tokenHash: token.hash, link: link),
                user.id, previous
            )
        }
        do {
            try await deliver(mail)
        } catch {
            try? await database.transaction { db in
                try await UserRepository.setMailSentAt(id: userID, confirmation: true, to: previous, on: db)
            }
            throw error
        }
        return response
    }
}
