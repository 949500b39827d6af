import Foundation
import Hummingbird
import ScritorioAPI
import ScritorioStore

/// `GET /health` (the store's state; 503 when the store does not answer) and `GET /openapi.json`.
struct HealthController: Sendable {
    let database: Database
    let authMode: AuthMode
    static let version = "0.1.0"

    func register(on router: Router<AppRequestContext>) {
        router.on(API.Site.health, use: health)
        router.on(API.Site.openAPI, use: openAPI)
    }

    @Sendable func health(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<HealthResponse> {
        do {
            let version = try await Migrator(database: database).currentVersion()
            let store = HealthResponse.Store(kind: database.kind.rawValue, ok: true, schemaVersion: version, error: nil)
            return JSONResponse(HealthResponse(status: "ok", version: Self.version, authMode: authMode.name, store: store))
        } catch {
            context.logger.error("health check: store unavailable", metadata: ["error": "\(String(reflecting: error))"])
            let store = HealthResponse.Store(kind: database.kind.rawValue, ok: false, schemaVersion: nil, error: "store unavailable")
            return JSONResponse(
                HealthResponse(status: "degraded", version: Self.version, authMode: authMode.name, store: store),
                status: .serviceUnavailable)
        }
    }

    /// The product API's OpenAPI 3.1 document, shipped as a resource.
    static let openAPIDocument: Data? = Bundle.module.url(forResource: "openapi", withExtension: "json")
        .flatMap { try? Data(contentsOf: $0) }

    @Sendable func openAPI(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let document = Self.openAPIDocument else { throw APIError(.notFound, .notFound, "No OpenAPI document") }
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(data: document)))
    }
}
