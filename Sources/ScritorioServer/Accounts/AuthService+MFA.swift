import Foundation
import ScritorioAPI
import ScritorioCore
import ScritorioStore

/// TOTP MFA as GoTrue serves it: enrol (secret shown once), challenge, verify (the session rises to `aal2` and
/// `amr` gains `totp`), unenrol (needs `aal2` once verified). Beyond GoTrue, a code is accepted once: a code of a
/// time step already used for this factor is refused, so a shoulder-surfed code cannot be replayed in its window.
extension AuthService {
    static let maxFactors = 10
    /// Wrong TOTP codes in a row before a factor starts locking.
    static let freeAttempts = 5
    static let challengeLifetime: TimeInterval = 300
    static let anonymousNotAllowed = APIError(.forbidden, .noAuthorization, "Anonymous user not allowed to perform these actions")
    static let factorNotFound = APIError(.notFound, .mfaFactorNotFound, "Factor not found")

    func factorID(_ text: String?) throws -> UUID {
        guard let text, let id = UUID(uuidString: text) else {
            throw APIError(.notFound, .validationFailed, "factor_id must be an UUID")
        }
        return id
    }

    /// The caller, refused when anonymous (GoTrue's `requireNotAnonymous`), and its session.
    private func mfaCaller(_ identity: Identity, on db: SQLConnection) async throws -> (AuthUser, AuthSession?) {
        let user = try await currentUser(identity, on: db)
        if user.isAnonymous { throw Self.anonymousNotAllowed }
        return (user, try await identity.sessionID.asyncMap { try await SessionRepository.find(id: $0, on: db) })
    }

    /// The issuer shown in authenticator apps: the site's host (with its port), as GoTrue defaults it.
    var defaultIssuer: String {
        let url = URLComponents(string: config.siteURL ?? config.baseURL)
        guard let host = url?.host else { return "Scritorio" }
        return url?.port.map { "\(host):\($0)" } ?? host
    }

    func enrollFactor(_ identity: Identity, _ body: EnrollFactorRequest) async throws -> EnrollFactorResponse {
        switch body.factor_type {
        case "totp": break
        case "phone": throw APIError(.unprocessableContent, .mfaPhoneEnrollNotEnabled, "MFA enroll is disabled for Phone")
        case "webauthn": throw APIError(.unprocessableContent, .mfaWebAuthnEnrollNotEnabled, "MFA enroll is disabled for WebAuthn")
        default: throw APIError.validation("factor_type needs to be totp, phone, or webauthn")
        }
        let name = body.friendly_name ?? ""
        let issuer = body.issuer.flatMap { $0.isEmpty ? nil : $0 } ?? defaultIssuer
        // Both go into the QR code (and the name into storage): bounded so the code always fits and renders.
        guard name.count <= 256, issuer.count <= 256 else {
            throw APIError.validation("friendly_name and issuer must be at most 256 characters")
        }
        let now = self.now()
        let totp = TOTP.random()
        let id = UUID()
        let sealed = try mfaBox.seal(totp.secret, context: id.uuidString.lowercased())
        let email: String = try await retryingOnRace { try await database.transaction { db in
            let (user, session) = try await mfaCaller(identity, on: db)
            guard let email = user.email, !email.isEmpty else {
                throw APIError(.unprocessableContent, .validationFailed, "A TOTP factor needs an account with an email address")
            }
            try await MFARepository.deleteStaleUnverified(of: user.id, before: now.addingTimeInterval(-Self.challengeLifetime), on: db)
            let factors = try await MFARepository.factors(of: user.id, on: db)
            if factors.contains(where: { ($0.friendlyName ?? "") == name }) {
                throw APIError(
                    .unprocessableContent, .mfaFactorNameConflict, "A factor with the friendly name \"\(name)\" for this user already exists")
            }
            if factors.count >= Self.maxFactors {
                throw APIError(
                    .unprocessableContent, .tooManyEnrolledMFAFactors, "Maximum number of verified factors reached, unenroll to continue")
            }
            if factors.contains(where: { $0.status == .verified }), session?.aal != "aal2" || identity.aal != "aal2" {
                throw APIError(.forbidden, .insufficientAAL, "AAL2 required to enroll a new factor")
            }
            try await MFARepository.insert(
                MFAFactor(
                    id: id, userID: user.id, friendlyName: name, factorType: "totp", status: .unverified, sealedSecret: sealed,
                    lastUsedStep: nil, lastChallengedAt: nil, createdAt: now, updatedAt: now),
                on: db)
            return email
        } }
        let uri = totp.uri(issuer: issuer, account: email)
        return EnrollFactorResponse(
            id: id.uuidString.lowercased(), type: "totp", friendly_name: name,
            totp: .init(qr_code: try QRCode(encoding: uri).svg, secret: totp.base32Secret, uri: uri))
    }

    func challengeFactor(_ identity: Identity, factor text: String?, ip: String) async throws -> ChallengeFactorResponse {
        let factorID = try factorID(text)
        try await checkRateLimit(config.rateLimits.mfa, bucket: "mfa", ip: ip)
        let now = self.now()
        return try await database.transaction { db in
            let (user, _) = try await mfaCaller(identity, on: db)
            guard var factor = try await MFARepository.find(id: factorID, userID: user.id, on: db, forUpdate: true) else {
                throw Self.factorNotFound
            }
            let challenge = StoredMFAChallenge(id: UUID(), factorID: factor.id, ip: ip, verifiedAt: nil, createdAt: now)
            try await MFARepository.insert(challenge, on: db)
            factor.lastChallengedAt = now
            factor.updatedAt = now
            try await MFARepository.update(factor, on: db)
            return ChallengeFactorResponse(
                id: challenge.id.uuidString.lowercased(), type: "totp",
                expires_at: Int64(now.addingTimeInterval(Self.challengeLifetime).timeIntervalSince1970))
        }
    }

    func verifyFactor(_ identity: Identity, factor text: String?, _ body: VerifyFactorRequest, ip: String) async throws -> SessionResponse {
        let factorID = try factorID(text)
        guard let code = body.code, !code.isEmpty else { throw APIError.validation("Code needs to be non-empty") }
        let challengeID: UUID
        if let raw = body.challenge_id, !raw.isEmpty {
            guard let parsed = UUID(uuidString: raw) else {
                throw APIError(.badRequest, .badJSON, "Could not parse request body as JSON: invalid UUID format")
            }
            challengeID = parsed
        } else {
            challengeID = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
        }
        try await checkRateLimit(config.rateLimits.mfa, bucket: "mfa", ip: ip)
        // Per factor too, so guessing from many addresses does not multiply the attempts against one factor.
        try await checkRateLimit(config.rateLimits.mfa, bucket: "mfa", key: "factor:\(factorID)")
        let now = self.now()
        enum Outcome: Sendable {
            case session(SessionResponse)
            case expired
            case wrongCode
            case locked(seconds: Int)
        }
        let outcome: Outcome = try await database.transaction { db in
            let (user, session) = try await mfaCaller(identity, on: db)
            guard var factor = try await MFARepository.find(id: factorID, userID: user.id, on: db, forUpdate: true) else {
                throw Self.factorNotFound
            }
            guard let challenge = try await MFARepository.findChallenge(id: challengeID, factorID: factor.id, on: db) else {
                throw APIError(.unprocessableContent, .mfaFactorNotFound, "MFA factor with the provided challenge ID not found")
            }
            if challenge.verifiedAt != nil || challenge.ip != ip {
                throw APIError(.unprocessableContent, .mfaIPAddressMismatch, "Challenge and verify IP addresses mismatch.")
            }
            if now.timeIntervalSince(challenge.createdAt) > Self.challengeLifetime {
                try await MFARepository.deleteChallenge(id: challenge.id, on: db)
                return .expired
            }
            guard let secret = mfaBox.open(factor.sealedSecret, context: factor.id.uuidString.lowercased()) else {
                logger.error("an MFA factor's secret does not open with this server's MFA key", metadata: ["factor_id": "\(factor.id)"])
                throw APIError(.internalServerError, .unexpectedFailure, "The factor cannot be verified on this server")
            }
            if let until = factor.lockedUntil, until > now {
                return .locked(seconds: Int(until.timeIntervalSince(now).rounded(.up)))
            }
            guard let step = TOTP(secret: secret).matchingStep(code, at: now), step > (factor.lastUsedStep ?? .min) else {
                // Counted (committed before the refusal): from the fifth wrong code in a row the factor waits a
                // minute, doubling each time up to a day, so guessing a 6-digit code stays out of reach.
                factor.failedAttempts += 1
                if factor.failedAttempts >= Self.freeAttempts {
                    let delay = min(86_400, 60 * pow(2, Double(factor.failedAttempts - Self.freeAttempts)))
                    factor.lockedUntil = now.addingTimeInterval(delay)
                }
                factor.updatedAt = now
                try await MFARepository.update(factor, on: db)
                return .wrongCode
            }
            guard var session else { throw APIError.sessionNotFound }
            try await MFARepository.markVerified(challengeID: challenge.id, at: now, on: db)
            factor.status = .verified
            factor.lastUsedStep = step
            factor.failedAttempts = 0
            factor.lockedUntil = nil
            factor.updatedAt = now
            try await MFARepository.update(factor, on: db)
            for other in try await MFARepository.factors(of: user.id, on: db) where other.status == .unverified && other.id != factor.id {
                try await MFARepository.delete(id: other.id, on: db)
            }
            session.aal = "aal2"
            session.factorID = factor.id
            session.amr = [AuthenticationMethod(method: "totp", timestamp: Int64(now.timeIntervalSince1970))]
                + session.amr.filter { $0.method != "totp" }
            try await SessionRepository.setAssurance(
                id: session.id, aal: session.aal, factorID: factor.id, amr: session.amr, now: now, on: db)
            try await SessionRepository.deleteLowAssurance(of: user.id, except: session.id, on: db)
            // A new refresh token: the ones issued at aal1 go with the level they stood for.
            try await SessionRepository.deleteRefreshTokens(of: session.id, on: db)
            let refreshToken = Self.newRefreshToken()
            try await SessionRepository.insertRefreshToken(
                token: refreshToken, parent: nil, userID: user.id, sessionID: session.id, now: now, on: db)
            return .session(try await sessionResponse(user: user, session: session, refreshToken: refreshToken, now: now, on: db))
        }
        switch outcome {
        case .session(let response): return response
        case .wrongCode: throw APIError(.unprocessableContent, .mfaVerificationFailed, "Invalid TOTP code entered")
        case .locked(let seconds):
            throw APIError(
                .tooManyRequests, .overRequestRateLimit,
                "Too many wrong codes for this factor; try again in \(seconds) seconds")
        case .expired:
            throw APIError(
                .unprocessableContent, .mfaChallengeExpired,
                "MFA challenge \(challengeID.uuidString.lowercased()) has expired, verify against another challenge or create a new challenge.")
        }
    }

    func unenrollFactor(_ identity: Identity, factor text: String?) async throws -> FactorIDResponse {
        let factorID = try factorID(text)
        let now = self.now()
        return try await database.transaction { db in
            let (user, session) = try await mfaCaller(identity, on: db)
            guard let factor = try await MFARepository.find(id: factorID, userID: user.id, on: db, forUpdate: true) else {
                throw Self.factorNotFound
            }
            if factor.status == .verified, session?.aal != "aal2" || identity.aal != "aal2" {
                throw APIError(.unprocessableContent, .insufficientAAL, "AAL2 required to unenroll verified factor")
            }
            try await removeFactor(factor, now: now, on: db)
            return FactorIDResponse(id: factor.id.uuidString.lowercased())
        }
    }

    /// Deletes a factor and lowers the sessions it raised back to `aal1` (without its `totp` method).
    func removeFactor(_ factor: MFAFactor, now: Date, on db: SQLConnection) async throws {
        for sessionID in try await SessionRepository.sessions(raisedBy: factor.id, on: db) {
            guard let session = try await SessionRepository.find(id: sessionID, on: db) else { continue }
            try await SessionRepository.setAssurance(
                id: sessionID, aal: "aal1", factorID: nil, amr: session.amr.filter { $0.method != "totp" }, now: now, on: db)
        }
        try await MFARepository.delete(id: factor.id, on: db)
    }
}
