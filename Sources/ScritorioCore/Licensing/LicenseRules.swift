import Foundation

/// The stable, machine-readable outcome of a licence API call (Keygen's vocabulary, upper case), returned beside
/// Lemon Squeezy's `error` text so an app can switch on it.
public enum LicenseCode: String, Sendable, Codable, CaseIterable {
    case valid = "VALID"
    case activated = "ACTIVATED"
    case deactivated = "DEACTIVATED"
    case expired = "EXPIRED"
    case disabled = "DISABLED"
    case tooManyActivations = "TOO_MANY_ACTIVATIONS"
    case notFound = "NOT_FOUND"
    /// The `instance_id` is not an active device of this key (or the device of this fingerprint is not activated).
    case instanceNotFound = "INSTANCE_NOT_FOUND"
    case fingerprintMismatch = "FINGERPRINT_MISMATCH"
    /// A Lemon Squeezy key of another store or product than the configured ones.
    case wrongProduct = "WRONG_PRODUCT"
    case validationFailed = "VALIDATION_FAILED"
    case rateLimited = "RATE_LIMITED"

    /// Whether the call succeeded.
    public var isSuccess: Bool { self == .valid || self == .activated || self == .deactivated }

    /// Lemon Squeezy's `error` text for this outcome (`nil` on success).
    public var message: String? {
        switch self {
        case .valid, .activated, .deactivated: nil
        case .expired: "This license key has expired."
        case .disabled: "This license key is disabled."
        case .tooManyActivations: "This license key has reached the activation limit."
        case .notFound: "license_key not found."
        case .instanceNotFound: "license_key instance not found."
        case .fingerprintMismatch: "This license key instance belongs to another device."
        case .wrongProduct: "This license key does not belong to this product."
        case .validationFailed: "The license_key field is required."
        case .rateLimited: "Too many requests; try again shortly."
        }
    }
}

/// What the licence rules need to know about a key.
public struct LicenseState: Sendable, Equatable {
    public var status: LicenseStatus
    public var expiresAt: Date?
    public var activationLimit: Int?
    public var activationUsage: Int

    public init(status: LicenseStatus, expiresAt: Date?, activationLimit: Int?, activationUsage: Int) {
        self.status = status
        self.expiresAt = expiresAt
        self.activationLimit = activationLimit
        self.activationUsage = activationUsage
    }
}

/// The ordered guards of a licence check (status is computed, never trusted as stored: a key past its
/// `expires_at` is expired even if no event said so yet).
public enum LicenseRules {
    /// `disabled` first (a refund outranks everything), then `expired`, else usable. An unknown provider status
    /// is treated as disabled until someone decides what it means.
    public static func usability(_ state: LicenseState, now: Date) -> LicenseCode {
        switch state.status {
        case .disabled, .unknown: return .disabled
        case .expired: return .expired
        case .active, .inactive:
            if let end = state.expiresAt, now >= end { return .expired }
            return .valid
        }
    }

    /// The status an answer shows: Lemon Squeezy's meaning (`inactive` = no device yet, `active` = at least one),
    /// with expiry applied at `now`.
    public static func displayedStatus(_ state: LicenseState, now: Date) -> LicenseStatus {
        switch usability(state, now: now) {
        case .expired: .expired
        case .disabled: state.status == .disabled ? .disabled : state.status
        default: state.activationUsage > 0 ? .active : .inactive
        }
    }

    /// A device's fingerprint check: a device activated with a fingerprint answers only to that fingerprint.
    public static func fingerprintMatches(device: String?, presented: String?) -> Bool {
        guard let device else { return true }
        return presented == device
    }
}
