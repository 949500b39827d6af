import Foundation
import ScritorioCore
import Yams

/// How Scritorio learns who a caller is.
public enum AuthMode: Sendable, Equatable {
    /// Scritorio is the auth server: it serves `/auth/v1` and signs tokens with its own ES256 keys.
    case builtIn
    /// A Supabase project is: Scritorio serves no `/auth/v1` and trusts only that project's tokens,
    /// checked against its JWKS (`SUPABASE_URL`) and/or the legacy HS256 secret.
    case supabase(url: String?, jwtSecret: String?, issuer: String)

    var name: String {
        switch self {
        case .builtIn: "built-in"
        case .supabase: "supabase"
        }
    }
}

/// Per-endpoint rate limits (GoTrue's self-hosted defaults, reference §6).
public struct RateLimitConfig: Sendable, Equatable {
    public var token = RateLimitRule(limit: 150, window: 300, burst: 30)
    public var verify = RateLimitRule(limit: 30, window: 300, burst: 30)
    public var signup = RateLimitRule(limit: 30, window: 300, burst: 30)
    /// Anonymous sign-ins per IP (GoTrue's `RATE_LIMIT_ANONYMOUS_USERS`: 30 an hour).
    public var anonymous = RateLimitRule(limit: 30, window: 3600, burst: 30)
    /// MFA challenges and verifications per IP and per factor (GoTrue's 15 a minute, burst 30).
    public var mfa = RateLimitRule(limit: 15, window: 60, burst: 30)
    /// Mails sent in total, per hour.
    public var emailsPerHour = RateLimitRule(limit: 30, window: 3600, burst: 30)
    /// Minimum gap between two mails of one kind to one user.
    public var emailResendInterval: TimeInterval = 60
    /// Header holding the client IP when behind a proxy (e.g. `X-Forwarded-For`); the socket peer otherwise.
    public var ipHeader: String?
    /// With PostgreSQL, keep the buckets in the database so that every replica counts against the same limits.
    public var sharedInDatabase = true
    /// How long a password sign-in waits while its email's failures (from any address) are over the `token` rule.
    public var signInFailureDelay: Duration = .seconds(1)

    public init() {}
}

/// Everything Scritorio is configured with, read once at start-up.
public struct AppConfig: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// Connection caps and read timeouts at the edge.
    public var connections = ConnectionLimits()
    public var dataDirectory = "./.scritorio"
    public var sandbox = false
    /// How the sandbox is run, when `sandbox` is on.
    public var sandboxOptions = SandboxOptions()
    public var databaseURL: String?
    public var publishableKey: String?
    public var authMode = AuthMode.builtIn
    public var autoconfirm = false
    /// `SCRITORIO_AUTH_DISABLE_SIGNUP`: no new accounts through `/signup` or a first ID-token sign-in (GoTrue's
    /// `GOTRUE_DISABLE_SIGNUP`); existing accounts sign in as before.
    public var disableSignup = false
    /// `SCRITORIO_SECRET_KEY`: the service role's key (`sb_secret_…`); generated into the data directory when unset.
    public var secretKey: String?
    /// `SCRITORIO_JWT_SECRET`: a Supabase project's legacy JWT secret. Its `anon` JWT is then a publishable key and its
    /// `service_role` JWT the service role.
    public var legacyJWTSecret: String?
    /// `SCRITORIO_AUTH_SECURE_EMAIL_CHANGE` (on by default): an email change needs both addresses to confirm.
    public var secureEmailChange = true
    /// `SCRITORIO_AUTH_PASSWORD_CHANGE_REAUTH`: a password change needs a reauthentication code (`nonce`).
    public var passwordChangeNeedsReauthentication = false
    /// `SCRITORIO_AUTH_ANONYMOUS`: `POST /signup` without credentials creates an anonymous user.
    public var anonymousSignIns = false
    /// `SCRITORIO_MFA_ENCRYPTION_KEY`: the key TOTP secrets are sealed with (base64 of 32 bytes); generated into the
    /// data directory when unset.
    public var mfaEncryptionKey: String?
    /// The URL clients reach Scritorio at; email links point here. Defaults to `http://host:port`.
    public var externalURL: String?
    /// Where email links land when no allowed `redirect_to` is given.
    public var siteURL: String?
    /// Extra allowed `redirect_to` patterns (`*` matches any run of characters).
    public var redirectAllowList: [String] = []
    public var googleClientIDs: [String] = []
    public var skipNonceCheck = false
    public var jwtPrivateKeyPEM: String?
    public var accessTokenLifetime: TimeInterval = 3600
    /// Seconds a session found alive is believed on `/v1` and `/functions/v1` (this replica's own sign-outs and
    /// deletions take effect at once; another replica's within this); 0 checks on every request.
    public var sessionCacheSeconds: TimeInterval = 1
    public var refreshReuseInterval: TimeInterval = 10
    public var otpLifetime: TimeInterval = 3600
    public var flowStateLifetime: TimeInterval = 300
    public var passwordMinLength = 6
    public var smtpURL: String?
    public var mailFrom = "Scritorio <no-reply@scritorio.local>"
    public var rateLimits = RateLimitConfig()
    public var paddle = PaddleConfig()
    public var lemonSqueezy = LemonSqueezyConfig()
    /// Path of the catalog JSON (`SCRITORIO_CATALOG`); else `catalog.json` in the data directory; else, in the
    /// sandbox, the sandbox catalog.
    public var catalogPath: String?
    /// How long a past-due subscription keeps access.
    public var billingGrace: TimeInterval = 7 * 86_400
    /// `SCRITORIO_TRIAL_DAYS`: a cardless trial of this many days at a member's first initialisation (0 = none).
    public var trialDays: Double = 0
    /// `SCRITORIO_TRIAL_ENTITLEMENTS`: what the trial grants.
    public var trialEntitlements = [EntitlementSet.proCode]
    /// Whether this process runs the webhook processor (several replicas may).
    public var runWebhookProcessor = true
    /// Webhook events this process applies at once (`SCRITORIO_WEBHOOK_WORKERS`); `nil` = by store: 8 on
    /// PostgreSQL, 1 on SQLite (one writer: more only queue behind it).
    public var webhookWorkers: Int?
    /// Seconds between two reconciliation passes against the provider's API.
    public var reconcileInterval: TimeInterval = 3600
    /// The managed AI gateway (`/ai/v1`): upstream, plans, prices, admin token.
    public var ai = AIConfig()
    /// Licence keys and signed entitlement documents.
    public var licensing = LicensingConfig()
    /// `SCRITORIO_LOG_LEVEL`: `trace` … `critical`; `info` when unset or not a level.
    public var logLevel: String?

    /// The catalog this configuration names: JSON, or YAML when the file ends in `.yaml`/`.yml`.
    public func loadCatalog() throws -> Catalog {
        let candidates = catalogPath.map { [$0] } ?? ["json", "yaml", "yml"].map { dataDirectory + "/catalog." + $0 }
        if let path = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) {
            do {
                let data = try Data(contentsOf: URL(fileURLWithPath: path))
                return try Catalog.parse(path.hasSuffix(".yaml") || path.hasSuffix(".yml") ? try Self.yamlAsJSON(data) : data)
            } catch {
                throw ConfigError(description: "catalog \(path) is not valid: \(error)")
            }
        }
        let path = candidates[0]
        if catalogPath != nil { throw ConfigError(description: "SCRITORIO_CATALOG names \(path), which does not exist") }
        return sandbox ? .sandbox : Catalog(plans: [])
    }

    public init() {}

    /// YAML has the same data model for a catalog; it is converted and read by the one JSON decoder.
    static func yamlAsJSON(_ data: Data) throws -> Data {
        guard let text = String(data: data, encoding: .utf8), let value = try Yams.load(yaml: text) else {
            throw ConfigError(description: "empty or unreadable YAML")
        }
        return try JSONSerialization.data(withJSONObject: value)
    }

    /// The sandbox's Google client id, used when none is configured in sandbox mode.
    public static let sandboxGoogleClientID = "scritorio-sandbox.apps.googleusercontent.com"

    /// The external base URL, without a trailing slash.
    public var baseURL: String {
        let url = externalURL ?? "http://\(host):\(port)"
        return url.hasSuffix("/") ? String(url.dropLast()) : url
    }

    /// `iss` of the tokens Scritorio signs, as Supabase does: `{URL}/auth/v1`.
    public var issuer: String { baseURL + "/auth/v1" }

    /// The Google client ids ID tokens may be issued for.
    public var effectiveGoogleClientIDs: [String] {
        googleClientIDs.isEmpty && sandbox ? [Self.sandboxGoogleClientID] : googleClientIDs
    }
}
