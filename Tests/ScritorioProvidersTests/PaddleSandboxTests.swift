import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import ScritorioCore
import ScritorioSandbox
import Synchronization
import Testing
@testable import ScritorioProviders

/// What the fake delivered: `(body, Paddle-Signature)` in delivery order.
final class PaddleDeliveries: Sendable {
    let sent = Mutex<[(body: String, signature: String)]>([])
    var all: [(body: String, signature: String)] { sent.withLock { $0 } }
}

/// A fake on a loopback port, a client pointed at it, and the deliveries it made.
struct PaddleSandboxHarness {
    static let now = Date(timeIntervalSince1970: 1_760_000_000)
    let sandbox: PaddleSandbox
    let server: PaddleSandboxServer
    let deliveries: PaddleDeliveries
    var client: PaddleClient { PaddleClient.live(baseURL: server.baseURL, apiKey: PaddleSandbox.apiKey) }

    static func start() async throws -> PaddleSandboxHarness {
        let deliveries = PaddleDeliveries()
        let sandbox = PaddleSandbox(now: { now }, checkoutBaseURL: "https://app.example.com/checkout") { body, signature in
            deliveries.sent.withLock { $0.append((body, signature)) }
            return 200
        }
        return PaddleSandboxHarness(sandbox: sandbox, server: try await PaddleSandboxServer.start(sandbox), deliveries: deliveries)
    }

    /// A simulator POST; returns the answer's `data`.
    func simulate(_ path: String, body: String = "") async throws -> [String: JSONValue] {
        var request = HTTPClientRequest(url: server.baseURL + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 1 << 22)
        #expect(response.status.code == 200)
        let json = try JSONDecoder().decode([String: JSONValue].self, from: Data(buffer: bytes))
        return try #require(json["data"]?.objectValue)
    }

    /// An API GET with the sandbox key; returns the whole answer.
    func get(_ path: String) async throws -> [String: JSONValue] {
        var request = HTTPClientRequest(url: server.baseURL + path)
        request.headers.add(name: "Authorization", value: "Bearer \(PaddleSandbox.apiKey)")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 1 << 22)
        return try JSONDecoder().decode([String: JSONValue].self, from: Data(buffer: bytes))
    }
}

extension JSONValue {
    var arrayValue: [JSONValue]? { if case .array(let items) = self { items } else { nil } }
}

func isPaddleID(_ id: String?, _ prefix: String) -> Bool {
    guard let id, id.hasPrefix(prefix + "_") else { return false }
    let rest = id.dropFirst(prefix.count + 1)
    return rest.count == 26 && rest.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) }
}

@Suite(.serialized) struct PaddleSandboxTests {
    let userID = "4f0a3c1e-8a52-4b2f-9d7e-2b8f6f1c9a10"

    @Test func clientRunsTheCheckoutAndSubscriptionFlow() async throws {
        let harness = try await PaddleSandboxHarness.start()
        defer { Task { await harness.server.stop() } }
        let client = harness.client

        let created = try await client.createTransaction(PaddleNewTransaction(
            priceID: "pri_01sandboxproyearly00000000", customData: ["user_id": .string(userID)],
            customerEmail: "buyer@example.com"))
        #expect(isPaddleID(created.id, "txn"))
        #expect(created.status == "draft")
        #expect(created.checkoutURL == "https://app.example.com/checkout?_ptxn=\(created.id)")
        #expect(created.customData == ["user_id": .string(userID)])
        let raw = try JSONDecoder().decode([String: JSONValue].self, from: created.rawData)
        #expect(raw["origin"] == .string("api"))
        let item = try #require(raw["items"]?.arrayValue?.first?.objectValue?["price"]?.objectValue)
        #expect(item["billing_cycle"]?.objectValue?["interval"] == .string("year"))
        #expect(item["unit_price"]?.objectValue?["amount"]?.stringValue != nil)

        let fetched = try await client.getTransaction(created.id)
        #expect(fetched.id == created.id && fetched.status == "draft")

        let result = try await harness.simulate("/transactions/\(created.id)/complete", body: #"{"email":"buyer@example.com"}"#)
        let subscriptionID = try #require(result["subscription_id"]?.stringValue)
        #expect(isPaddleID(subscriptionID, "sub"))
        #expect(result["delivered"]?.arrayValue?.allSatisfy { $0 == .number(200) } == true)

        let completed = try await client.getTransaction(created.id)
        #expect(completed.status == "completed")
        #expect(completed.subscriptionID == subscriptionID)
        let customerID = try #require(completed.customerID)
        #expect(isPaddleID(customerID, "ctm"))

        let subscription = try await client.getSubscription(subscriptionID)
        #expect(subscription.status == "active")
        #expect(subscription.customerID == customerID)
        #expect(subscription.nextBilledAt != nil)
        #expect(subscription.scheduledChangeAction == nil)
        #expect(subscription.updatePaymentMethodURL?.hasPrefix("https://") == true)

        let canceling = try await client.cancelSubscription(subscriptionID, false)
        #expect(canceling.status == "active")
        #expect(canceling.scheduledChangeAction == "cancel")
        let periodEnd = try #require(try JSONDecoder().decode([String: JSONValue].self, from: subscription.rawData)["current_billing_period"]?
            .objectValue?["ends_at"]?.stringValue)
        #expect(canceling.scheduledChangeAt == periodEnd)
        #expect(try await client.getSubscription(subscriptionID).scheduledChangeAction == "cancel")

        let portal = try await client.createPortalSession(customerID, [subscriptionID])
        #expect(isPaddleID(portal.id, "cpls"))
        #expect(portal.overviewURL.hasPrefix("https://") && portal.overviewURL.contains("action=overview"))

        // The period ends: the scheduled cancel takes effect.
        let ended = try await harness.simulate("/subscriptions/\(subscriptionID)/end-period")
        #expect(ended["event_types"]?.arrayValue == [.string("subscription.updated"), .string("subscription.canceled")])
        #expect(try await client.getSubscription(subscriptionID).status == "canceled")
        await #expect(throws: PaddleAPIError.self) { try await client.cancelSubscription(subscriptionID, true) }
    }

    @Test func wrongKeyAndUnknownIDsGivePaddleErrors() async throws {
        let harness = try await PaddleSandboxHarness.start()
        defer { Task { await harness.server.stop() } }
        let intruder = PaddleClient.live(baseURL: harness.server.baseURL, apiKey: "pdl_sdbx_apikey_wrong")
        do {
            _ = try await intruder.getTransaction("txn_01aaaaaaaaaaaaaaaaaaaaaaaa")
            Issue.record("expected a 403")
        } catch let error as PaddleAPIError {
            guard case .api(let status, let type, let code, _) = error else { Issue.record("\(error)"); return }
            #expect(status == 403 && type == "request_error" && code == "forbidden")
            #expect(!error.description.contains("pdl_sdbx_apikey_wrong"))
        }
        do {
            _ = try await harness.client.getSubscription("sub_01aaaaaaaaaaaaaaaaaaaaaaaa")
            Issue.record("expected a 404")
        } catch let error as PaddleAPIError {
            guard case .api(let status, _, let code, _) = error else { Issue.record("\(error)"); return }
            #expect(status == 404 && code == "not_found")
        }
        await #expect(throws: PaddleAPIError.malformed("not a Paddle id: ../customers")) {
            try await harness.client.getTransaction("../customers")
        }
        await #expect(throws: PaddleAPIError.self) { try await PaddleClient.unimplemented.getTransaction("txn_x") }
    }

    @Test func checkoutNotificationsVerifyAndDecode() async throws {
        let harness = try await PaddleSandboxHarness.start()
        defer { Task { await harness.server.stop() } }
        let created = try await harness.client.createTransaction(PaddleNewTransaction(
            priceID: "pri_01sandboxpromonthly0000000", customData: ["user_id": .string(userID)]))
        // transaction.created goes out after the API answer, as Paddle's does; wait for it.
        for _ in 0..<200 where harness.deliveries.all.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        let before = harness.deliveries.all.count
        let result = try await harness.simulate("/transactions/\(created.id)/complete")
        let types = try #require(result["event_types"]?.arrayValue?.compactMap { $0.stringValue })
        #expect(types == [
            "customer.created", "address.created", "transaction.updated", "transaction.ready", "transaction.updated",
            "transaction.paid", "subscription.created", "transaction.updated", "transaction.completed",
        ])
        let sent = Array(harness.deliveries.all.dropFirst(before))
        #expect(sent.count == types.count)
        var lastOccurred = Date.distantPast
        var eventIDs: [String] = []
        for delivery in sent {
            let body = Data(delivery.body.utf8)
            let verified = PaddleSignature.verify(
                header: delivery.signature, body: body, secrets: [PaddleSandbox.webhookSecret], now: PaddleSandboxHarness.now,
                tolerance: 5)
            #expect((try? verified.get()) != nil)
            #expect(!delivery.body.contains("\n") && !delivery.body.contains(": "))
            let decoded = try PaddleEventDecoder.decode(body, mode: .test)
            #expect(isPaddleID(decoded.envelope.event_id, "evt"))
            #expect(decoded.occurredAt > lastOccurred)
            lastOccurred = decoded.occurredAt
            eventIDs.append(decoded.envelope.event_id)
            let envelope = try JSONDecoder().decode([String: JSONValue].self, from: body)
            #expect(isPaddleID(envelope["notification_id"]?.stringValue, "ntf"))
            if decoded.envelope.event_type == "subscription.created" {
                guard case .subscription(let change) = decoded.event else { Issue.record("not a subscription"); continue }
                #expect(change.userID == UserID(userID))
                #expect(change.status == SubscriptionStatus(provider: .paddle, status: "active"))
                #expect(change.priceIDs == ["pri_01sandboxpromonthly0000000"])
                #expect(envelope["data"]?.objectValue?["transaction_id"] == .string(created.id))
            }
            if decoded.envelope.event_type == "transaction.completed" {
                guard case .order(let order) = decoded.event else { Issue.record("not an order"); continue }
                #expect(order.subscriptionID == result["subscription_id"]?.stringValue)
                #expect(order.userID == UserID(userID))
            }
        }
        #expect(eventIDs == result["events"]?.arrayValue?.compactMap { $0.stringValue })
        // GET /events lists what was sent, newest last, in Paddle's list envelope.
        let events = try await harness.get("/events")
        let listed = try #require(events["data"]?.arrayValue?.compactMap { $0.objectValue?["event_id"]?.stringValue })
        #expect(Array(listed.suffix(eventIDs.count)) == eventIDs)
        #expect(events["meta"]?.objectValue?["pagination"]?.objectValue?["has_more"] == .bool(false))
    }

    @Test func shuffledDuplicatedDeliveryRepeatsTheSameEventsOutOfOrder() async throws {
        let harness = try await PaddleSandboxHarness.start()
        defer { Task { await harness.server.stop() } }
        let created = try await harness.client.createTransaction(PaddleNewTransaction(
            priceID: "pri_01sandboxpromonthly0000000", customData: ["user_id": .string(userID)]))
        for _ in 0..<200 where harness.deliveries.all.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        let result = try await harness.simulate("/transactions/\(created.id)/complete?shuffle=1&duplicate=1")
        let delivered = try #require(result["events"]?.arrayValue?.compactMap { $0.stringValue })
        let canonical = try await harness.get("/events")["data"]?.arrayValue?.compactMap { $0.objectValue?["event_id"]?.stringValue }
            .dropFirst()  // transaction.created from the API call
        let inOrder = Array(try #require(canonical))
        #expect(delivered.count == 2 * inOrder.count)
        #expect(Set(delivered) == Set(inOrder))
        #expect(Dictionary(grouping: delivered, by: { $0 }).values.allSatisfy { $0.count == 2 })
        #expect(delivered != inOrder + inOrder)
        // Each send is a separate notification of the same event.
        let bodies = harness.deliveries.all.suffix(delivered.count).map { try? JSONDecoder().decode([String: JSONValue].self, from: Data($0.body.utf8)) }
        #expect(Set(bodies.compactMap { $0?["notification_id"]?.stringValue }).count == delivered.count)
        #expect(bodies.compactMap { $0?["event_id"]?.stringValue } == delivered)
    }

    @Test func renewalFailureRecoveryAndRefundSequences() async throws {
        let harness = try await PaddleSandboxHarness.start()
        defer { Task { await harness.server.stop() } }
        let created = try await harness.client.createTransaction(PaddleNewTransaction(
            priceID: "pri_01sandboxpromonthly0000000", customData: ["user_id": .string(userID)]))
        let sub = try #require(try await harness.simulate("/transactions/\(created.id)/complete")["subscription_id"]?.stringValue)
        func types(_ data: [String: JSONValue]) -> [String] { data["event_types"]?.arrayValue?.compactMap { $0.stringValue } ?? [] }
        #expect(types(try await harness.simulate("/subscriptions/\(sub)/renew")) == [
            "subscription.updated", "transaction.created", "transaction.billed", "transaction.paid", "transaction.completed",
        ])
        #expect(types(try await harness.simulate("/subscriptions/\(sub)/fail-payment")) == [
            "subscription.updated", "transaction.created", "transaction.billed", "transaction.past_due",
            "subscription.updated", "subscription.past_due",
        ])
        #expect(try await harness.client.getSubscription(sub).status == "past_due")
        #expect(types(try await harness.simulate("/subscriptions/\(sub)/recover")) == [
            "transaction.paid", "transaction.updated", "transaction.completed", "subscription.updated",
        ])
        #expect(try await harness.client.getSubscription(sub).status == "active")
        let recurring = try await harness.get("/transactions?subscription_id=\(sub)")["data"]?.arrayValue ?? []
        #expect(recurring.count == 3)
        #expect(recurring.last?.objectValue?["origin"] == .string("subscription_recurring"))
        #expect(recurring.last?.objectValue?["custom_data"]?.objectValue?["user_id"] == .string(userID))
        #expect(types(try await harness.simulate("/subscriptions/\(sub)/refund")) == [
            "adjustment.created", "adjustment.updated", "subscription.updated", "subscription.canceled",
        ])
        #expect(try await harness.client.getSubscription(sub).status == "canceled")
    }
}
