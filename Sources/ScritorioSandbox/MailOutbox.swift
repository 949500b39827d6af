import Foundation
import ScritorioAPI
import ScritorioCore
import Synchronization

/// The sandbox's mail outbox: mail "sent" in sandbox mode lands here and is listed at `GET /sandbox/mail`.
/// Bounded, so a long-running sandbox does not grow without limit.
public final class MailOutbox: Sendable {
    /// One stored mail, as the outbox lists it.
    public struct Entry: Codable, Sendable, Equatable {
        public var id: String
        public var to: String
        public var subject: String
        public var text: String
        public var type: String
        public var otp: String?
        public var token_hash: String?
        public var link: String?
        public var created_at: String
    }

    private let entries = Mutex<[Entry]>([])
    private let capacity: Int

    public init(capacity: Int = 1000) {
        self.capacity = capacity
    }

    /// Records `message` as sent at `now`.
    public func deliver(_ message: MailMessage, now: Date) {
        let entry = Entry(
            id: UUID().uuidString.lowercased(), to: message.to, subject: message.subject, text: message.text,
            type: message.kind.rawValue, otp: message.code, token_hash: message.tokenHash, link: message.link,
            created_at: WireDate.format(now))
        entries.withLock { entries in
            entries.append(entry)
            if entries.count > capacity { entries.removeFirst(entries.count - capacity) }
        }
    }

    /// Newest first, optionally only mail to `recipient` (compared case-insensitively).
    public func list(to recipient: String? = nil) -> [Entry] {
        let all = entries.withLock { Array($0.reversed()) }
        guard let recipient = recipient?.lowercased() else { return all }
        return all.filter { $0.to.lowercased() == recipient }
    }
}
