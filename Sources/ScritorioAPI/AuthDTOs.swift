import Foundation
import ScritorioModels

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
    public var invited_at: String?
    /// The address a pending email change waits to confirm.
    public var new_email: String?
    public var email_change_sent_at: String?
    public var reauthentication_sent_at: String?
    public var banned_until: String?
    public var deleted_at: String?
    /// The user's MFA factors; absent when there are none, as GoTrue omits it.
    public var factors: [FactorResponse]?

    public init(_ user: AuthUser, identities: [AuthIdentity], factors: [MFAFactor] = []) {
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
        self.is_anonymous = user.isAnonymous
        self.invited_at = user.invitedAt.map(WireDate.format)
        self.new_email = user.emailChange
        self.email_change_sent_at = user.emailChangeSentAt.map(WireDate.format)
        self.reauthentication_sent_at = user.reauthenticationSentAt.map(WireDate.format)
        self.banned_until = user.bannedUntil.map(WireDate.format)
        self.deleted_at = user.deletedAt.map(WireDate.format)
        self.factors = factors.isEmpty ? nil : factors.map(FactorResponse.init)
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
public struct SignUpRequest: Codable, Sendable, Equatable {
    public var email: String?
    public var phone: String?
    public var password: String?
    public var data: [String: JSONValue]?
    public var code_challenge: String?
    public var code_challenge_method: String?

    /// A sign-up; members left `nil` are not sent.
    public init(
        email: String? = nil, phone: String? = nil, password: String? = nil, data: [String: JSONValue]? = nil,
        code_challenge: String? = nil, code_challenge_method: String? = nil
    ) {
        self.email = email
        self.phone = phone
        self.password = password
        self.data = data
        self.code_challenge = code_challenge
        self.code_challenge_method = code_challenge_method
    }
}

/// `POST /token?grant_type=password`.
public struct PasswordGrantRequest: Codable, Sendable, Equatable {
    public var email: String?
    public var phone: String?
    public var password: String?

    /// A password grant; members left `nil` are not sent.
    public init(email: String? = nil, phone: String? = nil, password: String? = nil) {
        self.email = email
        self.phone = phone
        self.password = password
    }
}

/// `POST /token?grant_type=refresh_token`.
public struct RefreshGrantRequest: Codable, Sendable, Equatable {
    public var refresh_token: String?

    /// A refresh grant.
    public init(refresh_token: String?) { self.refresh_token = refresh_token }
}

/// `POST /token?grant_type=id_token`.
public struct IDTokenGrantRequest: Codable, Sendable, Equatable {
    public var provider: String?
    public var id_token: String?
    public var access_token: String?
    public var nonce: String?
    public var client_id: String?

    /// An ID-token grant; members left `nil` are not sent.
    public init(
        provider: String? = nil, id_token: String? = nil, access_token: String? = nil, nonce: String? = nil, client_id: String? = nil
    ) {
        self.provider = provider
        self.id_token = id_token
        self.access_token = access_token
        self.nonce = nonce
        self.client_id = client_id
    }
}

/// `POST /token?grant_type=pkce`.
public struct PKCEGrantRequest: Codable, Sendable, Equatable {
    public var auth_code: String?
    public var code_verifier: String?

    /// A PKCE grant.
    public init(auth_code: String?, code_verifier: String?) {
        self.auth_code = auth_code
        self.code_verifier = code_verifier
    }
}

/// `POST /verify`.
public struct VerifyRequest: Codable, Sendable, Equatable {
    public var type: String?
    public var token: String?
    public var token_hash: String?
    public var email: String?
    public var phone: String?
    public var redirect_to: String?

    /// A verification; members left `nil` are not sent.
    public init(
        type: String? = nil, token: String? = nil, token_hash: String? = nil, email: String? = nil, phone: String? = nil,
        redirect_to: String? = nil
    ) {
        self.type = type
        self.token = token
        self.token_hash = token_hash
        self.email = email
        self.phone = phone
        self.redirect_to = redirect_to
    }
}

/// `POST /recover`.
public struct RecoverRequest: Codable, Sendable, Equatable {
    public var email: String?
    public var code_challenge: String?
    public var code_challenge_method: String?

    /// A recovery request; members left `nil` are not sent.
    public init(email: String? = nil, code_challenge: String? = nil, code_challenge_method: String? = nil) {
        self.email = email
        self.code_challenge = code_challenge
        self.code_challenge_method = code_challenge_method
    }
}

/// `POST /resend`.
public struct ResendRequest: Codable, Sendable, Equatable {
    public var type: String?
    public var email: String?
    public var phone: String?

    /// A resend request.
    public init(type: String?, email: String?) {
        self.type = type
        self.email = email
    }
}

/// `PUT /user`.
public struct UpdateUserRequest: Codable, Sendable, Equatable {
    public var email: String?
    public var password: String?
    public var data: [String: JSONValue]?
    public var nonce: String?
    public var current_password: String?
    public var app_metadata: [String: JSONValue]?
    public var phone: String?
    /// PKCE for the email-change links (supabase clients send one with `email`).
    public var code_challenge: String?
    public var code_challenge_method: String?

    /// A user update; members left `nil` are not sent (and not changed).
    public init(
        email: String? = nil, password: String? = nil, data: [String: JSONValue]? = nil, nonce: String? = nil,
        current_password: String? = nil, app_metadata: [String: JSONValue]? = nil
    ) {
        self.email = email
        self.password = password
        self.data = data
        self.nonce = nonce
        self.current_password = current_password
        self.app_metadata = app_metadata
    }
}

/// `POST /signup`'s answer: a session when the server confirms at once, the new user when a code was emailed.
public enum SignUpResponse: Codable, Sendable, Equatable {
    /// Signed in.
    case session(SessionResponse)
    /// Confirmation required.
    case user(UserResponse)

    /// A session when the body is one, else a user.
    public init(from decoder: any Decoder) throws {
        if let session = try? SessionResponse(from: decoder) {
            self = .session(session)
        } else {
            self = .user(try UserResponse(from: decoder))
        }
    }

    /// The session or the user, as is.
    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .session(let session): try session.encode(to: encoder)
        case .user(let user): try user.encode(to: encoder)
        }
    }
}
