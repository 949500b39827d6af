import Foundation
import ScritorioAPI
import ScritorioCore
import ScritorioStore

/// Anonymous users: an account with no credentials (`is_anonymous`), which becomes a normal one, keeping its id
/// and so its member row and purchases, when it adds an email (and password) through `PUT /user` and verifies it.
extension AuthService {
    /// `POST /signup` with neither email nor phone.
    func signUpAnonymously(_ body: SignUpRequest, ip: String) async throws -> SessionResponse {
        guard config.anonymousSignIns else {
            throw APIError(.unprocessableContent, .anonymousProviderDisabled, "Anonymous sign-ins are disabled")
        }
        try await checkRateLimit(config.rateLimits.anonymous, bucket: "anonymous", ip: ip)
        if config.disableSignup { throw APIError.signupDisabled }
        let now = self.now()
        var user = AuthUser(
            id: .random(), email: nil, encryptedPassword: nil, emailConfirmedAt: nil, confirmationSentAt: nil,
            recoverySentAt: nil, lastSignInAt: nil, appMetadata: [:], userMetadata: body.data ?? [:], createdAt: now, updatedAt: now)
        user.isAnonymous = true
        let created = user
        return try await database.transaction { db in
            try await UserRepository.insert(created, on: db)
            try await MemberRepository.upsertProfile(
                userID: created.id, displayName: created.userMetadata["display_name"]?.stringValue, now: now, on: db)
            return try await startSession(for: created, method: "anonymous", now: now, on: db)
        }
    }
}
