import Foundation
import ScritorioCore
import ScritorioStore
import ScritorioTestSupport
import Testing

@Suite("Licence keys and devices in the store")
struct LicenseRepositoryTests {
    static let t0 = Date(timeIntervalSince1970: 1_790_000_000)

    static func change(_ id: String = "91872", key: String = "38b1460a-5104-4067-a91d-77b872934d51", status: LicenseStatus = .inactive,
                       limit: Int? = 3, at offset: TimeInterval = 0, expires: Date? = nil) -> LicenseKeyChange {
        LicenseKeyChange(
            provider: .lemonSqueezy, mode: .test, providerLicenseID: id, key: key, status: status, activationLimit: limit,
            expiresAt: expires, providerUpdatedAt: t0.addingTimeInterval(offset), customerID: "1001", orderID: "2002", storeID: "1",
            productID: "4", variantID: "5", productName: "Scritorio Pro", variantName: "Monthly", customerName: "Ada", email: "ada@example.com")
    }

    @Test("upsert keeps only the hash and hint, applies newer states, ignores older ones, keeps the owner", arguments: TestStores.kinds)
    func upsertOrdering(kind: StoreKind) async throws {
        try await TestStores.with(kind) { database in
            let owner = UserID.random()
            let first = try await database.transaction {
                try await LicenseRepository.upsert(Self.change(at: 10), userID: owner, planCode: "pro_monthly", issuer: .provider, now: Self.t0, on: $0)
            }
            guard case .saved(let id) = first else { Issue.record("not saved"); return }
            let stored = try #require(try await database.read { try await LicenseRepository.license(keyHash: LicenseKeyDigest.hash(" 38b1460a-5104-4067-a91d-77b872934d51"), on: $0) })
            #expect(stored.id == id && stored.userID == owner && stored.keyHint == "…4d51" && stored.activationLimit == 3)
            #expect(stored.keyHash != "38b1460a-5104-4067-a91d-77b872934d51" && stored.storeID == "1" && stored.customerEmail == "ada@example.com")
            let raw = try await database.read { db in
                try await db.sql.raw("SELECT COUNT(*) AS n FROM license_keys WHERE key_hash LIKE '%38b1460a%' OR key_hint LIKE '%38b1460a%'").first()?
                    .decode(column: "n", as: Int.self)
            }
            #expect(raw == 0)

            // Older: refused, nothing changes.
            let stale = try await database.transaction {
                try await LicenseRepository.upsert(Self.change(status: .disabled, at: 5), userID: nil, planCode: nil, issuer: .provider, now: Self.t0, on: $0)
            }
            #expect(stale == .stale)
            // Newer: applied; an event without an owner does not unlink the key.
            let newer = try await database.transaction {
                try await LicenseRepository.upsert(
                    Self.change(status: .expired, limit: 5, at: 20, expires: Self.t0), userID: nil, planCode: nil, issuer: .provider, now: Self.t0, on: $0)
            }
            #expect(newer == .saved(id))
            let after = try #require(try await database.read { try await LicenseRepository.license(id: id, on: $0) })
            #expect(after.status == .expired && after.activationLimit == 5 && after.userID == owner && after.planCode == "pro_monthly")
            #expect(after.expiresAt.map { abs($0.timeIntervalSince(Self.t0)) < 0.01 } == true)
            #expect(try await database.read { try await LicenseRepository.licenses(of: owner, on: $0) }.map(\.id) == [id])
        }
    }

    @Test("twenty devices racing for three seats: exactly three win, never above the limit", arguments: TestStores.kinds)
    func activationLimitUnderConcurrency(kind: StoreKind) async throws {
        try await TestStores.with(kind) { database in
            let saved = try await database.transaction {
                try await LicenseRepository.upsert(Self.change(), userID: .random(), planCode: nil, issuer: .provider, now: Self.t0, on: $0)
            }
            guard case .saved(let id) = saved else { Issue.record("not saved"); return }
            let outcomes = try await withThrowingTaskGroup(of: DeviceRepository.ActivationOutcome.self) { group in
                for index in 0..<20 {
                    group.addTask {
                        try await database.transaction {
                            try await DeviceRepository.activate(licenseID: id, name: "Mac \(index)", fingerprint: "fp-\(index)", now: Self.t0, on: $0)
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let won = outcomes.filter { if case .activated = $0 { true } else { false } }
            #expect(won.count == 3)
            #expect(outcomes.filter { $0 == .limitReached }.count == 17)
            let license = try #require(try await database.read { try await LicenseRepository.license(id: id, on: $0) })
            #expect(license.activationUsage == 3)
            let active = try await database.read { db in
                try await db.sql.raw("SELECT COUNT(*) AS n FROM license_activations WHERE deactivated_at IS NULL").first()?.decode(column: "n", as: Int.self)
            }
            #expect(active == 3)
        }
    }

    @Test("a fingerprint holds one seat; deactivating frees it once; devices are listed for their owner only", arguments: TestStores.kinds)
    func devices(kind: StoreKind) async throws {
        try await TestStores.with(kind) { database in
            let owner = UserID.random(), stranger = UserID.random()
            let saved = try await database.transaction {
                try await LicenseRepository.upsert(Self.change(limit: 2), userID: owner, planCode: nil, issuer: .provider, now: Self.t0, on: $0)
            }
            guard case .saved(let id) = saved else { Issue.record("not saved"); return }
            func activate(_ fingerprint: String?) async throws -> DeviceRepository.ActivationOutcome {
                try await database.transaction {
                    try await DeviceRepository.activate(licenseID: id, name: "Mac", fingerprint: fingerprint, now: Self.t0, on: $0)
                }
            }
            guard case .activated(let first) = try await activate("fp-a") else { Issue.record("first"); return }
            #expect(try await activate("fp-a") == .existing(first))
            guard case .activated(let second) = try await activate(nil) else { Issue.record("second"); return }
            #expect(try await activate("fp-c") == .limitReached)
            #expect(try await database.read { try await DeviceRepository.devices(of: owner, on: $0) }.count == 2)
            #expect(try await database.read { try await DeviceRepository.devices(of: stranger, on: $0) }.isEmpty)
            #expect(try await database.read { try await DeviceRepository.device(of: stranger, instanceID: first.instanceID, on: $0) } == nil)
            #expect(try await database.read { try await DeviceRepository.device(of: owner, instanceID: first.instanceID, on: $0) }?.fingerprint == "fp-a")

            #expect(try await database.transaction { try await DeviceRepository.deactivate(licenseID: id, instanceID: second.instanceID, now: Self.t0, on: $0) })
            #expect(!(try await database.transaction { try await DeviceRepository.deactivate(licenseID: id, instanceID: second.instanceID, now: Self.t0, on: $0) }))
            #expect(try await database.read { try await LicenseRepository.license(id: id, on: $0) }?.activationUsage == 1)
            guard case .activated = try await activate("fp-c") else { Issue.record("freed seat"); return }
            #expect(try await database.read { try await DeviceRepository.device(licenseID: id, instanceID: second.instanceID, on: $0) } == nil)

            let touched = Self.t0.addingTimeInterval(7200)
            try await database.transaction { try await DeviceRepository.touch(first, now: touched, interval: 3600, on: $0) }
            let read = try #require(try await database.read { try await DeviceRepository.device(licenseID: id, instanceID: first.instanceID, on: $0) })
            #expect(read.lastValidatedAt.map { abs($0.timeIntervalSince(touched)) < 0.01 } == true)
        }
    }
}
