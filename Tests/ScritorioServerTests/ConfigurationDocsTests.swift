import Foundation
import Testing

/// README.md's configuration table is the operator's only list of settings: every environment variable the code
/// reads must have a row there.
@Suite("Configuration documentation")
struct ConfigurationDocsTests {
    /// The repository's root, found from this file's own path (the tests may run from any directory).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Every variable name quoted in the shipped sources; the test-support target's own variables
    /// (`SCRITORIO_TEST_*`) configure the tests, not a deployment.
    static func variablesRead() throws -> Set<String> {
        // Names of the families the loaders read, as they appear quoted in the sources.
        let pattern = #/"((?:SCRITORIO|DATABASE|SUPABASE|PADDLE|LEMONSQUEEZY|OPENAI|GOOGLE)_[A-Z0-9_]*[A-Z0-9])/#
        let sources = root.appendingPathComponent("Sources")
        var names = Set<String>()
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)
        while let file = files?.nextObject() as? URL {
            guard file.pathExtension == "swift", !file.path.contains("/ScritorioTestSupport/") else { continue }
            let text = try String(contentsOf: file, encoding: .utf8)
            for match in text.matches(of: pattern) { names.insert(String(match.output.1)) }
        }
        return names
    }

    /// The names in backticks in the first column of the table under `## Configuration`.
    static func variablesDocumented() throws -> Set<String> {
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let lines = readme.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(of: "## Configuration") else { return [] }
        let section = lines[(start + 1)...].prefix { !$0.hasPrefix("## ") }
        var names = Set<String>()
        for row in section where row.hasPrefix("|") {
            let firstCell = row.split(separator: "|").first ?? ""
            for match in firstCell.matches(of: #/`([A-Z][A-Z0-9_]+)`/#) { names.insert(String(match.output.1)) }
        }
        return names
    }

    @Test("every environment variable the code reads has a row in README.md's configuration table")
    func everyVariableIsDocumented() throws {
        let read = try Self.variablesRead()
        // A scan that finds nothing would pass vacuously: the loaders' best-known variables must be among them.
        #expect(read.isSuperset(of: ["SCRITORIO_PORT", "DATABASE_URL", "PADDLE_CLIENT_TOKEN", "OPENAI_API_KEY"]))
        let missing = read.subtracting(try Self.variablesDocumented()).sorted()
        #expect(missing.isEmpty, "not in README.md's configuration table: \(missing.joined(separator: ", "))")
    }
}
