import Foundation
import ScritorioAPI
import ScritorioCore
import Testing

// Draft: needs `ScritorioAPI` as a dependency of the test target that holds it.

private func json(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

private func object(_ value: some Encodable) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(value)) as? [String: Any])
}

@Suite("Wire dates")
struct WireDateTests {
    @Test func formatsLikeGoTrueWithMicroseconds() {
        #expect(WireDate.format(Date(timeIntervalSince1970: 1_715_862_921.836377)) == "2024-05-16T12:35:21.836377Z")
        #expect(WireDate.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000000Z")
        #expect(WireDate.format(Date(timeIntervalSince1970: 1_773_582_300)) == "2026-03-15T13:45:00.000000Z")
    }

    @Test func roundsToTheNearestMicrosecond() {
        #expect(WireDate.format(Date(timeIntervalSince1970: 1_700_000_000.9999996)) == "2023-11-14T22:13:21.000000Z")
    }

    @Test func formatsTimesBefore1970() {
        #expect(WireDate.format(Date(timeIntervalSince1970: -1.5)) == "1969-12-31T23:59:58.500000Z")
        #expect(WireDate.format(Date(timeIntervalSince1970: -0.000001)) == "1969-12-31T23:59:59.999999Z")
    }

    @Test func parsesWithAndWithoutFraction() throws {
        let micro = try #require(WireDate.parse("2024-05-16T12:35:21.836377Z"))
        #expect(abs(micro.timeIntervalSince1970 - 1_715_862_921.836377) < 0.000_002)
        #expect(WireDate.format(micro) == "2024-05-16T12:35:21.836377Z")
        #expect(WireDate.parse("2024-05-16T12:35:21Z") == Date(timeIntervalSince1970: 1_715_862_921))
        #expect(WireDate.parse("2024-05-16T14:35:21+02:00") == Date(timeIntervalSince1970: 1_715_862_921))
        #expect(WireDate.parse("not a date") == nil)
        #expect(WireDate.parse("") == nil)
    }
}

@Suite("API DTO encoding")
struct APIEncodingTests {
    let now = Date(timeIntervalSince1970: 1_773_582_300)
    let userID = UserID("5f8b0c1e-0000-4000-8000-000000000001")!

    @Test func memberDTOWritesTrialEndsAtNull() throws {
        let dto = MemberDTO(Member.newFree(id: userID, now: now))
        let fields = try object(dto)
        #expect(fields["trialEndsAt"] is NSNull)
        #expect(
            Set(fields.keys) == [
                "id", "type", "plan", "wordsToday", "wordsThisMonth", "wordsTotal", "tokensToday", "tokensThisMonth",
                "tokensTotal", "todayResetAt", "thisMonthResetAt", "isOnTrial", "trialEndsAt", "createdAt", "updatedAt",
            ])
        #expect(fields["id"] as? String == "5f8b0c1e-0000-4000-8000-000000000001")
        #expect(fields["plan"] as? String == "free")
        // A new account's day and month start when it was created (``UsagePeriods``).
        #expect(fields["todayResetAt"] as? String == "2026-03-15T13:45:00.000000Z")
        #expect(fields["thisMonthResetAt"] as? String == "2026-03-15T13:45:00.000000Z")
        #expect(try JSONDecoder().decode(MemberDTO.self, from: JSONEncoder().encode(dto)) == dto)
    }

    @Test func memberDTOWithTrial() throws {
        var member = Member.newFree(id: userID, now: now)
        member.plan = .unknown("enterprise")
        member.isOnTrial = true
        member.trialEndsAt = now
        let fields = try object(MemberDTO(member))
        #expect(fields["trialEndsAt"] as? String == "2026-03-15T13:45:00.000000Z")
        #expect(fields["plan"] as? String == "enterprise")
        #expect(fields["isOnTrial"] as? Bool == true)
    }

    @Test func memberEnvelopeWritesNull() throws {
        #expect(try json(MemberEnvelope(member: nil)) == #"{"member":null}"#)
        let fields = try object(MemberEnvelope(member: MemberDTO(Member.newFree(id: userID, now: now))))
        #expect(fields["member"] is [String: Any])
    }

    @Test func userResponseOmitsNilTimestamps() throws {
        let user = AuthUser(
            id: userID, email: "a@example.com", encryptedPassword: "$2a$10$x", emailConfirmedAt: nil,
            confirmationSentAt: nil, recoverySentAt: nil, lastSignInAt: nil,
            appMetadata: AuthUser.appMetadata(providers: ["email"]), userMetadata: [:], createdAt: now, updatedAt: now)
        let fields = try object(UserResponse(user, identities: []))
        for key in ["email_confirmed_at", "confirmed_at", "confirmation_sent_at", "recovery_sent_at", "last_sign_in_at"] {
            #expect(fields[key] == nil, "\(key) is omitted, not null")
        }
        #expect(fields["aud"] as? String == "authenticated")
        #expect(fields["role"] as? String == "authenticated")
        #expect(fields["phone"] as? String == "")
        #expect(fields["is_anonymous"] as? Bool == false)
        #expect((fields["identities"] as? [Any])?.isEmpty == true)
        #expect(fields["created_at"] as? String == "2026-03-15T13:45:00.000000Z")
        #expect(fields["encrypted_password"] == nil)
        #expect(!(try json(UserResponse(user, identities: []))).contains("$2a$"))
    }

    @Test func userResponseWritesSetTimestamps() throws {
        let user = AuthUser(
            id: userID, email: nil, encryptedPassword: nil, emailConfirmedAt: now, confirmationSentAt: now,
            recoverySentAt: nil, lastSignInAt: now, appMetadata: [:], userMetadata: ["a": .number(1)], createdAt: now,
            updatedAt: now)
        let fields = try object(UserResponse(user, identities: []))
        #expect(fields["email_confirmed_at"] as? String == "2026-03-15T13:45:00.000000Z")
        #expect(fields["confirmed_at"] as? String == "2026-03-15T13:45:00.000000Z")
        #expect(fields["last_sign_in_at"] as? String == "2026-03-15T13:45:00.000000Z")
        #expect(fields["recovery_sent_at"] == nil)
        #expect(fields["email"] as? String == "", "email is always present")
    }

    @Test func identityResponse() throws {
        let identity = AuthIdentity(
            id: IdentityID("9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d")!, providerID: "google-sub-1", userID: userID,
            provider: "google", identityData: ["sub": .string("google-sub-1"), "email": .string("g@example.com")],
            lastSignInAt: nil, createdAt: now, updatedAt: now)
        let fields = try object(IdentityResponse(identity))
        #expect(fields["identity_id"] as? String == "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d")
        #expect(fields["id"] as? String == "google-sub-1")
        #expect(fields["user_id"] as? String == "5f8b0c1e-0000-4000-8000-000000000001")
        #expect(fields["email"] as? String == "g@example.com")
        #expect(fields["identity_data"] is [String: Any])
        #expect(fields["last_sign_in_at"] == nil)
    }

    @Test func sessionResponse() throws {
        let user = AuthUser(
            id: userID, email: "a@example.com", encryptedPassword: nil, emailConfirmedAt: now, confirmationSentAt: nil,
            recoverySentAt: nil, lastSignInAt: now, appMetadata: [:], userMetadata: [:], createdAt: now, updatedAt: now)
        let session = SessionResponse(
            accessToken: "jwt", expiresIn: 3600, expiresAt: 1_773_585_900, refreshToken: "abcdefghijkl",
            user: UserResponse(user, identities: []))
        let fields = try object(session)
        #expect(fields["token_type"] as? String == "bearer")
        #expect(fields["expires_in"] as? Int == 3600)
        #expect(fields["expires_at"] as? Int == 1_773_585_900)
        #expect(fields["weak_password"] == nil)
        let weak = SessionResponse(
            accessToken: "jwt", expiresIn: 3600, expiresAt: 1, refreshToken: "r", user: UserResponse(user, identities: []),
            weakPassword: WeakPasswordInfo(message: nil, reasons: ["length"]))
        #expect(try json(weak).contains(#""weak_password":{"reasons":["length"]}"#))
    }

    @Test func meResponseWritesNulls() throws {
        let me = MeResponse(
            user: MeUserDTO(id: "u", email: nil, emailConfirmedAt: nil, createdAt: nil, userMetadata: [:]),
            profile: nil, member: nil)
        #expect(
            try json(me)
                == #"{"member":null,"profile":null,"user":{"createdAt":null,"email":null,"emailConfirmedAt":null,"id":"u","userMetadata":{}}}"#
        )
        let profile = ProfileDTO(Profile(id: userID, displayName: nil, createdAt: now, updatedAt: now))
        #expect(try object(profile)["displayName"] is NSNull)
    }

    @Test func errorCodesAreUnique() {
        let raw = ErrorCode.allCases.map(\.rawValue)
        #expect(Set(raw).count == raw.count)
        #expect(ErrorCode.refreshTokenAlreadyUsed.rawValue == "refresh_token_already_used")
        #expect(ErrorCode.badJWT.rawValue == "bad_jwt")
    }
}
