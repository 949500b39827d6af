import ScritorioCore
import Foundation
import HTTPTypes
import Hummingbird
import ScritorioStore

/// Turns a request's bearer token into an `Identity`. The user id only ever comes from a verified token's
/// `sub`. In built-in mode the token's session and user must also still exist, so signing out or deleting an
/// account takes effect before the JWT expires.
struct Authenticator: Sendable {
    let verifier: AccessTokenVerifier
    let database: Database
    let builtIn: Bool
    let publishableKey: String
    let now: @Sendable () -> Date

    /// The bearer token, or nil when there is none. The publishable key, which supabase clients send as the
    /// bearer while signed out, counts as none.
    func bearer(_ request: Request) -> String? {
        guard let header = request.headers[.authorization] else { return nil }
        // Byte-level parsing: this runs on every authenticated request, and Foundation's trimming of a
        // 700-byte JWT showed up as a tenth of the request's CPU time.
        let bytes = header.utf8
        guard bytes.count > 7, bytes.prefix(7).map({ $0 | 0x20 }) == Array("bearer ".utf8) else { return nil }
        let token = bytes.dropFirst(7).drop { $0 == 32 || $0 == 9 }
        let trimmed = token.reversed().drop { $0 == 32 || $0 == 9 }.reversed()
        let text = String(decoding: trimmed, as: UTF8.self)
        guard !text.isEmpty, text != publishableKey else { return nil }
        return text
    }

    /// Verifies the token (signature, expiry, issuer, audience); 401 `no_authorization` or 403 `bad_jwt`.
    func verifiedIdentity(_ request: Request) async throws -> Identity {
        guard let token = bearer(request) else { throw APIError.noAuthorization }
        do {
            return try await verifier.verify(token, now: now())
        } catch .invalid(let reason) {
            throw APIError.badJWT(Self.describe(reason))
        } catch .keysUnavailable {
            throw APIError(.serviceUnavailable, .unexpectedFailure, "The token issuer's keys are unavailable; try again shortly")
        }
    }

    /// A verified identity whose session and user still exist (built-in mode).
    func identity(_ request: Request) async throws -> Identity {
        let identity = try await verifiedIdentity(request)
        guard builtIn else { return identity }
        try await database.read { db in
            // The user first: deleting a user removes its sessions too, and the answer should say the user is gone.
            guard try await UserRepository.find(id: identity.userID, on: db) != nil else { throw APIError.userNotFound }
            if let sessionID = identity.sessionID {
                guard try await SessionRepository.exists(id: sessionID, userID: identity.userID, on: db) else {
                    throw APIError.sessionNotFound
                }
            }
        }
        return identity
    }

    static func describe(_ error: ScritorioCore.JWTError) -> String {
        switch error {
        case .malformed: "token is malformed"
        case .unsupportedAlgorithm(let alg): "signing method \(alg) is invalid"
        case .unknownKey: "no key matches the token"
        case .badSignature: "signature is invalid"
        case .expired: "token has invalid claims: token is expired"
        case .notYetValid: "token is not valid yet"
        case .wrongIssuer: "token has invalid issuer"
        case .wrongAudience: "token has invalid audience"
        case .missingClaim(let claim): "token is missing the \(claim) claim"
        }
    }
}
