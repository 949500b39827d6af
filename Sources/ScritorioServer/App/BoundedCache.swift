import Foundation
import Synchronization

/// A per-replica cache of values with the time they were stored, bounded in size. When full it forgets
/// everything at once: a cache here only saves a read, so starting over costs one read per key, and no
/// bookkeeping per hit is paid to keep the bound.
final class BoundedCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let entries = Mutex<[Key: (value: Value, at: Date, epoch: UInt64)]>([:])
    private let capacity: Int

    init(capacity: Int = 100_000) {
        self.capacity = capacity
    }

    /// The value stored for `key`, whenever it was stored.
    func value(_ key: Key) -> Value? {
        entries.withLock { $0[key]?.value }
    }

    /// The value stored for `key`, if it was stored less than `maxAge` seconds before `now` and, when `epoch` is
    /// given, under that epoch (a count of changes the value depends on: an entry read before a change is stale).
    func value(_ key: Key, now: Date, maxAge: TimeInterval, epoch: UInt64 = 0) -> Value? {
        guard let entry = entries.withLock({ $0[key] }), now.timeIntervalSince(entry.at) < maxAge, entry.epoch == epoch
        else { return nil }
        return entry.value
    }

    /// Stores `value`; `epoch` is the change count seen *before* the value was read.
    func store(_ value: Value, for key: Key, now: Date, epoch: UInt64 = 0) {
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll() }
            entries[key] = (value, now, epoch)
        }
    }

    func remove(_ key: Key) {
        _ = entries.withLock { $0.removeValue(forKey: key) }
    }
}
