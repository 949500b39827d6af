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
