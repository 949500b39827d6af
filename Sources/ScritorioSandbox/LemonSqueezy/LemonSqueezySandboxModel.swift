import Foundation
import ScritorioAPI
import ScritorioCore

/// The fake's records and how they look on the wire (Lemon Squeezy's JSON:API objects: string `id` at the top,
/// integer ids inside `attributes`, microsecond dates).
struct LemonSqueezySandboxState: Sendable {
    struct Checkout: Sendable {
        var id: String
        var variantID: String
        var email: String?
        var custom: [String: JSONValue]
        var testMode: Bool
        var url: String
        var createdAt: Date
        var orderID: Int?
    }

    struct Customer: Sendable {
        var id: Int
        var email: String
        var name: String
    }

    struct Order: Sendable {
        var id: Int
        var identifier: String
        var customerID: Int
        var variantID: String
        var status: String
        var total: Int
        var refundedAt: Date?
        var custom: [String: JSONValue]
        var createdAt: Date
        var updatedAt: Date
    }

    struct Pause: Sendable {
        var mode: String
        var resumesAt: Date?
    }

    struct Subscription: Sendable {
        var id: Int
        var orderID: Int
        var orderItemID: Int
        var customerID: Int
        var variantID: String
        var status: String
        var cancelled: Bool
        var pause: Pause?
        var renewsAt: Date
        var endsAt: Date?
        var custom: [String: JSONValue]
        var createdAt: Date
        var updatedAt: Date
    }

    struct Invoice: Sendable {
        var id: Int
        var subscriptionID: Int
        var customerID: Int
        var billingReason: String
        var status: String
        var total: Int
        var refundedAt: Date?
        var createdAt: Date
        var updatedAt: Date
    }

    struct Instance: Sendable {
        var id: String
        var name: String
        var createdAt: Date
    }

    struct LicenseKey: Sendable {
        var id: Int
        var key: String
        var orderID: Int
        var orderItemID: Int
        var customerID: Int
        var variantID: String
        var activationLimit: Int?
        var status: String
        var expiresAt: Date?
        var instances: [Instance]
        var custom: [String: JSONValue]
        var createdAt: Date
        var updatedAt: Date
    }

    /// A webhook to send: the name, the object as it was at that moment, and the checkout's custom data.
    struct Event: Sendable {
        var name: String
        var data: PaddleJSON
        var customData: [String: JSONValue]?
        var webhookID: String
    }

    /// Lemon Squeezy's ids are unique across its whole platform; a random start keeps two fakes (two servers on one
    /// database, a restart) from handing out the same ids.
    var nextID = Int.random(in: 100...999_999) * 1000
    var lastStamp = Date(timeIntervalSince1970: 0)
    var checkouts: [String: Checkout] = [:]
    var customers: [Int: Customer] = [:]
    var orders: [Int: Order] = [:]
    var subscriptions: [Int: Subscription] = [:]
    var invoices: [Int: Invoice] = [:]
    var licenseKeys: [Int: LicenseKey] = [:]

    mutating func newID() -> Int {
        nextID += 1
        return nextID
    }

    /// A strictly increasing time near `now`, so the states of one object order by `updated_at`.
    mutating func stamp(_ now: Date) -> Date {
        lastStamp = max(now, lastStamp.addingTimeInterval(0.001))
        return lastStamp
    }

    static let api = "https://api.lemonsqueezy.com/v1/"

    static func time(_ date: Date?) -> PaddleJSON { date.map { .string(WireDate.format($0)) } ?? .null }

    static func money(_ cents: Int) -> String { String(format: "$%d.%02d", cents / 100, cents % 100) }

    /// `{type, id, attributes, relationships, links}` with links to the related objects, as Lemon Squeezy writes them.
    static func resource(_ type: String, _ id: Int, _ attributes: PaddleJSON, related: [String]) -> PaddleJSON {
        let base = api + type + "/" + String(id)
        var relationships: [PaddleJSON.Member] = []
        for name in related {
            relationships.append(PaddleJSON.Member(key: name, value: .obj([
                "links": .obj(["related": .string(base + "/" + name), "self": .string(base + "/relationships/" + name)]),
            ])))
        }
        return .obj([
            "type": .string(type), "id": .string(String(id)), "attributes": attributes,
            "relationships": .object(relationships), "links": .obj(["self": .string(base)]),
        ])
    }

    func variant(_ id: String) -> (name: String, price: Int, months: Int) {
        LemonSqueezySandbox.variants[id] ?? ("Unknown", 0, 1)
    }

    func orderJSON(_ order: Order) -> PaddleJSON {
        let customer = customers[order.customerID]
        let variant = variant(order.variantID)
        let status = order.status
        return Self.resource("orders", order.id, .obj([
            "store_id": .int(Int(LemonSqueezySandbox.storeID)!), "customer_id": .int(order.customerID),
            "identifier": .string(order.identifier), "order_number": .int(order.id), "user_name": .str(customer?.name),
            "user_email": .str(customer?.email), "currency": "USD", "currency_rate": "1.00000000", "subtotal": .int(order.total),
            "setup_fee": .int(0), "discount_total": .int(0), "tax": .int(0), "total": .int(order.total),
            "refunded_amount": .int(order.refundedAt == nil ? 0 : order.total), "subtotal_usd": .int(order.total),
            "total_usd": .int(order.total), "tax_name": .null, "tax_rate": "0.00", "tax_inclusive": .bool(false),
            "status": .string(status), "status_formatted": .string(status.capitalized),
            "refunded": .bool(order.refundedAt != nil), "refunded_at": Self.time(order.refundedAt),
            "subtotal_formatted": .string(Self.money(order.total)), "total_formatted": .string(Self.money(order.total)),
            "first_order_item": .obj([
                "id": .int(order.id + 1), "order_id": .int(order.id), "product_id": .int(52000),
                "variant_id": .int(Int(order.variantID) ?? 0), "price_id": .int(Int(order.variantID).map { $0 + 100_000 } ?? 0),
                "product_name": "Scritorio Pro", "variant_name": .string(variant.name), "price": .int(variant.price),
                "quantity": .int(1), "created_at": Self.time(order.createdAt), "updated_at": Self.time(order.createdAt),
                "test_mode": .bool(true),
            ]),
            "urls": .obj(["receipt": .string("https://app.lemonsqueezy.com/my-orders/\(order.identifier)?signature=\(Self.signature(order.identifier))")]),
            "created_at": Self.time(order.createdAt), "updated_at": Self.time(order.updatedAt), "test_mode": .bool(true),
        ]), related: ["store", "customer", "order-items", "subscriptions", "license-keys", "discount-redemptions"])
    }

    func subscriptionJSON(_ sub: Subscription) -> PaddleJSON {
        let customer = customers[sub.customerID]
        let variant = variant(sub.variantID)
        let portal = "https://\(LemonSqueezySandbox.storeSlug).lemonsqueezy.com/billing?expires=\(Int(sub.updatedAt.timeIntervalSince1970) + 86_400)"
        let formatted: String = switch sub.status {
        case "on_trial": "On Trial"
        case "past_due": "Past Due"
        default: sub.status.capitalized
        }
        return Self.resource("subscriptions", sub.id, .obj([
            "store_id": .int(Int(LemonSqueezySandbox.storeID)!), "customer_id": .int(sub.customerID), "order_id": .int(sub.orderID),
            "order_item_id": .int(sub.orderItemID), "product_id": .int(52000), "variant_id": .int(Int(sub.variantID) ?? 0),
            "product_name": "Scritorio Pro", "variant_name": .string(variant.name), "user_name": .str(customer?.name),
            "user_email": .str(customer?.email), "status": .string(sub.status), "status_formatted": .string(formatted),
            "card_brand": "visa", "card_last_four": "4242", "payment_processor": "stripe",
            "pause": sub.pause.map { .obj(["mode": .string($0.mode), "resumes_at": Self.time($0.resumesAt)]) } ?? .null,
            "cancelled": .bool(sub.cancelled), "trial_ends_at": .null,
            "billing_anchor": .int(Calendar(identifier: .gregorian).component(.day, from: sub.createdAt)),
            "first_subscription_item": .obj([
                "id": .int(sub.id + 1), "subscription_id": .int(sub.id), "price_id": .int((Int(sub.variantID) ?? 0) + 100_000),
                "quantity": .int(1), "is_usage_based": .bool(false), "created_at": Self.time(sub.createdAt),
                "updated_at": Self.time(sub.updatedAt),
            ]),
            "urls": .obj([
                "update_payment_method": .string(portal + "&user=\(sub.customerID)&subscription=\(sub.id)&signature=\(Self.signature("upm\(sub.id)"))"),
                "customer_portal": .string(portal + "&user=\(sub.customerID)&signature=\(Self.signature("cp\(sub.id)"))"),
                "customer_portal_update_subscription": .string(
                    portal + "&user=\(sub.customerID)&subscription=\(sub.id)&signature=\(Self.signature("cpu\(sub.id)"))"),
            ]),
            "renews_at": Self.time(sub.renewsAt), "ends_at": Self.time(sub.endsAt), "created_at": Self.time(sub.createdAt),
            "updated_at": Self.time(sub.updatedAt), "test_mode": .bool(true),
        ]), related: ["store", "customer", "order", "order-item", "product", "variant", "subscription-items", "subscription-invoices"])
    }

    func invoiceJSON(_ invoice: Invoice) -> PaddleJSON {
        let customer = customers[invoice.customerID]
        return Self.resource("subscription-invoices", invoice.id, .obj([
            "store_id": .int(Int(LemonSqueezySandbox.storeID)!), "subscription_id": .int(invoice.subscriptionID),
            "customer_id": .int(invoice.customerID), "user_name": .str(customer?.name), "user_email": .str(customer?.email),
            "billing_reason": .string(invoice.billingReason), "card_brand": "visa", "card_last_four": "4242", "currency": "USD",
            "currency_rate": "1.00000000", "status": .string(invoice.status),
            "status_formatted": .string(invoice.status.replacingOccurrences(of: "_", with: " ").capitalized),
            "refunded": .bool(invoice.refundedAt != nil), "refunded_at": Self.time(invoice.refundedAt),
            "subtotal": .int(invoice.total), "discount_total": .int(0), "tax": .int(0), "tax_inclusive": .bool(false),
            "total": .int(invoice.total), "refunded_amount": .int(invoice.refundedAt == nil ? 0 : invoice.total),
            "subtotal_usd": .int(invoice.total), "total_usd": .int(invoice.total),
            "subtotal_formatted": .string(Self.money(invoice.total)), "total_formatted": .string(Self.money(invoice.total)),
            "urls": .obj(["invoice_url": .string("https://app.lemonsqueezy.com/my-orders/invoice/\(invoice.id)?signature=\(Self.signature("inv\(invoice.id)"))")]),
            "created_at": Self.time(invoice.createdAt), "updated_at": Self.time(invoice.updatedAt), "test_mode": .bool(true),
        ]), related: ["store", "subscription", "customer"])
    }

    func licenseJSON(_ key: LicenseKey) -> PaddleJSON {
        let customer = customers[key.customerID]
        return Self.resource("license-keys", key.id, .obj([
            "store_id": .int(Int(LemonSqueezySandbox.storeID)!), "customer_id": .int(key.customerID), "order_id": .int(key.orderID),
            "order_item_id": .int(key.orderItemID), "product_id": .int(52000), "user_name": .str(customer?.name),
            "user_email": .str(customer?.email), "key": .string(key.key), "key_short": .string("XXXX-" + key.key.suffix(12)),
            "activation_limit": key.activationLimit.map(PaddleJSON.int) ?? .null, "instances_count": .int(key.instances.count),
            "disabled": .bool(key.status == "disabled"), "status": .string(key.status), "status_formatted": .string(key.status.capitalized),
            "expires_at": Self.time(key.expiresAt), "created_at": Self.time(key.createdAt), "updated_at": Self.time(key.updatedAt),
            "test_mode": .bool(true),
        ]), related: ["store", "customer", "order", "order-item", "product", "license-key-instances"])
    }

    /// The stand-in for Lemon Squeezy's URL signatures (only their shape matters).
    static func signature(_ text: String) -> String {
        LemonSqueezySignature.signature(body: Array(text.utf8), secret: "sandbox-url-signing").prefix(64).description
    }
}
