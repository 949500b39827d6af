import Hummingbird
import ScritorioAPI

/// The one error type that crosses the HTTP edge. Domain failures are mapped to it with a stable code;
/// `ErrorMiddleware` renders it in the shape of the surface that was called (GoTrue's on `/auth/v1`,
/// `{"error","message"}` elsewhere).
public struct APIError: Error, Sendable {
    public var status: HTTPResponse.Status
    public var code: ErrorCode
    public var message: String
    /// `weak_password.reasons`, for weak-password errors.
    public var weakPasswordReasons: [String]?
    /// OAuth-shaped answers (`{"error","error_description"}`: the id_token grant, unknown grant types) carry
    /// this as `error`.
    public var oauthError: String?
    /// Seconds to wait, for 429s.
    public var retryAfter: Int?
    /// The methods a path does serve, for a 405's `Allow` header.
    public var allow: [String]?

    public init(_ status: HTTPResponse.Status, _ code: ErrorCode, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    static func validation(_ message: String) -> APIError { APIError(.badRequest, .validationFailed, message) }

    static let invalidCredentials = APIError(.badRequest, .invalidCredentials, "Invalid login credentials")
    static let emailNotConfirmed = APIError(.badRequest, .emailNotConfirmed, "Email not confirmed")
    static let otpExpired = APIError(.forbidden, .otpExpired, "Token has expired or is invalid")
    static let noAuthorization = APIError(
        .unauthorized, .noAuthorization, "This endpoint requires a valid Bearer token")
    /// A banned user's sign-in, refresh or token.
    static let userBanned = APIError(.forbidden, .userBanned, "User is banned")
    /// GoTrue's `requireAdmin` refusal.
    static let notAdmin = APIError(.forbidden, .notAdmin, "User not allowed")
    static let sessionNotFound = APIError(
        .forbidden, .sessionNotFound, "Session from session_id claim in JWT does not exist")
    static let userNotFound = APIError(.forbidden, .userNotFound, "User from sub claim in JWT does not exist")
    static let refreshTokenNotFound = APIError(
        .badRequest, .refreshTokenNotFound, "Invalid Refresh Token: Refresh Token Not Found")
    static let refreshTokenAlreadyUsed = APIError(
        .badRequest, .refreshTokenAlreadyUsed, "Invalid Refresh Token: Already Used")

    static func badJWT(_ detail: String) -> APIError {
        APIError(.forbidden, .badJWT, "invalid JWT: unable to parse or verify signature, \(detail)")
    }

    static func rateLimited(retryAfter: Int) -> APIError {
        var error = APIError(.tooManyRequests, .overRequestRateLimit, "Request rate limit reached")
        error.retryAfter = retryAfter
        return error
    }

    static func emailRateLimited(seconds: Int) -> APIError {
        var error = APIError(
            .tooManyRequests, .overEmailSendRateLimit,
            "For security purposes, you can only request this after \(seconds) seconds.")
        error.retryAfter = seconds
        return error
    }

    /// GoTrue's answer when sign-ups are off (`SCRITORIO_AUTH_DISABLE_SIGNUP`).
    static let signupDisabled = APIError(.unprocessableContent, .signupDisabled, "Signups not allowed for this instance")

    static func oauth(_ description: String, error: String = "invalid request", code: ErrorCode = .validationFailed) -> APIError {
        var apiError = APIError(.badRequest, code, description)
        apiError.oauthError = error
        return apiError
    }
}
