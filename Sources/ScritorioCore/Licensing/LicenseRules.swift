import Foundation

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
