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
