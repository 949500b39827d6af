import Foundation

/// A signed-in session.
public struct AuthSession: Sendable, Equatable {
    public var id: SessionID
    public var userID: UserID
    public var amr: [AuthenticationMethod]
    public var createdAt: Date
    public var updatedAt: Date
    /// `aal1`, or `aal2` once a factor was verified in this session.
    public var aal = "aal1"
    public var factorID: UUID?

    public init(id: SessionID, userID: UserID, amr: [AuthenticationMethod], createdAt: Date, updatedAt: Date) {
        self.id = id
        self.userID = userID
        self.amr = amr
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// Kinds of emailed one-time tokens.
public enum OneTimeTokenType: String, Sendable, Codable {
    case confirmation = "confirmation_token"
    /// Also the magic link's, as in GoTrue.
    case recovery = "recovery_token"
    case emailChangeCurrent = "email_change_token_current"
    case emailChangeNew = "email_change_token_new"
    case reauthentication = "reauthentication_token"
}

/// The `type` values `/verify` accepts, mapped to the stored token kind.
public enum VerificationType: String, Sendable, Codable, CaseIterable {
    case signup, invite, magiclink, recovery, email, email_change, sms, phone_change

    /// Which stored token kinds a verification of this type may consume. `email` is the generic OTP type
    /// supabase clients use for both sign-up confirmation and magic links.
    public var tokenTypes: [OneTimeTokenType] {
        switch self {
        case .signup, .invite: [.confirmation]
        case .recovery: [.recovery]
        case .email, .magiclink: [.confirmation, .recovery]
        case .email_change: [.emailChangeCurrent, .emailChangeNew]
        case .sms, .phone_change: []
        }
    }
}
