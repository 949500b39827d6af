/// What an event touches, as keys: two events that share one must be applied one after the other, in the
/// provider's order; events that share none may be applied side by side.
extension BillingEvent {
    /// The user (from `custom_data`), the provider's customer, subscription, order and licence the event names.
    /// The user an event resolves to through its customer is covered by the customer's key: every event of that
    /// customer names it.
    public var touchedKeys: Set<String> {
        switch self {
        case .subscription(let change):
            return Self.keys(change.provider, user: change.userID, customer: change.customerID, subscription: change.subscriptionID,
                             orders: [change.firstOrderID])
        case .order(let change):
            return Self.keys(change.provider, user: change.userID, customer: change.customerID, subscription: change.subscriptionID,
                             orders: [change.orderID])
        case .customer(let change):
            var keys = Self.keys(change.provider, user: nil, customer: change.customerID, subscription: nil, orders: [])
            // A customer event finds its user by email: it waits for other events of that address.
            if let email = change.email { keys.insert("email:" + email.lowercased()) }
            return keys
        case .license(let change):
            var keys = Self.keys(change.provider, user: change.userID, customer: change.customerID, subscription: change.subscriptionID,
                                 orders: [change.orderID])
            keys.insert("license:\(change.provider.rawValue):\(change.providerLicenseID)")
            return keys
        case .ignored:
            return []
        }
    }

    private static func keys(
        _ provider: BillingProvider, user: UserID?, customer: String?, subscription: String?, orders: [String?]
    ) -> Set<String> {
        var keys: Set<String> = []
        if let user { keys.insert("user:\(user.rawValue.uuidString.lowercased())") }
        if let customer { keys.insert("customer:\(provider.rawValue):\(customer)") }
        if let subscription { keys.insert("subscription:\(provider.rawValue):\(subscription)") }
        for case let order? in orders { keys.insert("order:\(provider.rawValue):\(order)") }
        return keys
    }
}
