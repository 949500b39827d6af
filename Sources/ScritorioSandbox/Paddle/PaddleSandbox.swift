import Foundation
import Hummingbird
import ScritorioAPI
import ScritorioCore
import Synchronization

/// An in-memory fake of Paddle Billing: the API Scritorio calls (at Paddle's paths, under `/sandbox/paddle`) and
/// the webhooks Paddle sends, signed with `webhookSecret` and posted through `deliver`. Simulator endpoints play
/// the buyer's and the billing clock's part (`POST /transactions/:id/complete`, `/subscriptions/:id/renew`, …).
public final class PaddleSandbox: Sendable {
    public static let apiKey = "pdl_sdbx_apikey_sandbox"
    public static let webhookSecret = "pdl_ntfset_01sandbox0000000000000000000_sandboxsecret"

    let now: @Sendable () -> Date
    let checkoutBaseURL: String
    let deliver: @Sendable (_ body: String, _ signature: String) async throws -> Int
    let state = Mutex(PaddleSandboxState())

    /// `deliver` posts a notification body with its Paddle-Signature header to the server's webhook and returns the
    /// HTTP status (the server wires it).
    public init(
        now: @escaping @Sendable () -> Date, checkoutBaseURL: String,
        deliver: @escaping @Sendable (_ body: String, _ signature: String) async throws -> Int
    ) {
        self.now = now
        self.checkoutBaseURL = checkoutBaseURL
        self.deliver = deliver
    }

    /// One delivery attempt: which event, and the webhook's HTTP status (0 if `deliver` threw).
    public struct Delivery: Sendable, Equatable {
        public var eventID: String
        public var status: Int
    }

    /// How a burst is delivered: in order once, or (for tests of idempotency and ordering) each twice in a
    /// deterministic shuffled order.
    struct DeliveryPlan: Sendable {
        var shuffle = false
        var duplicate = false
        var seed: UInt64 = 0x5CA1AB1E

        init(shuffle: Bool = false, duplicate: Bool = false, seed: UInt64? = nil) {
            self.shuffle = shuffle
            self.duplicate = duplicate
            if let seed { self.seed = seed }
        }
    }

    /// The notification body for one send of `event`: a fresh `notification_id` per send, a stable `event_id`.
    func notificationBody(_ event: PaddleSandboxState.Event) -> String {
        PaddleJSON.obj([
            "event_id": .string(event.id), "event_type": .string(event.type),
            "occurred_at": .string(WireDate.format(event.occurredAt)), "notification_id": .string(PaddleID.make("ntf")),
            "data": event.data,
        ]).text
    }

    /// Signs and posts `events` one after the other, in order (or as `plan` says).
    func send(_ events: [PaddleSandboxState.Event], plan: DeliveryPlan = DeliveryPlan()) async -> [Delivery] {
        var queue = events
        if plan.duplicate { queue = events + events }
        if plan.shuffle, queue.count > 1 {
            var generator = SeededGenerator(seed: plan.seed)
            let original = queue
            queue.shuffle(using: &generator)
            // A shuffle that happens to keep the order would defeat the point; reversing cannot keep it (count > 1
            // with distinct first and last events).
            if queue.map(\.id) == original.map(\.id) { queue.reverse() }
        }
        var deliveries: [Delivery] = []
        for event in queue {
            let body = notificationBody(event)
            let timestamp = Int64(now().timeIntervalSince1970)
            let header = PaddleSignature.header(body: Array(body.utf8), timestamp: timestamp, secrets: [Self.webhookSecret])
            let status = (try? await deliver(body, header)) ?? 0
            deliveries.append(Delivery(eventID: event.id, status: status))
        }
        return deliveries
    }

    /// Events caused by an API call go out after the answer, as Paddle's do.
    func sendLater(_ events: [PaddleSandboxState.Event]) {
        guard !events.isEmpty else { return }
        Task { _ = await self.send(events) }
    }

    /// Runs a state change under the lock.
    func mutate<T: Sendable>(_ body: (inout PaddleSandboxState) throws -> T) throws -> T {
        try state.withLock { try body(&$0) }
    }
}
