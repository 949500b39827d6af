import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOFoundationCompat
import ScritorioAPI
import ScritorioCore
import ScritorioStore

/// `POST /webhooks/lemonsqueezy`: verified on its raw bytes (`X-Signature`), stored in `billing_webhook_events`
/// under a digest of the body (Lemon Squeezy sends no event id, and a retry repeats the same bytes), and only then
/// acknowledged. A licence key event is stored with its key sealed (its hash and hint in its place). The processor
/// applies it later, in the order of the object's `updated_at`; the row keeps the body's own mode
/// (`meta.test_mode`) and the processor refuses the mode this deployment does not run in.
struct LemonSqueezyWebhooksController: Sendable {
    let database: Database
    let config: LemonSqueezyConfig
    let now: @Sendable () -> Date
    let logger: Logger

    func register(on router: Router<AppRequestContext>) {
        router.post("webhooks/lemonsqueezy", use: webhook)
    }

    @Sendable func webhook(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<PaddleWebhooksController.Ack> {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: PaddleWebhooksController.maxWebhookBytes)
        } catch {
            throw APIError(.contentTooLarge, .requestTooLarge, "Webhook body too large")
        }
        let body = Array(buffer.readableBytesView)
        switch LemonSqueezySignature.verify(header: request.headers[HTTPField.Name("X-Signature")!], body: body, secrets: config.webhookSecrets) {
        case .success:
            break
        case .failure(.missingHeader):
            throw APIError(.badRequest, .invalidSignature, "Missing X-Signature header")
        case .failure(.noSecretConfigured):
            logger.error("Lemon Squeezy webhook refused: no LEMONSQUEEZY_WEBHOOK_SECRETS configured")
            throw APIError(.unauthorized, .invalidSignature, "Webhook signature cannot be verified")
        case .failure(.mismatch):
            logger.warning("Lemon Squeezy webhook with an invalid signature refused")
            throw APIError(.unauthorized, .invalidSignature, "Invalid webhook signature")
        }
        guard let envelope = try? JSONDecoder().decode(LemonSqueezyEventDecoder.Envelope.self, from: Data(body)),
            !envelope.meta.event_name.isEmpty
        else {
            throw APIError(.badRequest, .validationFailed, "Body is not a Lemon Squeezy webhook")
        }
        let event = IncomingWebhookEvent(
            provider: .lemonSqueezy, eventID: LemonSqueezySignature.digest(body), eventType: envelope.meta.event_name,
            mode: envelope.mode, payload: String(decoding: LemonSqueezyEventDecoder.sealingLicenseKey(body), as: UTF8.self),
            occurredAt: envelope.updatedAt, receivedAt: now())
        let stored = try await database.transaction { db in try await WebhookEventRepository.insert(event, on: db) }
        if envelope.mode != config.mode {
            // Kept (an admin sees it as wrong_mode once processed) but never applied.
            logger.warning("Lemon Squeezy webhook of the other mode received", metadata: ["event": "\(envelope.meta.event_name)"])
        }
        return JSONResponse(PaddleWebhooksController.Ack(received: true, duplicate: !stored))
    }
}
