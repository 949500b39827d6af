/// v6: the AI gateway's ledger. `ai_user_plans` gets an admin's per-user overrides, the user's period anchor and
/// the live counters of the current minute, day and month (used and reserved), so a reservation is one
/// conditional UPDATE of one row on either engine and across replicas. `ai_usage_events` gets the rest of a
/// request's record: cached tokens, audio seconds, cost, latency and status.
enum Migration006AIGateway {
    static let migration = Migration(version: 6, name: "ai_gateway", statements: [
        "ALTER TABLE ai_user_plans ADD COLUMN tokens_per_day_override {bigint}",
        "ALTER TABLE ai_user_plans ADD COLUMN tokens_per_month_override {bigint}",
        "ALTER TABLE ai_user_plans ADD COLUMN requests_per_minute_override {bigint}",
        "ALTER TABLE ai_user_plans ADD COLUMN audio_seconds_per_month_override {bigint}",
        "ALTER TABLE ai_user_plans ADD COLUMN anchor_at {ts}",
        "ALTER TABLE ai_user_plans ADD COLUMN minute_start {ts}",
        "ALTER TABLE ai_user_plans ADD COLUMN minute_requests {bigint} NOT NULL DEFAULT 0",
        "ALTER TABLE ai_user_plans ADD COLUMN day_start {ts}",
        "ALTER TABLE ai_user_plans ADD COLUMN day_tokens_used {bigint} NOT NULL DEFAULT 0",
        "ALTER TABLE ai_user_plans ADD COLUMN day_tokens_reserved {bigint} NOT NULL DEFAULT 0",
        "ALTER TABLE ai_user_plans ADD COLUMN day_requests {bigint} NOT NULL DEFAULT 0",
        "ALTER TABLE ai_user_plans ADD COLUMN month_tokens_used {bigint} NOT NULL DEFAULT 0",
        "ALTER TABLE ai_user_plans ADD COLUMN month_tokens_reserved {bigint} NOT NULL DEFAULT 0",
        "ALTER TABLE ai_user_plans ADD COLUMN month_requests {bigint} NOT NULL DEFAULT 0",
        "ALTER TABLE ai_user_plans ADD COLUMN month_audio_used {bigint} NOT NULL DEFAULT 0",
        "ALTER TABLE ai_user_plans ADD COLUMN month_audio_reserved {bigint} NOT NULL DEFAULT 0",
        "ALTER TABLE ai_usage_events ADD COLUMN cached_tokens {bigint} NOT NULL DEFAULT 0",
        "ALTER TABLE ai_usage_events ADD COLUMN audio_seconds {bigint} NOT NULL DEFAULT 0",
        "ALTER TABLE ai_usage_events ADD COLUMN cost_micros {bigint} NOT NULL DEFAULT 0",
        "ALTER TABLE ai_usage_events ADD COLUMN latency_ms {bigint} NOT NULL DEFAULT 0",
        "ALTER TABLE ai_usage_events ADD COLUMN status INTEGER NOT NULL DEFAULT 200",
        "ALTER TABLE ai_usage_events ADD COLUMN outcome TEXT NOT NULL DEFAULT 'ok'",
        "CREATE UNIQUE INDEX ai_usage_events_request_idx ON ai_usage_events (request_id)",
    ])
}
