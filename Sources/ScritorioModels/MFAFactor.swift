import Foundation

/// A second factor (GoTrue's `auth.mfa_factors`): TOTP only; its secret is stored sealed and never leaves the
/// server after enrolment.
public struct MFAFactor: Sendable, Equatable {
    public enum Status: String, Sendable, Codable {
        case unverified, verified
    }

    public var id: UUID
    public var userID: UserID
    public var friendlyName: String?
    public var factorType: String
    public var status: Status
    /// The TOTP seed sealed by the server's MFA key (`SecretBox`), bound to this factor's id.
    public var sealedSecret: String
    /// The last time step a code was accepted for: a code of that step or earlier is refused.
    public var lastUsedStep: Int64?
    public var lastChallengedAt: Date?
    /// Wrong codes in a row; from the fifth, the factor refuses codes until ``lockedUntil``.
    public var failedAttempts = 0
    public var lockedUntil: Date?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: UUID, userID: UserID, friendlyName: String?, factorType: String, status: Status, sealedSecret: String,
        lastUsedStep: Int64?, lastChallengedAt: Date?, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.userID = userID
        self.friendlyName = friendlyName
        self.factorType = factorType
        self.status = status
        self.sealedSecret = sealedSecret
        self.lastUsedStep = lastUsedStep
        self.lastChallengedAt = lastChallengedAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
