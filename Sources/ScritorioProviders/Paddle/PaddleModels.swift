import Foundation
import ScritorioCore

/// What `POST /transactions` is asked to create.
public struct PaddleNewTransaction: Sendable, Equatable {
    public var priceID: String
    public var quantity: Int
    /// Paddle requires an object with at least one key; ours carries `user_id`.
    public var customData: [String: JSONValue]
    /// Kept for the caller's records only: Paddle's create-transaction API has no field for an email (only
    /// `customer_id`), so it is not sent. Prefill the email in Paddle.js on the checkout page instead.
    public var customerEmail: String?
    /// An existing Paddle customer (`ctm_…`); with it the transaction is still `draft` until an address is known.
    public var customerID: String?
    /// Our approved checkout page; Paddle appends `?_ptxn=txn_…`. Nil uses the account's default payment link.
    public var checkoutURL: String?

    public init(
        priceID: String, quantity: Int = 1, customData: [String: JSONValue], customerEmail: String? = nil,
        customerID: String? = nil, checkoutURL: String? = nil
    ) {
        self.priceID = priceID
        self.quantity = quantity
        self.customData = customData
        self.customerEmail = customerEmail
        self.customerID = customerID
        self.checkoutURL = checkoutURL
    }
}

/// The fields of a Paddle transaction Scritorio reads, plus the raw `data` object.
public struct PaddleTransaction: Sendable, Equatable {
    public var id: String
    public var status: String
    public var customerID: String?
    public var subscriptionID: String?
    public var customData: [String: JSONValue]?
    public var checkoutURL: String?
    public var updatedAt: String?
    /// The raw `data` object bytes exactly as received.
    public var rawData: Data

    public init(
        id: String, status: String, customerID: String?, subscriptionID: String?, customData: [String: JSONValue]?,
        checkoutURL: String?, updatedAt: String?, rawData: Data
    ) {
        self.id = id
        self.status = status
        self.customerID = customerID
        self.subscriptionID = subscriptionID
        self.customData = customData
        self.checkoutURL = checkoutURL
        self.updatedAt = updatedAt
        self.rawData = rawData
    }
}

/// The fields of a Paddle subscription Scritorio reads (API answers include `management_urls`), plus the raw `data`.
public struct PaddleSubscriptionInfo: Sendable, Equatable {
    public var id: String
    public var status: String
    public var customerID: String?
    public var nextBilledAt: String?
    public var scheduledChangeAction: String?
    public var scheduledChangeAt: String?
    public var updatePaymentMethodURL: String?
    public var cancelURL: String?
    public var updatedAt: String?
    /// The raw `data` object bytes exactly as received.
    public var rawData: Data

    public init(
        id: String, status: String, customerID: String?, nextBilledAt: String?, scheduledChangeAction: String?,
        scheduledChangeAt: String?, updatePaymentMethodURL: String?, cancelURL: String?, updatedAt: String?, rawData: Data
    ) {
        self.id = id
        self.status = status
        self.customerID = customerID
        self.nextBilledAt = nextBilledAt
        self.scheduledChangeAction = scheduledChangeAction
        self.scheduledChangeAt = scheduledChangeAt
        self.updatePaymentMethodURL = updatePaymentMethodURL
        self.cancelURL = cancelURL
        self.updatedAt = updatedAt
        self.rawData = rawData
    }
}

/// A customer portal session (`cpls_…`): `overviewURL` is the authenticated link to send the buyer to.
public struct PaddlePortalSession: Sendable, Equatable {
    public var id: String
    public var overviewURL: String

    public init(id: String, overviewURL: String) {
        self.id = id
        self.overviewURL = overviewURL
    }
}

/// Why a Paddle API call failed. Descriptions never contain the API key (it is never put into one).
public enum PaddleAPIError: Error, Equatable, CustomStringConvertible {
    /// Paddle answered with its error envelope `{error:{type, code, detail}}` (or a non-2xx without one).
    case api(status: Int, type: String, code: String, detail: String)
    /// The request did not complete (connection, TLS, timeout).
    case transport(String)
    /// A 2xx answer that is not the expected shape, or an argument that cannot be sent.
    case malformed(String)

    public var description: String {
        switch self {
        case .api(let status, let type, let code, let detail): "Paddle API \(status) \(type)/\(code): \(detail)"
        case .transport(let message): "Paddle API unreachable: \(message)"
        case .malformed(let message): "Paddle API answer malformed: \(message)"
        }
    }
}

// MARK: - Wire shapes (decoding only)

struct PaddleWireTransaction: Decodable {
    struct Checkout: Decodable { var url: String? }
    var id: String
    var status: String
    var customer_id: String?
    var subscription_id: String?
    var custom_data: [String: JSONValue]?
    var checkout: Checkout?
    var updated_at: String?
}

struct PaddleWireSubscription: Decodable {
    struct ScheduledChange: Decodable { var action: String?; var effective_at: String? }
    struct ManagementURLs: Decodable { var update_payment_method: String?; var cancel: String? }
    var id: String
    var status: String
    var customer_id: String?
    var next_billed_at: String?
    var scheduled_change: ScheduledChange?
    var management_urls: ManagementURLs?
    var updated_at: String?
}

struct PaddleWirePortalSession: Decodable {
    struct General: Decodable { var overview: String }
    struct URLs: Decodable { var general: General }
    var id: String
    var urls: URLs
}

struct PaddleWireError: Decodable {
    struct Body: Decodable { var type: String?; var code: String?; var detail: String? }
    var error: Body
}
