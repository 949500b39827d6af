import Foundation

/// A subscription as a provider last described it, in provider-neutral terms.
public struct SubscriptionChange: Sendable, Equatable {
    public var provider: BillingProvider
    public var mode: BillingMode
    public var subscriptionID: String
    public var customerID: String?
    /// From `custom_data.userId` (the seed's key) or `custom_data.user_id`; never trusted from anywhere else.
    public var userID: UserID?
    public var status: SubscriptionStatus
    public var priceIDs: [String]
    public var currentPeriodStart: Date?
    public var currentPeriodEnd: Date?
    /// A scheduled cancel: access ends at this moment.
    public var scheduledCancelAt: Date?
    public var canceledAt: Date?
    /// The provider's time for this state (Paddle `occurred_at`): older updates never overwrite newer ones.
    public var occurredAt: Date
    /// Lemon Squeezy paused with mode `free`: access continues while paused (mode `void` stops it).
    public var pausedWithAccess: Bool
    /// Lemon Squeezy's `order_id`: the order that started the subscription (its access is the subscription's).
    public var firstOrderID: String?
    /// When a trialing subscription's trial ends (Paddle's items' `trial_dates.ends_at`, Lemon Squeezy's `trial_ends_at`).
    public var trialEndsAt: Date?

    public init(
        provider: BillingProvider, mode: BillingMode, subscriptionID: String, customerID: String?, userID: UserID?,
        status: SubscriptionStatus, priceIDs: [String], currentPeriodStart: Date?, currentPeriodEnd: Date?,
        scheduledCancelAt: Date?, canceledAt: Date?, occurredAt: Date, pausedWithAccess: Bool = false,
        firstOrderID: String? = nil, trialEndsAt: Date? = nil
    ) {
        self.trialEndsAt = trialEndsAt
        self.provider = provider
        self.mode = mode
        self.subscriptionID = subscriptionID
        self.customerID = customerID
        self.userID = userID
        self.status = status
        self.priceIDs = priceIDs
        self.currentPeriodStart = currentPeriodStart
        self.currentPeriodEnd = currentPeriodEnd
        self.scheduledCancelAt = scheduledCancelAt
        self.canceledAt = canceledAt
        self.occurredAt = occurredAt
        self.pausedWithAccess = pausedWithAccess
        self.firstOrderID = firstOrderID
    }

    /// What the access rule needs.
    public var snapshot: SubscriptionSnapshot {
        SubscriptionSnapshot(
            provider: provider, status: status, currentPeriodEnd: currentPeriodEnd, scheduledCancelAt: scheduledCancelAt,
            endsAt: canceledAt, pastDueSince: status == .pastDue ? occurredAt : nil, pausedWithAccess: pausedWithAccess)
    }
}

/// An order (a Paddle transaction, a Lemon Squeezy order) in provider-neutral terms.
public struct OrderChange: Sendable, Equatable {
    public var provider: BillingProvider
    public var mode: BillingMode
    public var orderID: String
    public var customerID: String?
    public var subscriptionID: String?
    public var userID: UserID?
    /// The provider's status word (`completed`, `paid`, `refunded`, …), kept as sent.
    public var status: OrderStatus
    public var priceIDs: [String]
    public var currency: String?
    /// Money in minor units.
    public var totalMinor: Int64?
    public var occurredAt: Date

    public init(
        provider: BillingProvider, mode: BillingMode, orderID: String, customerID: String?, subscriptionID: String?,
        userID: UserID?, status: OrderStatus, priceIDs: [String], currency: String?, totalMinor: Int64?, occurredAt: Date
    ) {
        self.provider = provider
        self.mode = mode
        self.orderID = orderID
        self.customerID = customerID
        self.subscriptionID = subscriptionID
        self.userID = userID
        self.status = status
        self.priceIDs = priceIDs
        self.currency = currency
        self.totalMinor = totalMinor
        self.occurredAt = occurredAt
    }

    /// Paid in full: the moment to provision.
    public var isPaid: Bool { status.isPaid }

    /// Refunded or cancelled: what it provisioned is revoked.
    public var isRefunded: Bool { status.isRefunded }
}

/// A billing customer (who pays), with the email used to match events that carry no user id.
public struct CustomerChange: Sendable, Equatable {
    public var provider: BillingProvider
    public var mode: BillingMode
    public var customerID: String
    public var email: String?
    public var occurredAt: Date

    public init(provider: BillingProvider, mode: BillingMode, customerID: String, email: String?, occurredAt: Date) {
        self.provider = provider
        self.mode = mode
        self.customerID = customerID
        self.email = email
        self.occurredAt = occurredAt
    }
}

/// A provider event decoded into what Scritorio acts on.
public enum BillingEvent: Sendable, Equatable {
    case subscription(SubscriptionChange)
    case order(OrderChange)
    case customer(CustomerChange)
    /// A provider's licence key (Lemon Squeezy `license_key_created` / `license_key_updated`).
    case license(LicenseKeyChange)
    /// Stored and marked ignored: a type Scritorio does not act on (yet).
    case ignored(type: String)
}

/// Reads the user id an app put in `custom_data` (`userId` as the seed does, or `user_id` as Lemon Squeezy's
/// docs do). Anything that is not a UUID is treated as absent.
public func userID(fromCustomData data: [String: JSONValue]?) -> UserID? {
    guard let data else { return nil }
    for key in ["userId", "user_id"] {
        if let text = data[key]?.stringValue, let id = UserID(text) { return id }
    }
    return nil
}
