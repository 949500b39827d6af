import Foundation
import ScritorioModels

/// Every endpoint of the server, grouped by what it is for. The SDK builds its URLs from these, and the server
/// registers its routes from them, so a path is written once. ``API/routes`` lists each route once.
public enum API {
    /// Every route the server registers, once each (the token grants share ``Auth/token``). The sandbox's
    /// stand-ins for other services are not part of the contract and are not listed.
    public static let routes: [APIRoute] = Auth.routes + Functions.routes + Members.routes + Billing.routes
        + Licensing.routes + AI.routes + Admin.routes + Webhooks.routes + Site.routes

    /// The server's own pages at the root.
    public enum Site {
        /// `GET /health`: the store's state (503 when it does not answer).
        public static let health = Endpoint<NoBody, HealthResponse>(.get, .root, "health")
        /// `GET /openapi.json`: the product API's OpenAPI document.
        public static let openAPI = Endpoint<NoBody, JSONValue>(.get, .root, "openapi.json")
        /// `GET /pay?_ptxn=…`: the page Paddle's checkout opens in (HTML).
        public static let pay = Endpoint<NoBody, OpaqueBody>(.get, .root, "pay")

        static let routes = [health.route, openAPI.route, pay.route]
    }

    /// `/functions/v1`: the seed's Edge Functions. Each answers `GET` as well as `POST`.
    public enum Functions {
        /// `POST /functions/v1/member-init`: creates the free member once.
        public static let memberInit = Endpoint<EmptyBody, EmptyBody>(.post, .functions, "member-init")
        /// `GET /functions/v1/member-init`.
        public static let memberInitGet = Endpoint<NoBody, EmptyBody>(.get, .functions, "member-init")
        /// `POST /functions/v1/member-get`: the member, or `null`.
        public static let memberGet = Endpoint<EmptyBody, MemberEnvelope>(.post, .functions, "member-get")
        /// `GET /functions/v1/member-get`.
        public static let memberGetGet = Endpoint<NoBody, MemberEnvelope>(.get, .functions, "member-get")
        /// `POST /functions/v1/paddle-verify`: the seed's name of ``Billing/paddleVerify``.
        public static let paddleVerify = Endpoint<PaddleVerifyRequest, PaddleVerifyResponse>(.post, .functions, "paddle-verify")
        /// `POST /functions/v1/paddle-webhook`: the seed's address of ``Webhooks/paddle``.
        public static let paddleWebhook = Endpoint<OpaqueBody, WebhookAck>(.post, .functions, "paddle-webhook")

        static let routes = [
            memberInit.route, memberInitGet.route, memberGet.route, memberGetGet.route, paddleVerify.route, paddleWebhook.route,
        ]
    }

    /// `/v1/me`: the signed-in user and their member.
    public enum Members {
        /// `GET /v1/me`: the user, profile and member in one answer.
        public static let me = Endpoint<NoBody, MeResponse>(.get, .product, "me")
        /// `POST /v1/me/init`: creates the free member once and answers it.
        public static let initialize = Endpoint<EmptyBody, MemberEnvelope>(.post, .product, "me/init")
        /// `GET /v1/me/usage`: the managed-AI allowance and use.
        public static let usage = Endpoint<NoBody, UsageResponse>(.get, .product, "me/usage")
        /// `POST /v1/me/usage/words`: words the app counted on the device, once per idempotency key.
        public static let reportWords = Endpoint<WordsReport, WordsReportResponse>(.post, .product, "me/usage/words")

        static let routes = [me.route, initialize.route, usage.route, reportWords.route]
    }

    /// `/v1`: entitlements, the subscription and purchases.
    public enum Billing {
        /// `GET /v1/me/entitlements`: the active entitlements, their plan and a signed document.
        public static let entitlements = Endpoint<NoBody, EntitlementsResponse>(.get, .product, "me/entitlements")
        /// `GET /v1/me/subscription`: the subscription the account panel shows, or `null`.
        public static let subscription = Endpoint<NoBody, SubscriptionEnvelope>(.get, .product, "me/subscription")
        /// `POST /v1/me/subscription/cancel`: cancels at the end of the period.
        public static let cancelSubscription = Endpoint<NoBody, SubscriptionEnvelope>(.post, .product, "me/subscription/cancel")
        /// `POST /v1/checkout`: a checkout of a catalog plan.
        public static let checkout = Endpoint<CheckoutRequest, CheckoutResponse>(.post, .product, "checkout")
        /// `POST /v1/billing/paddle/verify`: applies a finished Paddle transaction at once.
        public static let paddleVerify = Endpoint<PaddleVerifyRequest, PaddleVerifyResponse>(.post, .product, "billing/paddle/verify")

        static let routes = [entitlements.route, subscription.route, cancelSubscription.route, checkout.route, paddleVerify.route]
    }

    /// `/v1`: licence keys (Lemon Squeezy's License API shape) and the user's devices.
    public enum Licensing {
        /// `POST /v1/licenses/activate`.
        public static let activate = Endpoint<LicenseRequest, LicenseAPIResponse>(.post, .product, "licenses/activate")
        /// `POST /v1/licenses/validate`.
        public static let validate = Endpoint<LicenseRequest, LicenseAPIResponse>(.post, .product, "licenses/validate")
        /// `POST /v1/licenses/deactivate`.
        public static let deactivate = Endpoint<LicenseRequest, LicenseAPIResponse>(.post, .product, "licenses/deactivate")
        /// `GET /v1/me/licenses`: the user's keys.
        public static let licenses = Endpoint<NoBody, LicensesResponse>(.get, .product, "me/licenses")
        /// `GET /v1/me/devices`: the devices holding a seat.
        public static let devices = Endpoint<NoBody, DevicesResponse>(.get, .product, "me/devices")
        /// `DELETE /v1/me/devices/:id`: frees a seat (`204`).
        public static let freeDevice = Endpoint<NoBody, NoBody>(.delete, .product, "me/devices/:id")
        /// `GET /v1/entitlements/jwks.json`: the keys that sign entitlement documents.
        public static let entitlementKeys = Endpoint<NoBody, JWKS>(.get, .product, "entitlements/jwks.json")

        /// The licence call of `operation`.
        public static func call(_ operation: LicenseAPIResponse.Operation) -> Endpoint<LicenseRequest, LicenseAPIResponse> {
            switch operation {
            case .activate: activate
            case .validate: validate
            case .deactivate: deactivate
            }
        }

        static let routes = [
            activate.route, validate.route, deactivate.route, licenses.route, devices.route, freeDevice.route, entitlementKeys.route,
        ]
    }

    /// `/admin/v1`: the operator's API (bearer `SCRITORIO_ADMIN_TOKEN`).
    public enum Admin {
        /// `GET /admin/v1/users/:id/ai-limits`: a user's AI limit overrides.
        public static let aiLimits = Endpoint<NoBody, AILimitsResponse>(.get, .admin, "users/:id/ai-limits")
        /// `PUT /admin/v1/users/:id/ai-limits`: sets them (`null` or a missing member falls back to the plan).
        public static let setAILimits = Endpoint<AILimitsRequest, AILimitsResponse>(.put, .admin, "users/:id/ai-limits")

        static let routes = [aiLimits.route, setAILimits.route]
    }

    /// `/webhooks`: the payment providers' notifications (signed; the body is the provider's).
    public enum Webhooks {
        /// `POST /webhooks/paddle`.
        public static let paddle = Endpoint<OpaqueBody, WebhookAck>(.post, .webhooks, "paddle")
        /// `POST /webhooks/lemonsqueezy`.
        public static let lemonSqueezy = Endpoint<OpaqueBody, WebhookAck>(.post, .webhooks, "lemonsqueezy")

        static let routes = [paddle.route, lemonSqueezy.route]
    }
}
