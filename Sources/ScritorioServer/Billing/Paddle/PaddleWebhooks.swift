import Foundation
import HTTPTypes
import Logging
import NIOFoundationCompat
import ScritorioAPI
import ScritorioCore
import ScritorioStore

/// Paddle's webhooks (`POST /webhooks/paddle`, and `/functions/v1/paddle-webhook` where the seed's Edge Function
/// was): `Paddle-Signature` checked on the raw bytes within the tolerance, stored under Paddle's event id.
struct PaddleWebhooks: WebhookProvider {
    let config: PaddleConfig

    /// The envelope fields the ingest needs; `data` stays in the stored raw body.
    struct Envelope: Decodable {
        var event_id: String
        var event_type: String
        var occurred_at: String?
    }

    func verify(headers: HTTPFields, body: [UInt8], now: Date, logger: Logger) throws {
        let verification = PaddleSignature.verify(
            header: headers[HTTPField.Name("Paddle-Signature")!], body: body, secrets: config.webhookSecrets,
            now: now, tolerance: config.signatureTolerance)
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
    }

    func event(body: [UInt8], receivedAt: Date, logger: Logger) throws -> IncomingWebhookEvent {
        guard let envelope = try? JSONDecoder().decode(Envelope.self, from: Data(body)), !envelope.event_id.isEmpty else {
            throw APIError(.badRequest, .validationFailed, "Body is not a Paddle notification")
        }
        return IncomingWebhookEvent(
            provider: .paddle, eventID: envelope.event_id, eventType: envelope.event_type, mode: config.mode,
            payload: String(decoding: body, as: UTF8.self), occurredAt: envelope.occurred_at.flatMap(WireDate.parse),
            receivedAt: receivedAt)
    }
}
