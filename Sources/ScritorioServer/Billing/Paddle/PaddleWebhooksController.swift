import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOFoundationCompat
import ScritorioAPI
import ScritorioCore
import ScritorioStore

/// Provider webhooks. A delivery is verified on its raw bytes, stored in `billing_webhook_events`, and only then
/// acknowledged; the processor applies it later. A duplicate delivery is acknowledged without a second row.
struct PaddleWebhooksController: Sendable {
    let database: Database
    let paddle: PaddleConfig
    let now: @Sendable () -> Date
    let logger: Logger

    /// Paddle's bodies are a few KB; a generous cap still bounds memory per request.
    static let maxWebhookBytes = 1 << 20

    /// The envelope fields the ingest needs; `data` stays in the stored raw body.
    struct PaddleEnvelope: Decodable {
        var event_id: String
        var event_type: String
        var occurred_at: String?
    }

    struct Ack: Codable, Sendable {
        var received: Bool
        var duplicate: Bool
    }

    func register(on router: Router<AppRequestContext>) {
        router.post("webhooks/paddle", use: paddleWebhook)
        router.post("functions/v1/paddle-webhook", use: paddleWebhook)
    }

    @Sendable func paddleWebhook(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<Ack> {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: Self.maxWebhookBytes)
        } catch {
            throw APIError(.contentTooLarge, .requestTooLarge, "Webhook body too large")
        }
        let body = Array(buffer.readableBytesView)
        let verification = PaddleSignature.verify(
            header: request.headers[HTTPField.Name("Paddle-Signature")!], body: body, secrets: paddle.webhookSecrets,
            now: now(), tolerance: paddle.signatureTolerance)
        switch verification {
        case .success:
            break
        case .failure(.missingHeader), .failure(.malformedHeader):
            throw APIError(.badRequest, .invalidSignature, "Missing or malformed Paddle-Signature header")
        case .failure(.noSecretConfigured):
            logger.error("Paddle webhook refused: no PADDLE_WEBHOOK_SECRETS configured")
            throw APIError(.unauthorized, .invalidSignature, "Webhook signature cannot be verified")
        case .failure(.outsideTolerance), .failure(.mismatch):
            logger.warning("Paddle webhook with an invalid or stale signature refused")
            throw APIError(.unauthorized, .invalidSignature, "Invalid webhook signature")
        }
        guard let envelope = try? JSONDecoder().decode(PaddleEnvelope.self, from: Data(body)), !envelope.event_id.isEmpty else {
            throw APIError(.badRequest, .validationFailed, "Body is not a Paddle notification")
        }
        let event = IncomingWebhookEvent(
            provider: .paddle, eventID: envelope.event_id, eventType: envelope.event_type, mode: paddle.mode,
            payload: String(decoding: body, as: UTF8.self), occurredAt: envelope.occurred_at.flatMap(WireDate.parse),
            receivedAt: now())
        let stored = try await database.transaction { db in try await WebhookEventRepository.insert(event, on: db) }
        return JSONResponse(Ack(received: true, duplicate: !stored))
    }
}
