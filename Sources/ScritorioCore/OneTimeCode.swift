import Crypto
import Foundation

/// The emailed one-time codes and the hashes that stand for them in links and storage.
public enum OneTimeCode {
    /// A 6-digit code, as GoTrue sends by default.
    public static func generate<R: RandomNumberGenerator>(using rng: inout R) -> String {
        String(format: "%06d", Int.random(in: 0..<1_000_000, using: &rng))
    }

    /// A 6-digit code from the system's secure generator.
    public static func generate() -> String {
        var rng = SystemRandomNumberGenerator()
        return generate(using: &rng)
    }

    /// Supabase's `token_hash`: `hex(sha224(email + otp))`. Only this hash is stored, never the code.
    public static func tokenHash(email: String, code: String) -> String {
        SHA224Hash.hash(Data((email + code).utf8)).hexString
    }
}

/// PKCE (RFC 7636) as Supabase clients use it: `s256` (default) or `plain`.
public enum PKCE {
    public enum Method: String, Sendable, Codable {
        case s256
        case plain
    }

    /// Parses the method clients send (`s256`, `S256`, `plain`); nil for anything else.
    public static func method(_ text: String?) -> Method? {
        switch text?.lowercased() {
        case nil, "s256": .s256
        case "plain": .plain
        default: nil
        }
    }

    /// Whether `verifier` answers the stored `challenge`.
    public static func matches(verifier: String, challenge: String, method: Method) -> Bool {
        let computed: String = switch method {
        case .s256: Base64URL.encode(Data(SHA256.hash(data: Data(verifier.utf8))))
        case .plain: verifier
        }
        return constantTimeEquals(computed, challenge)
    }
}

/// Compares two strings without an early exit, so timing does not reveal how much of a secret matched.
public func constantTimeEquals(_ lhs: String, _ rhs: String) -> Bool {
    let left = Array(lhs.utf8)
    let right = Array(rhs.utf8)
    var difference = UInt8(left.count == right.count ? 0 : 1)
    for index in 0..<max(left.count, right.count) {
        let a = index < left.count ? left[index] : 0
        let b = index < right.count ? right[index] : 0
        difference |= a ^ b
    }
    return difference == 0
}

private let hexDigits = Array("0123456789abcdef".utf8)

extension Sequence where Element == UInt8 {
    /// Lower-case hex. (Table-driven: this runs on every authenticated request, for the token cache key.)
    public var hexString: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(underestimatedCount * 2)
        for byte in self {
            bytes.append(hexDigits[Int(byte >> 4)])
            bytes.append(hexDigits[Int(byte & 0x0f)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension Digest {
    /// Lower-case hex of the digest.
    public var hexString: String { Array(self).hexString }
}

/// Random opaque secrets (refresh tokens, auth codes, publishable keys).
public enum SecretToken {
    /// `count` random characters from `alphabet`.
    public static func random(count: Int, alphabet: String = "abcdefghijklmnopqrstuvwxyz234567") -> String {
        var rng = SystemRandomNumberGenerator()
        let characters = Array(alphabet)
        return String((0..<count).map { _ in characters[Int.random(in: 0..<characters.count, using: &rng)] })
    }

    /// The SHA-256 hex a secret is stored as.
    public static func storageHash(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).hexString
    }
}

/// Hash helpers shared by the nonce rule and tests.
public enum OneTimeCodeHash {
    /// `hex(sha256(text))`.
    public static func sha256Hex(_ text: String) -> String { SHA256.hash(data: Data(text.utf8)).hexString }
}
