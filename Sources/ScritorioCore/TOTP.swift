import Crypto
import Foundation

/// Time-based one-time passwords (RFC 6238) as authenticator apps and GoTrue use them: HMAC-SHA1, 6 digits, a
/// 30-second step. Validation accepts the current step and one step either side (clock drift between phone and
/// server) and tells which step matched, so the caller can refuse a code whose step was already used.
public struct TOTP: Sendable {
    public static let digits = 6
    public static let period: Int64 = 30

    /// The raw shared secret (20 bytes for a new factor, as GoTrue generates).
    public let secret: [UInt8]

    public init(secret: [UInt8]) { self.secret = secret }

    /// A new random 20-byte secret.
    public static func random() -> TOTP {
        var rng = SystemRandomNumberGenerator()
        return TOTP(secret: (0..<20).map { _ in UInt8.random(in: 0...255, using: &rng) })
    }

    /// The secret as authenticator apps type it: RFC 4648 base32, upper case, no padding.
    public var base32Secret: String { Base32.encode(secret) }

    /// The time step `date` falls in.
    public static func step(at date: Date) -> Int64 { Int64(floor(date.timeIntervalSince1970)) / period }

    /// The code for `step` (RFC 4226 dynamic truncation).
    public func code(step: Int64) -> String {
        var counter = UInt64(bitPattern: step).bigEndian
        let message = withUnsafeBytes(of: &counter) { Data($0) }
        let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: SymmetricKey(data: secret)))
        let offset = Int(mac[mac.count - 1] & 0x0f)
        let binary = (UInt32(mac[offset] & 0x7f) << 24) | (UInt32(mac[offset + 1]) << 16) | (UInt32(mac[offset + 2]) << 8) | UInt32(mac[offset + 3])
        return String(format: "%06u", binary % 1_000_000)
    }

    /// The code at `date`.
    public func code(at date: Date) -> String { code(step: Self.step(at: date)) }

    /// The step `code` is valid for at `now` (within `window` steps either side), or nil. Compared in constant
    /// time; a code of the wrong shape never matches.
    public func matchingStep(_ code: String, at now: Date, window: Int64 = 1) -> Int64? {
        guard code.count == Self.digits, code.allSatisfy(\.isASCII), code.allSatisfy(\.isNumber) else { return nil }
        let current = Self.step(at: now)
        var found: Int64?
        for step in (current - window)...(current + window) where constantTimeEquals(self.code(step: step), code) {
            found = found ?? step
        }
        return found
    }

    /// The `otpauth://` URI authenticator apps import (the QR code's content), written as GoTrue writes it: the label
    /// path-escaped, the query form-encoded with its keys in order.
    public func uri(issuer: String, account: String) -> String {
        var pathAllowed = CharacterSet.alphanumerics.intersection(.init(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(128)))
        pathAllowed.insert(charactersIn: "-._~:@!$&'()*+,;=")
        func query(_ text: String) -> String {
            var allowed = CharacterSet.alphanumerics.intersection(.init(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(128)))
            allowed.insert(charactersIn: "-._~ ")
            return (text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text).replacingOccurrences(of: " ", with: "+")
        }
        let label = (issuer + ":" + account).addingPercentEncoding(withAllowedCharacters: pathAllowed) ?? account
        return "otpauth://totp/\(label)?algorithm=SHA1&digits=6&issuer=\(query(issuer))&period=30&secret=\(base32Secret)"
    }
}

/// RFC 4648 base32 (the alphabet TOTP secrets are written in).
public enum Base32 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        var buffer = 0
        var bits = 0
        for byte in bytes {
            buffer = (buffer << 8) | Int(byte)
            bits += 8
            while bits >= 5 {
                output.append(alphabet[(buffer >> (bits - 5)) & 31])
                bits -= 5
            }
        }
        if bits > 0 { output.append(alphabet[(buffer << (5 - bits)) & 31]) }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes upper- or lower-case base32, ignoring padding; nil for any other character.
    public static func decode(_ text: String) -> [UInt8]? {
        var output: [UInt8] = []
        var buffer = 0
        var bits = 0
        for character in text.uppercased().utf8 where character != UInt8(ascii: "=") {
            guard let value = alphabet.firstIndex(of: character) else { return nil }
            buffer = ((buffer << 5) | value) & 0xffff
            bits += 5
            if bits >= 8 {
                output.append(UInt8((buffer >> (bits - 8)) & 0xff))
                bits -= 8
            }
        }
        return output
    }
}

/// Seals small secrets (TOTP seeds) for storage with AES-256-GCM under a key kept outside the database, so a copy
/// of the database alone does not give away anyone's second factor. Sealed text is `v1.` + base64(nonce‖ciphertext‖tag).
public struct SecretBox: Sendable {
    let key: SymmetricKey

    /// `keyBytes` must be 32 bytes.
    public init?(keyBytes: [UInt8]) {
        guard keyBytes.count == 32 else { return nil }
        key = SymmetricKey(data: keyBytes)
    }

    /// A new random 32-byte key.
    public static func randomKeyBytes() -> [UInt8] {
        SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
    }

    public func seal(_ plaintext: [UInt8], context: String) throws -> String {
        let box = try AES.GCM.seal(plaintext, using: key, authenticating: Data(context.utf8))
        guard let combined = box.combined else { throw CryptoKitError.incorrectParameterSize }
        return "v1." + combined.base64EncodedString()
    }

    /// The plaintext, or nil when the text was not sealed by this key for this `context` (the factor's id, so a
    /// sealed secret copied onto another factor's row does not open).
    public func open(_ sealed: String, context: String) -> [UInt8]? {
        guard sealed.hasPrefix("v1."), let data = Data(base64Encoded: String(sealed.dropFirst(3))),
            let box = try? AES.GCM.SealedBox(combined: data),
            let plain = try? AES.GCM.open(box, using: key, authenticating: Data(context.utf8))
        else { return nil }
        return Array(plain)
    }
}
