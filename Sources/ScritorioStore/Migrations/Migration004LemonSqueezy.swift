/// v4: what Lemon Squeezy adds to subscriptions: the pause mode (`free` keeps access while paused, `void` does not)
/// and the order that started the subscription (Lemon Squeezy's orders do not name their subscription, so the
/// link is made from the subscription's `order_id`).
enum Migration004LemonSqueezy {
    static let migration = Migration(version: 4, name: "lemonsqueezy", statements: [
        "ALTER TABLE subscriptions ADD COLUMN pause_mode TEXT",
        "ALTER TABLE subscriptions ADD COLUMN provider_order_id TEXT",
        "CREATE INDEX subscriptions_order_idx ON subscriptions (provider, provider_order_id)",
    ])
}
