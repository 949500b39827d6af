import Foundation
import ScritorioModels

/// One active entitlement as the app sees it.
public struct EntitlementDTO: Codable, Sendable, Equatable {
    public struct Source: Codable, Sendable, Equatable {
        public var type: String
        public var id: String
    }

    public var code: String
    /// `null` when at least one grant has no end.
    public var expiresAt: String?
    public var sources: [Source]

    public init(_ entitlement: ActiveEntitlement) {
        self.code = entitlement.code
        self.expiresAt = entitlement.expiresAt.map(WireDate.format)
        self.sources = entitlement.sources.map { Source(type: $0.stored.type, id: $0.stored.id) }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(code, forKey: .code)
        try c.encode(expiresAt, forKey: .expiresAt)
        try c.encode(sources, forKey: .sources)
    }
}

/// `GET /v1/me/entitlements`.
public struct EntitlementsResponse: Codable, Sendable, Equatable {
    public var plan: String
    public var entitlements: [EntitlementDTO]
    /// The same entitlements as a signed document (compact JWS, EdDSA) an app can keep and verify offline with
    /// `EntitlementTokenVerifier` and the keys of `GET /v1/entitlements/jwks.json`.
    public var entitlementToken: String?

    public init(plan: String, entitlements: [EntitlementDTO], entitlementToken: String? = nil) {
        self.plan = plan
        self.entitlements = entitlements
        self.entitlementToken = entitlementToken
    }
}

/// The caller's subscription as the account panel shows it.
public struct SubscriptionDTO: Codable, Sendable, Equatable {
    public var provider: String
    public var id: String
    public var status: String
    public var plan: String?
    public var active: Bool
    public var willRenew: Bool
    public var billingIssue: Bool
    /// Next renewal, when it will renew.
    public var renewsAt: String?
    /// When access ends, when it will not renew (scheduled cancel, end of grace).
    public var endsAt: String?
    public var currentPeriodEnd: String?
    /// A customer-portal link (Paddle portal session) to update the card or cancel; null when unavailable.
    public var portalUrl: String?

    public init(
        provider: String, id: String, status: String, plan: String?, active: Bool, willRenew: Bool, billingIssue: Bool,
        renewsAt: String?, endsAt: String?, currentPeriodEnd: String?, portalUrl: String? = nil
    ) {
        self.portalUrl = portalUrl
        self.provider = provider
        self.id = id
        self.status = status
        self.plan = plan
        self.active = active
        self.willRenew = willRenew
        self.billingIssue = billingIssue
        self.renewsAt = renewsAt
        self.endsAt = endsAt
        self.currentPeriodEnd = currentPeriodEnd
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(provider, forKey: .provider)
        try c.encode(id, forKey: .id)
        try c.encode(status, forKey: .status)
        try c.encode(plan, forKey: .plan)
        try c.encode(active, forKey: .active)
        try c.encode(willRenew, forKey: .willRenew)
        try c.encode(billingIssue, forKey: .billingIssue)
        try c.encode(renewsAt, forKey: .renewsAt)
        try c.encode(endsAt, forKey: .endsAt)
        try c.encode(currentPeriodEnd, forKey: .currentPeriodEnd)
        try c.encode(portalUrl, forKey: .portalUrl)
    }
}

/// `GET /v1/me/subscription`: `{"subscription": … | null}`.
public struct SubscriptionEnvelope: Codable, Sendable, Equatable {
    public var subscription: SubscriptionDTO?

    public init(subscription: SubscriptionDTO?) { self.subscription = subscription }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(subscription, forKey: .subscription)
    }
}
