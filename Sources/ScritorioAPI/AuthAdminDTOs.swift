import Foundation
import ScritorioModels

/// GoTrue's Factor object. `friendly_name` is omitted when empty; `last_challenged_at` is always present (null until
/// the first challenge); the secret and the owner never appear.
public struct FactorResponse: Codable, Sendable, Equatable {
    public var id: String
    public var created_at: String
    public var updated_at: String
    public var status: String
    public var friendly_name: String?
    public var factor_type: String
    public var phone: String
    public var last_challenged_at: String?

    public init(_ factor: MFAFactor) {
        id = factor.id.uuidString.lowercased()
        created_at = WireDate.format(factor.createdAt)
        updated_at = WireDate.format(factor.updatedAt)
        status = factor.status.rawValue
        friendly_name = (factor.friendlyName?.isEmpty ?? true) ? nil : factor.friendlyName
        factor_type = factor.factorType
        phone = ""
        last_challenged_at = factor.lastChallengedAt.map(WireDate.format)
    }

    enum CodingKeys: String, CodingKey {
        case id, created_at, updated_at, status, friendly_name, factor_type, phone, last_challenged_at
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(created_at, forKey: .created_at)
        try container.encode(updated_at, forKey: .updated_at)
        try container.encode(status, forKey: .status)
        try container.encodeIfPresent(friendly_name, forKey: .friendly_name)
        try container.encode(factor_type, forKey: .factor_type)
        try container.encode(phone, forKey: .phone)
        try container.encode(last_challenged_at, forKey: .last_challenged_at)
    }
}

/// `POST /admin/users` and `PUT /admin/users/{id}` (GoTrue's AdminUserParams). Unknown keys are ignored.
public struct AdminUserRequest: Codable, Sendable, Equatable {
    public var id: String?
    public var aud: String?
    public var role: String?
    public var email: String?
    public var phone: String?
    public var password: String?
    public var password_hash: String?
    public var email_confirm: Bool?
    public var phone_confirm: Bool?
    public var user_metadata: [String: JSONValue]?
    public var app_metadata: [String: JSONValue]?
    public var ban_duration: String?

    public init(
        email: String? = nil, password: String? = nil, email_confirm: Bool? = nil, user_metadata: [String: JSONValue]? = nil,
        app_metadata: [String: JSONValue]? = nil, ban_duration: String? = nil
    ) {
        self.email = email
        self.password = password
        self.email_confirm = email_confirm
        self.user_metadata = user_metadata
        self.app_metadata = app_metadata
        self.ban_duration = ban_duration
    }
}

/// `GET /admin/users`.
public struct AdminUserList: Codable, Sendable, Equatable {
    public var users: [UserResponse]
    public var aud: String

    public init(users: [UserResponse], aud: String = "authenticated") {
        self.users = users
        self.aud = aud
    }
}

/// `DELETE /admin/users/{id}`.
public struct AdminDeleteUserRequest: Codable, Sendable, Equatable {
    public var should_soft_delete: Bool?

    public init(should_soft_delete: Bool? = nil) { self.should_soft_delete = should_soft_delete }
}

/// `POST /admin/generate_link`.
public struct GenerateLinkRequest: Codable, Sendable, Equatable {
    public var type: String?
    public var email: String?
    public var new_email: String?
    public var password: String?
    public var data: [String: JSONValue]?
    public var redirect_to: String?

    public init(type: String?, email: String?, new_email: String? = nil, password: String? = nil, data: [String: JSONValue]? = nil) {
        self.type = type
        self.email = email
        self.new_email = new_email
        self.password = password
        self.data = data
    }
}

/// The answer to `generate_link`: the user's own keys at the top level, and beside them the link's.
public struct GenerateLinkResponse: Codable, Sendable, Equatable {
    public var user: UserResponse
    public var action_link: String
    public var email_otp: String
    public var hashed_token: String
    public var verification_type: String
    public var redirect_to: String

    public init(user: UserResponse, action_link: String, email_otp: String, hashed_token: String, verification_type: String, redirect_to: String) {
        self.user = user
        self.action_link = action_link
        self.email_otp = email_otp
        self.hashed_token = hashed_token
        self.verification_type = verification_type
        self.redirect_to = redirect_to
    }

    enum CodingKeys: String, CodingKey {
        case action_link, email_otp, hashed_token, verification_type, redirect_to
    }

    public init(from decoder: any Decoder) throws {
        user = try UserResponse(from: decoder)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        action_link = try container.decode(String.self, forKey: .action_link)
        email_otp = try container.decode(String.self, forKey: .email_otp)
        hashed_token = try container.decode(String.self, forKey: .hashed_token)
        verification_type = try container.decode(String.self, forKey: .verification_type)
        redirect_to = try container.decode(String.self, forKey: .redirect_to)
    }

    public func encode(to encoder: any Encoder) throws {
        // GoTrue embeds the user struct, so its keys sit beside the link's rather than under `user`.
        try user.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(action_link, forKey: .action_link)
        try container.encode(email_otp, forKey: .email_otp)
        try container.encode(hashed_token, forKey: .hashed_token)
        try container.encode(verification_type, forKey: .verification_type)
        try container.encode(redirect_to, forKey: .redirect_to)
    }
}

/// `POST /invite`.
public struct InviteRequest: Codable, Sendable, Equatable {
    public var email: String?
    public var data: [String: JSONValue]?

    public init(email: String?, data: [String: JSONValue]? = nil) {
        self.email = email
        self.data = data
    }
}

/// `{"id": …}`: what deleting a factor answers.
public struct FactorIDResponse: Codable, Sendable, Equatable {
    public var id: String

    public init(id: String) { self.id = id }
}
