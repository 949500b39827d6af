import Foundation

/// What the server does when a refresh token is presented, following GoTrue's rotation rules
/// (reference §4, tokens/service.go): each use revokes the token and issues a child. A revoked token that is the
/// parent of the session's active token gets that active token back (the client lost the answer to its last
/// refresh); another revoked token is tolerated only within the reuse interval (concurrent refreshes) while the
/// session still has a live token, and otherwise the whole session's token family is revoked.
public enum RefreshDecision: Equatable, Sendable {
    /// The token is live: revoke it and issue a child.
    case rotate
    /// A revoked token whose child is the session's active token: hand that child out again.
    case returnActiveChild(childToken: String)
    /// A revoked token within the reuse interval: issue a new child.
    case issueNewChild
    /// Reuse outside the interval: revoke the family and answer `refresh_token_already_used`.
    case revokeFamily
}

/// The facts about a presented refresh token that decide its fate.
public struct PresentedRefreshToken: Sendable, Equatable {
    public var token: String
    public var revoked: Bool
    /// When it was last changed (revoked), which starts the reuse interval.
    public var updatedAt: Date
    /// The session's currently active (newest unrevoked) token and its parent, if any.
    public var activeToken: String?
    public var activeTokenParent: String?

    public init(token: String, revoked: Bool, updatedAt: Date, activeToken: String?, activeTokenParent: String?) {
        self.token = token
        self.revoked = revoked
        self.updatedAt = updatedAt
        self.activeToken = activeToken
        self.activeTokenParent = activeTokenParent
    }
}

extension RefreshDecision {
    /// Decides what to do with `presented` at `now`, given the configured reuse interval.
    public static func decide(for presented: PresentedRefreshToken, now: Date, reuseInterval: TimeInterval) -> Self {
        guard presented.revoked else { return .rotate }
        if let active = presented.activeToken, presented.activeTokenParent == presented.token {
            return .returnActiveChild(childToken: active)
        }
        // A session with no live token had its family revoked (reuse detected) or was ended: the revocation just
        // stamped every token, so the reuse interval must not revive any of them.
        guard presented.activeToken != nil else { return .revokeFamily }
        guard now <= presented.updatedAt.addingTimeInterval(reuseInterval) else { return .revokeFamily }
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
