import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import ScritorioCore

/// Paddle Billing's REST API, as the closures Scritorio needs (struct-of-closures so tests can stub any one).
public struct PaddleClient: Sendable {
    public var createTransaction: @Sendable (PaddleNewTransaction) async throws -> PaddleTransaction
    public var getTransaction: @Sendable (_ id: String) async throws -> PaddleTransaction
    public var getSubscription: @Sendable (_ id: String) async throws -> PaddleSubscriptionInfo
    /// `immediately == false` cancels at the end of the current billing period (`scheduled_change.action = cancel`).
    public var cancelSubscription: @Sendable (_ id: String, _ immediately: Bool) async throws -> PaddleSubscriptionInfo
    public var createPortalSession: @Sendable (_ customerID: String, _ subscriptionIDs: [String]) async throws -> PaddlePortalSession

    public init(
        createTransaction: @escaping @Sendable (PaddleNewTransaction) async throws -> PaddleTransaction,
        getTransaction: @escaping @Sendable (_ id: String) async throws -> PaddleTransaction,
        getSubscription: @escaping @Sendable (_ id: String) async throws -> PaddleSubscriptionInfo,
        cancelSubscription: @escaping @Sendable (_ id: String, _ immediately: Bool) async throws -> PaddleSubscriptionInfo,
        createPortalSession: @escaping @Sendable (_ customerID: String, _ subscriptionIDs: [String]) async throws -> PaddlePortalSession
    ) {
        self.createTransaction = createTransaction
        self.getTransaction = getTransaction
        self.getSubscription = getSubscription
        self.cancelSubscription = cancelSubscription
        self.createPortalSession = createPortalSession
    }

    /// Talks to `baseURL` (`https://sandbox-api.paddle.com`, `https://api.paddle.com`, or the sandbox fake's
    /// `http://127.0.0.1:…/sandbox/paddle`) with `Authorization: Bearer <apiKey>` and `Paddle-Version: 1`.
    public static func live(baseURL: String, apiKey: String, httpClient: HTTPClient = .shared) -> PaddleClient {
        let transport = PaddleTransport(baseURL: baseURL, apiKey: apiKey, client: httpClient)
        return PaddleClient(
            createTransaction: { new in
                var body: [String: JSONValue] = [
                    "items": .array([.object(["price_id": .string(new.priceID), "quantity": .number(Double(new.quantity))])]),
                    "custom_data": .object(new.customData),
                ]
                if let customerID = new.customerID { body["customer_id"] = .string(customerID) }
                if let url = new.checkoutURL { body["checkout"] = .object(["url": .string(url)]) }
                let raw = try await transport.send(post: true, "/transactions", body: body)
                return try PaddleTransport.transaction(raw)
            },
            getTransaction: { id in
                let raw = try await transport.send(post: false, "/transactions/\(try PaddleTransport.pathID(id))", body: nil)
                return try PaddleTransport.transaction(raw)
            },
            getSubscription: { id in
                let raw = try await transport.send(post: false, "/subscriptions/\(try PaddleTransport.pathID(id))", body: nil)
                return try PaddleTransport.subscription(raw)
            },
            cancelSubscription: { id, immediately in
                let raw = try await transport.send(
                    post: true, "/subscriptions/\(try PaddleTransport.pathID(id))/cancel",
                    body: ["effective_from": .string(immediately ? "immediately" : "next_billing_period")])
                return try PaddleTransport.subscription(raw)
            },
            createPortalSession: { customerID, subscriptionIDs in
                let raw = try await transport.send(
                    post: true, "/customers/\(try PaddleTransport.pathID(customerID))/portal-sessions",
                    body: ["subscription_ids": .array(subscriptionIDs.map { .string($0) })])
                let session = try PaddleTransport.decode(PaddleWirePortalSession.self, raw)
                return PaddlePortalSession(id: session.id, overviewURL: session.urls.general.overview)
            })
    }

    /// A test double whose every call fails.
    public static let unimplemented = PaddleClient(
        createTransaction: { _ in throw PaddleAPIError.transport("unimplemented: PaddleClient.createTransaction") },
        getTransaction: { _ in throw PaddleAPIError.transport("unimplemented: PaddleClient.getTransaction") },
        getSubscription: { _ in throw PaddleAPIError.transport("unimplemented: PaddleClient.getSubscription") },
        cancelSubscription: { _, _ in throw PaddleAPIError.transport("unimplemented: PaddleClient.cancelSubscription") },
        createPortalSession: { _, _ in throw PaddleAPIError.transport("unimplemented: PaddleClient.createPortalSession") })
}

/// One request/answer exchange with Paddle; returns the raw bytes of the answer's `data` member.
struct PaddleTransport: Sendable {
    let baseURL: String
    let apiKey: String
    let client: HTTPClient
    static let timeout: TimeAmount = .seconds(10)
    static let maxBody = 4 << 20

    init(baseURL: String, apiKey: String, client: HTTPClient) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.apiKey = apiKey
        self.client = client
    }

    /// Paddle ids are `prefix_[a-z0-9]+`; anything else would be path injection, so it is refused before sending.
    static func pathID(_ id: String) throws -> String {
        guard !id.isEmpty, id.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }) else {
            throw PaddleAPIError.malformed("not a Paddle id: \(id.prefix(64))")
        }
        return id
    }

    func send(post: Bool, _ path: String, body: [String: JSONValue]?) async throws -> Data {
        let status: Int
        let bytes: [UInt8]
        do {
            (status, bytes) = try await ProviderHTTP.exchange(
                client, url: baseURL + path, method: post ? .POST : .GET, apiKey: apiKey,
                headers: [("Content-Type", "application/json"), ("Accept", "application/json"), ("Paddle-Version", "1")],
                body: body, timeout: Self.timeout, maxBody: Self.maxBody)
        } catch let error as ProviderHTTP.TransportError {
            throw PaddleAPIError.transport(error.description)
        }
        guard (200..<300).contains(status) else {
            if let envelope = try? JSONDecoder().decode(PaddleWireError.self, from: Data(bytes)) {
                throw PaddleAPIError.api(
                    status: status, type: envelope.error.type ?? "", code: envelope.error.code ?? "",
                    detail: envelope.error.detail ?? "")
            }
            throw PaddleAPIError.api(
                status: status, type: "", code: "http_\(status)", detail: String(decoding: bytes.prefix(200), as: UTF8.self))
        }
        guard let range = RawJSON.member("data", in: bytes) else {
            throw PaddleAPIError.malformed("\(post ? "POST" : "GET") \(path) answered \(status) without a data object")
        }
        return Data(bytes[range])
    }

    static func decode<T: Decodable>(_ type: T.Type, _ raw: Data) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: raw)
        } catch {
            throw PaddleAPIError.malformed("\(T.self): \(error)")
        }
    }

    static func transaction(_ raw: Data) throws -> PaddleTransaction {
        let wire = try decode(PaddleWireTransaction.self, raw)
        return PaddleTransaction(
            id: wire.id, status: wire.status, customerID: wire.customer_id, subscriptionID: wire.subscription_id,
            customData: wire.custom_data, checkoutURL: wire.checkout?.url, updatedAt: wire.updated_at, rawData: raw)
    }

    static func subscription(_ raw: Data) throws -> PaddleSubscriptionInfo {
        let wire = try decode(PaddleWireSubscription.self, raw)
        return PaddleSubscriptionInfo(
            id: wire.id, status: wire.status, customerID: wire.customer_id, nextBilledAt: wire.next_billed_at,
            scheduledChangeAction: wire.scheduled_change?.action, scheduledChangeAt: wire.scheduled_change?.effective_at,
            updatePaymentMethodURL: wire.management_urls?.update_payment_method, cancelURL: wire.management_urls?.cancel,
            updatedAt: wire.updated_at, rawData: raw)
    }
}
