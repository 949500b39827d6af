import Foundation
import ScritorioModels

extension API {
    /// `/auth/v1`: the GoTrue-compatible auth API (built-in auth mode only).
    public enum Auth {
        /// `POST /auth/v1/signup`: a session when confirmation is off, else the new user.
        public static let signUp = Endpoint<SignUpRequest, SignUpResponse>(.post, .auth, "signup")
        /// `POST /auth/v1/token`: the route of every grant; the body depends on `grant_type` (see the grants below).
        public static let token = Endpoint<OpaqueBody, SessionResponse>(.post, .auth, "token")
        /// `POST /auth/v1/token?grant_type=password`.
        public static let passwordGrant = Endpoint<PasswordGrantRequest, SessionResponse>(.post, .auth, "token", query: grant("password"))
        /// `POST /auth/v1/token?grant_type=refresh_token`.
        public static let refreshGrant = Endpoint<RefreshGrantRequest, SessionResponse>(.post, .auth, "token", query: grant("refresh_token"))
        /// `POST /auth/v1/token?grant_type=id_token`.
        public static let idTokenGrant = Endpoint<IDTokenGrantRequest, SessionResponse>(.post, .auth, "token", query: grant("id_token"))
        /// `POST /auth/v1/token?grant_type=pkce`.
        public static let pkceGrant = Endpoint<PKCEGrantRequest, SessionResponse>(.post, .auth, "token", query: grant("pkce"))
        /// `GET /auth/v1/user`: the signed-in user.
        public static let user = Endpoint<NoBody, UserResponse>(.get, .auth, "user")
        /// `PUT /auth/v1/user`: changes the password or the metadata.
        public static let updateUser = Endpoint<UpdateUserRequest, UserResponse>(.put, .auth, "user")
        /// `POST /auth/v1/recover`: emails a password-reset code (`{}` whether or not the address is known).
        public static let recover = Endpoint<RecoverRequest, EmptyBody>(.post, .auth, "recover")
        /// `POST /auth/v1/resend`: emails the confirmation code again.
        public static let resend = Endpoint<ResendRequest, EmptyBody>(.post, .auth, "resend")
        /// `POST /auth/v1/verify`: signs in with an emailed code.
        public static let verify = Endpoint<VerifyRequest, SessionResponse>(.post, .auth, "verify")
        /// `GET /auth/v1/verify?token=…&type=…`: the email link; a `303` to the redirect.
        public static let followLink = Endpoint<NoBody, NoBody>(.get, .auth, "verify")
        /// `POST /auth/v1/logout?scope=…`: ends the session (`204`).
        public static let logout = Endpoint<NoBody, NoBody>(.post, .auth, "logout")
        /// `GET /auth/v1/.well-known/jwks.json`: the keys that sign access tokens.
        public static let jwks = Endpoint<NoBody, JWKS>(.get, .auth, ".well-known/jwks.json")
        /// `GET /auth/v1/settings`: which sign-in methods are on.
        public static let settings = Endpoint<NoBody, AuthSettings>(.get, .auth, "settings")
        /// `GET /auth/v1/health`: the auth API's name.
        public static let health = Endpoint<NoBody, JSONValue>(.get, .auth, "health")
        /// `GET /auth/v1/authorize`: browser OAuth's start. Not served yet: 404 without asking for `apikey`.
        public static let authorize = Endpoint<NoBody, NoBody>(.get, .auth, "authorize")
        /// `GET /auth/v1/callback`: the provider's redirect back. Not served yet: 404 without asking for `apikey`.
        public static let callback = Endpoint<NoBody, NoBody>(.get, .auth, "callback")
        /// `POST /auth/v1/callback`: the provider's `form_post` back. Not served yet, as ``callback``.
        public static let callbackPost = Endpoint<OpaqueBody, NoBody>(.post, .auth, "callback")

        /// `POST /auth/v1/otp`: emails a magic link and a 6-digit code (`{}`).
        public static let otp = Endpoint<OTPRequest, EmptyBody>(.post, .auth, "otp")
        /// `GET /auth/v1/reauthenticate`: emails a code that a password change may require as its `nonce`.
        public static let reauthenticate = Endpoint<NoBody, EmptyBody>(.get, .auth, "reauthenticate")
        /// `POST /auth/v1/factors`: enrols a TOTP factor.
        public static let enrollFactor = Endpoint<EnrollFactorRequest, EnrollFactorResponse>(.post, .auth, "factors")
        /// `POST /auth/v1/factors/{id}/challenge`.
        public static let challengeFactor = Endpoint<ChallengeFactorRequest, ChallengeFactorResponse>(.post, .auth, "factors/:factor_id/challenge")
        /// `POST /auth/v1/factors/{id}/verify`: a session at `aal2`.
        public static let verifyFactor = Endpoint<VerifyFactorRequest, SessionResponse>(.post, .auth, "factors/:factor_id/verify")
        /// `DELETE /auth/v1/factors/{id}`.
        public static let unenrollFactor = Endpoint<NoBody, FactorIDResponse>(.delete, .auth, "factors/:factor_id")
        /// `POST /auth/v1/sso`: SAML, which Scritorio does not offer (404 `saml_provider_disabled`).
        public static let sso = Endpoint<OpaqueBody, NoBody>(.post, .auth, "sso")
        /// `POST /auth/v1/invite` (service role): creates the account and mails an invitation.
        public static let invite = Endpoint<InviteRequest, UserResponse>(.post, .auth, "invite")
        /// `GET /auth/v1/admin/users?page&per_page` (service role).
        public static let adminUsers = Endpoint<NoBody, AdminUserList>(.get, .auth, "admin/users")
        /// `POST /auth/v1/admin/users` (service role).
        public static let adminCreateUser = Endpoint<AdminUserRequest, UserResponse>(.post, .auth, "admin/users")
        /// `GET /auth/v1/admin/users/{id}` (service role).
        public static let adminUser = Endpoint<NoBody, UserResponse>(.get, .auth, "admin/users/:user_id")
        /// `PUT /auth/v1/admin/users/{id}` (service role).
        public static let adminUpdateUser = Endpoint<AdminUserRequest, UserResponse>(.put, .auth, "admin/users/:user_id")
        /// `DELETE /auth/v1/admin/users/{id}` (service role): `{}`.
        public static let adminDeleteUser = Endpoint<AdminDeleteUserRequest, EmptyBody>(.delete, .auth, "admin/users/:user_id")
        /// `GET /auth/v1/admin/users/{id}/factors` (service role).
        public static let adminUserFactors = Endpoint<NoBody, [FactorResponse]>(.get, .auth, "admin/users/:user_id/factors")
        /// `DELETE /auth/v1/admin/users/{id}/factors/{factor_id}` (service role).
        public static let adminDeleteFactor = Endpoint<NoBody, FactorResponse>(.delete, .auth, "admin/users/:user_id/factors/:factor_id")
        /// `POST /auth/v1/admin/generate_link` (service role): a link and code without sending mail.
        public static let generateLink = Endpoint<GenerateLinkRequest, GenerateLinkResponse>(.post, .auth, "admin/generate_link")

        static let routes = [
            signUp.route, token.route, user.route, updateUser.route, recover.route, resend.route, verify.route, followLink.route,
            logout.route, jwks.route, settings.route, health.route, authorize.route, callback.route, callbackPost.route,
            otp.route, reauthenticate.route, enrollFactor.route, challengeFactor.route, verifyFactor.route, unenrollFactor.route,
            sso.route, invite.route, adminUsers.route, adminCreateUser.route, adminUser.route, adminUpdateUser.route,
            adminDeleteUser.route, adminUserFactors.route, adminDeleteFactor.route, generateLink.route,
        ]

        private static func grant(_ type: String) -> [URLQueryItem] { [URLQueryItem(name: "grant_type", value: type)] }
    }

    /// `/ai/v1`: the OpenAI-compatible gateway. Bodies are OpenAI's, passed through; errors are OpenAI's.
    public enum AI {
        /// `POST /ai/v1/chat/completions`.
        public static let chatCompletions = Endpoint<ChatCompletionRequest, ChatCompletionChunk>(.post, .ai, "chat/completions")
        /// `POST /ai/v1/responses`.
        public static let responses = Endpoint<JSONValue, JSONValue>(.post, .ai, "responses")
        /// `POST /ai/v1/embeddings`.
        public static let embeddings = Endpoint<JSONValue, JSONValue>(.post, .ai, "embeddings")
        /// `POST /ai/v1/audio/transcriptions` (multipart).
        public static let transcriptions = Endpoint<OpaqueBody, JSONValue>(.post, .ai, "audio/transcriptions")
        /// `GET /ai/v1/models`: the models of the caller's plan.
        public static let models = Endpoint<NoBody, JSONValue>(.get, .ai, "models")
        /// `GET /ai/v1/**`: any other path, answered with OpenAI's not-found.
        public static let otherGet = Endpoint<NoBody, NoBody>(.get, .ai, "**")
        /// `POST /ai/v1/**`: any other path, answered with OpenAI's not-found.
        public static let otherPost = Endpoint<OpaqueBody, NoBody>(.post, .ai, "**")

        static let routes = [
            chatCompletions.route, responses.route, embeddings.route, transcriptions.route, models.route, otherGet.route,
            otherPost.route,
        ]
    }
}
