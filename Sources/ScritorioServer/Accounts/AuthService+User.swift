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
        // A soft-deleted user's row stays, its sessions do not: GoTrue answers `session_not_found` then.
        guard let user = try await UserRepository.find(id: identity.userID, on: db) else { throw APIError.userNotFound }
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
