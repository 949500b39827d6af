import Foundation

/// Where an event of the webhook log stands. `pending` and `retry` are waiting for the processor; `parked` gave
/// up after its attempts (an operator replays it); the rest are final answers of the applier. A word written by
/// a newer version is kept as `unknown`.
public enum WebhookEventStatus: Sendable, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
    case pending, retry, parked
    /// Applied to the user's records.
    case processed
    /// Older than what is stored; nothing changed.
    case stale
    /// An event type Scritorio does not act on.
    case ignored
    /// No user could be found for it yet (an operator links it).
    case orphan
    /// Of the mode this deployment does not run in; never applied.
    case wrongMode
    case unknown(String)

    private static let words: [(WebhookEventStatus, String)] = [
        (.pending, "pending"), (.retry, "retry"), (.parked, "parked"), (.processed, "processed"), (.stale, "stale"),
        (.ignored, "ignored"), (.orphan, "orphan"), (.wrongMode, "wrong_mode"),
    ]

    public init(rawValue: String) {
        self = Self.words.first { $0.1 == rawValue }?.0 ?? .unknown(rawValue)
    }

    public init(stringLiteral value: String) { self.init(rawValue: value) }

    /// The stored spelling.
    public var rawValue: String {
        if case .unknown(let word) = self { return word }
        return Self.words.first { $0.0 == self }?.1 ?? ""
    }

    public var description: String { rawValue }
}
