import Foundation
import ScritorioAPI
import ScritorioModels

/// A TOTP factor being enrolled: show ``qrCodeDataURI`` (or ``secret`` for typing in), then confirm with a code
/// through ``ScritorioClient/verifyFactor(_:code:)``.
public struct TOTPEnrollment: Sendable, Equatable {
    /// The factor's id.
    public var factorID: String
    /// The base32 secret, shown once.
    public var secret: String
    /// The `otpauth://` URI authenticator apps import.
    public var uri: String
    /// The QR code of ``uri`` as SVG markup.
    public var qrCodeSVG: String

    /// The QR code as an image URL (`data:image/svg+xml;utf-8,…`), as Supabase's clients present it.
    public var qrCodeDataURI: String { "data:image/svg+xml;utf-8," + qrCodeSVG }
}

/// One of the user's second factors.
public struct SecondFactor: Sendable, Equatable {
    /// The factor's id.
    public var id: String
    /// The name given at enrolment (empty when none).
    public var friendlyName: String
    /// `totp`.
    public var type: String
    /// Whether a code has been verified with it (an unverified factor does not protect the account).
    public var isVerified: Bool

    init(_ factor: FactorResponse) {
        id = factor.id
        friendlyName = factor.friendly_name ?? ""
        type = factor.factor_type
        isVerified = factor.status == "verified"
    }
}

/// How strongly the session is authenticated: `aal1` (one factor) or `aal2` (a second factor verified).
public enum AssuranceLevel: String, Sendable, Equatable, Comparable {
    /// Password, code, link or Google.
    case aal1
    /// Plus a verified second factor.
    case aal2

    /// `aal1` < `aal2`.
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs == .aal1 && rhs == .aal2 }
}

extension ScritorioClient {
    /// Enrols a TOTP factor for the signed-in user (it counts once a code is verified with it).
    public func enrollTOTP(friendlyName: String? = nil, issuer: String? = nil) async throws -> TOTPEnrollment {
        let answer = try await send(API.Auth.enrollFactor, body: EnrollFactorRequest(factor_type: "totp", friendly_name: friendlyName, issuer: issuer))
        return TOTPEnrollment(factorID: answer.id, secret: answer.totp.secret, uri: answer.totp.uri, qrCodeSVG: answer.totp.qr_code)
    }

    /// Verifies a code from the authenticator app against `factorID` (a challenge, then its verification). The
    /// session rises to `aal2`; a new enrolment becomes verified.
    @discardableResult
    public func verifyFactor(_ factorID: String, code: String) async throws -> AccountUser {
        let challenge = try await send(API.Auth.challengeFactor, parameters: ["factor_id": factorID], body: ChallengeFactorRequest())
        let answer = try await send(
            API.Auth.verifyFactor, parameters: ["factor_id": factorID],
            body: VerifyFactorRequest(challenge_id: challenge.id, code: code.trimmingCharacters(in: .whitespaces)))
        let session = Session(answer)
        await sessions.set(session) { .signedIn($0) }
        return session.user
    }

    /// The signed-in user's factors, verified or not.
    public func factors() async throws -> [SecondFactor] {
        (try await send(API.Auth.user).factors ?? []).map(SecondFactor.init)
    }

    /// Removes a factor (a verified one only from an `aal2` session).
    public func removeFactor(_ factorID: String) async throws {
        try await sendIgnoringBody(API.Auth.unenrollFactor, parameters: ["factor_id": factorID])
    }

    /// The session's level and the level it can reach: `(aal1, aal2)` means the user has a verified factor and
    /// should be asked for a code before the app treats the sign-in as complete.
    public func assuranceLevel() async throws -> (current: AssuranceLevel, next: AssuranceLevel) {
        guard let session = await sessions.current() else { throw ScritorioError.notSignedIn }
        let current = Self.assuranceLevel(ofAccessToken: session.accessToken)
        let verified = try await factors().contains(where: \.isVerified)
        return (current, verified ? .aal2 : current)
    }

    /// The `aal` claim of an access token (read locally, unverified: the server checks it on every call).
    static func assuranceLevel(ofAccessToken token: String) -> AssuranceLevel {
        let parts = token.split(separator: ".")
        guard parts.count == 3, let payload = Base64URL.decode(String(parts[1])),
            let claims = try? JSONDecoder().decode([String: JSONValue].self, from: payload),
            let aal = claims["aal"]?.stringValue, let level = AssuranceLevel(rawValue: aal)
        else { return .aal1 }
        return level
    }
}
