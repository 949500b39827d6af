import Foundation
import HTTPTypes
import ScritorioAPI
import ScritorioCore
import ScritorioProviders
@testable import ScritorioServer
import ScritorioStore
import ScritorioTestSupport
import Synchronization
import Testing

/// `paddle-verify` and checkout against a stubbed Paddle API (the shapes of payments.md).
@Suite("Paddle verify and checkout")
struct PaddleVerifyTests {
    static let price = "pri_01sandboxpromonthly0000000"

    static func transaction(id: String, status: String, user: String, subscriptionID: String? = nil) -> PaddleTransaction {
        let sub = subscriptionID.map { #""\#($0)""# } ?? "null"
        let raw = #"{"id":"\#(id)","status":"\#(status)","customer_id":"ctm_01verify000000000000000000","subscription_id":\#(sub),"custom_data":{"userId":"\#(user)"},"items":[{"price":{"id":"\#(price)"},"quantity":1}],"details":{"totals":{"grand_total":"500","currency_code":"USD"}},"updated_at":"2026-11-24T10:00:00.000000Z"}"#
        return PaddleTransaction(
            id: id, status: status, customerID: "ctm_01verify000000000000000000", subscriptionID: subscriptionID,
            customData: ["userId": .string(user)], checkoutURL: nil, updatedAt: "2026-11-24T10:00:00.000000Z", rawData: Data(raw.utf8))
    }

    final class Created: Sendable {
        let items = Mutex<[PaddleNewTransaction]>([])
    }

    static func stub(_ transactions: [String: PaddleTransaction], created: Created = Created()) -> PaddleClient {
        var client = PaddleClient.unimplemented
        client.getTransaction = { id in
            guard let found = transactions[id] else { throw PaddleAPIError.api(status: 404, type: "request_error", code: "not_found", detail: "x") }
            return found
        }
        client.createTransaction = { new in
            created.items.withLock { $0.append(new) }
            return PaddleTransaction(
                id: "txn_01checkout0000000000000000", status: "ready", customerID: nil, subscriptionID: nil,
                customData: new.customData, checkoutURL: (new.checkoutURL ?? "") + "?_ptxn=txn_01checkout0000000000000000",
                updatedAt: nil, rawData: Data("{}".utf8))
        }
        return client
    }

    @Test("verify: only the buyer, only when paid; then pro, and the later webhook changes nothing", arguments: TestStores.kinds)
    func verify(kind: StoreKind) async throws {
        let user = Mutex("")
        let transactions = Mutex<[String: PaddleTransaction]>([:])
        var client = PaddleClient.unimplemented
        client.getTransaction = { id in
            guard let found = transactions.withLock({ $0[id] }) else {
                throw PaddleAPIError.api(status: 404, type: "request_error", code: "not_found", detail: "x")
            }
            return found
        }
        try await Harness.run(kind, configure: { $0.paddle.webhookSecrets = ["pdl_ntfset_verify"] }, paddle: client) { app in
            let token = try #require(try await app.confirmedSession(Harness.email()).string("access_token"))
            let me = try #require(Harness.claims(token)["sub"] as? String)
            user.withLock { $0 = me }
            transactions.withLock {
                $0["txn_01mine00000000000000000000"] = Self.transaction(id: "txn_01mine00000000000000000000", status: "completed", user: me)
                $0["txn_01theirs000000000000000000"] = Self.transaction(id: "txn_01theirs000000000000000000", status: "completed", user: UUID().uuidString.lowercased())
                $0["txn_01pending00000000000000000"] = Self.transaction(id: "txn_01pending00000000000000000", status: "ready", user: me)
            }
            let theirs = try await app.request(.post, "/functions/v1/paddle-verify", json: ["transactionId": "txn_01theirs000000000000000000"], bearer: token)
            #expect((theirs.status, theirs.code) == (.forbidden, "forbidden"))
            let pending = try await app.request(.post, "/v1/billing/paddle/verify", json: ["transactionId": "txn_01pending00000000000000000"], bearer: token, apikey: false)
            #expect((pending.status, pending.code) == (.badRequest, "transaction_not_completed"))
            let unknown = try await app.request(.post, "/v1/billing/paddle/verify", json: ["transactionId": "txn_01unknown00000000000000000"], bearer: token, apikey: false)
            #expect(unknown.status == .notFound)
            let missing = try await app.request(.post, "/v1/billing/paddle/verify", json: [:], bearer: token, apikey: false)
            #expect(missing.status == .badRequest)
            // An id not in Paddle's format never reaches Paddle: 400, not a provider error.
            for malformed in ["txn_../../x", "txn_01MINE00000000000000000000", "txn_01mine", "sub_01mine000000000000000000", "txn_01mine000000000000000000%2f"] {
                let refused = try await app.request(.post, "/v1/billing/paddle/verify", json: ["transactionId": malformed], bearer: token, apikey: false)
                #expect((refused.status, refused.code) == (.badRequest, "validation_failed"), "\(malformed)")
            }
            #expect(try await app.count("orders") == 0)

            let ok = try await app.request(.post, "/functions/v1/paddle-verify", json: ["transactionId": "txn_01mine00000000000000000000"], bearer: token)
            #expect(ok.status == .ok && ok.json["success"] as? Bool == true && ok.json["plan"] as? String == "pro")
            let member = try await app.request(.post, "/functions/v1/member-get", json: [:], bearer: token)
            #expect((member.json["member"] as? [String: Any])?["plan"] as? String == "pro")

            // The webhook for the same transaction arrives later: same state, nothing changes.
            let before = try await app.database.read { try await BillingRepository.grants(of: UserID(me)!, on: $0) }
            let raw = String(decoding: Self.transaction(id: "txn_01mine00000000000000000000", status: "completed", user: me).rawData, as: UTF8.self)
            let body = #"{"event_id":"evt_01verifylater000000000000","event_type":"transaction.completed","occurred_at":"2026-11-24T10:00:00.000000Z","notification_id":"ntf_1","data":\#(raw)}"#
            _ = try await PaddleWebhookTests.deliver(app, body: body, signature: PaddleSignature.header(body: Array(body.utf8), timestamp: Int64(Date().timeIntervalSince1970), secrets: ["pdl_ntfset_verify"]))
            try await WebhookProcessingTests.processor(app).drainOnce()
            let after = try await app.database.read { try await BillingRepository.grants(of: UserID(me)!, on: $0) }
            #expect(before == after)
            #expect(try await app.count("orders") == 1)
        }
    }

    @Test("checkout creates a Paddle transaction carrying the caller's id and answers its checkout URL")
    func checkout() async throws {
        let created = Created()
        try await Harness.run(.sqlite, paddle: Self.stub([:], created: created)) { app in
            let token = try #require(try await app.confirmedSession(Harness.email()).string("access_token"))
            let me = try #require(Harness.claims(token)["sub"] as? String)
            let unknown = try await app.request(.post, "/v1/checkout", json: ["plan": "gold"], bearer: token, apikey: false)
            #expect(unknown.status == .badRequest)
            let reply = try await app.request(.post, "/v1/checkout", json: ["plan": "pro_monthly", "userId": UUID().uuidString], bearer: token, apikey: false)
            #expect(reply.status == .ok)
            #expect(reply.string("checkoutUrl") == "http://scritorio.test/pay?_ptxn=txn_01checkout0000000000000000")
            let sent = try #require(created.items.withLock { $0.first })
            #expect(sent.priceID == Self.price && sent.customData["userId"] == .string(me))
            #expect(try await app.request(.post, "/v1/checkout", json: ["plan": "pro_monthly"], apikey: false).status == .unauthorized)
        }
    }
}
