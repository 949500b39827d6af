import Foundation
import ScritorioCore
import Testing

@Suite("Paddle event decoding")
struct PaddleEventDecoderTests {
    /// A notification around a fixture's `data` (samples in Paddle's documented shape, in Tests/Fixtures).
    static func notification(_ type: String, customData: [String: Any]? = nil, occurredAt: String = "2024-04-12T10:18:49.621022Z") throws -> Data {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../Fixtures/paddle/\(type).json").standardized
        var data = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        if let customData { data["custom_data"] = customData }
        let envelope: [String: Any] = [
            "event_id": "evt_01hv8x2acma2gz2ksk1ryq8zv1", "event_type": type, "occurred_at": occurredAt,
            "notification_id": "ntf_01hv8x2af8abfbd1ge8ch8tgf0", "data": data,
        ]
        return try JSONSerialization.data(withJSONObject: envelope)
    }

    @Test("subscription events carry status, prices, period, scheduled cancel and the custom_data user")
    func subscription() throws {
        let user = UserID.random()
        let decoded = try PaddleEventDecoder.decode(try Self.notification("subscription.created", customData: ["userId": user.description]), mode: .test)
        guard case .subscription(let change) = decoded.event else { Issue.record("not a subscription: \(decoded.event)"); return }
        #expect(change.subscriptionID == "sub_01hv8x29kz0t586xy6zn1a62ny")
        #expect(change.status == .active && change.userID == user && change.mode == .test)
        #expect(change.priceIDs.first == "pri_01gsz8x8sawmvhz1pv30nge1ke")
        #expect(change.customerID == "ctm_01hv6y1jedq4p1n0yqn5ba3ky4")
        #expect(change.currentPeriodEnd == RFC3339.parse("2024-05-12T10:18:47.635628Z"))
        #expect(abs(change.occurredAt.timeIntervalSince1970 - 1_712_917_129.621022) < 0.001)

        let pastDue = try PaddleEventDecoder.decode(try Self.notification("subscription.past_due"), mode: .live)
        guard case .subscription(let due) = pastDue.event else { Issue.record("not a subscription"); return }
        #expect(due.status == .pastDue && due.userID == nil && due.mode == .live)
    }

    @Test("transactions become orders with minor-unit totals; customers keep a normalised email")
    func transactionAndCustomer() throws {
        let decoded = try PaddleEventDecoder.decode(try Self.notification("transaction.completed", customData: ["user_id": "not-a-uuid"]), mode: .test)
        guard case .order(let order) = decoded.event else { Issue.record("not an order"); return }
        #expect(order.status == "completed" && order.isPaid && order.userID == nil)
        #expect(order.totalMinor == 65215)
        #expect(order.priceIDs.contains("pri_01gsz8x8sawmvhz1pv30nge1ke"))
        let customer = try PaddleEventDecoder.decode(try Self.notification("customer.created"), mode: .test)
        guard case .customer(let change) = customer.event else { Issue.record("not a customer"); return }
        #expect(change.customerID.hasPrefix("ctm_") && change.email == "jo@example.com")
    }

    @Test("unknown types are ignored; broken bodies are errors, not crashes")
    func unknownAndBroken() throws {
        let unknown = Data(#"{"event_id":"evt_1","event_type":"address.created","occurred_at":"2024-04-12T10:18:49Z","data":{}}"#.utf8)
        #expect(try PaddleEventDecoder.decode(unknown, mode: .test).event == .ignored(type: "address.created"))
        #expect(throws: PaddleEventDecoder.Failure.notANotification) { try PaddleEventDecoder.decode(Data("[]".utf8), mode: .test) }
        let broken = Data(#"{"event_id":"evt_1","event_type":"subscription.updated","occurred_at":"2024-04-12T10:18:49Z","data":{"id":5}}"#.utf8)
        #expect(throws: PaddleEventDecoder.Failure.self) { try PaddleEventDecoder.decode(broken, mode: .test) }
    }

    @Test("the catalog maps prices per provider and mode only")
    func catalog() throws {
        let catalog = Catalog.sandbox
        #expect(catalog.entitlements(provider: .paddle, mode: .test, priceIDs: ["pri_01sandboxpromonthly0000000"]) == ["scritorio_pro"])
        #expect(catalog.entitlements(provider: .paddle, mode: .live, priceIDs: ["pri_01sandboxpromonthly0000000"]) == [])
        #expect(catalog.entitlements(provider: .lemonSqueezy, mode: .test, priceIDs: ["pri_01sandboxpromonthly0000000"]) == [])
        #expect(throws: CatalogError.invalidPlan("x")) {
            try Catalog.parse(Data(#"{"plans":[{"code":"x","entitlements":[],"prices":{}}]}"#.utf8))
        }
    }
}

@Suite("Catalog modes")
struct CatalogModeTests {
    static let catalog = Catalog(plans: [
        .init(code: "pro", name: nil, entitlements: ["scritorio_pro"], prices: ["paddle": ["test": ["pri_test"], "live": ["pri_live"]]]),
    ])

    @Test("ids of the other mode only are flagged; unknown ids and this mode's ids are not")
    func otherMode() {
        #expect(Self.catalog.belongsToOtherModeOnly(provider: .paddle, mode: .live, priceIDs: ["pri_test"]))
        #expect(Self.catalog.belongsToOtherModeOnly(provider: .paddle, mode: .test, priceIDs: ["pri_live"]))
        #expect(!Self.catalog.belongsToOtherModeOnly(provider: .paddle, mode: .live, priceIDs: ["pri_live"]))
        #expect(!Self.catalog.belongsToOtherModeOnly(provider: .paddle, mode: .live, priceIDs: ["pri_unknown"]))
        #expect(!Self.catalog.belongsToOtherModeOnly(provider: .paddle, mode: .live, priceIDs: []))
    }
}
