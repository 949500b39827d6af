import Foundation
import ScritorioModels

/// `POST /otp`: a magic link and code by email (`create_user` defaults to true).
public struct OTPRequest: Codable, Sendable, Equatable {
    public var email: String?
    public var phone: String?
    public var create_user: Bool?
    public var data: [String: JSONValue]?
    public var channel: String?
    public var code_challenge: String?
    public var code_challenge_method: String?

    /// An OTP request; `nil` members are not sent.
    public init(
        email: String?, create_user: Bool? = nil, data: [String: JSONValue]? = nil, code_challenge: String? = nil,
        code_challenge_method: String? = nil
    ) {
        self.email = email
        self.create_user = create_user
        self.data = data
        self.code_challenge = code_challenge
        self.code_challenge_method = code_challenge_method
    }
}

/// `POST /factors`.
public struct EnrollFactorRequest: Codable, Sendable, Equatable {
    public var factor_type: String?
    public var friendly_name: String?
    public var issuer: String?
    public var phone: String?

    /// An enrolment of `factor_type` (`totp`).
    public init(factor_type: String? = "totp", friendly_name: String? = nil, issuer: String? = nil) {
        self.factor_type = factor_type
        self.friendly_name = friendly_name
        self.issuer = issuer
    }
}

/// What a TOTP enrolment answers: the factor and, once only, its secret.
public struct EnrollFactorResponse: Codable, Sendable, Equatable {
    /// The secret as an authenticator app takes it.
    public struct TOTPDetails: Codable, Sendable, Equatable {
        /// The QR code of `uri`, as SVG markup (clients make it a `data:image/svg+xml;utf-8,` URI).
        public var qr_code: String
        /// The base32 secret, for typing in by hand.
        public var secret: String
        /// The `otpauth://totp/…` URI.
        public var uri: String

        /// The enrolment's secret in its three forms.
        public init(qr_code: String, secret: String, uri: String) {
            self.qr_code = qr_code
            self.secret = secret
            self.uri = uri
        }
    }

    /// The new factor's id.
    public var id: String
    /// `totp`.
    public var type: String
    /// The name given, or `""`.
    public var friendly_name: String
    /// The secret.
    public var totp: TOTPDetails

    /// An enrolment answer.
    public init(id: String, type: String, friendly_name: String, totp: TOTPDetails) {
        self.id = id
        self.type = type
        self.friendly_name = friendly_name
        self.totp = totp
    }
}

/// `POST /factors/{id}/challenge` (the body is ignored for TOTP).
public struct ChallengeFactorRequest: Codable, Sendable, Equatable {
    public var channel: String?

    /// A challenge request.
    public init(channel: String? = nil) { self.channel = channel }
}

/// A challenge: verify against its id before `expires_at` (Unix seconds).
public struct ChallengeFactorResponse: Codable, Sendable, Equatable {
    public var id: String
    public var type: String
    public var expires_at: Int64

    /// A challenge answer.
    public init(id: String, type: String, expires_at: Int64) {
        self.id = id
        self.type = type
        self.expires_at = expires_at
    }
}

/// `POST /factors/{id}/verify`.
public struct VerifyFactorRequest: Codable, Sendable, Equatable {
    public var challenge_id: String?
    public var code: String?

    /// A verification of `code` against a challenge.
    public init(challenge_id: String?, code: String?) {
        self.challenge_id = challenge_id
        self.code = code
    }
}
