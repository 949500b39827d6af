/// v10: the webhook queue's own index. The processor asks for due events in the provider's order; this partial
/// index holds only events still waiting (`pending`, `retry`), so a claim reads a few rows in order however many
/// millions of processed events the table keeps.
enum Migration010WebhookQueueIndex {
    static let migration = Migration(version: 10, name: "webhook_queue_index", statements: [
        """
        CREATE INDEX billing_webhook_events_due_idx ON billing_webhook_events (occurred_at, id)
        WHERE status IN ('pending', 'retry')
        """,
    ])
}
