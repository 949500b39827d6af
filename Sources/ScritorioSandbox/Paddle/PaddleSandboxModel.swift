import Foundation
import ScritorioAPI
import ScritorioCore

/// The fake's records. Rendering follows the field order of Paddle's own answers (see the fixtures).
struct PaddleSandboxState: Sendable {
    struct Period: Sendable, Equatable {
        var startsAt: Date
        var endsAt: Date
    }

    struct Item: Sendable, Equatable {
        var priceID: String
        var quantity: Int
    }

    struct ScheduledChange: Sendable, Equatable {
        var action: String
        var effectiveAt: Date
    }

    struct Customer: Sendable {
        var id: String
        var email: String
        var name: String?
        var createdAt: Date
        var updatedAt: Date
    }

    struct Address: Sendable {
        var id: String
        var customerID: String
        var countryCode: String
        var createdAt: Date
    }

    struct Transaction: Sendable {
        var id: String
        var status: String
        var customerID: String?
        var addressID: String?
        var subscriptionID: String?
        var customData: [String: JSONValue]?
        var origin: String
        var items: [Item]
        var billingPeriod: Period?
        var checkoutURL: String?
        var createdAt: Date
        var updatedAt: Date
        var billedAt: Date?
    }

    struct Subscription: Sendable {
        var id: String
        var status: String
        var customerID: String
        var addressID: String
        var customData: [String: JSONValue]?
        var items: [Item]
        var interval: String
        var period: Period
        var scheduledChange: ScheduledChange?
        var createdAt: Date
        var updatedAt: Date
        var startedAt: Date
        var pausedAt: Date?
        var canceledAt: Date?
    }

    /// One sent notification, kept for `GET /events`.
    struct Event: Sendable {
        var id: String
        var type: String
        var occurredAt: Date
        var data: PaddleJSON
    }

    var transactions: [String: Transaction] = [:]
    var transactionOrder: [String] = []
    var subscriptions: [String: Subscription] = [:]
    var customers: [String: Customer] = [:]
    var addresses: [String: Address] = [:]
    var events: [Event] = []
    var lastStamp: Date = .distantPast

    /// A strictly increasing timestamp near `now`, so events of one sequence order by `occurred_at`.
    mutating func stamp(_ now: Date) -> Date {
        lastStamp = max(now, lastStamp.addingTimeInterval(0.001))
        return lastStamp
    }

    mutating func record(_ type: String, _ data: PaddleJSON, now: Date) -> Event {
        let event = Event(id: PaddleID.make("evt"), type: type, occurredAt: stamp(now), data: data)
        events.append(event)
        return event
    }

    mutating func insert(_ transaction: Transaction) {
        if transactions[transaction.id] == nil { transactionOrder.append(transaction.id) }
        transactions[transaction.id] = transaction
    }
}

/// The sandbox's prices: the catalog's sandbox ids, priced in USD.
enum PaddleSandboxPrices {
    static let monthly = "pri_01sandboxpromonthly0000000"
    static let yearly = "pri_01sandboxproyearly00000000"

    static func interval(_ priceID: String) -> String { priceID == yearly ? "year" : "month" }
    static func amount(_ priceID: String) -> Int { priceID == yearly ? 9600 : 1000 }
    static func productID(_ priceID: String) -> String { "pro_01sandboxscritoriopro00000" }
    static func name(_ priceID: String) -> String { priceID == yearly ? "Pro (yearly)" : "Pro (monthly)" }

    /// Known prices: the catalog's sandbox ids plus any well-formed `pri_` id (billed monthly).
    static func isKnown(_ priceID: String) -> Bool { PaddleID.isValid(priceID, prefix: "pri") }

    /// One interval after `date`, in UTC.
    static func advance(_ date: Date, interval: String) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(byAdding: interval == "year" ? .year : .month, value: 1, to: date) ?? date
    }
}

extension PaddleSandboxState {
    static func time(_ date: Date?) -> PaddleJSON { date.map { .string(WireDate.format($0)) } ?? .null }

    static func period(_ period: Period?) -> PaddleJSON {
        guard let period else { return .null }
        return .obj(["starts_at": time(period.startsAt), "ends_at": time(period.endsAt)])
    }

    static func price(_ item: Item) -> PaddleJSON {
        .obj([
            "id": .string(item.priceID), "name": .string(PaddleSandboxPrices.name(item.priceID)), "type": "standard",
            "status": "active", "tax_mode": "account_setting", "product_id": .string(PaddleSandboxPrices.productID(item.priceID)),
            "unit_price": .obj(["amount": .string(String(PaddleSandboxPrices.amount(item.priceID))), "currency_code": "USD"]),
            "custom_data": .null, "description": .string(PaddleSandboxPrices.name(item.priceID)), "trial_period": .null,
            "billing_cycle": .obj(["interval": .string(PaddleSandboxPrices.interval(item.priceID)), "frequency": .int(1)]),
            "unit_price_overrides": .array([]), "quantity": .obj(["minimum": .int(1), "maximum": .int(100)]),
            "import_meta": .null, "created_at": "2026-01-01T00:00:00.000000Z", "updated_at": "2026-01-01T00:00:00.000000Z",
        ])
    }

    /// The product a sandbox price belongs to, as Paddle embeds it in subscription items.
    static func product(_ item: Item) -> PaddleJSON {
        .obj([
            "id": .string(PaddleSandboxPrices.productID(item.priceID)), "name": "Scritorio Pro", "type": "standard",
            "tax_category": "standard", "description": .null, "image_url": .null, "custom_data": .null, "status": "active",
            "import_meta": .null, "created_at": "2026-01-01T00:00:00.000000Z", "updated_at": "2026-01-01T00:00:00.000000Z",
        ])
    }

    /// `details` of a transaction: totals, per-line items, tax rates and payout totals, as the SDK expects them.
    static func details(_ items: [Item]) -> PaddleJSON {
        let totals = Self.totals(items)
        let lines: [PaddleJSON] = items.map { item in
            let amount = String(PaddleSandboxPrices.amount(item.priceID) * item.quantity)
            let lineTotals: PaddleJSON = .obj(["subtotal": .string(amount), "tax": "0", "discount": "0", "total": .string(amount)])
            return .obj([
                "id": .string(PaddleID.make("txnitm")), "price_id": .string(item.priceID), "quantity": .int(item.quantity),
                "totals": lineTotals, "product": product(item), "tax_rate": "0",
                "unit_totals": .obj([
                    "subtotal": .string(String(PaddleSandboxPrices.amount(item.priceID))), "tax": "0", "discount": "0",
                    "total": .string(String(PaddleSandboxPrices.amount(item.priceID))),
                ]),
            ])
        }
        let subtotal = totals["subtotal"] ?? "0"
        let payout: PaddleJSON = .obj([
            "subtotal": subtotal, "tax": "0", "discount": "0", "total": subtotal, "credit": "0", "credit_to_balance": "0",
            "balance": "0", "grand_total": subtotal, "fee": totals["fee"] ?? "0", "earnings": totals["earnings"] ?? "0",
            "currency_code": "USD", "exchange_rate": "1", "fee_rate": "0.05", "grand_total_tax": "0",
        ])
        return .obj([
            "tax_rates_used": .array([.obj(["tax_rate": "0", "totals": .obj(["subtotal": subtotal, "discount": "0", "tax": "0", "total": subtotal])])]),
            "totals": totals,
            "adjusted_totals": .obj(["subtotal": subtotal, "tax": "0", "total": subtotal, "grand_total": subtotal,
                                     "fee": totals["fee"] ?? "0", "earnings": totals["earnings"] ?? "0", "currency_code": "USD",
                                     "grand_total_tax": "0", "retained_fee": "0"]),
            "payout_totals": payout, "adjusted_payout_totals": .null, "line_items": .array(lines),
        ])
    }

    static func totals(_ items: [Item]) -> PaddleJSON {
        let subtotal = items.reduce(0) { $0 + PaddleSandboxPrices.amount($1.priceID) * $1.quantity }
        let fee = subtotal * 5 / 100 + 50
        return .obj([
            "subtotal": .string(String(subtotal)), "discount": "0", "tax": "0", "total": .string(String(subtotal)),
            "credit": "0", "balance": "0", "grand_total": .string(String(subtotal)), "fee": .string(String(fee)),
            "earnings": .string(String(subtotal - fee)), "currency_code": "USD", "credit_to_balance": "0",
            "grand_total_tax": "0",
        ])
    }

    func transactionJSON(_ txn: Transaction) -> PaddleJSON {
        .obj([
            "id": .string(txn.id), "status": .string(txn.status), "customer_id": .str(txn.customerID),
            "address_id": .str(txn.addressID), "business_id": .null, "custom_data": .customData(txn.customData),
            "origin": .string(txn.origin), "collection_mode": "automatic", "subscription_id": .str(txn.subscriptionID),
            "invoice_id": .null, "invoice_number": .null, "billing_details": .null,
            "billing_period": Self.period(txn.billingPeriod), "currency_code": "USD", "discount_id": .null,
            "created_at": Self.time(txn.createdAt), "updated_at": Self.time(txn.updatedAt), "billed_at": Self.time(txn.billedAt),
            "items": .array(txn.items.map { .obj(["price": Self.price($0), "quantity": .int($0.quantity), "proration": .null]) }),
            "details": Self.details(txn.items), "revised_at": .null, "discount": .null,
            "available_payment_methods": .array(["card", "paypal"]),
            "payments": .array(["paid", "completed"].contains(txn.status)
                ? [.obj(["amount": Self.totals(txn.items)["grand_total"] ?? .null, "status": "captured",
                         "created_at": Self.time(txn.updatedAt), "captured_at": Self.time(txn.updatedAt),
                         "payment_attempt_id": .string(UUID().uuidString.lowercased()), "payment_method_id": .null,
                         "stored_payment_method_id": .string(UUID().uuidString.lowercased()), "error_code": .null,
                         "method_details": .obj(["type": "card", "card": .obj([
                             "type": "visa", "last4": "4242", "expiry_month": .int(1), "expiry_year": .int(2030),
                             "cardholder_name": "Sandbox Buyer",
                         ]), "south_korea_local_card": .null])])] : []),
            "checkout": .obj(["url": .str(txn.checkoutURL)]),
        ])
    }

    /// `management` adds `management_urls`, which API answers carry and webhooks do not.
    func subscriptionJSON(_ sub: Subscription, transactionID: String? = nil, management: Bool = false) -> PaddleJSON {
        let nextBilled: Date? = sub.status == "canceled" || sub.status == "paused" || sub.scheduledChange?.action == "cancel"
            ? nil : sub.period.endsAt
        var json = PaddleJSON.obj([
            "id": .string(sub.id), "status": .string(sub.status), "customer_id": .string(sub.customerID),
            "address_id": .string(sub.addressID), "business_id": .null, "currency_code": "USD",
            "created_at": Self.time(sub.createdAt), "updated_at": Self.time(sub.updatedAt),
            "started_at": Self.time(sub.startedAt), "first_billed_at": Self.time(sub.startedAt),
            "next_billed_at": Self.time(nextBilled), "paused_at": Self.time(sub.pausedAt), "canceled_at": Self.time(sub.canceledAt),
            "discount": .null, "collection_mode": "automatic", "billing_details": .null,
            "current_billing_period": sub.status == "canceled" || sub.status == "paused" ? .null : Self.period(sub.period),
            "billing_cycle": .obj(["interval": .string(sub.interval), "frequency": .int(1)]),
            "scheduled_change": sub.scheduledChange.map {
                .obj(["action": .string($0.action), "effective_at": Self.time($0.effectiveAt), "resume_at": .null])
            } ?? .null,
            "items": .array(sub.items.map {
                .obj([
                    "status": "active", "quantity": .int($0.quantity), "recurring": true,
                    "created_at": Self.time(sub.createdAt), "updated_at": Self.time(sub.updatedAt),
                    "previously_billed_at": Self.time(sub.period.startsAt), "next_billed_at": Self.time(nextBilled),
                    "trial_dates": .null, "price": Self.price($0), "product": Self.product($0),
                ])
            }),
            "custom_data": .customData(sub.customData), "import_meta": .null,
            "recurring_transaction_details": .null, "next_transaction": .null,
        ])
        if let transactionID { json.set("transaction_id", .string(transactionID)) }
        if management {
            let base = "https://sandbox-buy.paddle.com/subscription/\(sub.id)/hash/sandbox"
            json.set("management_urls", .obj(["update_payment_method": .string(base + "/update"), "cancel": .string(base + "/cancel")]))
        }
        return json
    }

    func customerJSON(_ customer: Customer) -> PaddleJSON {
        .obj([
            "id": .string(customer.id), "name": .str(customer.name), "email": .string(customer.email),
            "marketing_consent": false, "status": "active", "custom_data": .null, "locale": "en",
            "created_at": Self.time(customer.createdAt), "updated_at": Self.time(customer.updatedAt), "import_meta": .null,
        ])
    }

    func addressJSON(_ address: Address) -> PaddleJSON {
        .obj([
            "id": .string(address.id), "customer_id": .string(address.customerID), "description": .null,
            "first_line": .null, "second_line": .null, "city": .null, "postal_code": .null, "region": .null,
            "country_code": .string(address.countryCode), "custom_data": .null, "status": "active",
            "created_at": Self.time(address.createdAt), "updated_at": Self.time(address.createdAt), "import_meta": .null,
        ])
    }
}

extension PaddleJSON: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral {
    init(stringLiteral value: String) { self = .string(value) }
    init(booleanLiteral value: Bool) { self = .bool(value) }
}
