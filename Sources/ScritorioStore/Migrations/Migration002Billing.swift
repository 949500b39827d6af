/// v2: billing, licence, entitlement and AI tables with the columns the seeds name. Later migrations extend
/// them as the billing pipeline and the AI gateway land.
enum Migration002Billing {
    static let migration = Migration(version: 2, name: "billing_and_ai", statements: [
        """
        CREATE TABLE billing_customers (
            id {uuid} PRIMARY KEY,
            user_id {uuid},
            provider TEXT NOT NULL,
            mode TEXT NOT NULL,
            provider_customer_id TEXT NOT NULL,
            email TEXT,
            created_at {ts} NOT NULL,
            updated_at {ts} NOT NULL,
            UNIQUE (provider, mode, provider_customer_id)
        )
        """,
        """
        CREATE TABLE subscriptions (
            id {uuid} PRIMARY KEY,
            user_id {uuid},
            provider TEXT NOT NULL,
            mode TEXT NOT NULL,
            provider_subscription_id TEXT NOT NULL,
            provider_customer_id TEXT,
            status TEXT NOT NULL,
            plan_code TEXT,
            price_id TEXT,
            current_period_start {ts},
            current_period_end {ts},
            cancel_at_period_end {bool} NOT NULL DEFAULT {false},
            canceled_at {ts},
            trial_ends_at {ts},
            provider_updated_at {ts},
            created_at {ts} NOT NULL,
            updated_at {ts} NOT NULL,
            UNIQUE (provider, provider_subscription_id)
        )
        """,
        "CREATE INDEX subscriptions_user_idx ON subscriptions (user_id)",
        """
        CREATE TABLE orders (
            id {uuid} PRIMARY KEY,
            user_id {uuid},
            provider TEXT NOT NULL,
            mode TEXT NOT NULL,
            provider_order_id TEXT NOT NULL,
            provider_subscription_id TEXT,
            status TEXT NOT NULL,
            currency TEXT,
            total_minor {bigint},
            created_at {ts} NOT NULL,
            updated_at {ts} NOT NULL,
            UNIQUE (provider, provider_order_id)
        )
        """,
        """
        CREATE TABLE license_keys (
            id {uuid} PRIMARY KEY,
            user_id {uuid},
            provider TEXT NOT NULL,
            mode TEXT NOT NULL,
            provider_license_id TEXT NOT NULL,
            key_hash TEXT NOT NULL,
            key_hint TEXT,
            status TEXT NOT NULL,
            activation_limit INTEGER,
            expires_at {ts},
            created_at {ts} NOT NULL,
            updated_at {ts} NOT NULL,
            UNIQUE (provider, provider_license_id)
        )
        """,
        """
        CREATE TABLE license_activations (
            id {uuid} PRIMARY KEY,
            license_key_id {uuid} NOT NULL REFERENCES license_keys(id) ON DELETE CASCADE,
            instance_id TEXT NOT NULL,
            instance_name TEXT,
            created_at {ts} NOT NULL,
            deactivated_at {ts},
            UNIQUE (license_key_id, instance_id)
        )
        """,
        """
        CREATE TABLE entitlements (
            id {uuid} PRIMARY KEY,
            user_id {uuid} NOT NULL,
            code TEXT NOT NULL,
            source_type TEXT NOT NULL,
            source_id TEXT NOT NULL,
            starts_at {ts},
            ends_at {ts},
            revoked_at {ts},
            created_at {ts} NOT NULL,
            updated_at {ts} NOT NULL,
            UNIQUE (user_id, code, source_type, source_id)
        )
        """,
        """
        CREATE TABLE ai_user_plans (
            user_id {uuid} PRIMARY KEY,
            plan TEXT NOT NULL,
            monthly_token_quota {bigint},
            period_start {ts},
            period_end {ts},
            created_at {ts} NOT NULL,
            updated_at {ts} NOT NULL
        )
        """,
        """
        CREATE TABLE ai_usage_events (
            id {pk},
            user_id {uuid} NOT NULL,
            model TEXT,
            endpoint TEXT,
            input_tokens {bigint} NOT NULL DEFAULT 0,
            output_tokens {bigint} NOT NULL DEFAULT 0,
            total_tokens {bigint} NOT NULL DEFAULT 0,
            request_id TEXT,
            created_at {ts} NOT NULL
        )
        """,
        "CREATE INDEX ai_usage_events_user_time_idx ON ai_usage_events (user_id, created_at)",
        """
        CREATE TABLE billing_webhook_events (
            id {pk},
            provider TEXT NOT NULL,
            event_id TEXT NOT NULL,
            event_type TEXT NOT NULL,
            mode TEXT,
            payload TEXT NOT NULL,
            received_at {ts} NOT NULL,
            processed_at {ts},
            status TEXT NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            UNIQUE (provider, event_id)
        )
        """,
    ])
}
