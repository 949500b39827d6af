import Foundation
import ScritorioAPI
import ScritorioCore
import ScritorioStore

/// A page of `GET /admin/users`.
struct AdminUserPage: Sendable {
    var list: AdminUserList
    var total: Int
    var totalPages: Int
}

/// GoTrue's admin API (`/admin/users`, `/admin/generate_link`, `/invite`), reached only with the service role.
/// The admin may do what users cannot (create confirmed accounts with sign-ups off, ban, delete) but every write
/// keeps the same invariants as the user flows: one email per account, member profile in step, tokens revoked.
extension AuthService {
    static let emailExists = APIError(.unprocessableContent, .emailExists, "A user with this email address has already been registered")
    static let adminUserNotFound = APIError(.notFound, .userNotFound, "User not found")

    /// The `{user_id}` path segment: 404 `validation_failed` when not a UUID, as GoTrue's `loadUser`.
    func adminUserID(_ text: String?) throws -> UserID {
        guard let text, let uuid = UUID(uuidString: text) else {
            throw APIError(.notFound, .validationFailed, "user_id must be an UUID")
        }
        return UserID(uuid)
    }

    func adminListUsers(page: Int, perPage: Int, ascending: Bool, filter: String?) async throws -> AdminUserPage {
        try await database.read { db in
            let (users, total) = try await UserRepository.list(
                filter: filter, ascending: ascending, limit: perPage, offset: (page - 1) * perPage, on: db)
            var responses: [UserResponse] = []
            for user in users { responses.append(try await userResponse(user, on: db)) }
            return AdminUserPage(list: AdminUserList(users: responses), total: total, totalPages: (total + perPage - 1) / perPage)
        }
    }

    func adminGetUser(_ id: UserID) async throws -> UserResponse {
        try await database.read { db in
            guard let user = try await UserRepository.find(id: id, on: db) else { throw Self.adminUserNotFound }
            return try await userResponse(user, on: db)
        }
    }

    /// `ban_duration`: "none" lifts a ban, otherwise a Go duration from now (zero or negative lifts it too).
    func banUntil(_ text: String, now: Date) throws -> Date?? {
        if text.isEmpty { return .none }
        if text == "none" { return .some(nil) }
        do {
            let seconds = try GoDuration.parse(text)
            return .some(seconds > 0 ? now.addingTimeInterval(seconds) : nil)
        } catch {
            throw APIError.validation("invalid format for ban duration: \(error.description)")
        }
    }

    /// `POST /admin/users`: no strength check (the admin chose it), no mail; sign-ups off does not apply.
    func adminCreateUser(_ body: AdminUserRequest) async throws -> UserResponse {
        if body.phone?.isEmpty == false {
            throw APIError(.unprocessableContent, .phoneProviderDisabled, "Phone signups are disabled")
        }
        guard let rawEmail = body.email, !rawEmail.isEmpty else {
            throw APIError.validation("Cannot create a user without either an email or phone")
        }
        let email = try normalizedEmail(rawEmail)
        if body.password?.isEmpty == false, body.password_hash?.isEmpty == false {
            throw APIError.validation("Only a password or a password hash should be provided")
        }
        var hash: String?
        if let password = body.password, !password.isEmpty {
            guard password.utf8.count <= 72 else { throw APIError.validation("bcrypt: password length exceeds 72 bytes") }
            hash = try await passwords.hash(password)
        } else if let given = body.password_hash, !given.isEmpty {
            guard ["$2a$", "$2b$", "$2y$"].contains(where: given.hasPrefix), given.count == 60 else {
                throw APIError.validation("password_hash must be a bcrypt hash ($2a$, $2b$ or $2y$)")
            }
            hash = given
        }
        var id = UserID.random()
        if let text = body.id {
            guard let uuid = UUID(uuidString: text) else { throw APIError.validation("ID must conform to the uuid v4 format") }
            guard uuid != UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)) else { throw APIError.validation("ID cannot be a nil uuid") }
            id = UserID(uuid)
        }
        let now = self.now()
        let ban = try banUntil(body.ban_duration ?? "", now: now)
        let confirmed = body.email_confirm == true
        var metadata = body.user_metadata ?? [:]
        if confirmed { metadata["email_verified"] = .bool(true) }
        var user = AuthUser(
            id: id, email: email, encryptedPassword: hash, emailConfirmedAt: confirmed ? now : nil, confirmationSentAt: nil,
            recoverySentAt: nil, lastSignInAt: nil,
            appMetadata: AuthUser.appMetadata(providers: ["email"]).mergingMetadata(body.app_metadata ?? [:]),
            userMetadata: metadata, createdAt: now, updatedAt: now)
        if case .some(let until) = ban { user.bannedUntil = until }
        let created = user
        return try await database.transaction { db in
            if try await UserRepository.find(email: email, on: db) != nil { throw Self.emailExists }
            if try await UserRepository.find(id: created.id, on: db) != nil {
                throw APIError(.unprocessableContent, .userAlreadyExists, "A user with this ID already exists")
            }
            try await insertWithEmailIdentity(created, now: now, on: db)
            return try await userResponse(created, on: db)
        }
    }

    /// Stores a new account, its email identity and its profile (the member row comes with `member-init`).
    func insertWithEmailIdentity(_ user: AuthUser, now: Date, on db: SQLConnection) async throws {
        try await UserRepository.insert(user, on: db)
        try await UserRepository.insert(
            AuthIdentity(
                id: .random(), providerID: user.id.description, userID: user.id, provider: "email",
                identityData: [
                    "sub": .string(user.id.description), "email": .string(user.email ?? ""),
                    "email_verified": .bool(user.isConfirmed), "phone_verified": .bool(false),
                ], lastSignInAt: now, createdAt: now, updatedAt: now),
            on: db)
        try await MemberRepository.upsertProfile(
            userID: user.id, displayName: user.userMetadata["display_name"]?.stringValue, now: now, on: db)
    }

    /// `PUT /admin/users/{id}`: metadata merged (null deletes a key), email set directly, password replaced (every
    /// session ends), ban set or lifted (every token of a banned user is refused at once).
    func adminUpdateUser(_ id: UserID, _ body: AdminUserRequest) async throws -> UserResponse {
        if body.phone?.isEmpty == false {
            throw APIError(.unprocessableContent, .phoneProviderDisabled, "Phone signups are disabled")
        }
        let email = try body.email.map { try normalizedEmail($0) }
        var newHash: String?
        if let password = body.password { newHash = try await passwords.hash(try checkNewPassword(password)) }
        let replacementHash = newHash
        let now = self.now()
        let ban = try banUntil(body.ban_duration ?? "", now: now)
        let response = try await database.transaction { db in
            guard var user = try await UserRepository.find(id: id, on: db, forUpdate: true) else { throw Self.adminUserNotFound }
            if let email, email != user.email {
                if try await UserRepository.find(email: email, on: db) != nil { throw Self.emailExists }
                user.email = email
                user.emailChange = nil
                // Codes and links sent to the old address stop working with it.
                try await OneTimeTokenRepository.deleteAll(of: user.id, on: db)
                if user.isAnonymous, body.email_confirm == true { user.isAnonymous = false }
                try await setEmailIdentity(of: &user, to: email, verified: body.email_confirm == true, now: now, on: db)
            }
            if body.email_confirm == true, user.emailConfirmedAt == nil {
                user.emailConfirmedAt = now
                user.userMetadata["email_verified"] = .bool(true)
            }
            if let data = body.user_metadata {
                user.userMetadata = user.userMetadata.mergingMetadata(data)
                if data.keys.contains("display_name") {
                    try await MemberRepository.upsertProfile(
                        userID: user.id, displayName: user.userMetadata["display_name"]?.stringValue, now: now, on: db)
                }
            }
            if let data = body.app_metadata { user.appMetadata = user.appMetadata.mergingMetadata(data) }
            if let replacementHash {
                user.encryptedPassword = replacementHash
                try await SessionRepository.deleteAll(of: user.id, except: nil, on: db)
            }
            if case .some(let until) = ban { user.bannedUntil = until }
            user.updatedAt = now
            try await UserRepository.update(user, on: db)
            return try await userResponse(user, on: db)
        }
        // Cached "alive" answers on this replica are dropped once the ban is committed, so it holds from the next
        // request.
        if case .some = ban { SessionRevocations.record() }
        return response
    }

    /// Points the email identity at `email` (creating it for a user who had none, as an anonymous one).
    func setEmailIdentity(of user: inout AuthUser, to email: String, verified: Bool, now: Date, on db: SQLConnection) async throws {
        let identities = try await UserRepository.identities(of: user.id, on: db)
        if var identity = identities.first(where: { $0.provider == "email" }) {
            identity.identityData["email"] = .string(email)
            identity.identityData["email_verified"] = .bool(verified)
            identity.updatedAt = now
            try await UserRepository.updateIdentity(identity, on: db)
        } else {
            try await UserRepository.insert(
                AuthIdentity(
                    id: .random(), providerID: user.id.description, userID: user.id, provider: "email",
                    identityData: [
                        "sub": .string(user.id.description), "email": .string(email), "email_verified": .bool(verified),
                        "phone_verified": .bool(false),
                    ], lastSignInAt: now, createdAt: now, updatedAt: now),
                on: db)
            let providers = (user.appMetadata["providers"]?.arrayValue?.compactMap(\.stringValue) ?? []) + ["email"]
            user.appMetadata = user.appMetadata.mergingMetadata(AuthUser.appMetadata(providers: providers))
        }
    }

    /// `DELETE /admin/users/{id}`: hard (the account and everything hanging off it in auth) or soft (kept, emptied).
    func adminDeleteUser(_ id: UserID, soft: Bool) async throws {
        let now = self.now()
        try await database.transaction { db in
            guard let user = try await UserRepository.find(id: id, on: db, forUpdate: true) else { throw Self.adminUserNotFound }
            if soft {
                if user.deletedAt == nil { try await UserRepository.softDelete(user, now: now, on: db) }
            } else {
                try await MFARepository.deleteAll(of: id, on: db)
                try await UserRepository.delete(id: id, on: db)
            }
        }
    }

    func adminFactors(of id: UserID) async throws -> [FactorResponse] {
        try await database.read { db in
            guard try await UserRepository.find(id: id, on: db) != nil else { throw Self.adminUserNotFound }
            return try await MFARepository.factors(of: id, on: db).map(FactorResponse.init)
        }
    }

    func adminDeleteFactor(userID: UserID, factorText: String?) async throws -> FactorResponse {
        guard let factorText, let factorID = UUID(uuidString: factorText) else {
            throw APIError(.notFound, .validationFailed, "factor_id must be an UUID")
        }
        let now = self.now()
        return try await database.transaction { db in
            guard try await UserRepository.find(id: userID, on: db) != nil else { throw Self.adminUserNotFound }
            guard let factor = try await MFARepository.find(id: factorID, userID: userID, on: db) else {
                throw APIError(.notFound, .mfaFactorNotFound, "Factor not found")
            }
            try await removeFactor(factor, now: now, on: db)
            return FactorResponse(factor)
        }
    }
}
