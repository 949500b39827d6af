import Foundation

/// `POST /v1/checkout`: a catalog plan code and, optionally, who sells it (`paddle`, `lemonsqueezy`).
public struct CheckoutRequest: Codable, Sendable, Equatable {
    /// The catalog code (`pro_monthly`).
    public var plan: String?
    /// `paddle` or `lemonsqueezy`; the server's default when `nil` (not sent).
    public var provider: String?

    /// A checkout request.
    public init(plan: String?, provider: String? = nil) {
        self.plan = plan
        self.provider = provider
    }
}

/// A checkout the server prepared for the signed-in user. Paddle answers a `transactionId`, Lemon Squeezy a
/// `checkoutId` (the other is absent, not `null`); both a `checkoutUrl`.
public struct CheckoutResponse: Codable, Sendable, Equatable {
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

    /// A checkout from its parts.
    public init(provider: String, plan: String, transactionId: String? = nil, checkoutId: String? = nil, checkoutUrl: String) {
        self.provider = provider
        self.plan = plan
        self.transactionId = transactionId
        self.checkoutId = checkoutId
        self.checkoutUrl = checkoutUrl
    }
}

/// `POST /v1/billing/paddle/verify` (and the seed's `paddle-verify`): the finished transaction to apply now.
public struct PaddleVerifyRequest: Codable, Sendable, Equatable {
    /// Paddle's `txn_…` id.
    public var transactionId: String?

    /// A verification request.
    public init(transactionId: String?) { self.transactionId = transactionId }
}

/// The server's answer to a Paddle transaction verification.
public struct PaddleVerifyResponse: Codable, Sendable, Equatable {
    /// Always true in a success answer.
    public var success: Bool
    /// The member's plan after applying the transaction.
    public var plan: String
    /// The verified transaction.
    public var transactionId: String

    /// An answer from its parts.
    public init(success: Bool, plan: String, transactionId: String) {
        self.success = success
        self.plan = plan
        self.transactionId = transactionId
    }
}
