import Foundation
import ScritorioCore

/// GoTrue's IDENTITY object.
public struct IdentityResponse: Codable, Sendable, Equatable {
    public var identity_id: String
    public var id: String
    public var user_id: String
    public var identity_data: [String: JSONValue]
    public var provider: String
    public var last_sign_in_at: String?
    public var created_at: String
    public var updated_at: String
    public var email: String?

    public init(_ identity: AuthIdentity) {
        self.identity_id = identity.id.description
        self.id = identity.providerID
        self.user_id = identity.userID.description
        self.identity_data = identity.identityData
        self.provider = identity.provider
        self.last_sign_in_at = identity.lastSignInAt.map(WireDate.format)
        self.created_at = WireDate.format(identity.createdAt)
        self.updated_at = WireDate.format(identity.updatedAt)
        self.email = identity.identityData["email"]?.stringValue
    }
}

/// GoTrue's USER object: always-present fields, and `*_at` fields omitted when null.
public struct UserResponse: Codable, Sendable, Equatable {
    public var id: String
    public var aud: String
    public var role: String
    public var email: String
    public var phone: String
    public var email_confirmed_at: String?
    public var confirmed_at: String?
    public var confirmation_sent_at: String?
    public var recovery_sent_at: String?
    public var last_sign_in_at: String?
    public var app_metadata: [String: JSONValue]
    public var user_metadata: [String: JSONValue]
    public var identities: [IdentityResponse]
    public var created_at: String
    public var updated_at: String
    public var is_anonymous: Bool

    public init(_ user: AuthUser, identities: [AuthIdentity]) {
        self.id = user.id.description
        self.aud = "authenticated"
        self.role = "authenticated"
        self.email = user.email ?? ""
        self.phone = ""
        self.email_confirmed_at = user.emailConfirmedAt.map(WireDate.format)
        self.confirmed_at = self.email_confirmed_at
        self.confirmation_sent_at = user.confirmationSentAt.map(WireDate.format)
        self.recovery_sent_at = user.recoverySentAt.map(WireDate.format)
        self.last_sign_in_at = user.lastSignInAt.map(WireDate.format)
        self.app_metadata = user.appMetadata
        self.user_metadata = user.userMetadata
        self.identities = identities.map(IdentityResponse.init)
        self.created_at = WireDate.format(user.createdAt)
        self.updated_at = WireDate.format(user.updatedAt)
        self.is_anonymous = false
    }
}

/// The `weak_password` note attached to a session or an error.
public struct WeakPasswordInfo: Codable, Sendable, Equatable {
    public var message: String?
    public var reasons: [String]

    public init(message: String?, reasons: [String]) {
        self.message = message
        self.reasons = reasons
    }
}

/// GoTrue's SESSION object.
public struct SessionResponse: Codable, Sendable, Equatable {
    public var access_token: String
    public var token_type: String
    public var expires_in: Int
    public var expires_at: Int64
    public var refresh_token: String
    public var user: UserResponse
    public var weak_password: WeakPasswordInfo?

    public init(
        accessToken: String, expiresIn: Int, expiresAt: Int64, refreshToken: String, user: UserResponse,
        weakPassword: WeakPasswordInfo? = nil
    ) {
        self.access_token = accessToken
        self.token_type = "bearer"
        self.expires_in = expiresIn
        self.expires_at = expiresAt
        self.refresh_token = refreshToken
        self.user = user
        self.weak_password = weakPassword
    }
}

/// `POST /signup`.
public struct SignUpRequest: Decodable, Sendable {
    public var email: String?
    public var phone: String?
    public var password: String?
    public var data: [String: JSONValue]?
    public var code_challenge: String?
    public var code_challenge_method: String?
}

/// `POST /token?grant_type=password`.
public struct PasswordGrantRequest: Decodable, Sendable {
    public var email: String?
    public var phone: String?
    public var password: String?
}

/// `POST /token?grant_type=refresh_token`.
public struct RefreshGrantRequest: Decodable, Sendable {
    public var refresh_token: String?
}

/// `POST /token?grant_type=id_token`.
public struct IDTokenGrantRequest: Decodable, Sendable {
    public var provider: String?
    public var id_token: String?
    public var access_token: String?
    public var nonce: String?
    public var client_id: String?
}

/// `POST /token?grant_type=pkce`.
public struct PKCEGrantRequest: Decodable, Sendable {
    public var auth_code: String?
    public var code_verifier: String?
}

/// `POST /verify`.
public struct VerifyRequest: Decodable, Sendable {
    public var type: String?
    public var token: String?
    public var token_hash: String?
    public var email: String?
    public var phone: String?
    public var redirect_to: String?
}

/// `POST /recover`.
public struct RecoverRequest: Decodable, Sendable {
    public var email: String?
    public var code_challenge: String?
    public var code_challenge_method: String?
}

/// `POST /resend`.
public struct ResendRequest: Decodable, Sendable {
    public var type: String?
    public var email: String?
}

/// `PUT /user`.
public struct UpdateUserRequest: Decodable, Sendable {
    public var email: String?
    public var password: String?
    public var data: [String: JSONValue]?
    public var nonce: String?
    public var current_password: String?
    public var app_metadata: [String: JSONValue]?
}
