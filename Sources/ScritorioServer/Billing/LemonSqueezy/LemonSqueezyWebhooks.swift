import Foundation
import HTTPTypes
import Logging
import NIOFoundationCompat
import ScritorioAPI
import ScritorioCore
import ScritorioStore

/// Lemon Squeezy's webhooks (`POST /webhooks/lemonsqueezy`): `X-Signature` checked on the raw bytes, stored under
/// a digest of the body (Lemon Squeezy sends no event id, and a retry repeats the same bytes). A licence key event
/// is stored with its key sealed (its hash and hint in its place). The processor applies it later, in the order of
/// the object's `updated_at`; the row keeps the body's own mode (`meta.test_mode`) and the processor refuses the
/// mode this deployment does not run in.
struct LemonSqueezyWebhooks: WebhookProvider {
    let config: LemonSqueezyConfig

    func verify(headers: HTTPFields, body: [UInt8], now: Date, logger: Logger) throws {
        switch LemonSqueezySignature.verify(header: headers[HTTPField.Name("X-Signature")!], body: body, secrets: config.webhookSecrets) {
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
    }

    func event(body: [UInt8], receivedAt: Date, logger: Logger) throws -> IncomingWebhookEvent {
        guard let envelope = try? JSONDecoder().decode(LemonSqueezyEventDecoder.Envelope.self, from: Data(body)),
            !envelope.meta.event_name.isEmpty
        else {
            throw APIError(.badRequest, .validationFailed, "Body is not a Lemon Squeezy webhook")
        }
        if envelope.mode != config.mode {
            // Kept (an admin sees it as wrong_mode once processed) but never applied.
            logger.warning("Lemon Squeezy webhook of the other mode received", metadata: ["event": "\(envelope.meta.event_name)"])
        }
        return IncomingWebhookEvent(
            provider: .lemonSqueezy, eventID: LemonSqueezySignature.digest(body), eventType: envelope.meta.event_name,
            mode: envelope.mode, payload: String(decoding: LemonSqueezyEventDecoder.sealingLicenseKey(body), as: UTF8.self),
            occurredAt: envelope.updatedAt, receivedAt: receivedAt)
    }
}
