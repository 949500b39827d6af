import Foundation

/// v9: rate-limit buckets every replica shares. With PostgreSQL the `/auth/v1` and licence limits are kept here, so
/// N replicas allow the configured number of guesses, not N times it; SQLite (one server) keeps them in memory and
/// leaves this table empty.
enum Migration009RateLimits {
    static let migration = Migration(version: 9, name: "rate_limits", statements: [
        """
        CREATE TABLE rate_limit_buckets (
          key TEXT PRIMARY KEY,
          tokens DOUBLE PRECISION NOT NULL,
          updated_at {ts} NOT NULL
        )
        """,
        "CREATE INDEX rate_limit_buckets_updated_at ON rate_limit_buckets (updated_at)",
    ])
}
