/// v5: licence keys and devices. On `license_keys`: who issued the key (the provider, or Scritorio for a
/// purchase through a provider without keys), the purchase it belongs to (customer, order, subscription, store,
/// product, variant, names shown in the Lemon Squeezy-shaped answers), the catalog plan, the provider's time of
/// the stored state (older updates never overwrite newer ones) and the number of active devices, kept beside the
/// limit so one conditional UPDATE can take a seat. On `license_activations`: the device fingerprint and the last
/// validation. Keys are found by hash only.
enum Migration005Licensing {
    static let migration = Migration(version: 5, name: "licensing", statements: [
        "ALTER TABLE license_keys ADD COLUMN issuer TEXT NOT NULL DEFAULT 'provider'",
        "ALTER TABLE license_keys ADD COLUMN plan_code TEXT",
        "ALTER TABLE license_keys ADD COLUMN provider_customer_id TEXT",
        "ALTER TABLE license_keys ADD COLUMN provider_order_id TEXT",
        "ALTER TABLE license_keys ADD COLUMN provider_subscription_id TEXT",
        "ALTER TABLE license_keys ADD COLUMN store_id TEXT",
        "ALTER TABLE license_keys ADD COLUMN product_id TEXT",
        "ALTER TABLE license_keys ADD COLUMN variant_id TEXT",
        "ALTER TABLE license_keys ADD COLUMN product_name TEXT",
        "ALTER TABLE license_keys ADD COLUMN variant_name TEXT",
        "ALTER TABLE license_keys ADD COLUMN customer_name TEXT",
        "ALTER TABLE license_keys ADD COLUMN customer_email TEXT",
        "ALTER TABLE license_keys ADD COLUMN activation_usage INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE license_keys ADD COLUMN provider_updated_at {ts}",
        "CREATE UNIQUE INDEX license_keys_key_hash_idx ON license_keys (key_hash)",
        "CREATE INDEX license_keys_user_idx ON license_keys (user_id)",
        "CREATE INDEX license_keys_subscription_idx ON license_keys (provider, provider_subscription_id)",
        "ALTER TABLE license_activations ADD COLUMN fingerprint TEXT",
        "ALTER TABLE license_activations ADD COLUMN last_validated_at {ts}",
        "CREATE INDEX license_activations_fingerprint_idx ON license_activations (license_key_id, fingerprint)",
    ])
}
