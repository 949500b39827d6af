import Foundation

/// An account in built-in auth mode (GoTrue's `auth.users`).
public struct AuthUser: Sendable, Equatable {
    public var id: UserID
    public var email: String?
    public var encryptedPassword: String?
    public var emailConfirmedAt: Date?
    public var confirmationSentAt: Date?
    public var recoverySentAt: Date?
    public var lastSignInAt: Date?
    public var appMetadata: [String: JSONValue]
    public var userMetadata: [String: JSONValue]
    public var createdAt: Date
    public var updatedAt: Date
    /// Refused sign-ins and tokens until then (the admin API's `ban_duration`).
    public var bannedUntil: Date?
    /// Soft-deleted (the admin API's `should_soft_delete`): kept for its records, unusable, its address freed.
    public var deletedAt: Date?
    /// Signed up with no credentials; converted by adding a verified email.
    public var isAnonymous = false
    public var invitedAt: Date?
    /// The address an email change is waiting to confirm (`new_email` on the wire).
    public var emailChange: String?
    public var emailChangeSentAt: Date?
    /// Secure email change: 1 once one of the two addresses has confirmed.
    public var emailChangeConfirmStatus = 0
    public var reauthenticationSentAt: Date?

    public init(
        id: UserID, email: String?, encryptedPassword: String?, emailConfirmedAt: Date?, confirmationSentAt: Date?,
        recoverySentAt: Date?, lastSignInAt: Date?, appMetadata: [String: JSONValue],
        userMetadata: [String: JSONValue], createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.email = email
        self.encryptedPassword = encryptedPassword
        self.emailConfirmedAt = emailConfirmedAt
        self.confirmationSentAt = confirmationSentAt
        self.recoverySentAt = recoverySentAt
        self.lastSignInAt = lastSignInAt
        self.appMetadata = appMetadata
        self.userMetadata = userMetadata
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Whether the email has been confirmed.
    public var isConfirmed: Bool { emailConfirmedAt != nil }

    /// Whether a ban is in force at `now`.
    public func isBanned(at now: Date) -> Bool { bannedUntil.map { $0 > now } ?? false }

    /// `app_metadata` as GoTrue maintains it: the first provider and the list of all linked providers.
    public static func appMetadata(providers: [String]) -> [String: JSONValue] {
        [
            "provider": .string(providers.first ?? "email"),
            "providers": .array(providers.map(JSONValue.string)),
        ]
    }
}

/// A linked sign-in identity (email or Google).
public struct AuthIdentity: Sendable, Equatable {
    public var id: IdentityID
    /// The provider's subject: the Google `sub`, or the user id for email.
    public var providerID: String
    public var userID: UserID
    public var provider: String
    public var identityData: [String: JSONValue]
    public var lastSignInAt: Date?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: IdentityID, providerID: String, userID: UserID, provider: String, identityData: [String: JSONValue],
        lastSignInAt: Date?, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.providerID = providerID
        self.userID = userID
        self.provider = provider
        self.identityData = identityData
        self.lastSignInAt = lastSignInAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
