import Crypto
import Foundation
import ScritorioAPI
import ScritorioModels

/// Names this device to the licence server: a stable fingerprint (never the raw hardware id) and a display name.
public protocol DeviceIdentity: Sendable {
    /// A stable id of this device for this app (a hash; the same on every launch).
    var fingerprint: String { get }
    /// A name the user recognises in the device list.
    var name: String { get }
}

/// A device identity kept in ``SessionStorage``: a random id made on first use, hashed with the app's name, so the
/// fingerprint is stable for this install and says nothing about the hardware. Apps that want a licence to
/// survive reinstalls can supply their own ``DeviceIdentity`` (for example from the platform's hardware UUID).
public struct StoredDeviceIdentity: DeviceIdentity {
    /// SHA-256 of the app's name and this install's id, in hex.
    public let fingerprint: String
    /// The name shown in the device list (the host name by default).
    public let name: String

    /// Loads (or creates) this install's id in `storage`.
    public init(storage: any SessionStorage, app: String, name: String = ProcessInfo.processInfo.hostName) throws {
        let key = "device-id"
        let id: Data
        if let stored = try storage.load(key), !stored.isEmpty {
            id = stored
        } else {
            id = Data(UUID().uuidString.utf8)
            try storage.save(id, for: key)
        }
        let digest = SHA256.hash(data: Data("\(app)\n".utf8) + id)
        self.fingerprint = digest.map { String(format: "%02x", $0) }.joined()
        self.name = name
    }
}

extension ScritorioClient {
    /// The signed-in user's licence keys (`GET /v1/me/licenses`).
    public func licenses() async throws -> [LicenseDTO] {
        try await send(API.Licensing.licenses).licenses
    }

    /// The devices holding a seat of the user's licences (`GET /v1/me/devices`).
    public func devices() async throws -> [DeviceDTO] {
        try await send(API.Licensing.devices).devices
    }

    /// Frees the seat of one of the user's devices (`DELETE /v1/me/devices/{id}`); another user's device is
    /// `not_found`.
    public func freeDevice(id: String) async throws {
        try await sendIgnoringBody(API.Licensing.freeDevice, parameters: ["id": id])
    }

    /// Activates `key` on this device. A refusal (`TOO_MANY_ACTIVATIONS`, `EXPIRED`, `NOT_FOUND`, …) is a
    /// ``ScritorioError/server(status:code:message:)`` with that code.
    public func activateLicense(key: String, device: any DeviceIdentity) async throws -> LicenseAPIResponse {
        try await licenseCall(.activate, LicenseRequest(licenseKey: key, instanceName: device.name, fingerprint: device.fingerprint))
    }

    /// Validates `key` for this device's activation `instanceId`; a valid answer carries a signed entitlement
    /// document for ``EntitlementCache``.
    public func validateLicense(key: String, instanceId: String, device: any DeviceIdentity) async throws -> LicenseAPIResponse {
        try await licenseCall(.validate, LicenseRequest(licenseKey: key, instanceID: instanceId, fingerprint: device.fingerprint))
    }

    /// Frees this device's seat of `key`.
    public func deactivateLicense(key: String, instanceId: String) async throws -> LicenseAPIResponse {
        try await licenseCall(.deactivate, LicenseRequest(licenseKey: key, instanceID: instanceId))
    }

    /// The public keys that sign entitlement documents (`GET /v1/entitlements/jwks.json`). Ship them inside the app
    /// for offline checks; fetching them is for development and key rotation.
    public func entitlementKeys() async throws -> Data {
        try await requester.send(try requester.call(API.Licensing.entitlementKeys)).0
    }

    /// Licence calls identify with the key itself, not the user's session (as Lemon Squeezy's licence API does).
    private func licenseCall(_ operation: LicenseAPIResponse.Operation, _ body: LicenseRequest) async throws -> LicenseAPIResponse {
        let response = try await requester.json(LicenseAPIResponse.self, try requester.call(API.Licensing.call(operation), body: body))
        guard response.success else {
            throw ScritorioError.server(status: 200, code: response.code, message: response.error ?? response.code)
        }
        return response
    }
}
