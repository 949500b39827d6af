import Crypto
import Foundation
import _CryptoExtras

/// Why a token was refused. The edge maps all of these to `bad_jwt`; the cases exist for logs and tests.
public enum JWTError: Error, Equatable, Sendable {
    case malformed
    case unsupportedAlgorithm(String)
    case unknownKey
    case badSignature
    case expired
    case notYetValid
    case wrongIssuer
    case wrongAudience
    case missingClaim(String)
}

/// The JOSE header fields Scritorio reads and writes.
public struct JWTHeader: Codable, Sendable, Equatable {
    public var alg: String
    public var typ: String?
    public var kid: String?

    public init(alg: String, typ: String? = "JWT", kid: String?) {
        self.alg = alg
        self.typ = typ
        self.kid = kid
    }
}

/// A key that can check a JWT signature. Only the algorithms Scritorio meets on the wire are supported:
/// ES256 (its own tokens, Supabase signing keys), RS256 (Google, Supabase RS keys) and HS256 (legacy Supabase).
public struct JWTVerificationKey: Sendable {
    public enum Material: Sendable {
        case es256(P256.Signing.PublicKey)
        case rs256(_RSA.Signing.PublicKey)
        case hs256(SymmetricKey)
    }

    public var kid: String?
    public var material: Material

    public init(kid: String?, material: Material) {
        self.kid = kid
        self.material = material
    }

    /// The JOSE `alg` this key verifies.
    public var algorithm: String {
        switch material {
        case .es256: "ES256"
        case .rs256: "RS256"
        case .hs256: "HS256"
        }
    }

    func isValid(signature: Data, signingInput: Data) -> Bool {
        switch material {
        case .es256(let key):
            guard let sig = try? P256.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return key.isValidSignature(sig, for: signingInput)
        case .rs256(let key):
            return key.isValidSignature(
                _RSA.Signing.RSASignature(rawRepresentation: signature), for: signingInput, padding: .insecurePKCS1v1_5)
        case .hs256(let key):
            return HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: signingInput, using: key)
        }
    }
}

/// A signing key with its `kid`.
public struct JWTSigningKey: Sendable {
    public enum Material: Sendable {
        case es256(P256.Signing.PrivateKey)
        case rs256(_RSA.Signing.PrivateKey)
    }

    public var kid: String
    public var material: Material

    public init(kid: String, material: Material) {
        self.kid = kid
        self.material = material
    }

    /// Signs `payload` as a compact JWS with header `{alg, typ: "JWT", kid}`.
    public func sign(_ payload: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let alg = switch material {
        case .es256: "ES256"
        case .rs256: "RS256"
        }
        let header = Base64URL.encode(try encoder.encode(JWTHeader(alg: alg, kid: kid)))
        let body = Base64URL.encode(try encoder.encode(payload))
        let input = Data("\(header).\(body)".utf8)
        let signature: Data = switch material {
        case .es256(let key): try key.signature(for: input).rawRepresentation
        case .rs256(let key): try key.signature(for: input, padding: .insecurePKCS1v1_5).rawRepresentation
        }
        return "\(header).\(body).\(Base64URL.encode(signature))"
    }

    /// The public half, for verification and JWKS publication.
    public var verificationKey: JWTVerificationKey {
        switch material {
        case .es256(let key): JWTVerificationKey(kid: kid, material: .es256(key.publicKey))
        case .rs256(let key): JWTVerificationKey(kid: kid, material: .rs256(key.publicKey))
        }
    }
}

/// A set of trusted keys. Verification picks the key by `kid` and insists the header's `alg` is the key's
/// algorithm, so an HS256 token can never be checked against an ES256 public key, and `alg: none` never verifies.
public struct JWTKeySet: Sendable {
    public var keys: [JWTVerificationKey]

    public init(_ keys: [JWTVerificationKey]) { self.keys = keys }

    /// Checks the signature and returns the header and the raw payload JSON.
    public func verify(_ token: String) throws(JWTError) -> (header: JWTHeader, payload: Data) {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerData = Base64URL.decode(parts[0]),
            let payload = Base64URL.decode(parts[1]), let signature = Base64URL.decode(parts[2])
        else { throw .malformed }
        guard let header = try? JSONDecoder().decode(JWTHeader.self, from: headerData) else { throw .malformed }
        guard ["ES256", "RS256", "HS256"].contains(header.alg) else { throw .unsupportedAlgorithm(header.alg) }
        let candidates = keys.filter { key in
            guard key.algorithm == header.alg else { return false }
            if let kid = header.kid { return key.kid == kid }
            // Supabase's rule: an HS256 token without a kid falls back to the shared secret.
            return header.alg == "HS256"
        }
        guard !candidates.isEmpty else { throw .unknownKey }
        let input = Data(token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count))
        guard candidates.contains(where: { $0.isValid(signature: signature, signingInput: input) }) else {
            throw .badSignature
        }
        return (header, payload)
    }
}

/// HS256 with a shared secret, as Supabase's legacy `anon` and `service_role` keys are signed (header
/// `{"alg":"HS256","typ":"JWT"}`, no `kid`). Scritorio never signs access tokens this way; this exists so a project
/// can mint the service role's token from its own legacy secret (`scritorio keys legacy-jwt`) and tests can too.
public enum HS256 {
    public static func sign(_ payload: some Encodable, secret: String) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        let header = Base64URL.encode(try encoder.encode(JWTHeader(alg: "HS256", kid: nil)))
        let body = Base64URL.encode(try encoder.encode(payload))
        let input = Data("\(header).\(body)".utf8)
        let mac = HMAC<SHA256>.authenticationCode(for: input, using: SymmetricKey(data: Data(secret.utf8)))
        return "\(header).\(body).\(Base64URL.encode(Data(mac)))"
    }
}
