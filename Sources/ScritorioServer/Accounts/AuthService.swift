import Foundation
import Logging
import ScritorioAPI
import ScritorioCore
import ScritorioProviders
import ScritorioStore

/// The account use cases behind `/auth/v1`, speaking GoTrue's semantics. Each state change happens in one
/// database transaction; mail goes out only after the transaction that recorded it has committed.
struct AuthService: Sendable {
    let database: Database
    /// Only its slice of the configuration.
    let config: AuthConfig
    let keys: SigningKeys
    let mailer: Mailer
    let googleKeys: JWKSFetcher
    let passwords: PasswordHasher
    let limiter: RateLimiter
    /// Seals TOTP secrets at rest.
    let mfaBox: SecretBox
    let now: @Sendable () -> Date
    let logger: Logger

    init(
        database: Database, config: AuthConfig, keys: SigningKeys, mailer: Mailer, googleKeys: JWKSFetcher,
        passwords: PasswordHasher, limiter: RateLimiter, mfaBox: SecretBox, now: @escaping @Sendable () -> Date, logger: Logger
    ) {
        self.mfaBox = mfaBox
        self.database = database
        self.config = config
        self.keys = keys
        self.mailer = mailer
        self.googleKeys = googleKeys
        self.passwords = passwords
        self.limiter = limiter
        self.now = now
        self.logger = logger
    }

    var policy: PasswordPolicy { PasswordPolicy(minimumLength: config.passwordMinLength) }

    // MARK: Sessions

    /// Creates a session with its first refresh token and returns GoTrue's SESSION.
    func startSession(
        for user: AuthUser, method: String, now: Date, on db: SQLConnection, weakPassword: WeakPasswordInfo? = nil
    ) async throws -> SessionResponse {
        let session = AuthSession(
            id: .random(), userID: user.id,
            amr: [AuthenticationMethod(method: method, timestamp: Int64(now.timeIntervalSince1970))],
            createdAt: now, updatedAt: now)
        try await SessionRepository.insert(session, on: db)
        let refreshToken = Self.newRefreshToken()
        try await SessionRepository.insertRefreshToken(
            token: refreshToken, parent: nil, userID: user.id, sessionID: session.id, now: now, on: db)
        try await UserRepository.recordSignIn(id: user.id, at: now, on: db)
        var user = user
        user.lastSignInAt = now
        user.updatedAt = now
        return try await sessionResponse(user: user, session: session, refreshToken: refreshToken, now: now, on: db, weakPassword: weakPassword)
    }

    /// SESSION for an existing session and refresh token.
    func sessionResponse(
        user: AuthUser, session: AuthSession, refreshToken: String, now: Date, on db: SQLConnection,
        weakPassword: WeakPasswordInfo? = nil
    ) async throws -> SessionResponse {
        let lifetime = Int(config.accessTokenLifetime)
        let iat = Int64(now.timeIntervalSince1970)
        let claims = AccessTokenClaims(
            iss: config.issuer, sub: user.id.description, exp: iat + Int64(lifetime), iat: iat,
            email: user.email ?? "", app_metadata: user.appMetadata, user_metadata: user.userMetadata,
            aal: session.aal, amr: session.amr, session_id: session.id.description, is_anonymous: user.isAnonymous)
        let token = try keys.current.sign(claims)
        return SessionResponse(
            accessToken: token, expiresIn: lifetime, expiresAt: iat + Int64(lifetime), refreshToken: refreshToken,
            user: try await userResponse(user, on: db), weakPassword: weakPassword)
    }

    /// GoTrue's USER for `user`, with its identities and factors.
    func userResponse(_ user: AuthUser, on db: SQLConnection) async throws -> UserResponse {
        UserResponse(
            user, identities: try await UserRepository.identities(of: user.id, on: db),
            factors: try await MFARepository.factors(of: user.id, on: db))
    }

    /// Runs `body` again once if it lost a race to create the same row (two first sign-ups for one address at
    /// the same moment): the second run sees the row and takes the normal path for an existing account.
    func retryingOnRace<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch StoreError.uniqueViolation {
            return try await body()
        }
    }

    /// GoTrue's v1 refresh tokens: 12 lowercase base32 characters.
    static func newRefreshToken() -> String { SecretToken.random(count: 12) }

    // MARK: Input checks

    func normalizedEmail(_ raw: String?) throws -> String {
        guard let raw, !raw.isEmpty else { throw APIError.validation("An email address is required") }
        guard let email = EmailAddress.normalize(raw) else {
            throw APIError(.badRequest, .validationFailed, "Unable to validate email address: invalid format")
        }
        return email
    }

    /// Applies the password policy for a new password.
    func checkNewPassword(_ password: String?) throws -> String {
        guard let password, !password.isEmpty else {
            throw APIError.validation("Password is required")
        }
        switch policy.check(password) {
        case nil:
            return password
        case .tooLong:
            throw APIError.validation("Password cannot be longer than 72 characters")
        case .missing:
            throw APIError.validation("Password is required")
        case .tooShort(let minimum):
            var error = APIError(.unprocessableContent, .weakPassword, "Password should be at least \(minimum) characters.")
            error.weakPasswordReasons = ["length"]
            throw error
        }
    }

    /// Per-IP limit for an endpoint.
    func checkRateLimit(_ rule: RateLimitRule, bucket: String, ip: String) async throws {
        try await limiter.check(rule, key: "\(bucket):ip:\(ip)", now: now())
    }

    /// A limit for an endpoint under any key (e.g. an email and an address together).
    func checkRateLimit(_ rule: RateLimitRule, bucket: String, key: String) async throws {
        try await limiter.check(rule, key: "\(bucket):\(key)", now: now())
    }

    /// The failed password sign-ins of an email, from every address: past the token rule's allowance, each
    /// further sign-in of that email waits `delay` before its password is checked. A delay, never a refusal: the
    /// owner's right password from a new client still signs in, while guessing from many addresses gets slower.
    var signInThrottle: SignInThrottle {
        SignInThrottle(limiter: limiter, rule: config.rateLimits.token, delay: config.rateLimits.signInFailureDelay, now: now)
    }

    /// Per-email limit for an endpoint, so spreading attempts over many IPs does not help against one account.
    func checkEmailRateLimit(_ rule: RateLimitRule, bucket: String, email: String) async throws {
        try await limiter.check(rule, key: "\(bucket):email:\(email)", now: now())
    }

    /// The 60-second rule between two mails of one kind to one user, and the global hourly mail budget.
    func checkMailAllowed(lastSentAt: Date?, now: Date) async throws {
        // (No interval means none: a stored time read back can sit a rounding error after `now`.)
        if let lastSentAt, config.rateLimits.emailResendInterval > 0, now.timeIntervalSince(lastSentAt) < config.rateLimits.emailResendInterval {
            let wait = Int((config.rateLimits.emailResendInterval - now.timeIntervalSince(lastSentAt)).rounded(.up))
            throw APIError.emailRateLimited(seconds: max(1, wait))
        }
        try await limiter.checkEmail(config.rateLimits.emailsPerHour, key: "mail:global", now: now)
    }

    /// Sends `message`; a transport failure becomes a clear, retryable 503 (the account itself is already saved).
    func deliver(_ message: MailMessage) async throws {
        do {
            try await mailer.send(message)
        } catch {
            logger.error("mail delivery failed", metadata: ["kind": "\(message.kind.rawValue)", "error": "\(error)"])
            throw APIError(
                .serviceUnavailable, .emailSendFailed,
                "Error sending \(Self.mailName(message.kind)) email; the request was saved, try again shortly")
        }
    }

    static func mailName(_ kind: MailMessage.Kind) -> String {
        switch kind {
        case .signup: "confirmation"
        case .recovery: "recovery"
        case .magiclink: "magic link"
        case .invite: "invite"
        case .emailChange: "email change"
        case .reauthentication: "reauthentication"
        }
    }

    /// Where an email link lands: an allowed `redirect_to`, else the site URL.
    func redirectTarget(_ requested: String?) -> String {
        RedirectPolicy(siteURL: config.siteURL ?? config.baseURL, allowList: config.redirectAllowList)
            .resolve(requested)
    }
}
