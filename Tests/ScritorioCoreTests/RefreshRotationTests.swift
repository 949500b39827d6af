import Foundation
import ScritorioCore
import Testing

@Suite("Refresh-token rotation")
struct RefreshRotationTests {
    let revokedAt = Date(timeIntervalSince1970: 1_700_000_000)

    func presented(
        _ token: String = "parent-token", revoked: Bool, active: String? = "active-token",
        activeParent: String? = "someone-else"
    ) -> PresentedRefreshToken {
        PresentedRefreshToken(
            token: token, revoked: revoked, updatedAt: revokedAt, activeToken: active, activeTokenParent: activeParent)
    }

    @Test func liveTokenRotates() {
        let token = presented(revoked: false)
        #expect(RefreshDecision.decide(for: token, now: revokedAt, reuseInterval: 10) == .rotate)
        // However long after its last update, and even if it happens to be the active token's parent.
        let far = revokedAt.addingTimeInterval(86_400 * 365)
        #expect(RefreshDecision.decide(for: token, now: far, reuseInterval: 0) == .rotate)
        let parent = presented(revoked: false, activeParent: "parent-token")
        #expect(RefreshDecision.decide(for: parent, now: far, reuseInterval: 0) == .rotate)
    }

    @Test func revokedParentOfActiveTokenGetsTheActiveTokenBack() {
        let token = presented(revoked: true, active: "child-1", activeParent: "parent-token")
        for offset: TimeInterval in [0, 5, 10, 11, 86_400 * 30] {
            #expect(
                RefreshDecision.decide(for: token, now: revokedAt.addingTimeInterval(offset), reuseInterval: 10)
                    == .returnActiveChild(childToken: "child-1"),
                "offset \(offset)")
        }
        #expect(
            RefreshDecision.decide(for: token, now: revokedAt.addingTimeInterval(3600), reuseInterval: 0)
                == .returnActiveChild(childToken: "child-1"))
    }

    @Test func revokedTokenWithinReuseIntervalGetsANewChild() {
        let token = presented(revoked: true)
        #expect(RefreshDecision.decide(for: token, now: revokedAt, reuseInterval: 10) == .issueNewChild)
        #expect(
            RefreshDecision.decide(for: token, now: revokedAt.addingTimeInterval(9.999), reuseInterval: 10)
                == .issueNewChild)
    }

    @Test func revokedTokenOutsideReuseIntervalRevokesTheFamily() {
        let token = presented(revoked: true)
        #expect(
            RefreshDecision.decide(for: token, now: revokedAt.addingTimeInterval(10.001), reuseInterval: 10)
                == .revokeFamily)
        #expect(
            RefreshDecision.decide(for: token, now: revokedAt.addingTimeInterval(86_400), reuseInterval: 10)
                == .revokeFamily)
    }

    @Test func reuseIntervalBoundaryIsInclusive() {
        // GoTrue revokes only when now is *after* updated_at + interval.
        let token = presented(revoked: true)
        #expect(
            RefreshDecision.decide(for: token, now: revokedAt.addingTimeInterval(10), reuseInterval: 10)
                == .issueNewChild)
    }

    @Test func zeroReuseInterval() {
        let token = presented(revoked: true)
        #expect(RefreshDecision.decide(for: token, now: revokedAt, reuseInterval: 0) == .issueNewChild)
        #expect(
            RefreshDecision.decide(for: token, now: revokedAt.addingTimeInterval(0.001), reuseInterval: 0)
                == .revokeFamily)
    }

    @Test func revokedFamilyIsNeverRevivedByTheReuseInterval() {
        // Revoking the family stamps every token with the revocation time; with no live token left, even the
        // newest one (presented a moment later, inside the interval) must not mint a fresh session.
        let noActive = presented(revoked: true, active: nil, activeParent: nil)
        #expect(RefreshDecision.decide(for: noActive, now: revokedAt, reuseInterval: 10) == .revokeFamily)
        #expect(
            RefreshDecision.decide(for: noActive, now: revokedAt.addingTimeInterval(60), reuseInterval: 10)
                == .revokeFamily)
    }

    @Test func orphanActiveTokenFollowsTheInterval() {
        // The active token has no parent (first token of the session).
        let orphan = presented(revoked: true, active: "a", activeParent: nil)
        #expect(RefreshDecision.decide(for: orphan, now: revokedAt, reuseInterval: 10) == .issueNewChild)
        #expect(
            RefreshDecision.decide(for: orphan, now: revokedAt.addingTimeInterval(60), reuseInterval: 10)
                == .revokeFamily)
    }

    @Test func grandparentIsNotTreatedAsParent() {
        // An older ancestor of the active token is reuse, not a lost response.
        let grandparent = presented("grandparent", revoked: true, active: "child", activeParent: "parent-token")
        #expect(
            RefreshDecision.decide(for: grandparent, now: revokedAt.addingTimeInterval(60), reuseInterval: 10)
                == .revokeFamily)
    }
}

@Suite("Google ID-token nonce rule")
struct NonceRuleTests {
    let raw = "raw-nonce-123"
    // python3 -c 'import hashlib; print(hashlib.sha256(b"raw-nonce-123").hexdigest())'
    let hashed = "8197cb768cfbf77048a764c35b565b71128226c4813a4f9c0d663e9bd76a88cb"

    @Test func bothAbsentIsAccepted() {
        #expect(NonceRule.check(tokenNonce: nil, requestNonce: nil) == .accepted)
    }

    @Test func onlyOneSideIsRejected() {
        #expect(NonceRule.check(tokenNonce: nil, requestNonce: raw) == .missingInToken)
        #expect(NonceRule.check(tokenNonce: hashed, requestNonce: nil) == .missingInRequest)
    }

    @Test func tokenCarriesHexSHA256OfTheRawNonce() {
        #expect(OneTimeCodeHash.sha256Hex(raw) == hashed)
        #expect(NonceRule.check(tokenNonce: hashed, requestNonce: raw) == .accepted)
    }

    @Test func mismatches() {
        // The raw nonce in the token (the iOS SDK pitfall) does not match.
        #expect(NonceRule.check(tokenNonce: raw, requestNonce: raw) == .mismatch)
        // Nor does the hash sent in the request.
        #expect(NonceRule.check(tokenNonce: hashed, requestNonce: hashed) == .mismatch)
        #expect(NonceRule.check(tokenNonce: hashed.uppercased(), requestNonce: raw) == .mismatch)
        #expect(NonceRule.check(tokenNonce: hashed, requestNonce: raw + " ") == .mismatch)
    }

    @Test func skipAcceptsAnything() {
        #expect(NonceRule.check(tokenNonce: raw, requestNonce: raw, skip: true) == .accepted)
        #expect(NonceRule.check(tokenNonce: nil, requestNonce: raw, skip: true) == .accepted)
        #expect(NonceRule.check(tokenNonce: hashed, requestNonce: nil, skip: true) == .accepted)
    }

    @Test func emptyStringsCountAsAbsent() {
        #expect(NonceRule.check(tokenNonce: "", requestNonce: "") == .accepted)
        #expect(NonceRule.check(tokenNonce: "", requestNonce: nil) == .accepted)
        #expect(NonceRule.check(tokenNonce: "", requestNonce: raw) == .missingInToken)
        #expect(NonceRule.check(tokenNonce: hashed, requestNonce: "") == .missingInRequest)
    }
}
