/// v1: accounts (built-in auth tables), profiles and members.
enum Migration001Accounts {
    static let migration = Migration(version: 1, name: "accounts", statements: [
        """
        CREATE TABLE auth_users (
            id {uuid} PRIMARY KEY,
            email TEXT UNIQUE,
            encrypted_password TEXT,
            email_confirmed_at {ts},
            confirmation_sent_at {ts},
            recovery_sent_at {ts},
            last_sign_in_at {ts},
            raw_app_meta_data TEXT NOT NULL DEFAULT '{}',
            raw_user_meta_data TEXT NOT NULL DEFAULT '{}',
            created_at {ts} NOT NULL,
            updated_at {ts} NOT NULL
        )
        """,
        """
        CREATE TABLE auth_identities (
            id {uuid} PRIMARY KEY,
            provider_id TEXT NOT NULL,
            user_id {uuid} NOT NULL REFERENCES auth_users(id) ON DELETE CASCADE,
            provider TEXT NOT NULL,
            identity_data TEXT NOT NULL DEFAULT '{}',
            last_sign_in_at {ts},
            created_at {ts} NOT NULL,
            updated_at {ts} NOT NULL,
            UNIQUE (provider_id, provider)
        )
        """,
        "CREATE INDEX auth_identities_user_id_idx ON auth_identities (user_id)",
        """
        CREATE TABLE auth_sessions (
            id {uuid} PRIMARY KEY,
            user_id {uuid} NOT NULL REFERENCES auth_users(id) ON DELETE CASCADE,
            aal TEXT NOT NULL DEFAULT 'aal1',
            amr TEXT NOT NULL DEFAULT '[]',
            user_agent TEXT,
            ip TEXT,
            refreshed_at {ts},
            not_after {ts},
            created_at {ts} NOT NULL,
            updated_at {ts} NOT NULL
        )
        """,
        "CREATE INDEX auth_sessions_user_id_idx ON auth_sessions (user_id)",
        """
        CREATE TABLE auth_refresh_tokens (
            id {pk},
            token TEXT NOT NULL UNIQUE,
            parent TEXT,
            user_id {uuid} NOT NULL,
            session_id {uuid} NOT NULL REFERENCES auth_sessions(id) ON DELETE CASCADE,
            revoked {bool} NOT NULL DEFAULT {false},
            created_at {ts} NOT NULL,
            updated_at {ts} NOT NULL
        )
        """,
        "CREATE INDEX auth_refresh_tokens_session_idx ON auth_refresh_tokens (session_id)",
        "CREATE INDEX auth_refresh_tokens_parent_idx ON auth_refresh_tokens (parent)",
        """
        CREATE TABLE auth_flow_states (
            id {uuid} PRIMARY KEY,
            user_id {uuid},
            auth_code_hash TEXT NOT NULL UNIQUE,
            code_challenge TEXT NOT NULL,
            code_challenge_method TEXT NOT NULL,
            authentication_method TEXT NOT NULL,
            auth_code_issued_at {ts},
            created_at {ts} NOT NULL,
            updated_at {ts} NOT NULL
        )
        """,
        """
        CREATE TABLE auth_one_time_tokens (
            id {uuid} PRIMARY KEY,
            user_id {uuid} NOT NULL REFERENCES auth_users(id) ON DELETE CASCADE,
            token_type TEXT NOT NULL,
            token_hash TEXT NOT NULL,
            relates_to TEXT NOT NULL,
            flow_state_id {uuid},
            redirect_to TEXT,
            created_at {ts} NOT NULL,
            UNIQUE (user_id, token_type)
        )
        """,
        "CREATE INDEX auth_one_time_tokens_hash_idx ON auth_one_time_tokens (token_hash)",
        """
        CREATE TABLE profiles (
            id {uuid} PRIMARY KEY,
            display_name TEXT,
            created_at {ts} NOT NULL,
            updated_at {ts} NOT NULL
        )
        """,
        """
        CREATE TABLE members (
            id {uuid} PRIMARY KEY,
            type TEXT NOT NULL DEFAULT 'user',
            plan TEXT NOT NULL DEFAULT 'free',
            is_on_trial {bool} NOT NULL DEFAULT {false},
            trial_ends_at {ts},
            words_today {bigint} NOT NULL DEFAULT 0,
            words_this_month {bigint} NOT NULL DEFAULT 0,
            words_total {bigint} NOT NULL DEFAULT 0,
            tokens_today {bigint} NOT NULL DEFAULT 0,
            tokens_this_month {bigint} NOT NULL DEFAULT 0,
            tokens_total {bigint} NOT NULL DEFAULT 0,
            today_reset_at {ts} NOT NULL,
            this_month_reset_at {ts} NOT NULL,
            paddle_subscription_id TEXT,
            created_at {ts} NOT NULL,
            updated_at {ts} NOT NULL
        )
        """,
    ])
}
