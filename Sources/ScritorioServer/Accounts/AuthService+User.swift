import Foundation
import ScritorioAPI
import ScritorioCore
import ScritorioStore

/// `POST /logout` scopes.
enum LogoutScope: String {
    case global, local, others
}

extension AuthService {
    /// The user behind a verified token, provided the token's session still exists (`session_not_found`
    /// otherwise, even though the JWT itself has not expired).
    func currentUser(_ identity: Identity, on db: SQLConnection) async throws -> AuthUser {
        guard let user = try await UserRepository.find(id: identity.userID, on: db), user.deletedAt == nil else {
            throw APIError.userNotFound
        }
        if user.isBanned(at: now()) { throw APIError.userBanned }
        if let sessionID = identity.sessionID {
            guard try await SessionRepository.exists(id: sessionID, userID: identity.userID, on: db) else {
                throw APIError.sessionNotFound
            }
        }
        return user
    }

    /// `GET /user`.
    func getUser(_ identity: Identity) async throws -> UserResponse {
        try await database.read { db in
            let user = try await currentUser(identity, on: db)
            return try await userResponse(user, on: db)
        }
    }

    /// `PUT /user`: merges `data` into user_metadata (null deletes a key), keeps the profile's display name in
    /// step, and changes the password (ending every other session).
    func updateUser(_ identity: Identity, _ body: UpdateUserRequest, ip: String) async throws -> UserResponse {
        try await checkRateLimit(config.rateLimits.signup, bucket: "user", ip: ip)
        let newPassword = try body.password.map { try checkNewPassword($0) }
        var newHash: String?
        if let newPassword { newHash = try await passwords.hash(newPassword) }
        let now = self.now()
        let current = try await database.read { db in try await currentUser(identity, on: db) }
        if let email = body.email, EmailAddress.normalize(email) != current.email {
            throw APIError(.unprocessableContent, .validationFailed, "Changing the email address is not supported yet")
        }
        if let newPassword, let oldHash = current.encryptedPassword, try await passwords.verify(newPassword, oldHash) {
            throw APIError(.unprocessableContent, .samePassword, "New password should be different from the old password.")
        }
        let hashToStore = newHash
        return try await database.transaction { db in
            var user = try await currentUser(identity, on: db)
            if let data = body.data {
                user.userMetadata = user.userMetadata.mergingMetadata(data)
                if data.keys.contains("display_name") {
                    try await MemberRepository.upsertProfile(
                        userID: user.id, displayName: user.userMetadata["display_name"]?.stringValue, now: now, on: db)
                }
            }
            if let hashToStore {
                user.encryptedPassword = hashToStore
                try await SessionRepository.deleteAll(of: user.id, except: identity.sessionID, on: db)
            }
            user.updatedAt = now
            try await UserRepository.update(user, on: db)
            return try await userResponse(user, on: db)
        }
    }

    /// `POST /logout?scope=`.
    func logout(_ identity: Identity, scope: String?) async throws {
        guard let scope = LogoutScope(rawValue: scope ?? "global") else {
            throw APIError.validation("Unsupported logout scope \"\(scope ?? "")\"")
        }
        try await database.transaction { db in
            _ = try await currentUser(identity, on: db)
            switch scope {
            case .global:
                try await SessionRepository.deleteAll(of: identity.userID, except: nil, on: db)
            case .local:
                if let sessionID = identity.sessionID { try await SessionRepository.delete(id: sessionID, on: db) }
            case .others:
                try await SessionRepository.deleteAll(of: identity.userID, except: identity.sessionID, on: db)
            }
        }
    }
}
