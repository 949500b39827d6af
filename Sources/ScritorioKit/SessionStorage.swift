import Foundation
#if canImport(Security)
import Security
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the SDK keeps small secrets (the session, the cached entitlement document, the onboarding flag):
/// the Keychain on Apple platforms, a 0600 file on Linux, memory in tests.
public protocol SessionStorage: Sendable {
    /// The bytes stored under `key`, or `nil`.
    func load(_ key: String) throws -> Data?
    /// Stores `data` under `key`, replacing what was there.
    func save(_ data: Data, for key: String) throws
    /// Removes `key` (no error when absent).
    func remove(_ key: String) throws
}

/// Keeps everything in memory: for tests and for apps that never persist a session.
public final class InMemorySessionStorage: SessionStorage, @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String: Data] = [:]

    /// An empty store.
    public init() {}

    /// The bytes stored under `key`, or `nil`.
    public func load(_ key: String) throws -> Data? { lock.withLock { items[key] } }
    /// Stores `data` under `key`, replacing what was there.
    public func save(_ data: Data, for key: String) throws { lock.withLock { items[key] = data } }
    /// Removes `key` (no error when absent).
    public func remove(_ key: String) throws { _ = lock.withLock { items.removeValue(forKey: key) } }
}

/// One file per key in a directory only the user can read (0700), each file 0600, written atomically.
public struct FileSessionStorage: SessionStorage {
    /// The directory holding the files.
    public let directory: URL

    /// Files under `directory` (created 0700 when missing).
    public init(directory: URL) {
        self.directory = directory
    }

    /// The user's configuration directory for `app`: `$XDG_CONFIG_HOME/app` (default `~/.config/app`) on Linux,
    /// `~/Library/Application Support/app` on macOS.
    public static func defaultDirectory(app: String) -> URL {
        let environment = ProcessInfo.processInfo.environment
        #if os(macOS)
        let base = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent("Library/Application Support")
        #else
        let base = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: environment["HOME"] ?? NSHomeDirectory()).appendingPathComponent(".config")
        #endif
        return base.appendingPathComponent(app)
    }

    private func url(_ key: String) -> URL {
        // Keys are the SDK's own (letters, digits, dots, dashes); anything else is replaced so a key can never
        // name a path outside the directory.
        let safe = String(key.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_" ? $0 : "_" })
        return directory.appendingPathComponent(safe + ".json")
    }

    /// The bytes stored under `key`, or `nil`.
    public func load(_ key: String) throws -> Data? {
        let path = url(key).path
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try Data(contentsOf: url(key))
    }

    /// Stores `data` under `key`, replacing what was there.
    public func save(_ data: Data, for key: String) throws {
        try FileManager.default.createDirectory(
            at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let target = url(key)
        let temporary = directory.appendingPathComponent(".\(UUID().uuidString).tmp")
        // Created 0600 before any byte is written, so the secret is never readable by others, not even briefly.
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw CocoaError(.fileWriteNoPermission) }
        let written = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard written == data.count else {
            try? FileManager.default.removeItem(at: temporary)
            throw CocoaError(.fileWriteUnknown)
        }
        guard rename(temporary.path, target.path) == 0 else {
            try? FileManager.default.removeItem(at: temporary)
            throw CocoaError(.fileWriteUnknown)
        }
    }

    /// Removes `key` (no error when absent).
    public func remove(_ key: String) throws {
        let target = url(key)
        if FileManager.default.fileExists(atPath: target.path) { try FileManager.default.removeItem(at: target) }
    }
}

#if canImport(Security)
/// The Keychain (generic passwords under one service name), for apps on Apple platforms.
public struct KeychainSessionStorage: SessionStorage {
    /// The Keychain service the items are filed under (usually the app's bundle id).
    public let service: String

    /// Items under `service`.
    public init(service: String) {
        self.service = service
    }

    private func query(_ key: String) -> [String: Any] {
        [kSecClass as String: kSecClassGenericPassword, kSecAttrService as String: service, kSecAttrAccount as String: key]
    }

    /// The bytes stored under `key`, or `nil`.
    public func load(_ key: String) throws -> Data? {
        var query = query(key)
        query[kSecReturnData as String] = true
        query[kSecMatchLimit as String] = kSecMatchLimitOne
        var result: AnyObject?
        let status = SecItemCopyMatching(query as CFDictionary, &result)
        if status == errSecItemNotFound { return nil }
        guard status == errSecSuccess else { throw KeychainError(status: status) }
        return result as? Data
    }

    /// Stores `data` under `key`, replacing what was there.
    public func save(_ data: Data, for key: String) throws {
        let update = [kSecValueData as String: data]
        var status = SecItemUpdate(query(key) as CFDictionary, update as CFDictionary)
        if status == errSecItemNotFound {
            var add = query(key)
            add[kSecValueData as String] = data
            add[kSecAttrAccessible as String] = kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly
            status = SecItemAdd(add as CFDictionary, nil)
        }
        guard status == errSecSuccess else { throw KeychainError(status: status) }
    }

    /// Removes `key` (no error when absent).
    public func remove(_ key: String) throws {
        let status = SecItemDelete(query(key) as CFDictionary)
        guard status == errSecSuccess || status == errSecItemNotFound else { throw KeychainError(status: status) }
    }
}

/// A Keychain call failed with `status` (an `OSStatus`).
public struct KeychainError: Error, Sendable, Equatable {
    /// The `OSStatus` the Keychain returned.
    public let status: Int32
}
#endif
