import Foundation

/// What the server does when a refresh token is presented, following GoTrue's rotation rules
/// (reference §4): each use revokes the token and issues a child; a revoked token is tolerated only within the
/// reuse interval (concurrent refreshes from one app), otherwise the whole session's token family is revoked.
public enum RefreshDecision: Equatable, Sendable {
    /// The token is live: revoke it and issue a child.
    case rotate
    /// A revoked token within the reuse interval whose child is still active: hand that child out again.
    case returnActiveChild(childToken: String)
    /// A revoked token within the reuse interval whose child is gone: issue a new child.
    case issueNewChild
    /// Reuse outside the interval: revoke the family and answer `refresh_token_already_used`.
    case revokeFamily
}

/// The facts about a presented refresh token that decide its fate.
public struct PresentedRefreshToken: Sendable, Equatable {
    public var revoked: Bool
    /// When it was last changed (revoked), which starts the reuse interval.
    public var updatedAt: Date
    /// Its child that is still active, if any.
    public var activeChild: String?

    public init(revoked: Bool, updatedAt: Date, activeChild: String?) {
        self.revoked = revoked
        self.updatedAt = updatedAt
        self.activeChild = activeChild
    }
}

extension RefreshDecision {
    /// Decides what to do with `token` at `now`, given the configured reuse interval.
    public static func decide(for token: PresentedRefreshToken, now: Date, reuseInterval: TimeInterval) -> Self {
        guard token.revoked else { return .rotate }
        guard now <= token.updatedAt.addingTimeInterval(reuseInterval) else { return .revokeFamily }
        if let child = token.activeChild { return .returnActiveChild(childToken: child) }
        return .issueNewChild
    }
}

/// Google ID-token nonce rule (GoTrue token_oidc.go): if only one side has a nonce, reject; if both, the token
/// must carry `hex(sha256(raw nonce))`.
public enum NonceRule {
    public enum Outcome: Equatable, Sendable {
        case accepted
        case missingInToken
        case missingInRequest
        case mismatch
    }

    public static func check(tokenNonce: String?, requestNonce: String?, skip: Bool = false) -> Outcome {
        if skip { return .accepted }
        let tokenNonce = tokenNonce.flatMap { $0.isEmpty ? nil : $0 }
        let requestNonce = requestNonce.flatMap { $0.isEmpty ? nil : $0 }
        switch (tokenNonce, requestNonce) {
        case (nil, nil): return .accepted
        case (nil, .some): return .missingInToken
        case (.some, nil): return .missingInRequest
        case (.some(let token), .some(let request)):
            return constantTimeEquals(token, OneTimeCodeHash.sha256Hex(request)) ? .accepted : .mismatch
        }
    }
}
