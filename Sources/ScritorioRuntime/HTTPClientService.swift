import AsyncHTTPClient
import ServiceLifecycle

/// Keeps an HTTP client's connection pool for the application's lifetime and shuts it down on the way out.
/// AsyncHTTPClient requires an explicit shutdown (a debug build traps on a client released without one), and
/// only after it may the process exit with the requests it made finished rather than cut.
struct HTTPClientService: Service {
    let client: HTTPClient

    func run() async throws {
        // Cancellation (the group failing) ends the wait too; either way the pool is closed.
        try? await gracefulShutdown()
        // A second shutdown (`AppRuntime.close` after the group ran) is harmless and ignored.
        try? await client.shutdown()
    }
}
