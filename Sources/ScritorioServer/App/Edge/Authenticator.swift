import Foundation
import HTTPTypes
import Hummingbird
import ScritorioCore
import ScritorioStore

/// Turns a request's bearer token into an `Identity`. The user id only ever comes from a verified token's
/// `sub`. In built-in mode the token's session and user must also still exist, so signing out or deleting an
/// account takes effect before the JWT expires. Only `AuthenticateMiddleware` calls it.
struct Authenticator: Sendable {
    let verifier: AccessTokenVerifier
    let database: Database
    let builtIn: Bool
    let keys: APIKeys
    let now: @Sendable () -> Date
    /// Sessions (or, for tokens without one, users) last found alive, with the revocation count seen then.
    let alive = BoundedCache<SessionKey, UInt64>()

    struct SessionKey: Hashable, Sendable {
        var session: SessionID?
        var user: UserID
    }

    /// The bearer token, or nil when there is none. The publishable key (or a legacy `anon` JWT), which supabase
    /// clients send as the bearer while signed out, counts as none.
    func bearer(_ request: Request) -> String? {
        guard let text = Self.rawBearer(request) else { return nil }
        if text == keys.publishable || (keys.legacy != nil && text.hasPrefix("eyJ") && keys.role(of: text) == .anon) {
            return nil
        }
        return text
    }

    /// The `Authorization: Bearer` value, whatever it is.
    static func rawBearer(_ request: Request) -> String? {
        guard let header = request.headers[.authorization] else { return nil }
        // Byte-level parsing: this runs on every authenticated request, and Foundation's trimming of a
        // 700-byte JWT showed up as a tenth of the request's CPU time.
        let bytes = header.utf8
        guard bytes.count > 7, bytes.prefix(7).map({ $0 | 0x20 }) == Array("bearer ".utf8) else { return nil }
        let token = bytes.dropFirst(7).drop { $0 == 32 || $0 == 9 }
        let trimmed = token.reversed().drop { $0 == 32 || $0 == 9 }.reversed()
        let text = String(decoding: trimmed, as: UTF8.self)
        return text.isEmpty ? nil : text
    }

    /// Verifies the token (signature, expiry, issuer, audience); 401 `no_authorization` or 403 `bad_jwt`.
    func verify(_ request: Request) async throws -> Identity {
        guard let token = bearer(request) else { throw APIError.noAuthorization }
        do {
            return try await verifier.verify(token, now: now())
        } catch .invalid(let reason) {
            throw APIError.badJWT(Self.describe(reason))
        } catch .keysUnavailable {
            throw APIError(.serviceUnavailable, .unexpectedFailure, "The token issuer's keys are unavailable; try again shortly")
        }
    }

    /// Built-in mode: the user and the token's session still exist (403 `user_not_found` first, since deleting a
    /// user removes its sessions too, then `session_not_found`). A session found alive is believed for
    /// `believeFor` seconds when that is above zero: a busy client then costs one lookup per interval instead of
    /// one per request. A session ended by this replica is refused at once (`SessionRevocations`); one ended on
    /// another replica within that interval.
    func checkAlive(_ identity: Identity, believeFor: TimeInterval) async throws {
        guard builtIn else { return }
        let key = SessionKey(session: identity.sessionID, user: identity.userID)
        let at = now()
        let epoch = SessionRevocations.epoch
        if believeFor > 0, alive.value(key, now: at, maxAge: believeFor) == epoch { return }
        let found = try await database.read { db in
            try await SessionRepository.liveness(userID: identity.userID, sessionID: identity.sessionID, now: at, on: db)
        }
        guard found.user else { throw APIError.userNotFound }
        if found.banned { throw APIError.userBanned }
        if identity.sessionID != nil, !found.session { throw APIError.sessionNotFound }
        if believeFor > 0 { alive.store(epoch, for: key, now: at) }
    }

    /// golang-jwt v5's wording, as GoTrue puts it after "invalid JWT: unable to parse or verify signature, ".
    static func describe(_ error: ScritorioCore.JWTError) -> String {
        switch error {
        case .malformed: "token is malformed: token contains an invalid number of segments"
        case .unsupportedAlgorithm(let alg): "token signature is invalid: signing method \(alg) is invalid"
        case .unknownKey: "token is unverifiable: error while executing keyfunc: unrecognized JWT kid"
        case .badSignature: "token signature is invalid: signature is invalid"
        case .expired: "token has invalid claims: token is expired"
        case .notYetValid: "token has invalid claims: token is not valid yet"
        case .wrongIssuer: "token has invalid claims: token has invalid issuer"
        case .wrongAudience: "token has invalid claims: token has invalid audience"
        case .missingClaim(let claim): "token has invalid claims: token is missing required claim: \(claim) claim is required"
        }
    }
}
