import Foundation
import ScritorioAPI

/// A checkout the server prepared for the signed-in user (the contract's ``CheckoutResponse``).
public typealias Checkout = CheckoutResponse

/// The server's answer to a Paddle transaction verification (the contract's ``PaddleVerifyResponse``).
public typealias PaddleVerification = PaddleVerifyResponse

extension ScritorioClient {
    /// Creates the member if it does not exist (`member-init`, retried once as the seed does). Sign-in calls it;
    /// failures are swallowed because the member is created again on the next sign-in.
    public func initializeMember() async {
        for _ in 0..<2 {
            do {
                try await sendIgnoringBody(API.Functions.memberInit, body: EmptyBody())
                return
            } catch {
                continue
            }
        }
    }

    /// The signed-in user's member (`member-get`), or `nil` when none exists yet.
    public func member() async throws -> MemberDTO? {
        try await send(API.Functions.memberGet, body: EmptyBody()).member
    }

    /// The user, profile and member in one call (`GET /v1/me`).
    public func me() async throws -> MeResponse {
        try await send(API.Members.me)
    }

    /// The active entitlements and the plan they add up to (`GET /v1/me/entitlements`).
    public func entitlements() async throws -> EntitlementsResponse {
        try await send(API.Billing.entitlements)
    }

    /// The subscription the account panel shows, or `nil` (`GET /v1/me/subscription`).
    public func subscription() async throws -> SubscriptionDTO? {
        try await send(API.Billing.subscription).subscription
    }

    /// Asks for a checkout of `plan` (a catalog code such as `pro_monthly`), through `provider` (`paddle`,
    /// `lemonsqueezy`; the server's default when `nil`); open ``Checkout/checkoutUrl``.
    public func checkout(plan: String, provider: String? = nil) async throws -> Checkout {
        try await send(API.Billing.checkout, body: CheckoutRequest(plan: plan, provider: provider))
    }

    /// Verifies a finished Paddle transaction at once (the seed's `paddle-verify`); the server applies it and
    /// answers with the member's plan. Fails with `transaction_not_completed` while the buyer has not paid.
    public func verifyPaddleTransaction(_ transactionId: String) async throws -> PaddleVerification {
        try await send(API.Billing.paddleVerify, body: PaddleVerifyRequest(transactionId: transactionId))
    }
}
