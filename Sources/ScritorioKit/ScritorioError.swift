import Foundation
import ScritorioAPI

/// Every failure the SDK reports. Server answers keep the server's stable code, so an app can switch on
/// ``ScritorioError/code`` without parsing messages.
public enum ScritorioError: Error, Sendable, Equatable {
    /// The server answered with an error: its HTTP status, its stable code (GoTrue's `code`, the product API's
    /// `error`, or the AI gateway's `error.code`) and its message.
    case server(status: Int, code: String, message: String)
    /// The AI quota of the current period is used up; a new period starts at `resetsAt` (when the server said).
    case quotaExceeded(resetsAt: Date?, message: String)
    /// The server could not be reached (no network, connection refused, timed out).
    case offline(String)
    /// The call needs a signed-in user and there is none.
    case notSignedIn
    /// The session was ended elsewhere (signed out everywhere, refresh token reused, user deleted); the SDK has
    /// already signed out locally.
    case sessionRevoked(code: String)
    /// The server's answer could not be read.
    case invalidResponse(String)
    /// Waiting for something (an upgrade, the first auth state) took longer than allowed.
    case timedOut
    /// A signed document failed verification (bad signature, wrong audience, expired, or the clock moved back).
    case untrustedDocument(String)

    /// The server's stable code as a known `ErrorCode` (from ScritorioAPI), when it is one.
    public var errorCode: ErrorCode? {
        switch self {
        case .server(_, let code, _), .sessionRevoked(let code): ErrorCode(rawValue: code)
        default: nil
        }
    }

    /// The server's stable code, when the server answered.
    public var code: String? {
        switch self {
        case .server(_, let code, _), .sessionRevoked(let code): code
        case .quotaExceeded: "quota_exceeded"
        default: nil
        }
    }

    /// True for codes that mean the session can no longer be used and the user must sign in again
    /// (supabase-swift's rule: `session_not_found`, `session_expired`, `refresh_token_*`, and a deleted user).
    static func endsSession(_ code: String) -> Bool {
        ["session_not_found", "session_expired", "refresh_token_not_found", "refresh_token_already_used", "user_not_found"]
            .contains(code)
    }
}

extension ScritorioError: LocalizedError {
    /// A one-line explanation for people (the server's message with its code and status).
    public var errorDescription: String? {
        switch self {
        case .server(let status, let code, let message): "\(message) (\(code), HTTP \(status))"
        case .quotaExceeded(let resetsAt, let message):
            resetsAt.map { "\(message) (resets at \(WireDate.format($0)))" } ?? message
        case .offline(let detail): "The server could not be reached: \(detail)"
        case .notSignedIn: "Not signed in"
        case .sessionRevoked(let code): "The session has ended (\(code)); sign in again"
        case .invalidResponse(let detail): "Unreadable answer from the server: \(detail)"
        case .timedOut: "Timed out"
        case .untrustedDocument(let detail): "Untrusted entitlement document: \(detail)"
        }
    }
}
