import Foundation

/// v12: a subscription's scheduled cancel gets its own column (until now it was kept in `trial_ends_at`, moved here),
/// so `trial_ends_at` means the trial's end; the usage ledger records the words of an event; and `trial_claims`
/// remembers who had a cardless trial, by account and by a hash of the verified address, with no reference to the
/// account so deleting and re-creating it does not buy another.
enum Migration012WordsTrials {
    static let migration = Migration(version: 12, name: "words_trials", statements: [
        "ALTER TABLE subscriptions ADD COLUMN scheduled_cancel_at {ts}",
        "UPDATE subscriptions SET scheduled_cancel_at = trial_ends_at, trial_ends_at = NULL",
        "ALTER TABLE ai_usage_events ADD COLUMN words {bigint} NOT NULL DEFAULT 0",
        """
        CREATE TABLE trial_claims (
            user_id {uuid} PRIMARY KEY,
            email_hash TEXT UNIQUE,
            created_at {ts} NOT NULL
        )
        """,
    ])
}
