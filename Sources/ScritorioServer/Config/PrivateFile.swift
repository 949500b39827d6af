import Foundation

/// Writes the files the server keeps in its data directory (signing keys, the publishable key, the licence secret,
/// AI settlements waiting for the store): owner-only, and replaced atomically, so a crash or a full disk never
/// leaves a half-written file that the next start would take for no file at all (and replace with a new secret).
enum PrivateFile {
    static func write(_ contents: Data, to path: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: contents, attributes: [.posixPermissions: 0o600])
        else { throw ConfigError(description: "cannot write \(temporary)") }
        // rename(2) replaces atomically.
        guard rename(temporary, path) == 0 else {
            try? FileManager.default.removeItem(atPath: temporary)
            throw ConfigError(description: "cannot write \(path)")
        }
    }
}
