import Foundation
import ScritorioCore

/// The key TOTP secrets are sealed with: `SCRITORIO_MFA_ENCRYPTION_KEY` (base64 of 32 bytes), or generated once into
/// the data directory (`mfa-key`, owner-only). Kept outside the database so a copy of the database alone does not
/// give away anyone's second factor. Losing it makes every enrolled factor unusable (users then need an admin to
/// remove their factor).
enum MFAKey {
    static func load(directory: String, configured: String?) throws -> SecretBox {
        if let configured {
            guard let bytes = Data(base64Encoded: configured), let box = SecretBox(keyBytes: Array(bytes)) else {
                throw ConfigError(description: "SCRITORIO_MFA_ENCRYPTION_KEY must be the base64 of 32 bytes (openssl rand -base64 32)")
            }
            return box
        }
        let path = directory + "/mfa-key"
        if let text = try? String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty {
            guard let bytes = Data(base64Encoded: text), let box = SecretBox(keyBytes: Array(bytes)) else {
                throw ConfigError(description: "\(path) does not hold the base64 of 32 bytes")
            }
            return box
        }
        let bytes = SecretBox.randomKeyBytes()
        try PrivateFile.write(Data((Data(bytes).base64EncodedString() + "\n").utf8), to: path)
        guard let box = SecretBox(keyBytes: bytes) else { throw ConfigError(description: "could not create the MFA key") }
        return box
    }
}
