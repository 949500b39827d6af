import Foundation

/// Decodes Paddle Billing notifications (`{event_id, event_type, occurred_at, data}`) into `BillingEvent`s.
public enum PaddleEventDecoder {
    /// Why a stored body could not be read.
    public enum Failure: Error, Equatable {
        case notANotification
        case badData(String)
    }

    public struct Envelope: Decodable, Sendable {
        public var event_id: String
        public var event_type: String
        public var occurred_at: String
    }

    struct Price: Decodable { var id: String? }
    struct Item: Decodable { var price: Price?; var trial_dates: Period? }
    struct Period: Decodable { var starts_at: String?; var ends_at: String? }
    struct ScheduledChange: Decodable { var action: String?; var effective_at: String? }
    struct Totals: Decodable { var grand_total: String?; var total: String?; var currency_code: String? }
    struct Details: Decodable { var totals: Totals? }

    struct SubscriptionData: Decodable {
        var id: String
        var status: String
        var customer_id: String?
        var custom_data: [String: JSONValue]?
        var items: [Item]?
        var current_billing_period: Period?
        var scheduled_change: ScheduledChange?
        var canceled_at: String?
    }

    struct TransactionData: Decodable {
        var id: String
        var status: String
        var customer_id: String?
        var subscription_id: String?
        var custom_data: [String: JSONValue]?
        var items: [Item]?
        var details: Details?
        var currency_code: String?
    }

    struct CustomerData: Decodable {
        var id: String
        var email: String?
    }

    struct Notification<DataType: Decodable>: Decodable {
        var data: DataType
    }

    /// Reads an object from Paddle's API (`data` of `GET /transactions/{id}` etc.) as if it came in a
    /// notification of `eventType`, so API answers and webhooks share one interpretation.
    public static func decode(apiObject raw: Data, eventType: String, occurredAt: String, mode: BillingMode) throws(Failure) -> BillingEvent {
        var envelope = Data(#"{"event_id":"api","event_type":"\#(eventType)","occurred_at":"\#(occurredAt)","data":"#.utf8)
        envelope.append(raw)
        envelope.append(contentsOf: Array("}".utf8))
        return try decode(envelope, mode: mode).event
    }

    /// A trialing subscription's trial end: the latest of its items' `trial_dates.ends_at`, else the billing period's end.
    static func trialEnd(_ data: SubscriptionData) -> Date? {
        guard data.status == "trialing" else { return nil }
        let ends = (data.items ?? []).compactMap { $0.trial_dates?.ends_at.flatMap(RFC3339.parse) }
        return ends.max() ?? data.current_billing_period?.ends_at.flatMap(RFC3339.parse)
    }

    /// Decodes `body` (a stored raw notification) received in `mode`.
    public static func decode(_ body: Data, mode: BillingMode) throws(Failure) -> (envelope: Envelope, occurredAt: Date, event: BillingEvent) {
        let decoder = JSONDecoder()
        guard let envelope = try? decoder.decode(Envelope.self, from: body), let occurredAt = RFC3339.parse(envelope.occurred_at) else {
            throw .notANotification
        }
        let family = envelope.event_type.split(separator: ".").first.map(String.init) ?? ""
        do {
            switch family {
            case "subscription":
                let data = try decoder.decode(Notification<SubscriptionData>.self, from: body).data
                let scheduledCancel = data.scheduled_change?.action == "cancel"
                    ? data.scheduled_change?.effective_at.flatMap(RFC3339.parse) : nil
                return (envelope, occurredAt, .subscription(SubscriptionChange(
                    provider: .paddle, mode: mode, subscriptionID: data.id, customerID: data.customer_id,
                    userID: userID(fromCustomData: data.custom_data),
                    status: SubscriptionStatus(provider: .paddle, status: data.status),
                    priceIDs: (data.items ?? []).compactMap { $0.price?.id },
                    currentPeriodStart: data.current_billing_period?.starts_at.flatMap(RFC3339.parse),
                    currentPeriodEnd: data.current_billing_period?.ends_at.flatMap(RFC3339.parse),
                    scheduledCancelAt: scheduledCancel, canceledAt: data.canceled_at.flatMap(RFC3339.parse),
                    occurredAt: occurredAt, trialEndsAt: trialEnd(data))))
            case "transaction":
                let data = try decoder.decode(Notification<TransactionData>.self, from: body).data
                let totals = data.details?.totals
                return (envelope, occurredAt, .order(OrderChange(
                    provider: .paddle, mode: mode, orderID: data.id, customerID: data.customer_id,
                    subscriptionID: data.subscription_id, userID: userID(fromCustomData: data.custom_data),
                    status: OrderStatus(rawValue: data.status), priceIDs: (data.items ?? []).compactMap { $0.price?.id },
                    currency: totals?.currency_code ?? data.currency_code,
                    totalMinor: (totals?.grand_total ?? totals?.total).flatMap { Int64($0) }, occurredAt: occurredAt)))
            case "customer":
                let data = try decoder.decode(Notification<CustomerData>.self, from: body).data
                return (envelope, occurredAt, .customer(CustomerChange(
                    provider: .paddle, mode: mode, customerID: data.id, email: data.email.flatMap(EmailAddress.normalize),
                    occurredAt: occurredAt)))
            default:
                return (envelope, occurredAt, .ignored(type: envelope.event_type))
            }
        } catch {
            throw .badData("\(envelope.event_type): \(error)")
        }
    }
}
