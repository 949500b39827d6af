import Foundation
import HTTPTypes
import ScritorioAPI
import ScritorioCore
import ScritorioStore

/// The licence API's decisions: find the key by hash, check it belongs to this product, apply the ordered
/// rules of `LicenseRules`, take or free a seat atomically, and answer in Lemon Squeezy's shape with a stable
/// code and, for a valid key, a signed entitlement document.
struct LicenseService: Sendable {
    let database: Database
    let catalog: Catalog
    let config: LicensingConfig
    let documents: EntitlementDocuments
    let now: @Sendable () -> Date
    /// A device's `last_validated_at` is written at most this often, so validation stays a read.
    var touchInterval: TimeInterval = 3600

    /// An answer and its HTTP status.
    struct Answer: Sendable {
        var status: HTTPResponse.Status
        var body: LicenseAPIResponse
    }

    static func status(for code: LicenseCode) -> HTTPResponse.Status {
        switch code {
        case .valid, .activated, .deactivated: .ok
        case .notFound, .instanceNotFound: .notFound
        case .validationFailed: .unprocessableContent
        case .rateLimited: .tooManyRequests
        case .expired, .disabled, .tooManyActivations, .fingerprintMismatch, .wrongProduct: .badRequest
        }
    }

    static func answer(
        _ operation: LicenseAPIResponse.Operation, _ code: LicenseCode, key: LicenseAPIResponse.Key? = nil,
        instance: LicenseAPIResponse.Instance? = nil, meta: LicenseAPIResponse.Meta? = nil, token: String? = nil
    ) -> Answer {
        Answer(
            status: status(for: code),
            body: LicenseAPIResponse(operation: operation, code: code, licenseKey: key, instance: instance, meta: meta, entitlementToken: token))
    }

    /// A missing field, in Lemon Squeezy's words.
    static func missing(_ operation: LicenseAPIResponse.Operation, _ field: String) -> Answer {
        var answer = answer(operation, .validationFailed)
        answer.body.error = "The \(field) field is required."
        return answer
    }

    // MARK: Calls

    func validate(_ request: LicenseRequest, key presented: String) async throws -> Answer {
        let now = self.now()
        // One read: the key and the device the request names (by instance id, else by fingerprint).
        let found = try await find(presented, .validate, instanceID: request.instanceID, fingerprint: request.fingerprint)
        guard case .success(let license, let device) = found else { return found.failure! }
        if request.instanceID != nil || request.fingerprint != nil {
            guard let device else { return answer(.validate, .instanceNotFound, license, presented, now: now) }
            guard LicenseRules.fingerprintMatches(device: device.fingerprint, presented: request.fingerprint) else {
                return answer(.validate, .fingerprintMismatch, license, presented, device: device, now: now)
            }
        }
        let usable = LicenseRules.usability(license.state, now: now)
        guard usable == .valid else { return answer(.validate, usable, license, presented, device: device, now: now) }
        if let device, device.lastValidatedAt.map({ now.timeIntervalSince($0) >= touchInterval }) ?? true {
            try await database.transaction { try await DeviceRepository.touch(device, now: now, interval: touchInterval, on: $0) }
        }
        return answer(.validate, .valid, license, presented, device: device, token: try token(license, device: device, now: now), now: now)
    }

    func activate(_ request: LicenseRequest, key presented: String, name: String) async throws -> Answer {
        let found = try await find(presented, .activate)
        guard case .success(let found, _) = found else { return found.failure! }
        let now = self.now()
        let (code, license, device) = try await database.transaction { db -> (LicenseCode, StoredLicense?, StoredDevice?) in
            // Re-read under the row lock: the seat count and status that decide are the ones this transaction holds.
            guard let license = try await LicenseRepository.license(id: found.id, on: db) else { return (.notFound, nil, nil) }
            let usable = LicenseRules.usability(license.state, now: now)
            guard usable == .valid else { return (usable, license, nil) }
            switch try await DeviceRepository.activate(licenseID: license.id, name: name, fingerprint: request.fingerprint, now: now, on: db) {
            case .activated(let device), .existing(let device):
                return (.activated, try await LicenseRepository.license(id: license.id, on: db), device)
            case .limitReached: return (.tooManyActivations, license, nil)
            case .notFound: return (.notFound, nil, nil)
            }
        }
        guard let license else { return Self.answer(.activate, code) }
        let token = code == .activated ? try token(license, device: device, now: now) : nil
        return answer(.activate, code, license, presented, device: device, token: token, now: now)
    }

    func deactivate(_ request: LicenseRequest, key presented: String, instanceID: String) async throws -> Answer {
        let found = try await find(presented, .deactivate)
        guard case .success(let found, _) = found else { return found.failure! }
        let now = self.now()
        let (code, license) = try await database.transaction { db -> (LicenseCode, StoredLicense?) in
            guard let device = try await DeviceRepository.device(licenseID: found.id, instanceID: instanceID, on: db) else {
                return (.instanceNotFound, found)
            }
            // Lemon Squeezy frees a seat with the key and the instance id; a fingerprint, when sent, must match.
            if request.fingerprint != nil, !LicenseRules.fingerprintMatches(device: device.fingerprint, presented: request.fingerprint) {
                return (.fingerprintMismatch, found)
            }
            try await DeviceRepository.deactivate(licenseID: found.id, instanceID: instanceID, now: now, on: db)
            return (.deactivated, try await LicenseRepository.license(id: found.id, on: db))
        }
        return answer(.deactivate, code, license ?? found, presented, now: now)
    }

    // MARK: Look-up

    enum Found {
        case success(StoredLicense, StoredDevice?)
        case failed(Answer)

        var failure: Answer? {
            if case .failed(let answer) = self { answer } else { nil }
        }
    }

    /// The stored key for a presented one (and the named device, if asked). A Scritorio key with a wrong check
    /// character is refused without a look-up; a Lemon Squeezy key of another store or product reads as
    /// `WRONG_PRODUCT`.
    private func find(
        _ presented: String, _ operation: LicenseAPIResponse.Operation, instanceID: String? = nil, fingerprint: String? = nil
    ) async throws -> Found {
        if ScritorioLicenseKey.looksLikeScritorioKey(presented), !ScritorioLicenseKey.isValid(presented) {
            return .failed(Self.answer(operation, .notFound))
        }
        let hash = LicenseKeyDigest.hash(presented)
        guard let (license, device) = try await database.read({
            try await LicenseRepository.license(keyHash: hash, instanceID: instanceID, fingerprint: fingerprint, on: $0)
        }) else {
            return .failed(Self.answer(operation, .notFound))
        }
        guard belongsHere(license) else { return .failed(Self.answer(operation, .wrongProduct)) }
        return .success(license, device)
    }

    /// Lemon Squeezy keys are accepted only for the configured store and products; with no product configured,
    /// only for variants the catalog sells. Scritorio's own keys are this deployment's by construction.
    func belongsHere(_ license: StoredLicense) -> Bool {
        guard license.provider == .lemonSqueezy else { return true }
        if !config.lemonSqueezyStoreIDs.isEmpty, !(license.storeID.map(config.lemonSqueezyStoreIDs.contains) ?? false) { return false }
        if !config.lemonSqueezyProductIDs.isEmpty { return license.productID.map(config.lemonSqueezyProductIDs.contains) ?? false }
        return license.variantID.map { catalog.plan(provider: .lemonSqueezy, mode: license.mode, priceID: $0) != nil } ?? false
    }

    // MARK: Answers

    /// The entitlement codes a key grants (its plan's licence policy), each ending with the key.
    func entitlements(of license: StoredLicense) -> [EntitlementDocument.Entitlement] {
        let plan = license.planCode.flatMap(catalog.plan(code:))
            ?? license.variantID.flatMap { catalog.plan(provider: license.provider, mode: license.mode, priceID: $0) }
        return (plan?.licenseEntitlements ?? []).sorted().map { .init(code: $0, expiresAt: license.expiresAt) }
    }

    private func token(_ license: StoredLicense, device: StoredDevice?, now: Date) throws -> String {
        try documents.token(
            subject: license.userID, license: license.id.uuidString.lowercased(), fingerprint: device?.fingerprint,
            entitlements: entitlements(of: license), now: now)
    }

    private func answer(
        _ operation: LicenseAPIResponse.Operation, _ code: LicenseCode, _ license: StoredLicense, _ presented: String,
        device: StoredDevice? = nil, token: String? = nil, now: Date
    ) -> Answer {
        let wireID: LicenseWireID = license.issuer == .provider ? LicenseWireID(license.providerLicenseID) : .string(license.id.uuidString.lowercased())
        let key = LicenseAPIResponse.Key(
            id: wireID, status: LicenseRules.displayedStatus(license.state, now: now).rawValue, key: LicenseKeyDigest.normalize(presented),
            activationLimit: license.activationLimit, activationUsage: license.activationUsage, createdAt: WireDate.format(license.createdAt),
            expiresAt: license.expiresAt.map(WireDate.format), testMode: license.mode == .test)
        let meta = LicenseAPIResponse.Meta(
            storeID: license.storeID.map(LicenseWireID.init), orderID: license.orderID.map(LicenseWireID.init), orderItemID: nil,
            productID: license.productID.map(LicenseWireID.init), productName: license.productName,
            variantID: license.variantID.map(LicenseWireID.init), variantName: license.variantName,
            customerID: license.customerID.map(LicenseWireID.init), customerName: license.customerName, customerEmail: license.customerEmail)
        let instance = device.map {
            LicenseAPIResponse.Instance(id: $0.instanceID, name: $0.name ?? "", createdAt: WireDate.format($0.createdAt))
        }
        return Self.answer(operation, code, key: key, instance: instance, meta: meta, token: token)
    }
}

extension StoredLicense {
    /// What the licence rules look at.
    var state: LicenseState {
        LicenseState(status: status, expiresAt: expiresAt, activationLimit: activationLimit, activationUsage: activationUsage)
    }
}
