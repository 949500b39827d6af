import Foundation
import ScritorioAPI
import ScritorioModels

/// The signed-in user as an app shows it (the seed's `AuthUser`).
public struct AccountUser: Codable, Sendable, Equatable {
    /// The user's id (a UUID string).
    public var id: String
    /// The email address, when the user has one.
    public var email: String?
    /// `user_metadata.display_name`, when set.
    public var displayName: String?
    /// Whether the email address is confirmed.
    public var emailConfirmed: Bool
    /// Signed in anonymously and not yet converted (no email confirmed).
    public var isAnonymous: Bool
    /// The address an email change is waiting to confirm.
    public var pendingEmail: String?

    /// A user from its parts.
    public init(
        id: String, email: String?, displayName: String?, emailConfirmed: Bool, isAnonymous: Bool = false, pendingEmail: String? = nil
    ) {
        self.id = id
        self.email = email
        self.displayName = displayName
        self.emailConfirmed = emailConfirmed
        self.isAnonymous = isAnonymous
        self.pendingEmail = pendingEmail
    }

    /// The user of a GoTrue USER object.
    public init(_ user: UserResponse) {
        self.init(
            id: user.id, email: user.email.isEmpty ? nil : user.email,
            displayName: user.user_metadata["display_name"]?.stringValue, emailConfirmed: user.email_confirmed_at != nil,
            isAnonymous: user.is_anonymous, pendingEmail: user.new_email)
    }

    enum CodingKeys: String, CodingKey {
        case id, email, displayName, emailConfirmed, isAnonymous, pendingEmail
    }

    /// Decodes a stored user; sessions saved by earlier versions have no `isAnonymous` or `pendingEmail`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            id: try container.decode(String.self, forKey: .id), email: try container.decodeIfPresent(String.self, forKey: .email),
            displayName: try container.decodeIfPresent(String.self, forKey: .displayName),
            emailConfirmed: try container.decode(Bool.self, forKey: .emailConfirmed),
            isAnonymous: try container.decodeIfPresent(Bool.self, forKey: .isAnonymous) ?? false,
            pendingEmail: try container.decodeIfPresent(String.self, forKey: .pendingEmail))
    }
}

/// A signed-in session: the tokens and when the access token expires. Persisted through ``SessionStorage``.
public struct Session: Codable, Sendable, Equatable {
    /// The bearer token for every authenticated call.
    public var accessToken: String
    /// The one-use token that buys the next access token.
    public var refreshToken: String
    /// When the access token stops being accepted.
    public var expiresAt: Date
    /// Who is signed in.
    public var user: AccountUser

    /// A session from its parts.
    public init(accessToken: String, refreshToken: String, expiresAt: Date, user: AccountUser) {
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.expiresAt = expiresAt
        self.user = user
    }

    /// The session of a GoTrue SESSION object.
    public init(_ response: SessionResponse) {
        self.init(
            accessToken: response.access_token, refreshToken: response.refresh_token,
            expiresAt: Date(timeIntervalSince1970: TimeInterval(response.expires_at)), user: AccountUser(response.user))
    }

    /// Whether the access token should be refreshed at `now` (less than `margin` seconds left).
    public func needsRefresh(at now: Date, margin: TimeInterval) -> Bool {
        expiresAt.timeIntervalSince(now) < margin
    }
}

/// A change of who is signed in, as ``ScritorioClient/authStateChanges`` reports it.
public enum AuthEvent: Sendable, Equatable {
    /// The state at start-up (or when a listener subscribes): the restored user, or `nil` when signed out
    /// (also when start-up did not answer in time).
    case initialSession(AccountUser?)
    /// A user signed in (password, confirmation code, Google, recovery code, or a late start-up restore).
    case signedIn(AccountUser)
    /// The user signed out, or the session was revoked elsewhere.
    case signedOut
    /// The access token was refreshed.
    case tokenRefreshed(AccountUser)
    /// The user's profile changed (display name, password).
    case userUpdated(AccountUser)

    /// The user this event leaves signed in, if any.
    public var user: AccountUser? {
        switch self {
        case .initialSession(let user): user
        case .signedIn(let user), .tokenRefreshed(let user), .userUpdated(let user): user
        case .signedOut: nil
        }
    }
}
