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

        public init(code: String, name: String?, entitlements: [String], prices: [String: [String: [String]]]) {
            self.code = code
            self.name = name
            self.entitlements = entitlements
            self.prices = prices
        }

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
        return catalog
    }

    /// The sandbox's catalog: monthly and yearly Pro, priced in the Paddle sandbox fake.
    public static let sandbox = Catalog(plans: [
        Plan(code: "pro_monthly", name: "Pro (monthly)", entitlements: [EntitlementSet.proCode],
             prices: ["paddle": ["test": ["pri_01sandboxpromonthly0000000"]]]),
        Plan(code: "pro_yearly", name: "Pro (yearly)", entitlements: [EntitlementSet.proCode],
             prices: ["paddle": ["test": ["pri_01sandboxproyearly00000000"]]]),
    ])
}

/// Why a catalog was refused.
public enum CatalogError: Error, Equatable {
    case invalidPlan(String)
}
