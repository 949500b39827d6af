/// v3: what the webhook processor needs: on `billing_webhook_events` the provider's `occurred_at` (events are
/// applied in that order), retry scheduling, a claim lease (so several replicas can share the work), and the
/// user the event was matched to; on `orders`, the provider's time of the stored state.
enum Migration003WebhookPipeline {
    static let migration = Migration(version: 3, name: "webhook_pipeline", statements: [
        "ALTER TABLE billing_webhook_events ADD COLUMN occurred_at {ts}",
        "ALTER TABLE billing_webhook_events ADD COLUMN next_attempt_at {ts}",
        "ALTER TABLE billing_webhook_events ADD COLUMN locked_until {ts}",
        "ALTER TABLE billing_webhook_events ADD COLUMN user_id {uuid}",
        "CREATE INDEX billing_webhook_events_queue_idx ON billing_webhook_events (status, next_attempt_at)",
        // Orders are ordered by the provider's time too.
        "ALTER TABLE orders ADD COLUMN provider_updated_at {ts}",
        "CREATE INDEX entitlements_user_idx ON entitlements (user_id)",
    ])
}
