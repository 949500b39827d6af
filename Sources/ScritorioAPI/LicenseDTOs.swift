import Foundation
import ScritorioModels

/// An id in Lemon Squeezy's licence answers: a number when it is one (Lemon Squeezy's own ids), a string
/// otherwise (Scritorio's UUIDs), so apps written for Lemon Squeezy decode their keys' ids unchanged.
public enum LicenseWireID: Codable, Sendable, Equatable {
    case number(Int64)
    case string(String)

    public init(_ text: String) {
        if !text.isEmpty, text.utf8.count < 19, text.utf8.allSatisfy({ (48...57).contains($0) }), let number = Int64(text) {
            self = .number(number)
        } else {
            self = .string(text)
        }
    }

    public var text: String {
        switch self {
        case .number(let value): String(value)
        case .string(let value): value
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int64.self) { self = .number(number) } else { self = .string(try container.decode(String.self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        }
    }

    func write(to json: inout JSONWriter) {
        switch self {
        case .number(let value): json.int(value)
        case .string(let value): json.string(value)
        }
    }
}

/// The answer of `POST /v1/licenses/activate|validate|deactivate`: Lemon Squeezy's License API shape
/// (`activated` / `valid` / `deactivated`, `error`, `license_key`, `instance`, `meta`) plus Scritorio's stable
/// `code` and, for a valid key, a signed `entitlement_token`.
public struct LicenseAPIResponse: Codable, Sendable, Equatable {
    /// Which call answered; decides the name of the success flag.
    public enum Operation: String, Codable, Sendable {
        case activate, validate, deactivate

        var flag: String {
            switch self {
            case .activate: "activated"
            case .validate: "valid"
            case .deactivate: "deactivated"
            }
        }
    }

    public struct Key: Codable, Sendable, Equatable {
        public var id: LicenseWireID
        public var status: String
        /// The key as the caller sent it (the store keeps only a hash).
        public var key: String
        public var activationLimit: Int?
        public var activationUsage: Int
        public var createdAt: String
        public var expiresAt: String?
        public var testMode: Bool

        public init(
            id: LicenseWireID, status: String, key: String, activationLimit: Int?, activationUsage: Int, createdAt: String,
            expiresAt: String?, testMode: Bool
        ) {
            self.id = id
            self.status = status
            self.key = key
            self.activationLimit = activationLimit
            self.activationUsage = activationUsage
            self.createdAt = createdAt
            self.expiresAt = expiresAt
            self.testMode = testMode
        }

        enum CodingKeys: String, CodingKey {
            case id, status, key
            case activationLimit = "activation_limit"
            case activationUsage = "activation_usage"
            case createdAt = "created_at"
            case expiresAt = "expires_at"
            case testMode = "test_mode"
        }
    }

    public struct Instance: Codable, Sendable, Equatable {
        public var id: String
        public var name: String
        public var createdAt: String

        public init(id: String, name: String, createdAt: String) {
            self.id = id
            self.name = name
            self.createdAt = createdAt
        }

        enum CodingKeys: String, CodingKey {
            case id, name
            case createdAt = "created_at"
        }
    }

    public struct Meta: Codable, Sendable, Equatable {
        public var storeID: LicenseWireID?
        public var orderID: LicenseWireID?
        public var orderItemID: LicenseWireID?
        public var productID: LicenseWireID?
        public var productName: String?
        public var variantID: LicenseWireID?
        public var variantName: String?
        public var customerID: LicenseWireID?
        public var customerName: String?
        public var customerEmail: String?

        public init(
            storeID: LicenseWireID?, orderID: LicenseWireID?, orderItemID: LicenseWireID?, productID: LicenseWireID?, productName: String?,
            variantID: LicenseWireID?, variantName: String?, customerID: LicenseWireID?, customerName: String?, customerEmail: String?
        ) {
            self.storeID = storeID
            self.orderID = orderID
            self.orderItemID = orderItemID
            self.productID = productID
            self.productName = productName
            self.variantID = variantID
            self.variantName = variantName
            self.customerID = customerID
            self.customerName = customerName
            self.customerEmail = customerEmail
        }

        enum CodingKeys: String, CodingKey {
            case storeID = "store_id"
            case orderID = "order_id"
            case orderItemID = "order_item_id"
            case productID = "product_id"
            case productName = "product_name"
            case variantID = "variant_id"
            case variantName = "variant_name"
            case customerID = "customer_id"
            case customerName = "customer_name"
            case customerEmail = "customer_email"
        }
    }

    public var operation: Operation
    /// `activated` / `valid` / `deactivated`.
    public var success: Bool
    /// Lemon Squeezy's explanation; `null` on success.
    public var error: String?
    /// `VALID`, `ACTIVATED`, `DEACTIVATED`, `EXPIRED`, `DISABLED`, `TOO_MANY_ACTIVATIONS`, `NOT_FOUND`, … (`LicenseCode`).
    public var code: String
    public var licenseKey: Key?
    public var instance: Instance?
    public var meta: Meta?
    /// A signed entitlement document for this key (and device), on successful activation and validation.
    public var entitlementToken: String?

    public init(
        operation: Operation, code: LicenseCode, licenseKey: Key? = nil, instance: Instance? = nil, meta: Meta? = nil,
        entitlementToken: String? = nil
    ) {
        self.operation = operation
        self.success = code.isSuccess
        self.error = code.message
        self.code = code.rawValue
        self.licenseKey = licenseKey
        self.instance = instance
        self.meta = meta
        self.entitlementToken = entitlementToken
    }

    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        if let flag = try c.decodeIfPresent(Bool.self, forKey: AnyKey("activated")) {
            (operation, success) = (.activate, flag)
        } else if let flag = try c.decodeIfPresent(Bool.self, forKey: AnyKey("deactivated")) {
            (operation, success) = (.deactivate, flag)
        } else {
            (operation, success) = (.validate, try c.decode(Bool.self, forKey: AnyKey("valid")))
        }
        error = try c.decodeIfPresent(String.self, forKey: AnyKey("error"))
        code = try c.decodeIfPresent(String.self, forKey: AnyKey("code")) ?? ""
        licenseKey = try c.decodeIfPresent(Key.self, forKey: AnyKey("license_key"))
        instance = try c.decodeIfPresent(Instance.self, forKey: AnyKey("instance"))
        meta = try c.decodeIfPresent(Meta.self, forKey: AnyKey("meta"))
        entitlementToken = try c.decodeIfPresent(String.self, forKey: AnyKey("entitlement_token"))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        try c.encode(success, forKey: AnyKey(operation.flag))
        try c.encode(error, forKey: AnyKey("error"))
        try c.encode(code, forKey: AnyKey("code"))
        try c.encode(licenseKey, forKey: AnyKey("license_key"))
        try c.encode(instance, forKey: AnyKey("instance"))
        try c.encode(meta, forKey: AnyKey("meta"))
        try c.encode(entitlementToken, forKey: AnyKey("entitlement_token"))
    }
}

extension LicenseAPIResponse: FastJSONEncodable {
    public func write(to json: inout JSONWriter) {
        json.object { o in
            o.field(operation.flag) { $0.bool(success) }
            o.field("error") { $0.string(error) }
            o.field("code") { $0.string(code) }
            o.field("license_key") { json in
                guard let key = licenseKey else { return json.raw("null") }
                json.object { o in
                    o.field("id") { key.id.write(to: &$0) }
                    o.field("status") { $0.string(key.status) }
                    o.field("key") { $0.string(key.key) }
                    o.field("activation_limit") { json in key.activationLimit.map { json.int(Int64($0)) } ?? json.raw("null") }
                    o.field("activation_usage") { $0.int(Int64(key.activationUsage)) }
                    o.field("created_at") { $0.string(key.createdAt) }
                    o.field("expires_at") { $0.string(key.expiresAt) }
                    o.field("test_mode") { $0.bool(key.testMode) }
                }
            }
            o.field("instance") { json in
                guard let instance else { return json.raw("null") }
                json.object { o in
                    o.field("id") { $0.string(instance.id) }
                    o.field("name") { $0.string(instance.name) }
                    o.field("created_at") { $0.string(instance.createdAt) }
                }
            }
            o.field("meta") { json in
                guard let meta else { return json.raw("null") }
                func id(_ value: LicenseWireID?) -> (inout JSONWriter) -> Void {
                    { json in if let value { value.write(to: &json) } else { json.raw("null") } }
                }
                json.object { o in
                    o.field("store_id", id(meta.storeID))
                    o.field("order_id", id(meta.orderID))
                    o.field("order_item_id", id(meta.orderItemID))
                    o.field("product_id", id(meta.productID))
                    o.field("product_name") { $0.string(meta.productName) }
                    o.field("variant_id", id(meta.variantID))
                    o.field("variant_name") { $0.string(meta.variantName) }
                    o.field("customer_id", id(meta.customerID))
                    o.field("customer_name") { $0.string(meta.customerName) }
                    o.field("customer_email") { $0.string(meta.customerEmail) }
                }
            }
            o.field("entitlement_token") { $0.string(entitlementToken) }
        }
    }
}

/// The body of the licence calls, as JSON or form fields (Lemon Squeezy documents form-encoding; its JS SDK
/// sends JSON).
public struct LicenseRequest: Codable, Sendable, Equatable {
    public var licenseKey: String?
    public var instanceName: String?
    public var instanceID: String?
    /// A stable id of the device (e.g. a hash of the machine's hardware UUID); binds the activation to it.
    public var fingerprint: String?

    public init(licenseKey: String?, instanceName: String? = nil, instanceID: String? = nil, fingerprint: String? = nil) {
        self.licenseKey = licenseKey
        self.instanceName = instanceName
        self.instanceID = instanceID
        self.fingerprint = fingerprint
    }

    enum CodingKeys: String, CodingKey {
        case licenseKey = "license_key"
        case instanceName = "instance_name"
        case instanceID = "instance_id"
        case fingerprint
    }
}

/// One of the signed-in user's licence keys (`GET /v1/me/licenses`).
public struct LicenseDTO: Codable, Sendable, Equatable {
    public var id: String
    /// `paddle` or `lemonsqueezy`: where the purchase was made.
    public var provider: String
    /// The whole key, for keys Scritorio issued; `null` for a provider's key (shown by the provider's receipt).
    public var key: String?
    /// The last characters, to tell keys apart.
    public var keyHint: String
    public var status: String
    public var activationLimit: Int?
    public var activationUsage: Int
    public var expiresAt: String?
    public var createdAt: String
    public var plan: String?
    public var productName: String?
    public var testMode: Bool

    public init(
        id: String, provider: String, key: String?, keyHint: String, status: String, activationLimit: Int?, activationUsage: Int,
        expiresAt: String?, createdAt: String, plan: String?, productName: String?, testMode: Bool
    ) {
        self.id = id
        self.provider = provider
        self.key = key
        self.keyHint = keyHint
        self.status = status
        self.activationLimit = activationLimit
        self.activationUsage = activationUsage
        self.expiresAt = expiresAt
        self.createdAt = createdAt
        self.plan = plan
        self.productName = productName
        self.testMode = testMode
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(provider, forKey: .provider)
        try c.encode(key, forKey: .key)
        try c.encode(keyHint, forKey: .keyHint)
        try c.encode(status, forKey: .status)
        try c.encode(activationLimit, forKey: .activationLimit)
        try c.encode(activationUsage, forKey: .activationUsage)
        try c.encode(expiresAt, forKey: .expiresAt)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(plan, forKey: .plan)
        try c.encode(productName, forKey: .productName)
        try c.encode(testMode, forKey: .testMode)
    }
}

/// `GET /v1/me/licenses`.
public struct LicensesResponse: Codable, Sendable, Equatable {
    public var licenses: [LicenseDTO]

    public init(licenses: [LicenseDTO]) { self.licenses = licenses }
}

/// One device holding a seat on one of the user's keys (`GET /v1/me/devices`).
public struct DeviceDTO: Codable, Sendable, Equatable {
    /// The instance id; `DELETE /v1/me/devices/{id}` frees the seat.
    public var id: String
    public var name: String?
    public var fingerprint: String?
    public var licenseId: String
    public var licenseKeyHint: String?
    public var createdAt: String
    public var lastValidatedAt: String?

    public init(
        id: String, name: String?, fingerprint: String?, licenseId: String, licenseKeyHint: String?, createdAt: String, lastValidatedAt: String?
    ) {
        self.id = id
        self.name = name
        self.fingerprint = fingerprint
        self.licenseId = licenseId
        self.licenseKeyHint = licenseKeyHint
        self.createdAt = createdAt
        self.lastValidatedAt = lastValidatedAt
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(name, forKey: .name)
        try c.encode(fingerprint, forKey: .fingerprint)
        try c.encode(licenseId, forKey: .licenseId)
        try c.encode(licenseKeyHint, forKey: .licenseKeyHint)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(lastValidatedAt, forKey: .lastValidatedAt)
    }
}

/// `GET /v1/me/devices`.
public struct DevicesResponse: Codable, Sendable, Equatable {
    public var devices: [DeviceDTO]

    public init(devices: [DeviceDTO]) { self.devices = devices }
}
