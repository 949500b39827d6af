import Foundation

/// The part of the configuration the account service reads: token and code lifetimes, the password and
/// nonce rules, the rate limits, and the URLs mail links are built from.
struct AuthConfig: Sendable {
    var passwordMinLength: Int
    var accessTokenLifetime: TimeInterval
    var refreshReuseInterval: TimeInterval
    var otpLifetime: TimeInterval
    var flowStateLifetime: TimeInterval
    var autoconfirm: Bool
    /// No new accounts (`SCRITORIO_AUTH_DISABLE_SIGNUP`).
    var disableSignup: Bool
    var skipNonceCheck: Bool
    /// The Google client ids ID tokens may be issued for (the sandbox's when none is configured there).
    var effectiveGoogleClientIDs: [String]
    var rateLimits: RateLimitConfig
    /// `iss` of the tokens this server signs.
    var issuer: String
    /// The external base URL, without a trailing slash.
    var baseURL: String
    var siteURL: String?
    var redirectAllowList: [String]
    /// An email change needs both addresses to confirm (`SCRITORIO_AUTH_SECURE_EMAIL_CHANGE`, on by default).
    var secureEmailChange: Bool = true
    /// A password change needs a reauthentication code once the session is a day old.
    var passwordChangeNeedsReauthentication: Bool = false
    /// `POST /signup` with no credentials makes an anonymous user.
    var anonymousSignIns: Bool = false
}

extension AppConfig {
    /// The account service's slice.
    var auth: AuthConfig {
        AuthConfig(
            passwordMinLength: passwordMinLength, accessTokenLifetime: accessTokenLifetime, refreshReuseInterval: refreshReuseInterval,
            otpLifetime: otpLifetime, flowStateLifetime: flowStateLifetime, autoconfirm: autoconfirm, disableSignup: disableSignup,
            skipNonceCheck: skipNonceCheck,
            effectiveGoogleClientIDs: effectiveGoogleClientIDs, rateLimits: rateLimits, issuer: issuer, baseURL: baseURL,
            siteURL: siteURL, redirectAllowList: redirectAllowList, secureEmailChange: secureEmailChange,
            passwordChangeNeedsReauthentication: passwordChangeNeedsReauthentication, anonymousSignIns: anonymousSignIns)
    }
}
