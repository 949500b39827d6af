import Foundation
import ScritorioAPI
import ScritorioCore

/// A checkout the server prepared for the signed-in user.
public struct Checkout: Codable, Sendable, Equatable {
    /// The payment provider (`paddle` or `lemonsqueezy`).
    public var provider: String
    /// The plan bought.
    public var plan: String
    /// Paddle's transaction id (`txn_…`), to verify the payment once the buyer is done.
    public var transactionId: String?
    /// Lemon Squeezy's checkout id.
    public var checkoutId: String?
    /// The page the app opens in a browser for the buyer to pay.
    public var checkoutUrl: String
}

/// The server's answer to a Paddle transaction verification.
public struct PaddleVerification: Codable, Sendable, Equatable {
    /// Always true in a success answer.
    public var success: Bool
    /// The member's plan after applying the transaction.
    public var plan: String
    /// The verified transaction.
    public var transactionId: String
}

extension ScritorioClient {
    /// Creates the member if it does not exist (`member-init`, retried once as the seed does). Sign-in calls it;
    /// failures are swallowed because the member is created again on the next sign-in.
    public func initializeMember() async {
        for _ in 0..<2 {
            do {
                try await sendIgnoringBody("POST", "functions/v1/member-init", body: EmptyBody())
                return
            } catch {
                continue
            }
        }
    }

    /// The signed-in user's member (`member-get`), or `nil` when none exists yet.
    public func member() async throws -> MemberDTO? {
        try await send(MemberEnvelope.self, "POST", "functions/v1/member-get", body: EmptyBody()).member
    }

    /// The user, profile and member in one call (`GET /v1/me`).
    public func me() async throws -> MeResponse {
        try await send(MeResponse.self, "GET", "v1/me")
    }

    /// The active entitlements and the plan they add up to (`GET /v1/me/entitlements`).
    public func entitlements() async throws -> EntitlementsResponse {
        try await send(EntitlementsResponse.self, "GET", "v1/me/entitlements")
    }

    /// The subscription the account panel shows, or `nil` (`GET /v1/me/subscription`).
    public func subscription() async throws -> SubscriptionDTO? {
        try await send(SubscriptionEnvelope.self, "GET", "v1/me/subscription").subscription
    }

    /// Asks for a checkout of `plan` (a catalog code such as `pro_monthly`), through `provider` (`paddle`,
    /// `lemonsqueezy`; the server's default when `nil`); open ``Checkout/checkoutUrl``.
    public func checkout(plan: String, provider: String? = nil) async throws -> Checkout {
        var body = ["plan": plan]
        if let provider { body["provider"] = provider }
        return try await send(Checkout.self, "POST", "v1/checkout", body: body)
    }

    /// Verifies a finished Paddle transaction at once (the seed's `paddle-verify`); the server applies it and
    /// answers with the member's plan. Fails with `transaction_not_completed` while the buyer has not paid.
    public func verifyPaddleTransaction(_ transactionId: String) async throws -> PaddleVerification {
        try await send(PaddleVerification.self, "POST", "v1/billing/paddle/verify", body: ["transactionId": transactionId])
    }
}
