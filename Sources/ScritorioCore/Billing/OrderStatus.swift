import Foundation

/// An order's status as its provider words it (Paddle transactions: `draft`, `ready`, `billed`, `paid`,
/// `completed`, `canceled`, `past_due`; Lemon Squeezy orders: `pending`, `failed`, `paid`, `refunded`,
/// `partial_refund`, `fraudulent`). Stored as sent; a word this version does not know is kept as `unknown`.
public enum OrderStatus: Sendable, Hashable, Codable, ExpressibleByStringLiteral, CustomStringConvertible {
    case draft, ready, billed, paid, completed, canceled, pastDue, pending, failed, refunded, partialRefund, fraudulent
    case unknown(String)

    private static let words: [(OrderStatus, String)] = [
        (.draft, "draft"), (.ready, "ready"), (.billed, "billed"), (.paid, "paid"), (.completed, "completed"),
        (.canceled, "canceled"), (.pastDue, "past_due"), (.pending, "pending"), (.failed, "failed"),
        (.refunded, "refunded"), (.partialRefund, "partial_refund"), (.fraudulent, "fraudulent"),
    ]

    public init(rawValue: String) {
        self = Self.words.first { $0.1 == rawValue }?.0 ?? .unknown(rawValue)
    }

    public init(stringLiteral value: String) { self.init(rawValue: value) }

    /// The provider's word, as stored.
    public var rawValue: String {
        if case .unknown(let word) = self { return word }
        return Self.words.first { $0.0 == self }?.1 ?? ""
    }

    public var description: String { rawValue }

    /// Paid in full: the moment to provision (Paddle `completed`/`paid`, Lemon Squeezy `paid`).
    public var isPaid: Bool { self == .completed || self == .paid }

    /// Refunded or cancelled: what it provisioned is revoked.
    public var isRefunded: Bool { self == .refunded || self == .canceled }

    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
