import Foundation
import HTTPTypes
import Hummingbird
import ScritorioAPI
import ScritorioCore

/// `/auth/v1`: the GoTrue wire surface, served only in built-in auth mode.
struct AuthController: Sendable {
    let auth: AuthService

    /// Routes behind the `apikey` check.
    var endpoints: RouteCollection<AppRequestContext> {
        RouteCollection(context: AppRequestContext.self)
            .on(API.Auth.signUp, use: signUp)
            .on(API.Auth.token, use: token)
            .on(API.Auth.recover, use: recover)
            .on(API.Auth.resend, use: resend)
            .on(API.Auth.settings, use: settings)
            .on(API.Auth.otp, use: otp)
            .on(API.Auth.sso) { _, _ -> Response in
                throw APIError(.notFound, .samlProviderDisabled, "SAML 2.0 is disabled")
            }
            .on(API.Auth.health) { _, _ in
                JSONResponse(["name": "Scritorio Auth", "description": "Scritorio's GoTrue-compatible auth API"])
            }
    }

    /// Routes browsers reach from mail links and the JWKS, which carry no `apikey` (as Kong exempts them). The
    /// OAuth redirect endpoints are not served yet; they answer 404 without asking for a key, as before.
    var links: RouteCollection<AppRequestContext> {
        RouteCollection(context: AppRequestContext.self)
            .on(API.Auth.verify, use: verify)
            .on(API.Auth.followLink, use: followLink)
            .on(API.Auth.jwks, use: jwks)
            .on(API.Auth.callback, use: Self.notServed)
            .on(API.Auth.callbackPost, use: Self.notServed)
            .on(API.Auth.authorize, use: Self.notServed)
    }

    /// Routes of the signed-in user: GoTrue reads the user and session itself, so the token alone is checked
    /// at the edge (`AuthenticateMiddleware.Liveness.tokenOnly`).
    var signedIn: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .on(API.Auth.user, use: getUser)
            .on(API.Auth.updateUser, use: updateUser)
            .on(API.Auth.logout, use: logout)
            .on(API.Auth.reauthenticate, use: reauthenticate)
            .on(API.Auth.enrollFactor, use: enrollFactor)
            .on(API.Auth.challengeFactor, use: challengeFactor)
            .on(API.Auth.verifyFactor, use: verifyFactor)
            .on(API.Auth.unenrollFactor, use: unenrollFactor)
    }

    @Sendable static func notServed(_ request: Request, context: AppRequestContext) async throws -> Response {
        throw HTTPError(.notFound)
    }

    private func ip(_ request: Request, _ context: some RemoteAddressRequestContext) -> String {
        request.clientIP(context: context, header: auth.config.rateLimits.ipHeader)
    }

    @Sendable func signUp(_ request: Request, context: AppRequestContext) async throws -> Response {
        // GoTrue reads the body first: no email and no phone is an anonymous sign-in.
        let body = try await JSONBody.decode(SignUpRequest.self, from: request, context: context)
        if body.email?.isEmpty != false, body.phone?.isEmpty != false {
            return try JSONResponse(try await auth.signUpAnonymously(body, ip: ip(request, context))).response(from: request, context: context)
        }
        if auth.config.disableSignup { throw APIError.signupDisabled }
        switch try await auth.signUp(body, redirectTo: request.uri.queryParameters.get("redirect_to"), ip: ip(request, context)) {
        case .session(let session): return try JSONResponse(session).response(from: request, context: context)
        case .user(let user): return try JSONResponse(user).response(from: request, context: context)
        }
    }

    @Sendable func token(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<SessionResponse> {
        let ip = ip(request, context)
        switch request.uri.queryParameters.get("grant_type") {
        case "password":
            return JSONResponse(try await auth.passwordGrant(try await JSONBody.decode(PasswordGrantRequest.self, from: request, context: context), ip: ip))
        case "refresh_token":
            return JSONResponse(try await auth.refreshGrant(try await JSONBody.decode(RefreshGrantRequest.self, from: request, context: context), ip: ip))
        case "id_token":
            return JSONResponse(try await auth.idTokenGrant(try await JSONBody.decode(IDTokenGrantRequest.self, from: request, context: context), ip: ip))
        case "pkce":
            return JSONResponse(try await auth.pkceGrant(try await JSONBody.decode(PKCEGrantRequest.self, from: request, context: context), ip: ip))
        case let other:
            // GoTrue's own answer: an HTTP error (not the OAuth shape) whose message is the OAuth code.
            _ = other
            throw APIError(.badRequest, .invalidCredentials, "unsupported_grant_type")
        }
    }

    @Sendable func getUser(_ request: Request, context: AuthenticatedContext) async throws -> JSONResponse<UserResponse> {
        JSONResponse(try await auth.getUser(context.identity))
    }

    @Sendable func updateUser(_ request: Request, context: AuthenticatedContext) async throws -> JSONResponse<UserResponse> {
        let body = try await JSONBody.decode(UpdateUserRequest.self, from: request, context: context)
        return JSONResponse(try await auth.updateUser(
            context.identity, body, redirectTo: request.uri.queryParameters.get("redirect_to"), ip: ip(request, context)))
    }

    @Sendable func otp(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<EmptyBody> {
        let body = try await JSONBody.decode(OTPRequest.self, from: request, context: context)
        try await auth.otp(body, redirectTo: request.uri.queryParameters.get("redirect_to"), ip: ip(request, context))
        return JSONResponse(EmptyBody())
    }

    @Sendable func reauthenticate(_ request: Request, context: AuthenticatedContext) async throws -> JSONResponse<EmptyBody> {
        try await auth.reauthenticate(context.identity)
        return JSONResponse(EmptyBody())
    }

    @Sendable func enrollFactor(_ request: Request, context: AuthenticatedContext) async throws -> JSONResponse<EnrollFactorResponse> {
        let body = try await JSONBody.decode(EnrollFactorRequest.self, from: request, context: context)
        return JSONResponse(try await auth.enrollFactor(context.identity, body))
    }

    @Sendable func challengeFactor(_ request: Request, context: AuthenticatedContext) async throws -> JSONResponse<ChallengeFactorResponse> {
        _ = try await JSONBody.decode(ChallengeFactorRequest.self, from: request, context: context)
        return JSONResponse(try await auth.challengeFactor(
            context.identity, factor: context.parameters.get("factor_id"), ip: ip(request, context)))
    }

    @Sendable func verifyFactor(_ request: Request, context: AuthenticatedContext) async throws -> JSONResponse<SessionResponse> {
        let body = try await JSONBody.decode(VerifyFactorRequest.self, from: request, context: context)
        return JSONResponse(try await auth.verifyFactor(
            context.identity, factor: context.parameters.get("factor_id"), body, ip: ip(request, context)))
    }

    @Sendable func unenrollFactor(_ request: Request, context: AuthenticatedContext) async throws -> JSONResponse<FactorIDResponse> {
        JSONResponse(try await auth.unenrollFactor(context.identity, factor: context.parameters.get("factor_id")))
    }

    @Sendable func recover(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<EmptyBody> {
        let body = try await JSONBody.decode(RecoverRequest.self, from: request, context: context)
        try await auth.recover(body, redirectTo: request.uri.queryParameters.get("redirect_to"), ip: ip(request, context))
        return JSONResponse(EmptyBody())
    }

    @Sendable func resend(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<EmptyBody> {
        let body = try await JSONBody.decode(ResendRequest.self, from: request, context: context)
        try await auth.resend(body, redirectTo: request.uri.queryParameters.get("redirect_to"), ip: ip(request, context))
        return JSONResponse(EmptyBody())
    }

    @Sendable func verify(_ request: Request, context: AppRequestContext) async throws -> Response {
        let body = try await JSONBody.decode(VerifyRequest.self, from: request, context: context)
        switch try await auth.verify(body, ip: ip(request, context)) {
        case .session(let session):
            return try JSONResponse(session).response(from: request, context: context)
        case .accepted:
            // GoTrue's answer to the first of two email-change confirmations: `code` is the string "200".
            return try JSONResponse(["code": "200", "msg": AuthService.emailChangeAccepted]).response(from: request, context: context)
        }
    }

    /// The email link: 303 to the redirect with the session in the fragment (implicit) or `?code=` (PKCE);
    /// failures go to the redirect too, as `#error=…`, so the app can show them.
    @Sendable func followLink(_ request: Request, context: AppRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        let requested = query.get("redirect_to")
        do {
            switch try await auth.followLink(tokenHash: query.get("token"), type: query.get("type"), redirectTo: requested, ip: ip(request, context)) {
            case .code(let code, let redirect):
                return Self.redirect(to: Self.appending(query: ["code": code], to: redirect))
            case .message(let message, let redirect):
                return Self.redirect(to: Self.replacingFragment(of: redirect, with: Self.encode([("message", message)])))
            case .session(let session, let type, let redirect):
                let fragment = Self.encode([
                    ("access_token", session.access_token), ("expires_at", String(session.expires_at)),
                    ("expires_in", String(session.expires_in)), ("refresh_token", session.refresh_token),
                    ("token_type", "bearer"), ("type", type),
                ])
                return Self.redirect(to: Self.replacingFragment(of: redirect, with: fragment))
            }
        } catch {
            // Every failure goes back to the app as a fragment; a browser following a mail link cannot use JSON.
            let error = ErrorMiddleware<AppRequestContext>.map(error, logger: context.logger)
            let redirect = auth.redirectTarget(requested)
            let fragment = Self.encode([
                ("error", error.status == .forbidden ? "access_denied" : "invalid_request"),
                ("error_code", error.code.rawValue), ("error_description", error.message),
            ])
            return Self.redirect(to: Self.replacingFragment(of: redirect, with: fragment))
        }
    }

    /// The redirect with its own fragment (if any) replaced, so the answer is the only fragment.
    static func replacingFragment(of url: String, with fragment: String) -> String {
        let base = url.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? url
        return base + "#" + fragment
    }

    @Sendable func logout(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        try await auth.logout(context.identity, scope: request.uri.queryParameters.get("scope"))
        return Response(status: .noContent)
    }

    @Sendable func jwks(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<JWKS> {
        JSONResponse(auth.keys.jwks, headers: [.cacheControl: "public, max-age=600"])
    }

    @Sendable func settings(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<AuthSettings> {
        var external = Dictionary(uniqueKeysWithValues: AuthSettings.goTrueProviders.map { ($0, false) })
        external["email"] = true
        external["google"] = !auth.config.effectiveGoogleClientIDs.isEmpty
        external["anonymous_users"] = auth.config.anonymousSignIns
        return JSONResponse(AuthSettings(
            external: external, disable_signup: auth.config.disableSignup, mailer_autoconfirm: auth.config.autoconfirm,
            phone_autoconfirm: false, sms_provider: "", saml_enabled: false, saml_private_key_next_configured: false,
            passkeys_enabled: false, mfa_enabled: true))
    }

    static func redirect(to location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    static func encode(_ pairs: [(String, String)]) -> String {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+#")
        return pairs.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&")
    }

    static func appending(query pairs: [String: String], to url: String) -> String {
        let separator = url.contains("?") ? "&" : "?"
        let (base, fragment) = url.split(separator: "#", maxSplits: 1).map(String.init).splitFirst()
        return base + separator + encode(pairs.sorted { $0.key < $1.key }) + (fragment.map { "#" + $0 } ?? "")
    }
}

extension Array where Element == String {
    fileprivate func splitFirst() -> (String, String?) { (first ?? "", count > 1 ? self[1] : nil) }
}
