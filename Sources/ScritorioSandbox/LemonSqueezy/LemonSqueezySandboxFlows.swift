import Foundation
import ScritorioCore

/// The state changes behind each API call and simulator step, each with the webhooks Lemon Squeezy would send
/// (the object as it was at that moment).
extension LemonSqueezySandboxState {
    func event(_ name: String, _ data: PaddleJSON, _ custom: [String: JSONValue]) -> Event {
        Event(name: name, data: data, customData: custom, webhookID: UUID().uuidString.lowercased())
    }

    func subscription(_ id: String) throws -> Subscription {
        guard let number = Int(id), let sub = subscriptions[number] else { throw LemonSqueezySandboxError.notFound("subscription", id) }
        return sub
    }

    /// `POST /v1/checkouts`: a hosted checkout page for one variant.
    mutating func createCheckout(variantID: String, email: String?, custom: [String: JSONValue], testMode: Bool, now: Date) throws -> Checkout {
        guard LemonSqueezySandbox.variants[variantID] != nil else {
            throw LemonSqueezySandboxError.invalid("The related resource does not exist.", pointer: "/data/relationships/variant")
        }
        let id = UUID().uuidString.lowercased()
        let url = "https://\(LemonSqueezySandbox.storeSlug).lemonsqueezy.com/checkout/custom/\(id)?signature=\(Self.signature(id))"
        let checkout = Checkout(id: id, variantID: variantID, email: email, custom: custom, testMode: testMode, url: url, createdAt: stamp(now))
        checkouts[id] = checkout
        return checkout
    }

    /// The buyer pays: an order, its subscription, the first invoice and a licence key, in Lemon Squeezy's order.
    mutating func complete(checkout id: String, email: String?, name: String?, now: Date) throws -> (Order, Subscription, LicenseKey, [Event]) {
        guard var checkout = checkouts[id] else { throw LemonSqueezySandboxError.notFound("checkout", id) }
        guard checkout.orderID == nil else { throw LemonSqueezySandboxError.invalid("This checkout has already been completed.") }
        let buyer = email ?? checkout.email ?? "buyer@example.com"
        let customer = customers.values.first { $0.email.lowercased() == buyer.lowercased() }
            ?? Customer(id: newID(), email: buyer, name: name ?? "Sandbox Buyer")
        customers[customer.id] = customer
        let variant = variant(checkout.variantID)
        let at = stamp(now)
        let order = Order(
            id: newID(), identifier: UUID().uuidString.lowercased(), customerID: customer.id, variantID: checkout.variantID,
            status: "paid", total: variant.price, refundedAt: nil, custom: checkout.custom, createdAt: at, updatedAt: at)
        orders[order.id] = order
        _ = newID()  // the order item
        let subAt = stamp(now)
        let sub = Subscription(
            id: newID(), orderID: order.id, orderItemID: order.id + 1, customerID: customer.id, variantID: checkout.variantID,
            status: "active", cancelled: false, pause: nil, renewsAt: Self.advance(subAt, months: variant.months), endsAt: nil,
            custom: checkout.custom, createdAt: subAt, updatedAt: subAt)
        subscriptions[sub.id] = sub
        let invoiceAt = stamp(now)
        let invoice = Invoice(
            id: newID(), subscriptionID: sub.id, customerID: customer.id, billingReason: "initial", status: "paid",
            total: variant.price, refundedAt: nil, createdAt: invoiceAt, updatedAt: invoiceAt)
        invoices[invoice.id] = invoice
        let keyAt = stamp(now)
        let key = LicenseKey(
            id: newID(), key: UUID().uuidString.uppercased(), orderID: order.id, orderItemID: order.id + 1, customerID: customer.id,
            variantID: checkout.variantID, activationLimit: 3, status: "inactive", expiresAt: nil, instances: [],
            custom: checkout.custom, createdAt: keyAt, updatedAt: keyAt)
        licenseKeys[key.id] = key
        checkout.orderID = order.id
        checkouts[id] = checkout
        let events = [
            event("order_created", orderJSON(order), order.custom),
            event("subscription_created", subscriptionJSON(sub), sub.custom),
            event("subscription_payment_success", invoiceJSON(invoice), sub.custom),
            event("license_key_created", licenseJSON(key), key.custom),
        ]
        return (order, sub, key, events)
    }

    static func advance(_ date: Date, months: Int) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(byAdding: .month, value: months, to: date) ?? date.addingTimeInterval(Double(months) * 30 * 86_400)
    }

    private mutating func touch(_ sub: inout Subscription, now: Date) {
        sub.updatedAt = stamp(now)
        subscriptions[sub.id] = sub
    }

    private mutating func invoice(for sub: Subscription, reason: String, status: String, now: Date) -> Invoice {
        let at = stamp(now)
        let invoice = Invoice(
            id: newID(), subscriptionID: sub.id, customerID: sub.customerID, billingReason: reason, status: status,
            total: variant(sub.variantID).price, refundedAt: nil, createdAt: at, updatedAt: at)
        invoices[invoice.id] = invoice
        return invoice
    }

    /// Keys of the subscription's order follow it: `expired` when it expires, `disabled` on a refund.
    private mutating func setKeys(of sub: Subscription, status: String, now: Date) -> [Event] {
        var events: [Event] = []
        for var key in licenseKeys.values.sorted(by: { $0.id < $1.id }) where key.orderID == sub.orderID && key.status != status && key.status != "disabled" {
            key.status = status
            if status == "expired" { key.expiresAt = key.expiresAt ?? now }
            key.updatedAt = stamp(now)
            licenseKeys[key.id] = key
            events.append(event("license_key_updated", licenseJSON(key), key.custom))
        }
        return events
    }

    /// A period ends: paid (`renew`) or not (`fail-payment`: past due, Lemon Squeezy retries for about two weeks).
    mutating func renew(_ id: String, fails: Bool, now: Date) throws -> [Event] {
        var sub = try subscription(id)
        guard sub.status == "active" else { throw LemonSqueezySandboxError.invalid("Subscription \(id) is \(sub.status); only active subscriptions renew.") }
        if fails {
            let invoice = invoice(for: sub, reason: "renewal", status: "pending", now: now)
            sub.status = "past_due"
            touch(&sub, now: now)
            return [event("subscription_payment_failed", invoiceJSON(invoice), sub.custom), event("subscription_updated", subscriptionJSON(sub), sub.custom)]
        }
        let invoice = invoice(for: sub, reason: "renewal", status: "paid", now: now)
        sub.renewsAt = Self.advance(sub.renewsAt, months: variant(sub.variantID).months)
        touch(&sub, now: now)
        return [event("subscription_payment_success", invoiceJSON(invoice), sub.custom), event("subscription_updated", subscriptionJSON(sub), sub.custom)]
    }

    /// A retry of a failed renewal succeeds.
    mutating func recover(_ id: String, now: Date) throws -> [Event] {
        var sub = try subscription(id)
        guard sub.status == "past_due" || sub.status == "unpaid" else {
            throw LemonSqueezySandboxError.invalid("Subscription \(id) is \(sub.status), not past_due or unpaid.")
        }
        var invoice = invoices.values.filter { $0.subscriptionID == sub.id && $0.status == "pending" }.max { $0.id < $1.id }
            ?? self.invoice(for: sub, reason: "renewal", status: "pending", now: now)
        invoice.status = "paid"
        invoice.updatedAt = stamp(now)
        invoices[invoice.id] = invoice
        sub.status = "active"
        sub.renewsAt = Self.advance(max(sub.renewsAt, now), months: variant(sub.variantID).months)
        touch(&sub, now: now)
        return [
            event("subscription_payment_success", invoiceJSON(invoice), sub.custom),
            event("subscription_payment_recovered", invoiceJSON(invoice), sub.custom),
            event("subscription_updated", subscriptionJSON(sub), sub.custom),
        ]
    }

    /// `DELETE /v1/subscriptions/:id` or the buyer cancels: `cancelled`, paid up to `ends_at` (the renewal date).
    mutating func cancel(_ id: String, now: Date) throws -> (Subscription, [Event]) {
        var sub = try subscription(id)
        guard ["active", "on_trial", "past_due", "paused", "unpaid"].contains(sub.status) else {
            throw LemonSqueezySandboxError.invalid("Subscription \(id) is \(sub.status) and cannot be cancelled.")
        }
        sub.status = "cancelled"
        sub.cancelled = true
        sub.pause = nil
        sub.endsAt = sub.renewsAt
        touch(&sub, now: now)
        return (sub, [event("subscription_updated", subscriptionJSON(sub), sub.custom), event("subscription_cancelled", subscriptionJSON(sub), sub.custom)])
    }

    /// The end: `ends_at` passed (or retries ran out). Its licence keys expire with it.
    mutating func expire(_ id: String, now: Date) throws -> [Event] {
        var sub = try subscription(id)
        guard sub.status != "expired" else { throw LemonSqueezySandboxError.invalid("Subscription \(id) has already expired.") }
        sub.status = "expired"
        sub.cancelled = true
        sub.pause = nil
        sub.endsAt = min(sub.endsAt ?? now, now)
        touch(&sub, now: now)
        return [event("subscription_updated", subscriptionJSON(sub), sub.custom), event("subscription_expired", subscriptionJSON(sub), sub.custom)]
            + setKeys(of: sub, status: "expired", now: now)
    }

    /// Paused collection: mode `void` (no access) or `free` (access continues, nothing charged).
    mutating func pause(_ id: String, mode: String, resumesAt: Date?, now: Date) throws -> (Subscription, [Event]) {
        var sub = try subscription(id)
        guard sub.status == "active" || sub.status == "paused" else {
            throw LemonSqueezySandboxError.invalid("Subscription \(id) is \(sub.status); only active subscriptions pause.")
        }
        sub.status = "paused"
        sub.pause = Pause(mode: mode, resumesAt: resumesAt)
        touch(&sub, now: now)
        return (sub, [event("subscription_updated", subscriptionJSON(sub), sub.custom), event("subscription_paused", subscriptionJSON(sub), sub.custom)])
    }

    /// Unpauses a paused subscription, or resumes a cancelled one before `ends_at`.
    mutating func resume(_ id: String, now: Date) throws -> (Subscription, [Event]) {
        var sub = try subscription(id)
        let name: String
        switch sub.status {
        case "paused":
            sub.pause = nil
            name = "subscription_unpaused"
        case "cancelled":
            sub.cancelled = false
            sub.endsAt = nil
            name = "subscription_resumed"
        default:
            throw LemonSqueezySandboxError.invalid("Subscription \(id) is \(sub.status), neither paused nor cancelled.")
        }
        sub.status = "active"
        touch(&sub, now: now)
        return (sub, [event("subscription_updated", subscriptionJSON(sub), sub.custom), event(name, subscriptionJSON(sub), sub.custom)])
    }

    /// The seller refunds the subscription's first order and its last paid invoice; its keys are disabled, and
    /// unless `cancel` is false the subscription ends at once.
    mutating func refund(_ id: String, cancel: Bool, now: Date) throws -> [Event] {
        let sub = try subscription(id)
        guard var order = orders[sub.orderID] else { throw LemonSqueezySandboxError.notFound("order", String(sub.orderID)) }
        var events: [Event] = []
        if order.status != "refunded" {
            order.status = "refunded"
            order.refundedAt = stamp(now)
            order.updatedAt = order.refundedAt!
            orders[order.id] = order
            events.append(event("order_refunded", orderJSON(order), order.custom))
        }
        if var invoice = invoices.values.filter({ $0.subscriptionID == sub.id && $0.status == "paid" }).max(by: { $0.id < $1.id }) {
            invoice.status = "refunded"
            invoice.refundedAt = stamp(now)
            invoice.updatedAt = invoice.refundedAt!
            invoices[invoice.id] = invoice
            events.append(event("subscription_payment_refunded", invoiceJSON(invoice), sub.custom))
        }
        events += setKeys(of: sub, status: "disabled", now: now)
        if cancel, sub.status != "expired" { events += try expire(id, now: now) }
        return events
    }
}
