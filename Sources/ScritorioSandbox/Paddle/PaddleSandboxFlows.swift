import Foundation
import ScritorioCore

/// An API or simulator request the fake refuses, answered with Paddle's error envelope.
struct PaddleSandboxError: Error {
    var status: Int
    var code: String
    var detail: String

    static func notFound(_ kind: String, _ id: String) -> PaddleSandboxError {
        PaddleSandboxError(status: 404, code: "not_found", detail: "Unable to find requested \(kind) \(id)")
    }

    static func invalid(_ detail: String, code: String = "bad_request") -> PaddleSandboxError {
        PaddleSandboxError(status: 400, code: code, detail: detail)
    }
}

/// The state changes behind each API call and simulator step. Each records the notifications Paddle would send,
/// in Paddle's order (payments.md "Event sequences"), with the object as it was at that moment as `data`.
extension PaddleSandboxState {
    mutating func transaction(_ id: String) throws -> Transaction {
        guard let txn = transactions[id] else { throw PaddleSandboxError.notFound("transaction", id) }
        return txn
    }

    mutating func subscription(_ id: String) throws -> Subscription {
        guard let sub = subscriptions[id] else { throw PaddleSandboxError.notFound("subscription", id) }
        return sub
    }

    /// `POST /transactions`: `draft` without a customer and address (always, for API-created ones without an
    /// address: the buyer enters it at checkout). Records `transaction.created`.
    mutating func createTransaction(
        items: [Item], customerID: String?, customData: [String: JSONValue]?, checkoutBase: String, now: Date
    ) throws -> (Transaction, [Event]) {
        guard !items.isEmpty else { throw PaddleSandboxError.invalid("items must contain at least one item", code: "bad_request") }
        for item in items where !PaddleSandboxPrices.isKnown(item.priceID) || item.quantity < 1 {
            throw PaddleSandboxError.invalid("items: invalid price_id \(item.priceID) or quantity")
        }
        if let customerID, customers[customerID] == nil { throw PaddleSandboxError.notFound("customer", customerID) }
        if let customData, customData.isEmpty { throw PaddleSandboxError.invalid("custom_data must have at least one key") }
        let at = stamp(now)
        let id = PaddleID.make("txn")
        let address = customerID.flatMap { customer in addresses.values.first { $0.customerID == customer } }
        let txn = Transaction(
            id: id, status: address == nil ? "draft" : "ready", customerID: customerID, addressID: address?.id,
            subscriptionID: nil, customData: customData, origin: "api", items: items, billingPeriod: nil,
            checkoutURL: checkoutBase + "?_ptxn=" + id, createdAt: at, updatedAt: at, billedAt: nil)
        insert(txn)
        var events = [record("transaction.created", transactionJSON(txn), now: now)]
        if txn.status == "ready" { events.append(record("transaction.ready", transactionJSON(txn), now: now)) }
        return (txn, events)
    }

    private mutating func update(_ txn: inout Transaction, status: String, now: Date, events: inout [Event], types: [String]) {
        txn.status = status
        txn.updatedAt = stamp(now)
        if status == "billed" || status == "paid", txn.billedAt == nil { txn.billedAt = txn.updatedAt }
        insert(txn)
        for type in types { events.append(record(type, transactionJSON(txn), now: now)) }
    }

    private mutating func touch(_ sub: inout Subscription, now: Date, events: inout [Event], types: [String]) {
        sub.updatedAt = stamp(now)
        subscriptions[sub.id] = sub
        for type in types { events.append(record(type, subscriptionJSON(sub), now: now)) }
    }

    /// The buyer pays at checkout: customer and address, ready, paid, the subscription, completed.
    mutating func completeCheckout(_ id: String, email: String, name: String?, country: String, now: Date) throws
        -> (Transaction, Subscription?, [Event])
    {
        var txn = try transaction(id)
        guard txn.status == "draft" || txn.status == "ready" else {
            throw PaddleSandboxError.invalid("transaction \(id) is \(txn.status), not draft or ready", code: "transaction_immutable")
        }
        var events: [Event] = []
        if txn.customerID == nil {
            let at = stamp(now)
            let customer = customers.values.first { $0.email.lowercased() == email.lowercased() }
                ?? Customer(id: PaddleID.make("ctm"), email: email, name: name, createdAt: at, updatedAt: at)
            if customers[customer.id] == nil {
                customers[customer.id] = customer
                events.append(record("customer.created", customerJSON(customer), now: now))
            }
            txn.customerID = customer.id
        }
        if txn.addressID == nil, let customerID = txn.customerID {
            let address = Address(id: PaddleID.make("add"), customerID: customerID, countryCode: country, createdAt: stamp(now))
            addresses[address.id] = address
            events.append(record("address.created", addressJSON(address), now: now))
            txn.addressID = address.id
        }
        if txn.status == "draft" { update(&txn, status: "ready", now: now, events: &events, types: ["transaction.updated", "transaction.ready"]) }
        update(&txn, status: "paid", now: now, events: &events, types: ["transaction.updated", "transaction.paid"])
        var subscription: Subscription?
        if let first = txn.items.first, let customerID = txn.customerID, let addressID = txn.addressID {
            let at = stamp(now)
            let interval = PaddleSandboxPrices.interval(first.priceID)
            let sub = Subscription(
                id: PaddleID.make("sub"), status: "active", customerID: customerID, addressID: addressID,
                customData: txn.customData, items: txn.items, interval: interval,
                period: Period(startsAt: at, endsAt: PaddleSandboxPrices.advance(at, interval: interval)),
                scheduledChange: nil, createdAt: at, updatedAt: at, startedAt: at, pausedAt: nil, canceledAt: nil)
            subscriptions[sub.id] = sub
            events.append(record("subscription.created", subscriptionJSON(sub, transactionID: txn.id), now: now))
            txn.subscriptionID = sub.id
            txn.billingPeriod = sub.period
            subscription = sub
        }
        update(&txn, status: "completed", now: now, events: &events, types: ["transaction.updated", "transaction.completed"])
        return (txn, subscription, events)
    }

    /// A renewal: the period advances and a `subscription_recurring` transaction is billed; `paymentFails` leaves
    /// it `past_due` and the subscription `past_due` (Paddle's failed-renewal sequence).
    mutating func renew(_ id: String, paymentFails: Bool, now: Date) throws -> [Event] {
        var sub = try subscription(id)
        guard sub.status == "active" else {
            throw PaddleSandboxError.invalid("subscription \(id) is \(sub.status); only active subscriptions renew", code: "subscription_not_active")
        }
        var events: [Event] = []
        let start = sub.period.endsAt
        sub.period = Period(startsAt: start, endsAt: PaddleSandboxPrices.advance(start, interval: sub.interval))
        touch(&sub, now: now, events: &events, types: ["subscription.updated"])
        let at = stamp(now)
        var txn = Transaction(
            id: PaddleID.make("txn"), status: "billed", customerID: sub.customerID, addressID: sub.addressID,
            subscriptionID: sub.id, customData: sub.customData, origin: "subscription_recurring", items: sub.items,
            billingPeriod: sub.period, checkoutURL: nil, createdAt: at, updatedAt: at, billedAt: at)
        insert(txn)
        events.append(record("transaction.created", transactionJSON(txn), now: now))
        events.append(record("transaction.billed", transactionJSON(txn), now: now))
        if paymentFails {
            update(&txn, status: "past_due", now: now, events: &events, types: ["transaction.past_due"])
            sub.status = "past_due"
            touch(&sub, now: now, events: &events, types: ["subscription.updated", "subscription.past_due"])
        } else {
            update(&txn, status: "paid", now: now, events: &events, types: ["transaction.paid"])
            update(&txn, status: "completed", now: now, events: &events, types: ["transaction.completed"])
        }
        return events
    }

    /// A past-due renewal is finally paid: the transaction completes and the subscription is active again.
    mutating func recover(_ id: String, now: Date) throws -> [Event] {
        var sub = try subscription(id)
        guard sub.status == "past_due" else { throw PaddleSandboxError.invalid("subscription \(id) is not past_due", code: "subscription_not_past_due") }
        var events: [Event] = []
        if let txnID = transactionOrder.last(where: { transactions[$0]?.subscriptionID == id && transactions[$0]?.status == "past_due" }),
            var txn = transactions[txnID]
        {
            update(&txn, status: "paid", now: now, events: &events, types: ["transaction.paid"])
            update(&txn, status: "completed", now: now, events: &events, types: ["transaction.updated", "transaction.completed"])
        }
        sub.status = "active"
        touch(&sub, now: now, events: &events, types: ["subscription.updated"])
        return events
    }

    /// The current period ends: a scheduled cancel or pause takes effect, otherwise the subscription renews.
    mutating func endPeriod(_ id: String, now: Date) throws -> [Event] {
        var sub = try subscription(id)
        guard let change = sub.scheduledChange else { return try renew(id, paymentFails: false, now: now) }
        var events: [Event] = []
        sub.scheduledChange = nil
        if change.action == "pause" {
            sub.status = "paused"
            sub.pausedAt = change.effectiveAt
            touch(&sub, now: now, events: &events, types: ["subscription.updated", "subscription.paused"])
        } else {
            sub.status = "canceled"
            sub.canceledAt = change.effectiveAt
            touch(&sub, now: now, events: &events, types: ["subscription.updated", "subscription.canceled"])
        }
        return events
    }

    /// `POST /subscriptions/{id}/cancel`.
    mutating func cancel(_ id: String, immediately: Bool, now: Date) throws -> (Subscription, [Event]) {
        var sub = try subscription(id)
        guard sub.status != "canceled" else {
            throw PaddleSandboxError.invalid("subscription \(id) is canceled and cannot be changed", code: "subscription_locked_canceled")
        }
        var events: [Event] = []
        if immediately {
            sub.status = "canceled"
            sub.scheduledChange = nil
            sub.canceledAt = stamp(now)
            touch(&sub, now: now, events: &events, types: ["subscription.updated", "subscription.canceled"])
        } else {
            guard sub.status != "paused" else { throw PaddleSandboxError.invalid("a paused subscription can only be canceled immediately") }
            sub.scheduledChange = ScheduledChange(action: "cancel", effectiveAt: sub.period.endsAt)
            touch(&sub, now: now, events: &events, types: ["subscription.updated"])
        }
        return (sub, events)
    }

    /// `POST /subscriptions/{id}/pause`.
    mutating func pause(_ id: String, immediately: Bool, now: Date) throws -> (Subscription, [Event]) {
        var sub = try subscription(id)
        guard sub.status == "active" || sub.status == "past_due", sub.scheduledChange == nil else {
            throw PaddleSandboxError.invalid("subscription \(id) cannot be paused now", code: "subscription_locked_pending_changes")
        }
        var events: [Event] = []
        if immediately {
            sub.status = "paused"
            sub.pausedAt = stamp(now)
            touch(&sub, now: now, events: &events, types: ["subscription.updated", "subscription.paused"])
        } else {
            sub.scheduledChange = ScheduledChange(action: "pause", effectiveAt: sub.period.endsAt)
            touch(&sub, now: now, events: &events, types: ["subscription.updated"])
        }
        return (sub, events)
    }

    /// `POST /subscriptions/{id}/resume`: a paused subscription restarts with a new period from now; a pending
    /// scheduled pause is dropped.
    mutating func resume(_ id: String, now: Date) throws -> (Subscription, [Event]) {
        var sub = try subscription(id)
        var events: [Event] = []
        if sub.status == "paused" {
            let at = stamp(now)
            sub.status = "active"
            sub.pausedAt = nil
            sub.period = Period(startsAt: at, endsAt: PaddleSandboxPrices.advance(at, interval: sub.interval))
            touch(&sub, now: now, events: &events, types: ["subscription.updated", "subscription.resumed"])
        } else if sub.scheduledChange?.action == "pause" {
            sub.scheduledChange = nil
            touch(&sub, now: now, events: &events, types: ["subscription.updated"])
        } else {
            throw PaddleSandboxError.invalid("subscription \(id) is not paused", code: "subscription_not_paused")
        }
        return (sub, events)
    }

    /// A full refund of the subscription's latest completed transaction.
    ///
    /// Paddle records refunds as adjustments: the transaction stays `completed` and `adjustment.created`
    /// (`action: refund`, `pending_approval`) then `adjustment.updated` (`approved`) are sent. Paddle does not
    /// end the subscription by itself; sellers who refund usually also cancel immediately, which is what this
    /// simulates unless `cancel` is false (`subscription.updated` + `subscription.canceled`). A transaction is
    /// never re-sent as `canceled`: Paddle cannot cancel a completed transaction.
    mutating func refund(_ id: String, cancel: Bool, now: Date) throws -> [Event] {
        let sub = try subscription(id)
        guard let txnID = transactionOrder.last(where: { transactions[$0]?.subscriptionID == id && transactions[$0]?.status == "completed" }),
            let txn = transactions[txnID]
        else { throw PaddleSandboxError.invalid("subscription \(id) has no completed transaction to refund", code: "transaction_not_refundable") }
        var events: [Event] = []
        let adjustmentID = PaddleID.make("adj")
        let totals = Self.totals(txn.items)
        let created = stamp(now)
        func adjustment(_ status: String) -> PaddleJSON {
            .obj([
                "id": .string(adjustmentID), "action": "refund", "type": "full", "transaction_id": .string(txn.id),
                "subscription_id": .string(sub.id), "customer_id": .str(txn.customerID), "reason": "sandbox refund",
                "credit_applied_to_balance": false, "currency_code": "USD", "status": .string(status),
                "items": .array([]), "totals": .obj(["subtotal": totals["subtotal"] ?? .null, "tax": "0",
                    "total": totals["total"] ?? .null, "fee": totals["fee"] ?? .null, "earnings": totals["earnings"] ?? .null,
                    "currency_code": "USD"]),
                "created_at": Self.time(created), "updated_at": Self.time(lastStamp),
            ])
        }
        events.append(record("adjustment.created", adjustment("pending_approval"), now: now))
        _ = stamp(now)
        events.append(record("adjustment.updated", adjustment("approved"), now: now))
        if cancel, sub.status != "canceled" { events += try self.cancel(id, immediately: true, now: now).1 }
        return events
    }
}
