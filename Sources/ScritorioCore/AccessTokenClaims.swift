import Foundation

/// One authentication method reference, kept across refreshes (`amr` claim).
public struct AuthenticationMethod: Codable, Sendable, Equatable {
    public var method: String
    public var timestamp: Int64

    public init(method: String, timestamp: Int64) {
        self.method = method
        self.timestamp = timestamp
    }
}

/// The claims of a Supabase-compatible access token (no `jti`, no `nbf`, `aud` a string).
public struct AccessTokenClaims: Codable, Sendable, Equatable {
    public var iss: String
    public var sub: String
    public var aud: String
    public var exp: Int64
    public var iat: Int64
    public var email: String
    public var phone: String
    public var app_metadata: [String: JSONValue]
    public var user_metadata: [String: JSONValue]
    public var role: String
    public var aal: String
    public var amr: [AuthenticationMethod]
    public var session_id: String
    public var is_anonymous: Bool

    public init(
        iss: String, sub: String, aud: String = "authenticated", exp: Int64, iat: Int64, email: String,
        phone: String = "", app_metadata: [String: JSONValue], user_metadata: [String: JSONValue],
        role: String = "authenticated", aal: String = "aal1", amr: [AuthenticationMethod], session_id: String,
        is_anonymous: Bool = false
    ) {
        self.iss = iss
        self.sub = sub
        self.aud = aud
        self.exp = exp
        self.iat = iat
        self.email = email
        self.phone = phone
        self.app_metadata = app_metadata
        self.user_metadata = user_metadata
        self.role = role
        self.aal = aal
        self.amr = amr
        self.session_id = session_id
        self.is_anonymous = is_anonymous
    }
}

/// The claims Scritorio needs from any verified token, whoever issued it. Everything else is optional so that
/// tokens minted by a real Supabase project (which may carry more or fewer claims) decode too.
public struct VerifiedClaims: Decodable, Sendable, Equatable {
    public var iss: String?
    public var sub: String?
    public var aud: Audience?
    public var exp: Double?
    public var iat: Double?
    /// Not before (RFC 7519 §4.1.5): Scritorio's tokens carry none, another issuer's may.
    public var nbf: Double?
    public var email: String?
    public var role: String?
    public var session_id: String?

    /// `aud` may be a string or an array of strings (RFC 7519 §4.1.3).
    public enum Audience: Decodable, Sendable, Equatable {
        case one(String)
        case many([String])

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let one = try? container.decode(String.self) {
                self = .one(one)
            } else {
                self = .many(try container.decode([String].self))
            }
        }

        public func contains(_ value: String) -> Bool {
            switch self {
            case .one(let one): one == value
            case .many(let many): many.contains(value)
            }
        }

        public func containsAny(of values: [String]) -> Bool { values.contains(where: contains) }
    }

    /// Checks the time window and the expected issuer and audience. `leeway` absorbs small clock drift.
    public func validate(now: Date, issuers: [String], audiences: [String], leeway: TimeInterval = 0) throws(JWTError) {
        guard let exp else { throw .missingClaim("exp") }
        guard now.timeIntervalSince1970 < exp + leeway else { throw .expired }
        if let nbf, now.timeIntervalSince1970 + leeway < nbf { throw .notYetValid }
        if let iat, iat > now.timeIntervalSince1970 + max(leeway, 60) { throw .notYetValid }
        guard let iss else { throw .missingClaim("iss") }
        guard issuers.contains(iss) else { throw .wrongIssuer }
        guard let aud, aud.containsAny(of: audiences) else { throw .wrongAudience }
        guard sub != nil else { throw .missingClaim("sub") }
    }
}
