import Foundation

/// A stored key that rotation can retire.
protocol RotatableStoredKey: Codable {
    var retired_at: Date? { get set }
}

/// A key ring kept as JSON in the data directory (mode 0600, replaced atomically): the newest key first, rotated-out
/// keys marked `retired_at` and kept while what they signed may still be valid. Shared by the ES256 access-token
/// keys and the Ed25519 entitlement keys.
struct KeyFile<Key: RotatableStoredKey>: Codable {
    var keys: [Key]

    /// The file at `path`, or an empty ring when there is none yet.
    static func read(path: String) throws -> KeyFile {
        guard FileManager.default.fileExists(atPath: path) else { return KeyFile(keys: []) }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return try decoder.decode(KeyFile.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// Writes the ring to `path` (creating its directory), readable by the owner only.
    func write(path: String) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try PrivateFile.write(try encoder.encode(self), to: path)
    }

    /// Retires the current key, forgets keys retired longer than `keepRetiredFor` ago, and makes `new` current.
    mutating func rotate(to new: Key, now: Date, keepRetiredFor: TimeInterval) {
        for index in keys.indices where keys[index].retired_at == nil {
            keys[index].retired_at = now
        }
        keys.removeAll { ($0.retired_at.map { now.timeIntervalSince($0) > keepRetiredFor }) ?? false }
        keys.insert(new, at: 0)
    }
}
