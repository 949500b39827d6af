import Foundation
import ScritorioAPI
import ScritorioCore
@testable import ScritorioKit
import Testing

struct TestDevice: DeviceIdentity {
    let fingerprint: String
    let name: String
    init(_ n: Int) {
        fingerprint = String(repeating: "\(n)", count: 64).prefix(64).description
        name = "Test Mac \(n)"
    }
}

@Suite("Licences and devices against the real server")
struct LicenseClientTests {
    @Test("Pro brings a key: activate this device, validate into a signed document, seats limited, free a seat")
    func devices() async throws {
        try await KitServer.run { server in
            let storage = InMemorySessionStorage()
            let client = server.client(storage: storage)
            _ = try await ClientIntegrationTests.signedUp(server, client)
            let (noLicenses, noDevices) = (try await client.licenses(), try await client.devices())
            #expect(noLicenses.isEmpty && noDevices.isEmpty)
            _ = try await client.upgrade(
                plan: "pro_monthly", policy: UpgradePolicy(timeout: .seconds(60), initialDelay: .milliseconds(100), maximumDelay: .milliseconds(300))
            ) { checkout in
                try await server.raw("POST", "/sandbox/paddle/transactions/\(checkout.transactionId ?? "")/complete")
            }
            // The key is issued when the subscription's webhook has been applied.
            var licenses: [LicenseDTO] = []
            for _ in 0..<300 {
                licenses = try await client.licenses()
                if !licenses.isEmpty { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            let key = try #require(licenses.first?.key)
            let limit = try #require(licenses.first?.activationLimit)

            let device = TestDevice(1)
            let activated = try await client.activateLicense(key: key, device: device)
            let instance = try #require(activated.instance?.id)
            let validated = try await client.validateLicense(key: key, instanceId: instance, device: device)
            let token = try #require(validated.entitlementToken)
            let cache = try EntitlementCache(client: client, jwks: try await client.entitlementKeys(), storage: storage)
            let snapshot = try await cache.accept(token: token)
            #expect(snapshot.grants("scritorio_pro") && snapshot.document?.fingerprint == device.fingerprint)
            await #expect { _ = try await client.validateLicense(key: key, instanceId: instance, device: TestDevice(9)) } throws: {
                ($0 as? ScritorioError)?.code == "FINGERPRINT_MISMATCH"
            }

            for n in 2...limit { _ = try await client.activateLicense(key: key, device: TestDevice(n)) }
            await #expect { _ = try await client.activateLicense(key: key, device: TestDevice(limit + 1)) } throws: {
                ($0 as? ScritorioError)?.code == "TOO_MANY_ACTIVATIONS"
            }
            let listed = try await client.devices()
            #expect(listed.count == limit && listed.contains { $0.id == instance && $0.fingerprint == device.fingerprint })
            try await client.freeDevice(id: instance)
            #expect(try await client.devices().count == limit - 1)
            await #expect { try await client.freeDevice(id: instance) } throws: { ($0 as? ScritorioError)?.errorCode == .notFound }
            _ = try await client.activateLicense(key: key, device: TestDevice(limit + 1))
        }
    }

    @Test("a stored device identity is stable for an install and differs between installs")
    func storedIdentity() throws {
        let storage = InMemorySessionStorage()
        let first = try StoredDeviceIdentity(storage: storage, app: "app", name: "Mac")
        let again = try StoredDeviceIdentity(storage: storage, app: "app", name: "Mac")
        let other = try StoredDeviceIdentity(storage: InMemorySessionStorage(), app: "app", name: "Mac")
        let otherApp = try StoredDeviceIdentity(storage: storage, app: "other", name: "Mac")
        #expect(first.fingerprint == again.fingerprint && first.fingerprint.count == 64)
        #expect(first.fingerprint != other.fingerprint && first.fingerprint != otherApp.fingerprint)
    }
}
