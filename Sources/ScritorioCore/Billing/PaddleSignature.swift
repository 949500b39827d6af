import Crypto
import Foundation

/// Paddle Billing's webhook signature (`Paddle-Signature: ts=…;h1=…[;h1=…]`): HMAC-SHA256 with the whole secret
/// string as key over `"{ts}:{raw body}"`, hex. Several `h1` may be present during secret rotation; any `h1`
/// matching any configured secret is accepted. Always checked on the raw bytes as received.
public enum PaddleSignature {
    /// Why a webhook was refused.
    public enum Failure: Error, Equatable, Sendable {
        /// No `Paddle-Signature` header (answer 400).
        case missingHeader
        /// The header is not `ts=…;h1=…` (answer 400).
        case malformedHeader
        /// No secret is configured: everything is refused, since an empty key is forgeable by anyone.
        case noSecretConfigured
        /// `ts` is further from now than the tolerance (answer 401).
        case outsideTolerance
        /// No `h1` matches any secret (answer 401).
        case mismatch
    }

    /// The parsed header.
    public struct Header: Equatable, Sendable {
        public var timestamp: Int64
        public var signatures: [String]

        public init(timestamp: Int64, signatures: [String]) {
            self.timestamp = timestamp
            self.signatures = signatures
        }
    }

    /// Parses `ts=…;h1=…;h1=…`; unknown keys are ignored so a future `h2` does not break delivery.
    public static func parse(_ header: String) -> Header? {
        var timestamp: Int64?
        var signatures: [String] = []
        for part in header.split(separator: ";") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            switch pair[0] {
            case "ts": timestamp = Int64(pair[1])
            case "h1": signatures.append(pair[1].lowercased())
            default: continue
            }
        }
        guard let timestamp, !signatures.isEmpty else { return nil }
        return Header(timestamp: timestamp, signatures: signatures)
    }

    /// The hex HMAC Paddle sends for `body` at `timestamp` under `secret`.
    public static func signature<Body: DataProtocol>(body: Body, timestamp: Int64, secret: String) -> String {
        var message = Data("\(timestamp):".utf8)
        message.append(contentsOf: body)
        return Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Data(secret.utf8)))).hexString
    }

    /// A complete header value, as the sandbox signs its deliveries.
    public static func header<Body: DataProtocol>(body: Body, timestamp: Int64, secrets: [String]) -> String {
        (["ts=\(timestamp)"] + secrets.map { "h1=" + signature(body: body, timestamp: timestamp, secret: $0) })
            .joined(separator: ";")
    }

    /// Verifies `header` for `body` at `now`. `tolerance` bounds `|now − ts|` in both directions.
    public static func verify<Body: DataProtocol>(
        header: String?, body: Body, secrets: [String], now: Date, tolerance: TimeInterval
    ) -> Result<Header, Failure> {
        let secrets = secrets.filter { !$0.isEmpty }
        guard let header, !header.isEmpty else { return .failure(.missingHeader) }
        guard let parsed = parse(header) else { return .failure(.malformedHeader) }
        guard !secrets.isEmpty else { return .failure(.noSecretConfigured) }
        guard abs(now.timeIntervalSince1970 - TimeInterval(parsed.timestamp)) <= tolerance else {
            return .failure(.outsideTolerance)
        }
        for secret in secrets {
            let expected = signature(body: body, timestamp: parsed.timestamp, secret: secret)
            // Every candidate is compared in constant time; the loop itself reveals only how many there are.
            if parsed.signatures.contains(where: { constantTimeEquals($0, expected) }) { return .success(parsed) }
        }
        return .failure(.mismatch)
    }
}
