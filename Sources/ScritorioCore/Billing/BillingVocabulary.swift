import Foundation

/// A payment provider. `unknown` keeps a value written by a newer version instead of failing.
public enum BillingProvider: Sendable, Hashable, Codable {
    case paddle
    case lemonSqueezy
    case unknown(String)

    public init(rawValue: String) {
        switch rawValue {
        case "paddle": self = .paddle
        case "lemonsqueezy": self = .lemonSqueezy
        default: self = .unknown(rawValue)
        }
    }

    public var rawValue: String {
        switch self {
        case .paddle: "paddle"
        case .lemonSqueezy: "lemonsqueezy"
        case .unknown(let value): value
        }
    }

    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// Test (Paddle sandbox, Lemon Squeezy test mode) or live money. Configuration, ids and events of one mode are
/// never applied in the other.
public enum BillingMode: String, Sendable, Hashable, Codable, CaseIterable {
    case test
    case live
}

/// A subscription's status in provider-neutral terms. Both providers' spellings map here
/// (Paddle `canceled`/`trialing`, Lemon Squeezy `cancelled`/`on_trial`); anything new is `unknown` and grants
/// no access until someone decides what it means.
public enum SubscriptionStatus: Sendable, Hashable, Codable {
    case trialing
    case active
    case pastDue
    /// Lemon Squeezy: retries exhausted.
    case unpaid
    case paused
    /// Cancelled but paid up to a date (Lemon Squeezy `cancelled`); Paddle's is final (`canceled`).
    case canceled
    case expired
    case unknown(String)

    /// Maps a provider's status text.
    public init(provider: BillingProvider, status: String) {
        switch (provider, status) {
        case (_, "trialing"), (_, "on_trial"): self = .trialing
        case (_, "active"): self = .active
        case (_, "past_due"): self = .pastDue
        case (_, "unpaid"): self = .unpaid
        case (_, "paused"): self = .paused
        case (_, "canceled"), (_, "cancelled"): self = .canceled
        case (_, "expired"): self = .expired
        default: self = .unknown(status)
        }
    }

    /// The stored spelling.
    public var rawValue: String {
        switch self {
        case .trialing: "trialing"
        case .active: "active"
        case .pastDue: "past_due"
        case .unpaid: "unpaid"
        case .paused: "paused"
        case .canceled: "canceled"
        case .expired: "expired"
        case .unknown(let value): value
        }
    }

    public init(from decoder: any Decoder) throws {
        self.init(provider: .unknown(""), status: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
