import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import ScritorioCore

/// A checkout to create: who buys which variant in which store, and what comes back in webhooks' `custom_data`.
public struct LemonSqueezyNewCheckout: Sendable, Equatable {
    public var storeID: String
    public var variantID: String
    public var email: String?
    /// `checkout_data.custom`: returned as `meta.custom_data` in every webhook of the purchase.
    public var custom: [String: String]
    public var redirectURL: String?
    public var testMode: Bool

    public init(storeID: String, variantID: String, email: String?, custom: [String: String], redirectURL: String?, testMode: Bool) {
        self.storeID = storeID
        self.variantID = variantID
        self.email = email
        self.custom = custom
        self.redirectURL = redirectURL
        self.testMode = testMode
    }
}

/// A created checkout: its id (a UUID) and the hosted page the buyer opens.
public struct LemonSqueezyCheckout: Sendable, Equatable {
    public var id: String
    public var url: String

    public init(id: String, url: String) {
        self.id = id
        self.url = url
    }
}

/// A subscription as the API returns it: the raw `data` object (read by `LemonSqueezyEventDecoder`) and its id.
public struct LemonSqueezySubscriptionObject: Sendable, Equatable {
    public var id: String
    public var rawData: Data

    public init(id: String, rawData: Data) {
        self.id = id
        self.rawData = rawData
    }
}

/// One page of `GET /v1/subscriptions`.
public struct LemonSqueezySubscriptionPage: Sendable, Equatable {
    public var subscriptions: [LemonSqueezySubscriptionObject]
    public var lastPage: Int

    public init(subscriptions: [LemonSqueezySubscriptionObject], lastPage: Int) {
        self.subscriptions = subscriptions
        self.lastPage = lastPage
    }
}

/// Why a Lemon Squeezy call failed. Descriptions never contain the API key.
public enum LemonSqueezyAPIError: Error, Equatable, CustomStringConvertible {
    /// Lemon Squeezy answered with its JSON:API error list (or a non-2xx without one).
    case api(status: Int, detail: String)
    case transport(String)
    case malformed(String)

    public var description: String {
        switch self {
        case .api(let status, let detail): "Lemon Squeezy API \(status): \(detail)"
        case .transport(let message): "Lemon Squeezy API unreachable: \(message)"
        case .malformed(let message): "Lemon Squeezy API answer malformed: \(message)"
        }
    }
}

/// Lemon Squeezy's REST API (JSON:API), as the closures Scritorio needs.
public struct LemonSqueezyClient: Sendable {
    public var createCheckout: @Sendable (LemonSqueezyNewCheckout) async throws -> LemonSqueezyCheckout
    public var getSubscription: @Sendable (_ id: String) async throws -> LemonSqueezySubscriptionObject
    /// `GET /v1/subscriptions?filter[store_id]=…&page[number]=…&page[size]=100`.
    public var listSubscriptions: @Sendable (_ storeID: String, _ page: Int) async throws -> LemonSqueezySubscriptionPage
    /// `DELETE /v1/subscriptions/{id}`: cancelled, with access until `ends_at`.
    public var cancelSubscription: @Sendable (_ id: String) async throws -> LemonSqueezySubscriptionObject

    public init(
        createCheckout: @escaping @Sendable (LemonSqueezyNewCheckout) async throws -> LemonSqueezyCheckout,
        getSubscription: @escaping @Sendable (_ id: String) async throws -> LemonSqueezySubscriptionObject,
        listSubscriptions: @escaping @Sendable (_ storeID: String, _ page: Int) async throws -> LemonSqueezySubscriptionPage,
        cancelSubscription: @escaping @Sendable (_ id: String) async throws -> LemonSqueezySubscriptionObject
    ) {
        self.createCheckout = createCheckout
        self.getSubscription = getSubscription
        self.listSubscriptions = listSubscriptions
        self.cancelSubscription = cancelSubscription
    }

    /// Talks to `baseURL` (`https://api.lemonsqueezy.com` or the sandbox fake) with `Authorization: Bearer <apiKey>`
    /// and JSON:API media types.
    public static func live(baseURL: String, apiKey: String, httpClient: HTTPClient = .shared) -> LemonSqueezyClient {
        let transport = LemonSqueezyTransport(baseURL: baseURL, apiKey: apiKey, client: httpClient)
        return LemonSqueezyClient(
            createCheckout: { new in
                var checkoutData: [String: JSONValue] = ["custom": .object(new.custom.mapValues { .string($0) })]
                if let email = new.email { checkoutData["email"] = .string(email) }
                var attributes: [String: JSONValue] = [
                    "checkout_data": .object(checkoutData), "test_mode": .bool(new.testMode),
                    "checkout_options": .object(["embed": .bool(false)]),
                ]
                if let redirect = new.redirectURL { attributes["product_options"] = .object(["redirect_url": .string(redirect)]) }
                let body: JSONValue = .object(["data": .object([
                    "type": .string("checkouts"), "attributes": .object(attributes),
                    "relationships": .object([
                        "store": .object(["data": .object(["type": .string("stores"), "id": .string(new.storeID)])]),
                        "variant": .object(["data": .object(["type": .string("variants"), "id": .string(new.variantID)])]),
                    ]),
                ])])
                let data = try await transport.send("POST", "/v1/checkouts", body: body)
                struct Wire: Decodable { struct A: Decodable { var url: String }; var id: String; var attributes: A }
                let wire = try LemonSqueezyTransport.decode(Wire.self, data)
                return LemonSqueezyCheckout(id: wire.id, url: wire.attributes.url)
            },
            getSubscription: { id in
                let data = try await transport.send("GET", "/v1/subscriptions/\(try LemonSqueezyTransport.pathID(id))", body: nil)
                return LemonSqueezySubscriptionObject(id: id, rawData: data)
            },
            listSubscriptions: { storeID, page in
                let path = "/v1/subscriptions?filter%5Bstore_id%5D=\(try LemonSqueezyTransport.pathID(storeID))&page%5Bnumber%5D=\(max(1, page))&page%5Bsize%5D=100"
                let raw = try await transport.send("GET", path, body: nil, wholeBody: true)
                struct Wire: Decodable {
                    struct Meta: Decodable { struct Page: Decodable { var lastPage: Int? }; var page: Page? }
                    var data: [JSONValue]
                    var meta: Meta?
                }
                let wire = try LemonSqueezyTransport.decode(Wire.self, raw)
                let encoder = JSONEncoder()
                let objects = try wire.data.map { object -> LemonSqueezySubscriptionObject in
                    guard let id = object.objectValue?["id"]?.stringValue else { throw LemonSqueezyAPIError.malformed("subscription without id") }
                    return LemonSqueezySubscriptionObject(id: id, rawData: try encoder.encode(object))
                }
                return LemonSqueezySubscriptionPage(subscriptions: objects, lastPage: wire.meta?.page?.lastPage ?? 1)
            },
            cancelSubscription: { id in
                let data = try await transport.send("DELETE", "/v1/subscriptions/\(try LemonSqueezyTransport.pathID(id))", body: nil)
                return LemonSqueezySubscriptionObject(id: id, rawData: data)
            })
    }

    /// A test double whose every call fails.
    public static let unimplemented = LemonSqueezyClient(
        createCheckout: { _ in throw LemonSqueezyAPIError.transport("unimplemented: LemonSqueezyClient.createCheckout") },
        getSubscription: { _ in throw LemonSqueezyAPIError.transport("unimplemented: LemonSqueezyClient.getSubscription") },
        listSubscriptions: { _, _ in throw LemonSqueezyAPIError.transport("unimplemented: LemonSqueezyClient.listSubscriptions") },
        cancelSubscription: { _ in throw LemonSqueezyAPIError.transport("unimplemented: LemonSqueezyClient.cancelSubscription") })
}

/// One request/answer exchange with Lemon Squeezy.
struct LemonSqueezyTransport: Sendable {
    let baseURL: String
    let apiKey: String
    let client: HTTPClient
    static let timeout: TimeAmount = .seconds(10)
    static let maxBody = 8 << 20

    init(baseURL: String, apiKey: String, client: HTTPClient) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.apiKey = apiKey
        self.client = client
    }

    /// Lemon Squeezy ids are decimal numbers (checkouts: UUIDs); anything else is refused before sending.
    static func pathID(_ id: String) throws -> String {
        guard !id.isEmpty, id.count <= 64, id.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) || $0 == 0x2D }) else {
            throw LemonSqueezyAPIError.malformed("not a Lemon Squeezy id: \(id.prefix(64))")
        }
        return id
    }

    /// Sends and returns the raw `data` member (or, with `wholeBody`, the whole answer).
    func send(_ method: String, _ path: String, body: JSONValue?, wholeBody: Bool = false) async throws -> Data {
        let status: Int
        let bytes: [UInt8]
        do {
            (status, bytes) = try await ProviderHTTP.exchange(
                client, url: baseURL + path, method: .init(rawValue: method), apiKey: apiKey,
                headers: [("Accept", "application/vnd.api+json"), ("Content-Type", "application/vnd.api+json")],
                body: body, timeout: Self.timeout, maxBody: Self.maxBody)
        } catch let error as ProviderHTTP.TransportError {
            throw LemonSqueezyAPIError.transport(error.description)
        }
        guard (200..<300).contains(status) else {
            struct Errors: Decodable { struct E: Decodable { var detail: String?; var title: String? }; var errors: [E] }
            let detail = (try? JSONDecoder().decode(Errors.self, from: Data(bytes)))?.errors.first.map { $0.detail ?? $0.title ?? "" }
            throw LemonSqueezyAPIError.api(status: status, detail: detail ?? String(decoding: bytes.prefix(200), as: UTF8.self))
        }
        if wholeBody { return Data(bytes) }
        guard let range = RawJSON.member("data", in: bytes) else {
            throw LemonSqueezyAPIError.malformed("\(method) \(path) answered \(status) without a data object")
        }
        return Data(bytes[range])
    }

    static func decode<T: Decodable>(_ type: T.Type, _ raw: Data) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: raw)
        } catch {
            throw LemonSqueezyAPIError.malformed("\(T.self): \(error)")
        }
    }
}
