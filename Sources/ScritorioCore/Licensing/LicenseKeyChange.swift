import Crypto
import Foundation

/// A licence key's status as a provider reports it (Lemon Squeezy's vocabulary, which Scritorio's own keys use
/// too). `unknown` keeps a word a newer provider version sends instead of failing.
public enum LicenseStatus: Sendable, Hashable, Codable {
    /// Not activated on any device yet.
    case inactive
    case active
    /// Its subscription ended (or its fixed term ran out).
    case expired
    /// Refunded, or disabled by the seller.
    case disabled
    case unknown(String)

    public init(rawValue: String) {
        switch rawValue {
        case "inactive": self = .inactive
        case "active": self = .active
        case "expired": self = .expired
        case "disabled": self = .disabled
        default: self = .unknown(rawValue)
        }
    }

    /// The stored and wire spelling.
    public var rawValue: String {
        switch self {
        case .inactive: "inactive"
        case .active: "active"
        case .expired: "expired"
        case .disabled: "disabled"
        case .unknown(let value): value
        }
    }

    /// Whether a key in this status may be used at all (an unknown word grants nothing until someone decides).
    public var isUsable: Bool { self == .active || self == .inactive }

    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// A licence key as a provider last described it, in provider-neutral terms: Lemon Squeezy's
/// `license_key_created` / `license_key_updated`, or a key Scritorio issues for a Paddle purchase.
///
/// The plaintext `key` is only carried to the store, which keeps its hash (for look-ups) and a short hint
/// (for display); it is never logged.
public struct LicenseKeyChange: Sendable, Equatable {
    public var provider: BillingProvider
    public var mode: BillingMode
    /// The provider's id of the key (LS `data.id`); for Scritorio's keys, an id derived from the purchase.
    public var providerLicenseID: String
    /// The key as delivered to the buyer.
    public var key: String
    public var status: LicenseStatus
    /// Devices the key may be active on at once; `nil` = unlimited.
    public var activationLimit: Int?
    /// `nil` = no fixed end (a lifetime key, or one following a renewing subscription).
    public var expiresAt: Date?
    /// The provider's time for this state (LS `updated_at`): older updates never overwrite newer ones.
    public var providerUpdatedAt: Date
    public var customerID: String?
    public var orderID: String?
    public var subscriptionID: String?
    public var storeID: String?
    public var productID: String?
    public var variantID: String?
    public var productName: String?
    public var variantName: String?
    public var customerName: String?
    /// From `custom_data` when the purchase started in the app; otherwise found through the customer or email.
    public var userID: UserID?
    /// The buyer's email (LS `user_email`).
    public var email: String?

    public init(
        provider: BillingProvider, mode: BillingMode, providerLicenseID: String, key: String, status: LicenseStatus,
        activationLimit: Int?, expiresAt: Date?, providerUpdatedAt: Date, customerID: String? = nil, orderID: String? = nil,
        subscriptionID: String? = nil, storeID: String? = nil, productID: String? = nil, variantID: String? = nil,
        productName: String? = nil, variantName: String? = nil, customerName: String? = nil, userID: UserID? = nil,
        email: String? = nil
    ) {
        self.provider = provider
        self.mode = mode
        self.providerLicenseID = providerLicenseID
        self.key = key
        self.status = status
        self.activationLimit = activationLimit
        self.expiresAt = expiresAt
        self.providerUpdatedAt = providerUpdatedAt
        self.customerID = customerID
        self.orderID = orderID
        self.subscriptionID = subscriptionID
        self.storeID = storeID
        self.productID = productID
        self.variantID = variantID
        self.productName = productName
        self.variantName = variantName
        self.customerName = customerName
        self.userID = userID
        self.email = email
    }

    /// What the store keeps instead of the key (also when the key arrived sealed, see `LicenseKeyDigest.seal`).
    public var keyHash: String { LicenseKeyDigest.unsealed(key)?.hash ?? LicenseKeyDigest.hash(key) }
    public var keyHint: String { LicenseKeyDigest.unsealed(key)?.hint ?? LicenseKeyDigest.hint(key) }
}

/// How a presented key is found without keeping it: a SHA-256 of its normalised form, and a short hint.
public enum LicenseKeyDigest {
    /// Surrounding whitespace never matters; Scritorio's own keys (`SCR-…`) are case-insensitive and read
    /// ambiguous letters as the digits they stand for, provider keys are taken as given.
    public static func normalize(_ key: String) -> String {
        let trimmed = trimmed(key)
        // Only something that starts like "SCR" can be one of Scritorio's keys (checked before the slower parse).
        guard trimmed.utf8.count >= 23, trimmed.utf8.prefix(3).map({ $0 & 0xDF }) == Array("SCR".utf8) else { return trimmed }
        return ScritorioLicenseKey.normalize(trimmed) ?? trimmed
    }

    /// Without surrounding ASCII whitespace (byte-level: Foundation's trimming is slow on Linux).
    static func trimmed(_ text: String) -> String {
        let bytes = text.utf8
        func isSpace(_ byte: UInt8) -> Bool { byte == 32 || (9...13).contains(byte) }
        guard let first = bytes.firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = bytes.lastIndex(where: { !isSpace($0) })!
        if first == bytes.startIndex && last == bytes.index(before: bytes.endIndex) { return text }
        return String(text[first...last])
    }

    /// `hex(sha256(normalize(key)))`.
    public static func hash(_ key: String) -> String {
        SHA256.hash(data: Data(normalize(key).utf8)).hexString
    }

    /// What a stored webhook keeps in place of a key: its hash and hint, never the key (a copy of the database
    /// must not hand out working keys). Decoding the sealed event later yields the same hash and hint.
    public static func seal(_ key: String) -> String { sealPrefix + hash(key) + ":" + hint(key) }

    /// The hash and hint of a sealed key; `nil` for a plain key.
    public static func unsealed(_ value: String) -> (hash: String, hint: String)? {
        guard value.hasPrefix(sealPrefix) else { return nil }
        let rest = value.dropFirst(sealPrefix.count)
        guard let colon = rest.firstIndex(of: ":"), rest.distance(from: rest.startIndex, to: colon) == 64 else { return nil }
        return (String(rest[..<colon]), String(rest[rest.index(after: colon)...]))
    }

    static let sealPrefix = "scritorio-sealed-key:v1:"

    /// The last four characters after an ellipsis (`…D5E1`), enough to tell keys apart in a list.
    public static func hint(_ key: String) -> String {
        "…" + String(normalize(key).suffix(4))
    }
}
