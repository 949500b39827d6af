import Foundation

/// v11: what GoTrue's admin API, email change, reauthentication, anonymous users and TOTP MFA keep. Users gain a
/// ban, a soft deletion, the anonymous flag, the invitation time and a pending email change; sessions record the
/// factor that raised them to `aal2`; factors keep their TOTP secret sealed (never in the clear), the last time
/// step a code was accepted for (so a code works once) and their run of wrong codes (which locks them for a while);
/// challenges expire.
enum Migration011AuthParity {
    static let migration = Migration(version: 11, name: "auth_parity", statements: [
        "ALTER TABLE auth_users ADD COLUMN banned_until {ts}",
        "ALTER TABLE auth_users ADD COLUMN deleted_at {ts}",
        "ALTER TABLE auth_users ADD COLUMN is_anonymous {bool} NOT NULL DEFAULT {false}",
        "ALTER TABLE auth_users ADD COLUMN invited_at {ts}",
        "ALTER TABLE auth_users ADD COLUMN email_change TEXT",
        "ALTER TABLE auth_users ADD COLUMN email_change_sent_at {ts}",
        "ALTER TABLE auth_users ADD COLUMN email_change_confirm_status INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE auth_users ADD COLUMN reauthentication_sent_at {ts}",
        "ALTER TABLE auth_sessions ADD COLUMN factor_id {uuid}",
        """
        CREATE TABLE auth_mfa_factors (
            id {uuid} PRIMARY KEY,
            user_id {uuid} NOT NULL REFERENCES auth_users(id) ON DELETE CASCADE,
            friendly_name TEXT,
            factor_type TEXT NOT NULL,
            status TEXT NOT NULL,
            sealed_secret TEXT NOT NULL,
            last_used_step {bigint},
            failed_attempts INTEGER NOT NULL DEFAULT 0,
            locked_until {ts},
            last_challenged_at {ts},
            created_at {ts} NOT NULL,
            updated_at {ts} NOT NULL
        )
        """,
        "CREATE INDEX auth_mfa_factors_user_idx ON auth_mfa_factors (user_id)",
        """
        CREATE UNIQUE INDEX auth_mfa_factors_name_idx ON auth_mfa_factors (user_id, friendly_name)
            WHERE friendly_name IS NOT NULL AND friendly_name <> ''
        """,
        """
        CREATE TABLE auth_mfa_challenges (
            id {uuid} PRIMARY KEY,
            factor_id {uuid} NOT NULL REFERENCES auth_mfa_factors(id) ON DELETE CASCADE,
            ip TEXT,
            verified_at {ts},
            created_at {ts} NOT NULL
        )
        """,
        "CREATE INDEX auth_mfa_challenges_factor_idx ON auth_mfa_challenges (factor_id)",
    ])
}
