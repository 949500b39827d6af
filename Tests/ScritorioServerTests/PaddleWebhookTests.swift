import Foundation
import HTTPTypes
import NIOCore
import ScritorioCore
@testable import ScritorioServer
import ScritorioStore
import ScritorioTestSupport
import Testing

@Suite("Paddle webhook ingest")
struct PaddleWebhookTests {
    static let secret = "pdl_ntfset_01hsecret_test"

    /// A notification built around a fixture's `data`, compact and with a non-ASCII name, as Paddle sends.
    static func body(eventID: String, type: String = "transaction.completed") throws -> String {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../Fixtures/paddle/transaction.completed.json").standardized
        // A missing fixture fails the test: it must never quietly test less than it says.
        let data = try String(contentsOf: url, encoding: .utf8)
        let compact = String(decoding: try JSONSerialization.data(withJSONObject: try JSONSerialization.jsonObject(with: Data(data.utf8))), as: UTF8.self)
        return #"{"event_id":"\#(eventID)","event_type":"\#(type)","occurred_at":"2024-04-12T10:18:49.621022Z","notification_id":"ntf_01","note":"Zoë","data":\#(compact)}"#
    }

    static func deliver(
        _ app: Harness, path: String = "/webhooks/paddle", body: String, signature: String?
    ) async throws -> Harness.Reply {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let signature { headers[HTTPField.Name("Paddle-Signature")!] = signature }
        let response = try await app.client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: body))
        return Harness.Reply(status: response.status, headers: response.headers, raw: String(buffer: response.body))
    }

    static func sign(_ body: String, at date: Date = Date(), secret: String = secret) -> String {
        PaddleSignature.header(body: Array(body.utf8), timestamp: Int64(date.timeIntervalSince1970), secrets: [secret])
    }

    @Test("a signed event is stored byte for byte, then acknowledged; a duplicate is acknowledged once more without a second row", arguments: TestStores.kinds)
    func storeThenAck(kind: StoreKind) async throws {
        try await Harness.run(kind, configure: { $0.paddle.webhookSecrets = ["pdl_ntfset_old", Self.secret] }) { app in
            let body = try Self.body(eventID: "evt_01hv8x2acma2gz2ksk1ryq8zv1")
            let first = try await Self.deliver(app, body: body, signature: Self.sign(body))
            #expect(first.status == .ok)
            #expect(first.json["duplicate"] as? Bool == false)
            let again = try await Self.deliver(app, path: "/functions/v1/paddle-webhook", body: body, signature: Self.sign(body))
            #expect(again.status == .ok && again.json["duplicate"] as? Bool == true)
            let stored = try #require(try await app.database.read {
                try await WebhookEventRepository.find(provider: .paddle, eventID: "evt_01hv8x2acma2gz2ksk1ryq8zv1", on: $0)
            })
            #expect(stored.0.payload == body)
            #expect(stored.0.eventType == "transaction.completed")
            #expect(stored.0.mode == .test)
            #expect(stored.status == "pending")
            #expect(abs((stored.0.occurredAt?.timeIntervalSince1970 ?? 0) - 1_712_917_129.621022) < 0.001)
            #expect(try await app.database.read { try await WebhookEventRepository.count(provider: .paddle, on: $0) } == 1)
        }
    }

    @Test("missing header 400, bad or stale signature 401, nothing stored")
    func refusals() async throws {
        try await Harness.run(.sqlite, configure: { $0.paddle.webhookSecrets = [Self.secret] }) { app in
            let body = try Self.body(eventID: "evt_refused")
            #expect(try await Self.deliver(app, body: body, signature: nil).status == .badRequest)
            #expect(try await Self.deliver(app, body: body, signature: "garbage").status == .badRequest)
            let forged = try await Self.deliver(app, body: body, signature: Self.sign(body, secret: "pdl_ntfset_attacker"))
            #expect((forged.status, forged.code) == (.unauthorized, "invalid_signature"))
            let stale = try await Self.deliver(app, body: body, signature: Self.sign(body, at: Date().addingTimeInterval(-60)))
            #expect(stale.status == .unauthorized)
            // Re-encoding the body (here: one extra space) must break the signature: raw bytes are what count.
            let reencoded = try await Self.deliver(app, body: body.replacingOccurrences(of: "\"note\":", with: "\"note\": "), signature: Self.sign(body))
            #expect(reencoded.status == .unauthorized)
            let notJSON = "not json"
            #expect(try await Self.deliver(app, body: notJSON, signature: Self.sign(notJSON)).status == .badRequest)
            #expect(try await app.database.read { try await WebhookEventRepository.count(provider: .paddle, on: $0) } == 0)
        }
    }

    @Test("with no secret configured every delivery is refused")
    func noSecret() async throws {
        try await Harness.run(.sqlite) { app in
            let body = try Self.body(eventID: "evt_nosecret")
            let reply = try await Self.deliver(app, body: body, signature: Self.sign(body))
            #expect(reply.status == .unauthorized)
            #expect(try await app.database.read { try await WebhookEventRepository.count(provider: .paddle, on: $0) } == 0)
        }
    }
}
