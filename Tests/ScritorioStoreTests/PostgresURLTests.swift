import Logging
import ScritorioStore
import Testing

@Suite("DATABASE_URL options")
struct PostgresURLTests {
    let logger = Logger(label: "scritorio.test.url")

    @Test("lock_timeout takes a number with a unit; anything else stops start-up instead of reaching SQL",
          arguments: ["5s", "500ms", "1min", "60s"])
    func acceptedLockTimeouts(value: String) throws {
        _ = try Database.postgres(url: "postgres://scritorio@127.0.0.1:5432/db?lock_timeout=\(value)", logger: logger)
    }

    @Test("refused lock_timeout values", arguments: ["5", "5 s", "5s';DROP TABLE users;--", "-1s", "", "1h"])
    func refusedLockTimeouts(value: String) {
        let encoded = value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? value
        #expect(throws: StoreError.self) {
            _ = try Database.postgres(url: "postgres://scritorio@127.0.0.1:5432/db?lock_timeout=\(encoded)", logger: logger)
        }
    }

    @Test("no host, no user, or another scheme is refused")
    func refusedURLs() {
        for url in ["mysql://u@h/db", "postgres:///db", "postgres://h/db"] {
            #expect(throws: StoreError.self) { _ = try Database.postgres(url: url, logger: logger) }
        }
    }
}
