import Foundation
import ScritorioAPI
import ScritorioCore
import ScritorioStore

extension AuthService {
    /// Google's ID-token claims that matter here.
    private struct GoogleClaims: Decodable {
        var iss: String?
        var aud: VerifiedClaims.Audience?
        var sub: String?
        var exp: Double?
        var iat: Double?
        var email: String?
        var email_verified: Bool?
        var name: String?
        var picture: String?
        var nonce: String?
    }

    static let googleIssuers = ["https://accounts.google.com", "accounts.google.com"]

    /// `POST /token?grant_type=id_token` with a Google ID token (GoTrue api/token_oidc.go): signature against
    /// Google's JWKS, `iss`, `aud` in the configured client ids, expiry, and the nonce rule. Creates the user,
    /// or links Google to the account with the same verified email, and signs in (amr `oauth`).
    func idTokenGrant(_ body: IDTokenGrantRequest, ip: String) async throws -> SessionResponse {
        try await checkRateLimit(config.rateLimits.token, bucket: "token", ip: ip)
        guard body.provider == "google" else {
            throw APIError.oauth("Custom OIDC provider \"\(body.provider ?? "")\" not allowed")
        }
        guard let idToken = body.id_token, !idToken.isEmpty else { throw APIError.oauth("id_token required") }
        let clientIDs = config.effectiveGoogleClientIDs
        guard !clientIDs.isEmpty else {
            throw APIError(.badRequest, .providerDisabled, "Google sign-in is not configured (SCRITORIO_GOOGLE_CLIENT_IDS)")
        }
        let now = self.now()
        let claims = try await verifiedGoogleClaims(idToken, clientIDs: clientIDs, now: now)
        switch NonceRule.check(tokenNonce: claims.nonce, requestNonce: body.nonce, skip: config.skipNonceCheck) {
        case .accepted: break
        case .missingInToken: throw APIError.oauth("Passed nonce and nonce in id_token should either both exist or not.")
        case .missingInRequest: throw APIError.oauth("Passed nonce and nonce in id_token should either both exist or not.")
        case .mismatch: throw APIError.oauth("Nonces mismatch")
        }
        guard let sub = claims.sub, !sub.isEmpty, let rawEmail = claims.email, let email = EmailAddress.normalize(rawEmail) else {
            throw APIError.oauth("Error getting user email from external provider")
        }
        let verified = claims.email_verified ?? false
        // GoTrue refuses an unverified provider email unless sign-ups are auto-confirmed: otherwise a Google
        // account could claim an address nobody proved, and later be linked to its real owner's account.
        guard verified || config.autoconfirm else {
            throw APIError(
                .unprocessableContent, .providerEmailNeedsVerification,
                "Unverified email with google. A confirmation email has not been sent; verify the email with Google first")
        }
        var identityData: [String: JSONValue] = [
            "iss": .string(claims.iss ?? ""), "sub": .string(sub), "provider_id": .string(sub), "email": .string(email),
            "email_verified": .bool(verified), "phone_verified": .bool(false),
        ]
        if let name = claims.name { identityData["name"] = .string(name); identityData["full_name"] = .string(name) }
        if let picture = claims.picture { identityData["picture"] = .string(picture); identityData["avatar_url"] = .string(picture) }

        let data = identityData
        return try await retryingOnRace {
            try await database.transaction { db in
                let user = try await googleUser(sub: sub, email: email, verified: verified, identityData: data, name: claims.name, now: now, on: db)
                if user.deletedAt != nil { throw APIError.userNotFound }
                if user.isBanned(at: now) { throw APIError.userBanned }
                return try await startSession(for: user, method: "oauth", now: now, on: db)
            }
        }
    }

    private func verifiedGoogleClaims(_ token: String, clientIDs: [String], now: Date) async throws -> GoogleClaims {
        let keys: JWKS
        do { keys = try await googleKeys.fetch() } catch {
            logger.error("cannot fetch Google signing keys", metadata: ["error": "\(error)"])
            throw APIError(.serviceUnavailable, .unexpectedFailure, "Google's signing keys are unavailable; try again shortly")
        }
        let payload: Data
        // GoTrue says only "Bad ID token" whatever failed; the reason goes to the log.
        func bad(_ reason: String) -> APIError {
            logger.info("ID token refused", metadata: ["reason": "\(reason)"])
            return APIError.oauth("Bad ID token")
        }
        do { payload = try keys.keySet.verify(token).payload } catch {
            throw bad("\(error)")
        }
        guard let claims = try? JSONDecoder().decode(GoogleClaims.self, from: payload) else { throw bad("unreadable claims") }
        guard let iss = claims.iss, Self.googleIssuers.contains(iss) else { throw bad("wrong issuer") }
        guard let aud = claims.aud, aud.containsAny(of: clientIDs) else {
            let audiences: [String] = switch claims.aud {
            case .one(let one): [one]
            case .many(let many): many
            case nil: []
            }
            throw APIError.oauth("Unacceptable audience in id_token: [\(audiences.joined(separator: " "))]")
        }
        guard let exp = claims.exp, now.timeIntervalSince1970 < exp else { throw bad("expired") }
        return claims
    }

    private func googleUser(
        sub: String, email: String, verified: Bool, identityData: [String: JSONValue], name: String?, now: Date,
        on db: SQLConnection
    ) async throws -> AuthUser {
        if var identity = try await UserRepository.findIdentity(provider: "google", providerID: sub, on: db) {
            identity.identityData = identityData
            identity.lastSignInAt = now
            identity.updatedAt = now
            try await UserRepository.updateIdentity(identity, on: db)
            guard let user = try await UserRepository.find(id: identity.userID, on: db) else { throw APIError.userNotFound }
            return user
        }
        if verified, var user = try await UserRepository.find(email: email, on: db, forUpdate: true) {
            if !user.isConfirmed {
                // Google proved the address. A password set by whoever registered it unconfirmed is dropped, so
                // an attacker who pre-registered the victim's email cannot keep a way in.
                user.encryptedPassword = nil
                user.emailConfirmedAt = now
            }
            var providers = user.appMetadata["providers"].flatMap { value -> [String]? in
                if case .array(let items) = value { return items.compactMap(\.stringValue) }
                return nil
            } ?? ["email"]
            if !providers.contains("google") { providers.append("google") }
            user.appMetadata["providers"] = .array(providers.map(JSONValue.string))
            user.updatedAt = now
            try await UserRepository.update(user, on: db)
            try await UserRepository.insert(
                AuthIdentity(id: .random(), providerID: sub, userID: user.id, provider: "google", identityData: identityData,
                             lastSignInAt: now, createdAt: now, updatedAt: now), on: db)
            return user
        }
        // A new account, as GoTrue decides `CreateAccount`: refused first when sign-ups are off.
        if config.disableSignup { throw APIError.signupDisabled }
        if !verified, try await UserRepository.find(email: email, on: db) != nil {
            throw APIError(.unprocessableContent, .emailExists, "A user with this email address has already been registered")
        }
        var metadata = identityData
        metadata.removeValue(forKey: "provider_id")
        let user = AuthUser(
            id: .random(), email: email, encryptedPassword: nil, emailConfirmedAt: verified ? now : nil,
            confirmationSentAt: nil, recoverySentAt: nil, lastSignInAt: nil,
            appMetadata: AuthUser.appMetadata(providers: ["google"]), userMetadata: metadata, createdAt: now, updatedAt: now)
        try await UserRepository.insert(user, on: db)
        try await UserRepository.insert(
            AuthIdentity(id: .random(), providerID: sub, userID: user.id, provider: "google", identityData: identityData,
                         lastSignInAt: now, createdAt: now, updatedAt: now), on: db)
        try await MemberRepository.upsertProfile(userID: user.id, displayName: name, now: now, on: db)
        return user
    }
}
