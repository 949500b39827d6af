import Foundation

/// Decodes Lemon Squeezy webhooks (`{meta:{test_mode, event_name, custom_data}, data:{type, id, attributes}}`) and
/// API objects into provider-neutral `BillingEvent`s.
///
/// Lemon Squeezy sends no event id and no event time: each object's `attributes.updated_at` orders its states,
/// and ids are strings in `data.id` but integers inside `attributes` (both are read as strings).
public enum LemonSqueezyEventDecoder {
    /// Why a stored body could not be read.
    public enum Failure: Error, Equatable {
        case notAWebhook
        case badData(String)
    }

    /// What a body says, beyond the events: its name, its mode and the object's time.
    public struct Decoded: Sendable, Equatable {
        public var eventName: String
        /// `meta.test_mode`: test-mode events never touch live state and the reverse.
        public var mode: BillingMode
        /// `data.attributes.updated_at` of the object.
        public var updatedAt: Date
        public var objectType: String
        public var objectID: String
        /// `meta.custom_data`, as sent (only webhooks carry it).
        public var customData: [String: JSONValue]?
        /// The buyer as a customer, with the email used to find the user when no user id came.
        public var customer: CustomerChange?
        /// The object itself.
        public var event: BillingEvent

        /// The order to apply in: with a user id, the object first (it links the customer to that user, which a
        /// later email match never overrides); without one, the customer first, so its email can find the user.
        public var events: [BillingEvent] {
            guard let customer else { return [event] }
            return hasUser ? [event, .customer(customer)] : [.customer(customer), event]
        }

        /// Whether `custom_data` named a user.
        public var hasUser: Bool { userID(fromCustomData: customData) != nil }
    }

    /// The envelope fields the ingest needs.
    public struct Envelope: Decodable, Sendable {
        public struct Meta: Decodable, Sendable {
            public var event_name: String
            public var test_mode: Bool?
            public var custom_data: [String: JSONValue]?
        }
        public struct Object: Decodable, Sendable {
            public struct Times: Decodable, Sendable {
                public var updated_at: String?
                public var test_mode: Bool?
            }
            public var type: String
            public var id: String
            public var attributes: Times?
        }
        public var meta: Meta
        public var data: Object

        /// The body's mode: `meta.test_mode`, else the object's own `test_mode`.
        public var mode: BillingMode { (meta.test_mode ?? data.attributes?.test_mode ?? false) ? .test : .live }
        public var updatedAt: Date? { data.attributes?.updated_at.flatMap(RFC3339.parse) }
    }

    /// Lemon Squeezy ids are strings at the top and integers in attributes; either is read as text.
    struct FlexibleID: Decodable, Equatable {
        var text: String
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let number = try? container.decode(Int64.self) {
                text = String(number)
            } else {
                text = try container.decode(String.self)
            }
        }
    }

    struct OrderItem: Decodable {
        var product_id: FlexibleID?
        var variant_id: FlexibleID?
    }

    struct OrderAttributes: Decodable {
        var customer_id: FlexibleID?
        var user_email: String?
        var status: String
        var currency: String?
        var total: Int64?
        var first_order_item: OrderItem?
        var updated_at: String
    }

    struct Pause: Decodable {
        var mode: String?
        var resumes_at: String?
    }

    struct SubscriptionAttributes: Decodable {
        var customer_id: FlexibleID?
        var order_id: FlexibleID?
        var variant_id: FlexibleID?
        var user_email: String?
        var status: String
        var pause: Pause?
        var renews_at: String?
        var ends_at: String?
        var trial_ends_at: String?
        var updated_at: String
    }

    struct InvoiceAttributes: Decodable {
        var subscription_id: FlexibleID?
        var customer_id: FlexibleID?
        var user_email: String?
        var billing_reason: String?
        var status: String
        var currency: String?
        var total: Int64?
        var updated_at: String
    }

    struct LicenseAttributes: Decodable {
        var store_id: FlexibleID?
        var customer_id: FlexibleID?
        var order_id: FlexibleID?
        var product_id: FlexibleID?
        var user_name: String?
        var user_email: String?
        var key: String
        var activation_limit: Int?
        var status: String
        var expires_at: String?
        var updated_at: String
    }

    struct Body<Attributes: Decodable>: Decodable {
        struct Object: Decodable { var id: String; var attributes: Attributes }
        var data: Object
    }

    /// Decodes a stored raw webhook body.
    public static func decode(_ body: Data) throws(Failure) -> Decoded {
        let decoder = JSONDecoder()
        guard let envelope = try? decoder.decode(Envelope.self, from: body) else { throw .notAWebhook }
        // Objects Scritorio acts on must say when they changed; others are kept and ignored whatever they carry.
        let known = ["orders", "subscriptions", "subscription-invoices", "license-keys"].contains(envelope.data.type)
        guard let updatedAt = envelope.updatedAt ?? (known ? nil : Date(timeIntervalSince1970: 0)) else { throw .notAWebhook }
        let mode = envelope.mode
        let user = userID(fromCustomData: envelope.meta.custom_data)
        var decoded = Decoded(
            eventName: envelope.meta.event_name, mode: mode, updatedAt: updatedAt, objectType: envelope.data.type,
            objectID: envelope.data.id, customData: envelope.meta.custom_data, customer: nil,
            event: .ignored(type: envelope.meta.event_name))
        func customer(_ id: FlexibleID?, _ email: String?) -> CustomerChange? {
            id.map {
                CustomerChange(
                    provider: .lemonSqueezy, mode: mode, customerID: $0.text, email: email.flatMap(EmailAddress.normalize),
                    occurredAt: updatedAt)
            }
        }
        do {
            switch envelope.data.type {
            case "orders":
                let order = try decoder.decode(Body<OrderAttributes>.self, from: body).data
                let a = order.attributes
                decoded.customer = customer(a.customer_id, a.user_email)
                decoded.event = .order(OrderChange(
                    provider: .lemonSqueezy, mode: mode, orderID: order.id, customerID: a.customer_id?.text, subscriptionID: nil,
                    userID: user, status: OrderStatus(rawValue: a.status), priceIDs: [a.first_order_item?.variant_id?.text].compactMap { $0 },
                    currency: a.currency, totalMinor: a.total, occurredAt: updatedAt))
            case "subscriptions":
                let subscription = try decoder.decode(Body<SubscriptionAttributes>.self, from: body).data
                decoded.customer = customer(subscription.attributes.customer_id, subscription.attributes.user_email)
                decoded.event = .subscription(change(subscription.id, subscription.attributes, user: user, mode: mode, at: updatedAt))
            case "subscription-invoices":
                let invoice = try decoder.decode(Body<InvoiceAttributes>.self, from: body).data
                let a = invoice.attributes
                // The first payment is also an order: counting its invoice too would count it twice.
                guard a.billing_reason != "initial" else {
                    decoded.event = .ignored(type: "\(envelope.meta.event_name) (initial invoice: recorded by its order)")
                    return decoded
                }
                decoded.customer = customer(a.customer_id, a.user_email)
                decoded.event = .order(OrderChange(
                    provider: .lemonSqueezy, mode: mode, orderID: invoiceOrderID(invoice.id), customerID: a.customer_id?.text,
                    subscriptionID: a.subscription_id?.text, userID: user, status: OrderStatus(rawValue: a.status), priceIDs: [], currency: a.currency,
                    totalMinor: a.total, occurredAt: updatedAt))
            case "license-keys":
                let key = try decoder.decode(Body<LicenseAttributes>.self, from: body).data
                let a = key.attributes
                decoded.customer = customer(a.customer_id, a.user_email)
                decoded.event = .license(LicenseKeyChange(
                    provider: .lemonSqueezy, mode: mode, providerLicenseID: key.id, key: a.key,
                    status: LicenseStatus(rawValue: a.status), activationLimit: a.activation_limit,
                    expiresAt: a.expires_at.flatMap(RFC3339.parse), providerUpdatedAt: updatedAt,
                    customerID: a.customer_id?.text, orderID: a.order_id?.text, storeID: a.store_id?.text,
                    productID: a.product_id?.text, customerName: a.user_name, userID: user,
                    email: a.user_email.flatMap(EmailAddress.normalize)))
            default:
                break
            }
        } catch {
            throw .badData("\(envelope.meta.event_name): \(error)")
        }
        return decoded
    }

    /// Reads a subscription object from Lemon Squeezy's API (`data` of `GET /v1/subscriptions/{id}`, or one element
    /// of a list) as a
    /// `subscription_updated` webhook would carry it, after its customer (with the buyer's email). The API never
    /// returns `custom_data`: the user comes from what is stored, or from the one account with that email.
    public static func decode(apiSubscription raw: Data, mode: BillingMode) throws(Failure) -> [BillingEvent] {
        guard let object = try? JSONDecoder().decode(Body<SubscriptionAttributes>.Object.self, from: raw),
            let at = RFC3339.parse(object.attributes.updated_at)
        else { throw .badData("not a subscription") }
        let subscription = BillingEvent.subscription(change(object.id, object.attributes, user: nil, mode: mode, at: at))
        guard let customer = object.attributes.customer_id else { return [subscription] }
        return [.customer(CustomerChange(
            provider: .lemonSqueezy, mode: mode, customerID: customer.text,
            email: object.attributes.user_email.flatMap(EmailAddress.normalize), occurredAt: at)), subscription]
    }

    /// `attributes.urls.customer_portal` of an API subscription object (signed by Lemon Squeezy, valid for a day).
    public static func customerPortalURL(apiSubscription raw: Data) -> String? {
        struct Object: Decodable {
            struct Attributes: Decodable { struct URLs: Decodable { var customer_portal: String? }; var urls: URLs? }
            var attributes: Attributes
        }
        return (try? JSONDecoder().decode(Object.self, from: raw))?.attributes.urls?.customer_portal
    }

    /// The `orders` id under which a subscription invoice is kept (ids of the two kinds may collide).
    public static func invoiceOrderID(_ id: String) -> String { "invoice_" + id }

    static func change(_ id: String, _ a: SubscriptionAttributes, user: UserID?, mode: BillingMode, at: Date) -> SubscriptionChange {
        let status = SubscriptionStatus(provider: .lemonSqueezy, status: a.status)
        let endsAt = a.ends_at.flatMap(RFC3339.parse)
        return SubscriptionChange(
            provider: .lemonSqueezy, mode: mode, subscriptionID: id, customerID: a.customer_id?.text, userID: user,
            status: status, priceIDs: [a.variant_id?.text].compactMap { $0 }, currentPeriodStart: nil,
            currentPeriodEnd: a.renews_at.flatMap(RFC3339.parse) ?? (status == .trialing ? a.trial_ends_at.flatMap(RFC3339.parse) : nil),
            // A cancelled subscription keeps access until `ends_at`; the access rule reads it as the end.
            scheduledCancelAt: nil, canceledAt: endsAt, occurredAt: at,
            pausedWithAccess: status == .paused && a.pause?.mode == "free", firstOrderID: a.order_id?.text,
            trialEndsAt: status == .trialing ? a.trial_ends_at.flatMap(RFC3339.parse) : nil)
    }
}
