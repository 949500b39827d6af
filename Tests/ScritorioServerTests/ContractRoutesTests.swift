import Foundation
import Hummingbird
import Logging
import ScritorioAPI
import ScritorioCore
import ScritorioProviders
@testable import ScritorioServer
import ScritorioStore
import ScritorioTestSupport
import Testing

/// The contract lists exactly the routes the server registers, so the SDK cannot call a path the server does not
/// serve, and the server cannot serve one the contract does not describe.
@Suite("Contract routes")
struct ContractRoutesTests {
    @Test("the endpoints of ScritorioAPI are the routes of the router (outside the sandbox's stand-ins)")
    func sameRoutes() async throws {
        try await TestStores.with(.sqlite) { database in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("scritorio-routes-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: directory) }
            var config = AppConfig()
            config.dataDirectory = directory
            config.publishableKey = "sb_publishable_test"
            let deps = Dependencies(database: database, mailer: .unimplemented)
            let router = try buildRouter(config: config, dependencies: deps, logger: Logger(label: "scritorio.test"))
            // The GoTrue and Edge Functions groups answer any other path with their own 404 (behind their `apikey`
            // check); those catch-alls are the groups' edges, not endpoints.
            let groupEdges = ["/auth/v1/**", "/functions/v1/**"]
            let served = Set(router.routes.filter { !groupEdges.contains($0.path.description) }.map { "\($0.method.rawValue) \($0.path)" })
            // Hummingbird writes `:id` as `{id}`; RouterPath gives both sides its spelling.
            let described = Set(API.routes.map { "\($0.method.rawValue) \(RouterPath($0.fullPath))" })
            #expect(served.subtracting(described).sorted() == [], "served but not in ScritorioAPI")
            #expect(described.subtracting(served).sorted() == [], "in ScritorioAPI but not served")
        }
    }
}
