import Foundation

/// What a subscription looks like to the access rule.
public struct SubscriptionSnapshot: Sendable, Equatable {
    public var provider: BillingProvider
    public var status: SubscriptionStatus
    /// End of the paid period (Paddle `current_billing_period.ends_at`, LS `renews_at`/`ends_at`).
    public var currentPeriodEnd: Date?
    /// Paddle `scheduled_change` with action `cancel`: access until this moment.
    public var scheduledCancelAt: Date?
    /// Lemon Squeezy `ends_at` of a cancelled subscription.
    public var endsAt: Date?
    /// When the subscription went past due (starts the grace period).
    public var pastDueSince: Date?
    /// Lemon Squeezy pause mode `free` keeps access; `void` does not.
    public var pausedWithAccess: Bool

    public init(
        provider: BillingProvider, status: SubscriptionStatus, currentPeriodEnd: Date? = nil,
        scheduledCancelAt: Date? = nil, endsAt: Date? = nil, pastDueSince: Date? = nil, pausedWithAccess: Bool = false
    ) {
        self.provider = provider
        self.status = status
        self.currentPeriodEnd = currentPeriodEnd
        self.scheduledCancelAt = scheduledCancelAt
        self.endsAt = endsAt
        self.pastDueSince = pastDueSince
        self.pausedWithAccess = pausedWithAccess
    }
}

/// The answer of the access rule for one subscription at one moment.
public struct AccessDecision: Sendable, Equatable {
    /// Whether the subscription grants its entitlements now.
    public var granted: Bool
    /// Until when, if the rule knows an end (scheduled cancel, end of grace, LS `ends_at`).
    public var until: Date?
    /// Past due: show a billing banner.
    public var billingIssue: Bool
    /// Whether it will renew by itself.
    public var willRenew: Bool

    public static let denied = AccessDecision(granted: false, until: nil, billingIssue: false, willRenew: false)
}

/// The provider-status → access table of `payments.md`.
public enum AccessRule {
    /// Decides access for `subscription` at `now`, with `grace` after a payment failure.
    public static func decide(_ subscription: SubscriptionSnapshot, now: Date, grace: TimeInterval) -> AccessDecision {
        switch subscription.status {
        case .trialing, .active:
            if let cancelAt = subscription.scheduledCancelAt {
                return now < cancelAt
                    ? AccessDecision(granted: true, until: cancelAt, billingIssue: false, willRenew: false)
                    : .denied
            }
            return AccessDecision(granted: true, until: nil, billingIssue: false, willRenew: true)
        case .pastDue:
            // Grace runs from when the payment failed; without that moment, from the end of the paid period.
            guard let start = subscription.pastDueSince ?? subscription.currentPeriodEnd else {
                return AccessDecision(granted: grace > 0, until: nil, billingIssue: true, willRenew: true)
            }
            let end = start.addingTimeInterval(grace)
            return now < end ? AccessDecision(granted: true, until: end, billingIssue: true, willRenew: true) : .denied
        case .canceled:
            // Lemon Squeezy's cancelled keeps access until ends_at; Paddle's canceled is final.
            if subscription.provider == .lemonSqueezy, let endsAt = subscription.endsAt, now < endsAt {
                return AccessDecision(granted: true, until: endsAt, billingIssue: false, willRenew: false)
            }
            return .denied
        case .paused:
            return subscription.pausedWithAccess
                ? AccessDecision(granted: true, until: nil, billingIssue: false, willRenew: false)
                : .denied
        case .unpaid, .expired, .unknown:
            return .denied
        }
    }
}
