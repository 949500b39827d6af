import Foundation
import HTTPTypes
import Hummingbird
import Logging
import ScritorioAPI
import ScritorioCore
import ScritorioStore

/// The one way a provider webhook comes in: the body is read with a cap, verified on its raw bytes by the
/// provider's verifier, read into the provider's envelope, stored in `billing_webhook_events`, and only then
/// acknowledged. A duplicate delivery is acknowledged without a second row; the processor applies it later.
struct WebhookIngest<Provider: WebhookProvider>: Sendable {
    let provider: Provider
    let database: Database
    let now: @Sendable () -> Date
    let logger: Logger

    /// Bodies are a few KB; a generous cap still bounds memory per request.
    static var maxBytes: Int { 1 << 20 }

    /// The ingest served at `endpoint` (a provider may post to more than one address).
    func routes(at endpoint: Endpoint<OpaqueBody, WebhookAck>) -> RouteCollection<AppRequestContext> {
        RouteCollection(context: AppRequestContext.self).on(endpoint, use: receive)
    }

    @Sendable func receive(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<WebhookAck> {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: Self.maxBytes)
        } catch {
            throw APIError(.contentTooLarge, .requestTooLarge, "Webhook body too large")
        }
        let body = Array(buffer.readableBytesView)
        try provider.verify(headers: request.headers, body: body, now: now(), logger: logger)
        let event = try provider.event(body: body, receivedAt: now(), logger: logger)
        let stored = try await database.transaction { db in try await WebhookEventRepository.insert(event, on: db) }
        return JSONResponse(WebhookAck(received: true, duplicate: !stored))
    }
}

/// What differs between providers' webhooks: how a delivery is verified and how its envelope is read.
protocol WebhookProvider: Sendable {
    /// Throws the 400/401 the delivery deserves when its signature does not verify.
    func verify(headers: HTTPFields, body: [UInt8], now: Date, logger: Logger) throws
    /// The row to store for a verified body; 400 when the body is not this provider's notification.
    func event(body: [UInt8], receivedAt: Date, logger: Logger) throws -> IncomingWebhookEvent
}
