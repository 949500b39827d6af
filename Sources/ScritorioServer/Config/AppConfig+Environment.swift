import Foundation
import ScritorioCore

extension AppConfig {
    /// Reads the `SCRITORIO_*` (and `DATABASE_URL`, `SUPABASE_*`, `GOOGLE_CLIENT_ID`) environment and every
    /// slice's own variables. Command-line flags are applied on top by the executable. Each variable read here
    /// (or by a slice's loader) has a row in README.md's configuration table; a test checks that.
    public static func fromEnvironment(_ env: [String: String]) throws -> AppConfig {
        try load(EnvironmentReader(env))
    }

    static func load(_ env: EnvironmentReader) throws -> AppConfig {
        var config = AppConfig()
        func value(_ key: String) -> String? { env.value(key) }
        func flag(_ key: String) -> Bool { env.flag(key) }
        func number(_ key: String) throws -> Double? { try env.number(key) }
        func url(_ key: String) throws -> String? { try env.url(key, example: "an absolute URL such as https://auth.example.com") }

        if let host = value("SCRITORIO_HOST") { config.host = host }
        if let port = try number("SCRITORIO_PORT") {
            guard port <= 65535 else { throw ConfigError(description: "SCRITORIO_PORT must be 0-65535") }
            config.port = Int(port)
        }
        if let dir = value("SCRITORIO_DATA_DIR") { config.dataDirectory = dir }
        if let count = try number("SCRITORIO_MAX_CONNECTIONS") {
            guard count >= 1, count <= 1_000_000 else { throw ConfigError(description: "SCRITORIO_MAX_CONNECTIONS must be 1-1000000") }
            config.connections.maxConnections = Int(count)
        }
        if let count = try number("SCRITORIO_MAX_CONNECTIONS_PER_IP") {
            guard count >= 1, count <= 1_000_000 else { throw ConfigError(description: "SCRITORIO_MAX_CONNECTIONS_PER_IP must be 1-1000000") }
            config.connections.maxConnectionsPerAddress = Int(count)
        }
        for (key, path) in [("SCRITORIO_HEADER_TIMEOUT", \ConnectionLimits.headerTimeout), ("SCRITORIO_BODY_TIMEOUT", \.bodyTimeout),
                            ("SCRITORIO_KEEPALIVE_TIMEOUT", \.keepAliveTimeout)] {
            if let seconds = try number(key) {
                guard seconds >= 0.1, seconds <= 86_400 else { throw ConfigError(description: "\(key) must be 0.1-86400 seconds") }
                config.connections[keyPath: path] = seconds
            }
        }
        config.sandbox = flag("SCRITORIO_SANDBOX")
        config.databaseURL = value("DATABASE_URL")
        config.publishableKey = value("SCRITORIO_PUBLISHABLE_KEY")
        config.autoconfirm = flag("SCRITORIO_AUTH_AUTOCONFIRM")
        config.disableSignup = flag("SCRITORIO_AUTH_DISABLE_SIGNUP")
        config.secretKey = value("SCRITORIO_SECRET_KEY")
        if let key = config.secretKey, key.count < 32 {
            throw ConfigError(description: "SCRITORIO_SECRET_KEY must be at least 32 characters")
        }
        config.legacyJWTSecret = value("SCRITORIO_JWT_SECRET")
        if let secret = config.legacyJWTSecret, secret.utf8.count < 32 {
            throw ConfigError(description: "SCRITORIO_JWT_SECRET must be at least 32 characters (Supabase's are 40)")
        }
        if value("SCRITORIO_AUTH_SECURE_EMAIL_CHANGE") != nil { config.secureEmailChange = flag("SCRITORIO_AUTH_SECURE_EMAIL_CHANGE") }
        config.passwordChangeNeedsReauthentication = flag("SCRITORIO_AUTH_PASSWORD_CHANGE_REAUTH")
        config.anonymousSignIns = flag("SCRITORIO_AUTH_ANONYMOUS")
        config.mfaEncryptionKey = value("SCRITORIO_MFA_ENCRYPTION_KEY")
        config.externalURL = try url("SCRITORIO_EXTERNAL_URL")
        config.siteURL = try url("SCRITORIO_SITE_URL")
        config.redirectAllowList = env.list("SCRITORIO_REDIRECT_ALLOW_LIST")
        config.googleClientIDs = env.list("SCRITORIO_GOOGLE_CLIENT_IDS", "GOOGLE_CLIENT_ID")
        config.skipNonceCheck = flag("SCRITORIO_GOOGLE_SKIP_NONCE_CHECK")
        config.jwtPrivateKeyPEM = value("SCRITORIO_JWT_PRIVATE_KEY")
        config.smtpURL = value("SCRITORIO_SMTP_URL")
        if let from = value("SCRITORIO_MAIL_FROM") { config.mailFrom = from }
        if let seconds = try number("SCRITORIO_AUTH_REFRESH_REUSE_INTERVAL") { config.refreshReuseInterval = seconds }
        if let seconds = try number("SCRITORIO_AUTH_SESSION_CACHE") {
            guard seconds <= 60 else { throw ConfigError(description: "SCRITORIO_AUTH_SESSION_CACHE must be 0-60 seconds") }
            config.sessionCacheSeconds = seconds
        }
        // A lifetime below the floor is refused rather than replaced by the default: a setting that silently does
        // something else is worse than a server that does not start.
        if let seconds = try number("SCRITORIO_AUTH_ACCESS_TOKEN_TTL") {
            guard seconds >= 30 else { throw ConfigError(description: "SCRITORIO_AUTH_ACCESS_TOKEN_TTL must be at least 30 seconds") }
            config.accessTokenLifetime = seconds
        }
        if let seconds = try number("SCRITORIO_AUTH_OTP_TTL") {
            guard seconds >= 60 else { throw ConfigError(description: "SCRITORIO_AUTH_OTP_TTL must be at least 60 seconds") }
            config.otpLifetime = seconds
        }
        if let length = try number("SCRITORIO_AUTH_PASSWORD_MIN_LENGTH") { config.passwordMinLength = max(6, Int(length)) }

        switch value("SCRITORIO_AUTH")?.lowercased() {
        case nil, "builtin", "built-in", "scritorio": config.authMode = .builtIn
        case "supabase":
            let url = value("SUPABASE_URL")?.droppingTrailingSlash
            let secret = value("SUPABASE_JWT_SECRET")
            guard url != nil || secret != nil else {
                throw ConfigError(description: "SCRITORIO_AUTH=supabase needs SUPABASE_URL and/or SUPABASE_JWT_SECRET")
            }
            // Supabase's tokens say `iss: {URL}/auth/v1`; without the URL the issuer must be given explicitly.
            guard let issuer = value("SUPABASE_JWT_ISSUER") ?? url.map({ $0 + "/auth/v1" }) else {
                throw ConfigError(description: "SCRITORIO_AUTH=supabase with only SUPABASE_JWT_SECRET needs SUPABASE_URL or SUPABASE_JWT_ISSUER")
            }
            config.authMode = .supabase(url: url, jwtSecret: secret, issuer: issuer)
        case let other?:
            throw ConfigError(description: "SCRITORIO_AUTH must be builtin or supabase, not \(other)")
        }

        var limits = RateLimitConfig()
        let multiplier = Int(try number("SCRITORIO_RATE_LIMIT_MULTIPLIER") ?? 1)
        if let n = try number("SCRITORIO_RATE_LIMIT_TOKEN") { limits.token = RateLimitRule(limit: Int(n), window: 300, burst: min(Int(n), 30)) }
        if let n = try number("SCRITORIO_RATE_LIMIT_VERIFY") { limits.verify = RateLimitRule(limit: Int(n), window: 300, burst: min(Int(n), 30)) }
        if let n = try number("SCRITORIO_RATE_LIMIT_SIGNUP") { limits.signup = RateLimitRule(limit: Int(n), window: 300, burst: min(Int(n), 30)) }
        if let n = try number("SCRITORIO_RATE_LIMIT_EMAIL_SENT") { limits.emailsPerHour = RateLimitRule(limit: Int(n), window: 3600) }
        if let seconds = try number("SCRITORIO_RATE_LIMIT_EMAIL_INTERVAL") { limits.emailResendInterval = seconds }
        if let n = try number("SCRITORIO_RATE_LIMIT_ANONYMOUS") { limits.anonymous = RateLimitRule(limit: Int(n), window: 3600, burst: min(Int(n), 30)) }
        if let n = try number("SCRITORIO_RATE_LIMIT_MFA") { limits.mfa = RateLimitRule(limit: Int(n), window: 60, burst: min(2 * Int(n), 30)) }
        if multiplier > 1 {
            limits.anonymous = limits.anonymous.scaled(by: multiplier)
            limits.mfa = limits.mfa.scaled(by: multiplier)
            limits.token = limits.token.scaled(by: multiplier)
            limits.verify = limits.verify.scaled(by: multiplier)
            limits.signup = limits.signup.scaled(by: multiplier)
            limits.emailsPerHour = limits.emailsPerHour.scaled(by: multiplier)
            limits.emailResendInterval = 0
        }
        limits.ipHeader = value("SCRITORIO_RATE_LIMIT_HEADER")
        if value("SCRITORIO_RATE_LIMIT_SHARED") != nil { limits.sharedInDatabase = flag("SCRITORIO_RATE_LIMIT_SHARED") }
        config.paddle = try PaddleConfig.load(env)
        config.lemonSqueezy = try LemonSqueezyConfig.load(env)
        config.catalogPath = value("SCRITORIO_CATALOG")
        if let days = try number("SCRITORIO_BILLING_GRACE_DAYS") { config.billingGrace = days * 86_400 }
        if let days = try number("SCRITORIO_TRIAL_DAYS") {
            guard days <= 366 else { throw ConfigError(description: "SCRITORIO_TRIAL_DAYS must be 0-366") }
            config.trialDays = days
        }
        let trialCodes = env.list("SCRITORIO_TRIAL_ENTITLEMENTS")
        if !trialCodes.isEmpty { config.trialEntitlements = trialCodes }
        if value("SCRITORIO_WEBHOOK_PROCESSOR") == "0" { config.runWebhookProcessor = false }
        if let workers = try number("SCRITORIO_WEBHOOK_WORKERS") {
            guard workers >= 1, workers <= 64, workers == workers.rounded() else {
                throw ConfigError(description: "SCRITORIO_WEBHOOK_WORKERS must be a whole number 1-64")
            }
            config.webhookWorkers = Int(workers)
        }
        if let seconds = try number("SCRITORIO_RECONCILE_INTERVAL"), seconds >= 10 { config.reconcileInterval = seconds }
        config.rateLimits = limits
        config.ai = try AIConfig.load(env)
        config.licensing = try LicensingConfig.load(env, multiplier: multiplier)
        config.sandboxOptions = SandboxOptions.load(env)
        config.logLevel = value("SCRITORIO_LOG_LEVEL")
        return config
    }
}
