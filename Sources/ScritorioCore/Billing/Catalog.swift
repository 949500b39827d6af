import Foundation

/// What is for sale: plans, the entitlement codes each grants, and per provider and mode the provider's
/// price (Paddle) or variant (Lemon Squeezy) ids that mean that plan.
public struct Catalog: Codable, Sendable, Equatable {
    public struct Plan: Codable, Sendable, Equatable {
        /// Stable code the app asks for (`pro_monthly`).
        public var code: String
        public var name: String?
        /// Entitlement codes granted while the plan is active (`scritorio_pro`).
        public var entitlements: [String]
        /// provider → mode → price/variant ids.
        public var prices: [String: [String: [String]]]
        /// The licence key a purchase of this plan comes with; `nil` = none (Lemon Squeezy keys still arrive
        /// from Lemon Squeezy and then follow the plan's entitlements).
        public var license: LicensePolicy?

        public init(
            code: String, name: String?, entitlements: [String], prices: [String: [String: [String]]], license: LicensePolicy? = nil
        ) {
            self.code = code
            self.name = name
            self.entitlements = entitlements
            self.prices = prices
            self.license = license
        }

        /// The entitlement codes a licence of this plan grants its owner.
        public var licenseEntitlements: [String] { license?.entitlements ?? entitlements }

        /// The ids of this plan for a provider in a mode.
        public func priceIDs(provider: BillingProvider, mode: BillingMode) -> [String] {
            prices[provider.rawValue]?[mode.rawValue] ?? []
        }
    }

    public var plans: [Plan]

    public init(plans: [Plan]) { self.plans = plans }

    /// The plan a provider price id belongs to, in that mode only: a test id never matches in live mode.
    public func plan(provider: BillingProvider, mode: BillingMode, priceID: String) -> Plan? {
        plans.first { $0.priceIDs(provider: provider, mode: mode).contains(priceID) }
    }

    public func plan(code: String) -> Plan? { plans.first { $0.code == code } }

    /// The entitlement codes the given price ids grant (unknown ids grant nothing).
    public func entitlements(provider: BillingProvider, mode: BillingMode, priceIDs: [String]) -> [String] {
        Array(Set(priceIDs.compactMap { plan(provider: provider, mode: mode, priceID: $0) }.flatMap(\.entitlements))).sorted()
    }

    /// Whether these ids belong to the other mode only: test ids reaching a live deployment (or the reverse) are
    /// a set-up mistake that must never grant or revoke anything.
    public func belongsToOtherModeOnly(provider: BillingProvider, mode: BillingMode, priceIDs: [String]) -> Bool {
        let other: BillingMode = mode == .live ? .test : .live
        guard !priceIDs.isEmpty, entitlements(provider: provider, mode: mode, priceIDs: priceIDs).isEmpty else { return false }
        return priceIDs.contains { plan(provider: provider, mode: other, priceID: $0) != nil }
    }

    /// Parses catalog JSON; every plan needs a code and at least one entitlement.
    public static func parse(_ data: Data) throws -> Catalog {
        let catalog = try JSONDecoder().decode(Catalog.self, from: data)
        for plan in catalog.plans where plan.code.isEmpty || plan.entitlements.isEmpty {
            throw CatalogError.invalidPlan(plan.code)
        }
        for plan in catalog.plans {
            if let limit = plan.license?.activationLimit, limit < 1 { throw CatalogError.invalidPlan(plan.code) }
            if let codes = plan.license?.entitlements, codes.isEmpty { throw CatalogError.invalidPlan(plan.code) }
        }
        return catalog
    }

    /// The sandbox's catalog: monthly and yearly Pro, sold through the Paddle and the Lemon Squeezy sandbox fakes.
    public static let sandbox = Catalog(plans: [
        Plan(code: "pro_monthly", name: "Pro (monthly)", entitlements: [EntitlementSet.proCode],
             prices: ["paddle": ["test": ["pri_01sandboxpromonthly0000000"]], "lemonsqueezy": ["test": ["520001"]]], license: LicensePolicy(activationLimit: 3)),
        Plan(code: "pro_yearly", name: "Pro (yearly)", entitlements: [EntitlementSet.proCode],
             prices: ["paddle": ["test": ["pri_01sandboxproyearly00000000"]], "lemonsqueezy": ["test": ["520002"]]], license: LicensePolicy(activationLimit: 3)),
    ])
}

/// Why a catalog was refused.
public enum CatalogError: Error, Equatable {
    case invalidPlan(String)
}

/// The rules of the licence keys a plan comes with (Keygen's "policy"): how many devices at once, how long the
/// key lasts, and what it grants.
public struct LicensePolicy: Codable, Sendable, Equatable {
    /// How a key's end is decided.
    public enum Expiry: String, Codable, Sendable {
        /// The key expires when its subscription stops granting access (a one-off purchase's key never does).
        case subscription
        /// The key never expires (a lifetime licence sold through a subscription price, rare).
        case never
    }

    /// Devices a key may be active on at once; `nil` = unlimited.
    public var activationLimit: Int?
    /// Default `subscription`.
    public var expiry: Expiry?
    /// Codes granted to the key's owner while the key is valid; default: the plan's own.
    public var entitlements: [String]?

    public init(activationLimit: Int?, expiry: Expiry? = nil, entitlements: [String]? = nil) {
        self.activationLimit = activationLimit
        self.expiry = expiry
        self.entitlements = entitlements
    }
}
