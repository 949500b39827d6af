import Crypto
import Foundation

/// Lemon Squeezy's webhook signature: `X-Signature` is the lowercase hex HMAC-SHA256 of the raw body, keyed with
/// the signing secret the seller chose for the webhook. There is no timestamp (so no replay window): replays are
/// harmless because deliveries are deduplicated on a digest of the body and applied in `updated_at` order.
/// Several secrets may be configured during rotation; any one verifies.
public enum LemonSqueezySignature {
    /// Why a webhook was refused.
    public enum Failure: Error, Equatable, Sendable {
        /// No `X-Signature` header (answer 400).
        case missingHeader
        /// No secret is configured: everything is refused, since an empty key is forgeable by anyone.
        case noSecretConfigured
        /// The header matches no configured secret (answer 401).
        case mismatch
    }

    /// The hex HMAC Lemon Squeezy sends for `body` under `secret`.
    public static func signature<Body: DataProtocol>(body: Body, secret: String) -> String {
        Array(HMAC<SHA256>.authenticationCode(for: Array(body), using: SymmetricKey(data: Data(secret.utf8)))).hexString
    }

    /// Verifies `header` for the raw `body` against every configured secret, each compared in constant time.
    public static func verify<Body: DataProtocol>(header: String?, body: Body, secrets: [String]) -> Result<Void, Failure> {
        let secrets = secrets.filter { !$0.isEmpty }
        guard let header = header?.trimmingCharacters(in: .whitespaces), !header.isEmpty else { return .failure(.missingHeader) }
        guard !secrets.isEmpty else { return .failure(.noSecretConfigured) }
        let presented = header.lowercased()
        var matched = false
        for secret in secrets {
            // No early exit: every secret is tried, so timing reveals only how many are configured.
            if constantTimeEquals(presented, signature(body: body, secret: secret)) { matched = true }
        }
        return matched ? .success(()) : .failure(.mismatch)
    }

    /// The dedupe key of a delivery: Lemon Squeezy sends no event id, and a retry repeats the same bytes.
    public static func digest<Body: DataProtocol>(_ body: Body) -> String {
        "sha256:" + SHA256.hash(data: Array(body)).hexString
    }
}
