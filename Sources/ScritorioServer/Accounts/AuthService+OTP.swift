import Foundation
import ScritorioAPI
import ScritorioCore
import ScritorioStore

/// `POST /otp`: passwordless sign-in by email. A confirmed account gets a magic link with a 6-digit code (one mail,
/// verified as `magiclink` or `email`); an address with no account (or an unconfirmed one) gets the sign-up
/// confirmation instead, as GoTrue sends it, which signs in as well once verified.
extension AuthService {
    func otp(_ body: OTPRequest, redirectTo: String?, ip: String) async throws {
        try await checkRateLimit(config.rateLimits.signup, bucket: "otp", ip: ip)
        let hasEmail = body.email?.isEmpty == false
        let hasPhone = body.phone?.isEmpty == false
        if hasEmail, hasPhone { throw APIError.validation("Only an email address or phone number should be provided") }
        if hasEmail, body.channel != nil { throw APIError.validation("Channel should only be specified with Phone OTP") }
        let challenge = try pkceChallenge(body.code_challenge, body.code_challenge_method)
        let createUser = body.create_user ?? true
        if hasPhone {
            // GoTrue with the phone provider off: an existing-user-only request validates the number and finds no one.
            if !createUser {
                _ = try Self.validatedPhone(body.phone)
                throw APIError(.unprocessableContent, .otpDisabled, "Signups not allowed for otp")
            }
            throw APIError(.badRequest, .phoneProviderDisabled, "Unsupported phone provider")
        }
        guard hasEmail else { throw APIError.validation("One of email or phone must be set") }
        let email = try normalizedEmail(body.email)
        try await checkEmailRateLimit(config.rateLimits.signup, bucket: "otp", email: email)
        let now = self.now()
        let redirect = redirectTarget(redirectTo)
        let metadata = body.data ?? [:]

        enum Step: Sendable {
            case mail(MailMessage, UserID, confirmation: Bool, previous: Date?)
        }
        let step: Step = try await retryingOnRace { try await database.transaction { db in
            let existing = try await UserRepository.find(email: email, on: db, forUpdate: true)
            if existing == nil, !createUser {
                throw APIError(.unprocessableContent, .otpDisabled, "Signups not allowed for otp")
            }
            if let user = existing, user.isConfirmed {
                try await checkMailAllowed(lastSentAt: user.recoverySentAt, now: now)
                try await UserRepository.setMailSentAt(id: user.id, confirmation: false, to: now, on: db)
                let flow = try await createFlowState(challenge, method: "magiclink", now: now, on: db)
                let token = try await newToken(for: user, type: .recovery, address: email, flow: flow, redirect: redirect, now: now, on: db)
                let link = MailTemplates.link(baseURL: config.baseURL, tokenHash: token.hash, type: "magiclink", redirectTo: redirect)
                return .mail(
                    MailTemplates.magicLink(to: email, code: token.code, tokenHash: token.hash, link: link), user.id,
                    confirmation: false, previous: user.recoverySentAt)
            }
            // No account, or one never confirmed: this is a sign-up (refused when sign-ups are off).
            if config.disableSignup { throw APIError.signupDisabled }
            var user: AuthUser
            if let unconfirmed = existing {
                try await checkMailAllowed(lastSentAt: unconfirmed.confirmationSentAt, now: now)
                user = unconfirmed
                // Whoever proves this address with the code owns the account: a password an earlier, unproven
                // sign-up chose must not come with it (else pre-registering someone's address keeps a way in).
                user.encryptedPassword = nil
                user.confirmationSentAt = now
                user.updatedAt = now
                try await UserRepository.update(user, on: db)
            } else {
                try await checkMailAllowed(lastSentAt: nil, now: now)
                user = AuthUser(
                    id: .random(), email: email, encryptedPassword: nil, emailConfirmedAt: config.autoconfirm ? now : nil,
                    confirmationSentAt: now, recoverySentAt: nil, lastSignInAt: nil,
                    appMetadata: AuthUser.appMetadata(providers: ["email"]), userMetadata: metadata, createdAt: now, updatedAt: now)
                try await insertWithEmailIdentity(user, now: now, on: db)
            }
            if user.isConfirmed {
                // Autoconfirm: the account exists and is confirmed, so the sign-in itself is a magic link.
                let flow = try await createFlowState(challenge, method: "magiclink", now: now, on: db)
                try await UserRepository.setMailSentAt(id: user.id, confirmation: false, to: now, on: db)
                let token = try await newToken(for: user, type: .recovery, address: email, flow: flow, redirect: redirect, now: now, on: db)
                let link = MailTemplates.link(baseURL: config.baseURL, tokenHash: token.hash, type: "magiclink", redirectTo: redirect)
                return .mail(
                    MailTemplates.magicLink(to: email, code: token.code, tokenHash: token.hash, link: link), user.id,
                    confirmation: false, previous: nil)
            }
            let mail = try await prepareConfirmation(for: user, challenge: challenge, redirect: redirect, now: now, on: db)
            return .mail(mail, user.id, confirmation: true, previous: existing?.confirmationSentAt)
        } }
        switch step {
        case .mail(let message, let userID, let confirmation, let previous):
            try await deliverRecordingFailure(message, userID: userID, confirmation: confirmation, previousSentAt: previous)
        }
    }

    /// GoTrue's E.164 check: `+` and spaces dropped, then 2 to 15 digits not starting with 0.
    static func validatedPhone(_ raw: String?) throws -> String {
        let digits = (raw ?? "").filter { $0 != "+" && $0 != " " }
        guard (2...15).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }), digits.first != "0" else {
            throw APIError.validation("Invalid phone number format (E.164 required)")
        }
        return digits
    }
}
