import Foundation
import SQLKit
import ScritorioCore

/// One activation of a licence key: a device (Lemon Squeezy's "instance").
public struct StoredDevice: Sendable, Equatable {
    /// The instance id apps keep (`instance.id`), also the device id of `/v1/me/devices`.
    public var instanceID: String
    public var licenseID: UUID
    public var name: String?
    public var fingerprint: String?
    public var createdAt: Date
    public var lastValidatedAt: Date?
}

/// `license_activations`: taking a seat atomically, freeing one, and the owner's device list.
public enum DeviceRepository {
    /// What an activation did.
    public enum ActivationOutcome: Sendable, Equatable {
        case activated(StoredDevice)
        /// This fingerprint already holds a seat on the key: that device, no second seat.
        case existing(StoredDevice)
        /// Every seat is taken.
        case limitReached
        /// The key disappeared meanwhile.
        case notFound
    }

    static let columns = "instance_id, license_key_id, instance_name, fingerprint, created_at, last_validated_at"

    /// Takes a seat on the key, never above its limit however many activations race: the key's row is locked
    /// first (PostgreSQL; SQLite's write transaction already serialises), then a conditional UPDATE of
    /// `activation_usage` either takes the seat or changes nothing. Runs in the caller's transaction.
    public static func activate(
        licenseID: UUID, name: String, fingerprint: String?, now: Date, on db: SQLConnection
    ) async throws -> ActivationOutcome {
        guard try await db.sql.raw("SELECT id FROM license_keys WHERE id = \(bind: licenseID)\(unsafeRaw: db.forUpdate)").first() != nil else {
            return .notFound
        }
        if let fingerprint, let existing = try await activeDevice(licenseID: licenseID, fingerprint: fingerprint, on: db) {
            return .existing(existing)
        }
        let taken = try await db.sql.raw("""
            UPDATE license_keys SET activation_usage = activation_usage + 1, updated_at = \(bind: now)
            WHERE id = \(bind: licenseID) AND (activation_limit IS NULL OR activation_usage < activation_limit)
            RETURNING activation_usage
            """).first()
        guard taken != nil else { return .limitReached }
        let device = StoredDevice(
            instanceID: UUID().uuidString.lowercased(), licenseID: licenseID, name: name, fingerprint: fingerprint, createdAt: now,
            lastValidatedAt: nil)
        try await db.sql.raw("""
            INSERT INTO license_activations (id, license_key_id, instance_id, instance_name, fingerprint, created_at)
            VALUES (\(bind: UUID()), \(bind: licenseID), \(bind: device.instanceID), \(bind: name), \(bind: fingerprint), \(bind: now))
            """).run()
        return .activated(device)
    }

    /// Frees the device's seat; `false` when it was not an active device of that key. Runs in the caller's
    /// transaction.
    @discardableResult
    public static func deactivate(licenseID: UUID, instanceID: String, now: Date, on db: SQLConnection) async throws -> Bool {
        let freed = try await db.sql.raw("""
            UPDATE license_activations SET deactivated_at = \(bind: now)
            WHERE license_key_id = \(bind: licenseID) AND instance_id = \(bind: instanceID) AND deactivated_at IS NULL
            RETURNING instance_id
            """).first()
        guard freed != nil else { return false }
        try await db.sql.raw("""
            UPDATE license_keys SET activation_usage = activation_usage - 1, updated_at = \(bind: now)
            WHERE id = \(bind: licenseID) AND activation_usage > 0
            """).run()
        return true
    }

    /// An active device of the key.
    public static func device(licenseID: UUID, instanceID: String, on db: SQLConnection) async throws -> StoredDevice? {
        try await db.sql.raw("""
            SELECT \(unsafeRaw: columns) FROM license_activations
            WHERE license_key_id = \(bind: licenseID) AND instance_id = \(bind: instanceID) AND deactivated_at IS NULL
            """).first().map(decode)
    }

    /// The active device of the key with this fingerprint.
    public static func activeDevice(licenseID: UUID, fingerprint: String, on db: SQLConnection) async throws -> StoredDevice? {
        try await db.sql.raw("""
            SELECT \(unsafeRaw: columns) FROM license_activations
            WHERE license_key_id = \(bind: licenseID) AND fingerprint = \(bind: fingerprint) AND deactivated_at IS NULL
            ORDER BY created_at LIMIT 1
            """).first().map(decode)
    }

    /// The active devices of every key the user owns, newest first.
    public static func devices(of userID: UserID, on db: SQLConnection) async throws -> [StoredDevice] {
        try await db.sql.raw("""
            SELECT a.instance_id, a.license_key_id, a.instance_name, a.fingerprint, a.created_at, a.last_validated_at
            FROM license_activations a JOIN license_keys k ON k.id = a.license_key_id
            WHERE k.user_id = \(bind: userID.rawValue) AND a.deactivated_at IS NULL
            ORDER BY a.created_at DESC, a.instance_id
            """).all().map(decode)
    }

    /// The user's own active device with this id (someone else's device reads as absent).
    public static func device(of userID: UserID, instanceID: String, on db: SQLConnection) async throws -> StoredDevice? {
        try await db.sql.raw("""
            SELECT a.instance_id, a.license_key_id, a.instance_name, a.fingerprint, a.created_at, a.last_validated_at
            FROM license_activations a JOIN license_keys k ON k.id = a.license_key_id
            WHERE k.user_id = \(bind: userID.rawValue) AND a.instance_id = \(bind: instanceID) AND a.deactivated_at IS NULL
            """).first().map(decode)
    }

    /// Records a validation; written at most once per `interval` per device so validations stay reads.
    public static func touch(_ device: StoredDevice, now: Date, interval: TimeInterval, on db: SQLConnection) async throws {
        if let last = device.lastValidatedAt, now.timeIntervalSince(last) < interval { return }
        try await db.sql.raw("""
            UPDATE license_activations SET last_validated_at = \(bind: now)
            WHERE license_key_id = \(bind: device.licenseID) AND instance_id = \(bind: device.instanceID)
            """).run()
    }

    static func decode(_ row: any SQLRow) throws -> StoredDevice {
        StoredDevice(
            instanceID: try row.decode(column: "instance_id", as: String.self),
            licenseID: try row.decode(column: "license_key_id", as: UUID.self),
            name: try row.decode(column: "instance_name", as: String?.self),
            fingerprint: try row.decode(column: "fingerprint", as: String?.self),
            createdAt: try row.decode(column: "created_at", as: Date.self),
            lastValidatedAt: try row.decode(column: "last_validated_at", as: Date?.self))
    }
}
