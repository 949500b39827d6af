import Foundation
import PostgresNIO

/// Parses `postgres://user:password@host:port/db?sslmode=...` into a client configuration. Supabase's
/// database works as plain PostgreSQL: TLS is used when offered (`prefer`) unless `sslmode` says otherwise.
enum PostgresURL {
    static func configuration(_ text: String) throws -> PostgresClient.Configuration {
        guard let components = URLComponents(string: text),
            ["postgres", "postgresql"].contains(components.scheme ?? "")
        else { throw StoreError.invalidConfiguration("DATABASE_URL must be a postgres:// URL") }
        guard let host = components.host, !host.isEmpty else {
            throw StoreError.invalidConfiguration("DATABASE_URL has no host")
        }
        guard let user = components.user, !user.isEmpty else {
            throw StoreError.invalidConfiguration("DATABASE_URL has no user name")
        }
        let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        let query = Dictionary(
            (components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, last in last })
        let tls: PostgresClient.Configuration.TLS
        switch query["sslmode"] ?? "prefer" {
        case "disable": tls = .disable
        case "allow", "prefer", "require":
            // As libpq: these encrypt without verifying the certificate (Supabase's database presents one from
            // its own CA). `verify-full` verifies against the system trust store.
            var config = TLSConfiguration.makeClientConfiguration()
            config.certificateVerification = .none
            tls = query["sslmode"] == "require" ? .require(config) : .prefer(config)
        case "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
        default: throw StoreError.invalidConfiguration("unknown sslmode in DATABASE_URL")
        }
        var configuration = PostgresClient.Configuration(
            // URLComponents.user/password are already percent-decoded.
            host: host, port: components.port ?? 5432, username: user,
            password: components.password, database: database.isEmpty ? nil : database,
            tls: tls)
        // Measured on the 2-core benchmark host: a small pool beats a large one (fewer backends competing for
        // the same cores); `pool_max=` raises it for a remote database.
        configuration.options.maximumConnections = Int(query["pool_max"] ?? "") ?? max(8, 4 * ProcessInfo.processInfo.activeProcessorCount)
        if let schema = query["search_path"], !schema.isEmpty {
            // Lets tests (and shared databases) keep Scritorio's tables in their own schema.
            configuration.options.additionalStartupParameters = [("search_path", schema)]
        }
        return configuration
    }

    /// How long a transaction waits for a row lock before failing (`lock_timeout=` in the URL, PostgreSQL's
    /// syntax: `500ms`, `5s`, `1min`); 5 s by default, as GoTrue does.
    static func lockTimeout(_ text: String) throws -> String {
        let value = URLComponents(string: text)?.queryItems?.last(where: { $0.name == "lock_timeout" })?.value ?? "5s"
        // Interpolated into `SET LOCAL`, so only a number with a unit gets through.
        guard value.range(of: #"^[0-9]{1,7}(ms|s|min)$"#, options: .regularExpression) != nil else {
            throw StoreError.invalidConfiguration("lock_timeout in DATABASE_URL must look like 500ms, 5s or 1min")
        }
        return value
    }

    /// The URL with its password replaced, for logs and start-up output.
    static func redacted(_ text: String) -> String {
        guard var components = URLComponents(string: text) else { return "postgres://(unparseable)" }
        if components.password != nil { components.password = "****" }
        return components.string ?? "postgres://(redacted)"
    }
}
