import Foundation
import Hummingbird
import ScritorioAPI
import ScritorioCore
import Synchronization

/// An in-memory fake of Lemon Squeezy (test mode): the API Scritorio calls (at Lemon Squeezy's paths, under
/// `/sandbox/lemonsqueezy`), the licence API, and the webhooks Lemon Squeezy sends, with PHP-style bodies
/// (escaped slashes, microsecond dates, string ids) signed with `webhookSecret` and posted through `deliver`.
/// Simulator endpoints play the buyer and the billing clock (`POST /checkouts/:id/complete`,
/// `/subscriptions/:id/renew`, …).
public final class LemonSqueezySandbox: Sendable {
    public static let apiKey = "ls_sandbox_apikey_test"
    public static let webhookSecret = "scritorio-sandbox-lemonsqueezy"
    public static let storeID = "41000"
    public static let storeSlug = "scritorio-sandbox"

    let now: @Sendable () -> Date
    let deliver: @Sendable (_ body: String, _ signature: String, _ eventName: String) async throws -> Int
    let state = Mutex(LemonSqueezySandboxState())

    /// `deliver` posts a webhook body with its `X-Signature` and `X-Event-Name` to the server and returns the HTTP
    /// status (the server wires it).
    public init(
        now: @escaping @Sendable () -> Date,
        deliver: @escaping @Sendable (_ body: String, _ signature: String, _ eventName: String) async throws -> Int
    ) {
        self.now = now
        self.deliver = deliver
    }

    /// One delivery attempt: the event's name, the digest Scritorio dedupes on, and the webhook's HTTP status.
    public struct Delivery: Sendable, Equatable {
        public var eventName: String
        public var digest: String
        public var status: Int
    }

    /// Lemon Squeezy's bodies are PHP's `json_encode`: compact, `\/` for slashes, `\uXXXX` for non-ASCII.
    static func phpJSON(_ json: PaddleJSON) -> String {
        json.text.replacingOccurrences(of: "/", with: "\\/")
    }

    /// The webhook body of `event` (the same bytes on every send, as Lemon Squeezy's retries are).
    func body(_ event: LemonSqueezySandboxState.Event) -> String {
        var meta = PaddleJSON.obj(["test_mode": .bool(true), "event_name": .string(event.name)])
        if let custom = event.customData, !custom.isEmpty { meta.set("custom_data", PaddleJSON(.object(custom))) }
        meta.set("webhook_id", .string(event.webhookID))
        return Self.phpJSON(.obj(["meta": meta, "data": event.data]))
    }

    /// Signs and posts `events` in order, or (`shuffle`, `duplicate`) each twice in a reproducible shuffled order.
    func send(_ events: [LemonSqueezySandboxState.Event], shuffle: Bool = false, duplicate: Bool = false, seed: UInt64? = nil) async -> [Delivery] {
        var queue = duplicate ? events + events : events
        if shuffle, queue.count > 1 {
            var generator = SeededGenerator(seed: seed ?? 0x1E_30_5A_EE)
            let original = queue.map(\.webhookID)
            queue.shuffle(using: &generator)
            if queue.map(\.webhookID) == original { queue.reverse() }
        }
        var deliveries: [Delivery] = []
        for event in queue {
            let text = body(event)
            let bytes = Array(text.utf8)
            let signature = LemonSqueezySignature.signature(body: bytes, secret: Self.webhookSecret)
            let status = (try? await deliver(text, signature, event.name)) ?? 0
            deliveries.append(Delivery(eventName: event.name, digest: LemonSqueezySignature.digest(bytes), status: status))
        }
        return deliveries
    }

    /// Events caused by an API call go out after the answer, as Lemon Squeezy's do.
    func sendLater(_ events: [LemonSqueezySandboxState.Event]) {
        guard !events.isEmpty else { return }
        Task { _ = await self.send(events) }
    }

    func mutate<T: Sendable>(_ body: (inout LemonSqueezySandboxState) throws -> T) throws -> T {
        try state.withLock { try body(&$0) }
    }

    /// The variant ids the fake sells (the sandbox catalog's `lemonsqueezy.test` ids).
    public static let variants: [String: (name: String, price: Int, months: Int)] = [
        "520001": ("Pro (monthly)", 900, 1),
        "520002": ("Pro (yearly)", 9000, 12),
    ]
}

/// A request the fake refuses, answered with Lemon Squeezy's JSON:API error list.
struct LemonSqueezySandboxError: Error {
    var status: Int
    var detail: String
    var pointer: String?

    static func notFound(_ kind: String, _ id: String) -> LemonSqueezySandboxError {
        LemonSqueezySandboxError(status: 404, detail: "The \(kind) \(id) was not found.")
    }

    static func invalid(_ detail: String, pointer: String? = nil) -> LemonSqueezySandboxError {
        LemonSqueezySandboxError(status: 422, detail: detail, pointer: pointer)
    }
}
