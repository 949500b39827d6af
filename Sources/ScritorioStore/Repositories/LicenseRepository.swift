import Foundation
import SQLKit
import ScritorioCore

/// Who made a key: the provider (Lemon Squeezy delivers its own), or Scritorio for a purchase through a provider
/// that has none (Paddle).
public enum LicenseIssuer: String, Sendable, Codable {
    case provider
    case scritorio
}

/// A stored licence key (never the key itself: its hash and hint).
public struct StoredLicense: Sendable, Equatable {
    public var id: UUID
    public var userID: UserID?
    public var issuer: LicenseIssuer
    public var provider: BillingProvider
    public var mode: BillingMode
    public var providerLicenseID: String
    public var keyHash: String
    public var keyHint: String?
    public var status: LicenseStatus
    public var activationLimit: Int?
    public var activationUsage: Int
    public var expiresAt: Date?
    public var planCode: String?
    public var customerID: String?
    public var orderID: String?
    public var subscriptionID: String?
    public var storeID: String?
    public var productID: String?
    public var variantID: String?
    public var productName: String?
    public var variantName: String?
    public var customerName: String?
    public var customerEmail: String?
    public var providerUpdatedAt: Date?
    public var createdAt: Date
}

/// `license_keys`: provider keys written from their events, Scritorio's own keys issued for purchases.
/// Devices (`license_activations`) are in `DeviceRepository`.
public enum LicenseRepository {
    static let columns = """
        id, user_id, issuer, provider, mode, provider_license_id, key_hash, key_hint, status, activation_limit,
        activation_usage, expires_at, plan_code, provider_customer_id, provider_order_id, provider_subscription_id,
        store_id, product_id, variant_id, product_name, variant_name, customer_name, customer_email,
        provider_updated_at, created_at
        """

    /// Whether an upsert wrote the change.
    public enum UpsertOutcome: Equatable, Sendable {
        case saved(UUID)
        /// Older than the stored state (provider time): nothing changed.
        case stale
    }

    /// Disables the keys of a refunded purchase: the seller's refund ends them whether or not the provider says so.
    public static func disablePurchase(provider: BillingProvider, orderID: String, now: Date, on db: SQLConnection) async throws {
        try await db.sql.raw("""
            UPDATE license_keys SET status = 'disabled', updated_at = \(bind: now)
            WHERE provider = \(bind: provider.rawValue) AND provider_order_id = \(bind: orderID) AND status <> 'disabled'
            """).run()
    }

    /// Gives the keys of a purchase the variant and plan they were sold as. Lemon Squeezy's licence-key objects name
    /// their order but not its variant; the subscription that order started does, whichever arrives first.
    public static func assignPurchase(
        provider: BillingProvider, orderID: String, variantID: String, planCode: String?, on db: SQLConnection
    ) async throws {
        try await db.sql.raw("""
            UPDATE license_keys SET variant_id = \(bind: variantID), plan_code = COALESCE(plan_code, \(bind: planCode))
            WHERE provider = \(bind: provider.rawValue) AND provider_order_id = \(bind: orderID) AND variant_id IS NULL
            """).run()
    }

    /// Creates or updates the key `change` describes, unless what is stored is newer. The key's hash never
    /// changes once stored; the owner is kept once known (a later event without one does not unlink it).
    /// Runs in the caller's transaction; the stored row is locked first on PostgreSQL.
    @discardableResult
    public static func upsert(
        _ change: LicenseKeyChange, userID: UserID?, planCode: String?, issuer: LicenseIssuer, now: Date, on db: SQLConnection
    ) async throws -> UpsertOutcome {
        if let stored = try await license(provider: change.provider, providerLicenseID: change.providerLicenseID, on: db) {
            if let at = stored.providerUpdatedAt, at > change.providerUpdatedAt { return .stale }
            try await db.sql.raw("""
                UPDATE license_keys SET
                user_id = COALESCE(user_id, \(bind: userID?.rawValue)), status = \(bind: change.status.rawValue),
                activation_limit = \(bind: change.activationLimit), expires_at = \(bind: change.expiresAt),
                plan_code = COALESCE(\(bind: planCode), plan_code),
                provider_customer_id = COALESCE(\(bind: change.customerID), provider_customer_id),
                provider_order_id = COALESCE(\(bind: change.orderID), provider_order_id),
                provider_subscription_id = COALESCE(\(bind: change.subscriptionID), provider_subscription_id),
                store_id = COALESCE(\(bind: change.storeID), store_id), product_id = COALESCE(\(bind: change.productID), product_id),
                variant_id = COALESCE(\(bind: change.variantID), variant_id),
                product_name = COALESCE(\(bind: change.productName), product_name),
                variant_name = COALESCE(\(bind: change.variantName), variant_name),
                customer_name = COALESCE(\(bind: change.customerName), customer_name),
                customer_email = COALESCE(\(bind: change.email), customer_email),
                provider_updated_at = \(bind: change.providerUpdatedAt), updated_at = \(bind: now)
                WHERE id = \(bind: stored.id)
                """).run()
            return .saved(stored.id)
        }
        let id = UUID()
        try await db.sql.raw("""
            INSERT INTO license_keys (id, user_id, issuer, provider, mode, provider_license_id, key_hash, key_hint, status,
            activation_limit, activation_usage, expires_at, plan_code, provider_customer_id, provider_order_id,
            provider_subscription_id, store_id, product_id, variant_id, product_name, variant_name, customer_name,
            customer_email, provider_updated_at, created_at, updated_at)
            VALUES (\(bind: id), \(bind: userID?.rawValue), \(bind: issuer.rawValue), \(bind: change.provider.rawValue),
            \(bind: change.mode.rawValue), \(bind: change.providerLicenseID), \(bind: change.keyHash), \(bind: change.keyHint),
            \(bind: change.status.rawValue), \(bind: change.activationLimit), 0, \(bind: change.expiresAt), \(bind: planCode),
            \(bind: change.customerID), \(bind: change.orderID), \(bind: change.subscriptionID), \(bind: change.storeID),
            \(bind: change.productID), \(bind: change.variantID), \(bind: change.productName), \(bind: change.variantName),
            \(bind: change.customerName), \(bind: change.email), \(bind: change.providerUpdatedAt), \(bind: now), \(bind: now))
            """).run()
        return .saved(id)
    }

    /// The key a provider id names, locked for update on PostgreSQL.
    public static func license(provider: BillingProvider, providerLicenseID: String, on db: SQLConnection) async throws -> StoredLicense? {
        try await db.sql.raw("""
            SELECT \(unsafeRaw: columns) FROM license_keys
            WHERE provider = \(bind: provider.rawValue) AND provider_license_id = \(bind: providerLicenseID)\(unsafeRaw: db.forUpdate)
            """).first().map(decode)
    }

    /// The key with this hash (see `LicenseKeyDigest.hash`).
    public static func license(keyHash: String, on db: SQLConnection) async throws -> StoredLicense? {
        try await db.sql.raw("SELECT \(unsafeRaw: columns) FROM license_keys WHERE key_hash = \(bind: keyHash)").first().map(decode)
    }

    /// The key with this hash and, when an instance id or a fingerprint is given, that active device of the key:
    /// one statement, for validation's hot path.
    public static func license(
        keyHash: String, instanceID: String?, fingerprint: String?, on db: SQLConnection
    ) async throws -> (license: StoredLicense, device: StoredDevice?)? {
        let device: SQLQueryString = if let instanceID {
            "AND a.instance_id = \(bind: instanceID)"
        } else if let fingerprint {
            "AND a.fingerprint = \(bind: fingerprint)"
        } else {
            "AND 1 = 0"
        }
        guard let row = try await db.sql.raw("""
            SELECT \(unsafeRaw: prefixedColumns), a.instance_id AS a_instance_id, a.instance_name AS a_instance_name,
            a.fingerprint AS a_fingerprint, a.created_at AS a_created_at, a.last_validated_at AS a_last_validated_at
            FROM license_keys k LEFT JOIN license_activations a
            ON a.license_key_id = k.id AND a.deactivated_at IS NULL \(device)
            WHERE k.key_hash = \(bind: keyHash) ORDER BY a.created_at LIMIT 1
            """).first() else { return nil }
        let license = try decode(row)
        guard let instance = try row.decode(column: "a_instance_id", as: String?.self) else { return (license, nil) }
        return (license, StoredDevice(
            instanceID: instance, licenseID: license.id, name: try row.decode(column: "a_instance_name", as: String?.self),
            fingerprint: try row.decode(column: "a_fingerprint", as: String?.self),
            createdAt: try row.decode(column: "a_created_at", as: Date.self),
            lastValidatedAt: try row.decode(column: "a_last_validated_at", as: Date?.self)))
    }

    static let prefixedColumns = columns.split(separator: ",").map { "k." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        .joined(separator: ", ")

    /// The key with this row id, locked for update on PostgreSQL (activation checks it, then takes a seat).
    public static func license(id: UUID, on db: SQLConnection) async throws -> StoredLicense? {
        try await db.sql.raw("SELECT \(unsafeRaw: columns) FROM license_keys WHERE id = \(bind: id)\(unsafeRaw: db.forUpdate)").first().map(decode)
    }

    /// The user's keys, newest first.
    public static func licenses(of userID: UserID, on db: SQLConnection) async throws -> [StoredLicense] {
        try await db.sql.raw("""
            SELECT \(unsafeRaw: columns) FROM license_keys WHERE user_id = \(bind: userID.rawValue) ORDER BY created_at DESC, id
            """).all().map(decode)
    }

    static func decode(_ row: any SQLRow) throws -> StoredLicense {
        StoredLicense(
            id: try row.decode(column: "id", as: UUID.self),
            userID: try row.decode(column: "user_id", as: UUID?.self).map(UserID.init),
            issuer: LicenseIssuer(rawValue: try row.decode(column: "issuer", as: String.self)) ?? .provider,
            provider: BillingProvider(rawValue: try row.decode(column: "provider", as: String.self)),
            mode: BillingMode(rawValue: try row.decode(column: "mode", as: String.self)) ?? .test,
            providerLicenseID: try row.decode(column: "provider_license_id", as: String.self),
            keyHash: try row.decode(column: "key_hash", as: String.self),
            keyHint: try row.decode(column: "key_hint", as: String?.self),
            status: LicenseStatus(rawValue: try row.decode(column: "status", as: String.self)),
            activationLimit: try row.decode(column: "activation_limit", as: Int?.self),
            activationUsage: try row.decode(column: "activation_usage", as: Int.self),
            expiresAt: try row.decode(column: "expires_at", as: Date?.self),
            planCode: try row.decode(column: "plan_code", as: String?.self),
            customerID: try row.decode(column: "provider_customer_id", as: String?.self),
            orderID: try row.decode(column: "provider_order_id", as: String?.self),
            subscriptionID: try row.decode(column: "provider_subscription_id", as: String?.self),
            storeID: try row.decode(column: "store_id", as: String?.self),
            productID: try row.decode(column: "product_id", as: String?.self),
            variantID: try row.decode(column: "variant_id", as: String?.self),
            productName: try row.decode(column: "product_name", as: String?.self),
            variantName: try row.decode(column: "variant_name", as: String?.self),
            customerName: try row.decode(column: "customer_name", as: String?.self),
            customerEmail: try row.decode(column: "customer_email", as: String?.self),
            providerUpdatedAt: try row.decode(column: "provider_updated_at", as: Date?.self),
            createdAt: try row.decode(column: "created_at", as: Date.self))
    }
}
