import Foundation
import ScritorioCore
@testable import ScritorioServer
import Testing

@Suite("Catalog configuration")
struct CatalogConfigTests {
    static func directory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test("YAML and JSON catalogs read the same; a broken one is a clear error; none means the sandbox default")
    func formats() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var config = AppConfig()
        config.dataDirectory = dir
        config.sandbox = true
        #expect(try config.loadCatalog() == .sandbox)
        config.sandbox = false
        #expect(try config.loadCatalog().plans.isEmpty)

        let yaml = """
            plans:
              - code: pro_monthly
                entitlements: [scritorio_pro]
                prices:
                  paddle:
                    test: [pri_test_monthly]
                    live: [pri_live_monthly]
            """
        try yaml.write(toFile: dir + "/catalog.yaml", atomically: true, encoding: .utf8)
        let fromYAML = try config.loadCatalog()
        #expect(fromYAML.entitlements(provider: .paddle, mode: .live, priceIDs: ["pri_live_monthly"]) == ["scritorio_pro"])

        let json = #"{"plans":[{"code":"pro_monthly","entitlements":["scritorio_pro"],"prices":{"paddle":{"test":["pri_test_monthly"],"live":["pri_live_monthly"]}}}]}"#
        config.catalogPath = dir + "/other.json"
        try json.write(toFile: dir + "/other.json", atomically: true, encoding: .utf8)
        #expect(try config.loadCatalog() == fromYAML)

        try "plans: [ {code: x".write(toFile: dir + "/broken.yml", atomically: true, encoding: .utf8)
        config.catalogPath = dir + "/broken.yml"
        #expect(throws: ConfigError.self) { try config.loadCatalog() }
        config.catalogPath = dir + "/missing.json"
        #expect(throws: ConfigError.self) { try config.loadCatalog() }
    }
}
