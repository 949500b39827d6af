import Foundation
import ScritorioAPI

/// How long and how often ``ScritorioClient/waitForUpgrade(transactionId:policy:progress:)`` checks.
public struct UpgradePolicy: Sendable, Equatable {
    /// Give up after this long.
    public var timeout: Duration
    /// The first pause between checks.
    public var initialDelay: Duration
    /// Each pause is the previous one times this.
    public var multiplier: Double
    /// The longest pause.
    public var maximumDelay: Duration

    /// A policy; the defaults wait up to 10 minutes, checking after 0.5 s, 1 s, 2 s, then every 5 s.
    public init(
        timeout: Duration = .seconds(600), initialDelay: Duration = .milliseconds(500), multiplier: Double = 2,
        maximumDelay: Duration = .seconds(5)
    ) {
        self.timeout = timeout
        self.initialDelay = initialDelay
        self.multiplier = multiplier
        self.maximumDelay = maximumDelay
    }

    /// The pause before check number `attempt` (1-based).
    public func delay(before attempt: Int) -> Duration {
        guard attempt > 1 else { return .zero }
        var delay = initialDelay
        for _ in 2..<attempt {
            delay = delay * multiplier
            if delay >= maximumDelay { return maximumDelay }
        }
        return min(delay, maximumDelay)
    }
}

/// One step of waiting for an upgrade, for a progress indicator.
public struct UpgradeProgress: Sendable, Equatable {
    /// Which check this is (1-based).
    public var attempt: Int
    /// What the last check found.
    public var status: Status

    /// What a check found.
    public enum Status: Sendable, Equatable {
        /// The buyer has not paid yet.
        case waitingForPayment
        /// The server could not be reached; checking again.
        case offline
        /// The plan changed.
        case upgraded(plan: String)
    }
}

extension ScritorioClient {
    /// The seed's payment dialog without the UI: asks for a checkout, hands its URL to `open` (the app opens it
    /// in a browser), waits for the payment, and returns the refreshed member. `provider` picks the payment
    /// provider (the server's default when `nil`).
    public func upgrade(
        plan: String, provider: String? = nil, policy: UpgradePolicy = UpgradePolicy(), open: @Sendable (Checkout) async throws -> Void,
        progress: @Sendable (UpgradeProgress) -> Void = { _ in }
    ) async throws -> MemberDTO? {
        let checkout = try await checkout(plan: plan, provider: provider)
        try await open(checkout)
        // Only a Paddle transaction can be verified at once; other providers' webhooks are waited for.
        let transaction = checkout.provider == "paddle" ? checkout.transactionId : nil
        return try await waitForUpgrade(transactionId: transaction, policy: policy, progress: progress)
    }

    /// Waits until the signed-in user is on a paid plan, then refreshes the member (the seed's `refreshMember`).
    /// With a `transactionId` each check verifies the Paddle transaction (applied at once on the server); without
    /// one, each check reads the entitlements, which change when the provider's webhook has been applied. Checks
    /// back off as `policy` says; an unreachable server is retried; after `policy.timeout` it throws
    /// ``ScritorioError/timedOut``.
    public func waitForUpgrade(
        transactionId: String? = nil, policy: UpgradePolicy = UpgradePolicy(),
        progress: @Sendable (UpgradeProgress) -> Void = { _ in }
    ) async throws -> MemberDTO? {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: policy.timeout)
        var attempt = 0
        while true {
            attempt += 1
            let pause = policy.delay(before: attempt)
            if clock.now.advanced(by: pause) > deadline { throw ScritorioError.timedOut }
            try await Task.sleep(for: pause)
            do {
                if let plan = try await upgradedPlan(transactionId: transactionId) {
                    progress(UpgradeProgress(attempt: attempt, status: .upgraded(plan: plan)))
                    return try await member()
                }
                progress(UpgradeProgress(attempt: attempt, status: .waitingForPayment))
            } catch ScritorioError.offline {
                progress(UpgradeProgress(attempt: attempt, status: .offline))
            }
        }
    }

    /// The paid plan the user is on now, or `nil` while still free.
    private func upgradedPlan(transactionId: String?) async throws -> String? {
        if let transactionId {
            do {
                let verified = try await verifyPaddleTransaction(transactionId)
                if verified.plan != "free" { return verified.plan }
            } catch let error as ScritorioError where error.errorCode == .transactionNotCompleted {
                // Not paid yet: the entitlements may still have changed through the webhook.
            }
        }
        let current = try await entitlements()
        return current.plan == "free" ? nil : current.plan
    }
}
