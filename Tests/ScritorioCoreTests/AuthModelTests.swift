import Foundation
import ScritorioCore
import Testing

@Suite("Auth model")
struct AuthModelTests {
    @Test func verificationTypesMapToStoredTokenKinds() {
        #expect(VerificationType.signup.tokenTypes == [.confirmation])
        #expect(VerificationType.invite.tokenTypes == [.confirmation])
        #expect(VerificationType.recovery.tokenTypes == [.recovery])
        #expect(VerificationType.email.tokenTypes == [.confirmation, .recovery])
        #expect(VerificationType.magiclink.tokenTypes == [.confirmation, .recovery])
        #expect(VerificationType.email_change.tokenTypes == [.emailChangeCurrent, .emailChangeNew])
        for type in [VerificationType.sms, .phone_change] {
            #expect(type.tokenTypes.isEmpty, "\(type)")
        }
    }

    @Test func verificationTypeRawValuesAreGoTrues() {
        #expect(
            VerificationType.allCases.map(\.rawValue)
                == ["signup", "invite", "magiclink", "recovery", "email", "email_change", "sms", "phone_change"])
        #expect(VerificationType(rawValue: "Signup") == nil)
        #expect(OneTimeTokenType.confirmation.rawValue == "confirmation_token")
        #expect(OneTimeTokenType.recovery.rawValue == "recovery_token")
    }

    @Test func appMetadataListsProviders() {
        #expect(
            AuthUser.appMetadata(providers: ["email"])
                == ["provider": .string("email"), "providers": .array([.string("email")])])
        #expect(
            AuthUser.appMetadata(providers: ["google", "email"])
                == ["provider": .string("google"), "providers": .array([.string("google"), .string("email")])])
        #expect(AuthUser.appMetadata(providers: ["email"]).jsonText() == #"{"provider":"email","providers":["email"]}"#)
    }

    @Test func isConfirmedFollowsEmailConfirmedAt() {
        var user = AuthUser(
            id: .random(), email: "a@example.com", encryptedPassword: nil, emailConfirmedAt: nil,
            confirmationSentAt: nil, recoverySentAt: nil, lastSignInAt: nil, appMetadata: [:], userMetadata: [:],
            createdAt: Fixture.march15, updatedAt: Fixture.march15)
        #expect(!user.isConfirmed)
        user.emailConfirmedAt = Fixture.march15
        #expect(user.isConfirmed)
    }

    @Test func mailMessageCodableRoundTrip() throws {
        let mail = MailMessage(
            to: "a@example.com", subject: "Confirm", text: "Code: 123456", kind: .signup, code: "123456",
            tokenHash: OneTimeCode.tokenHash(email: "a@example.com", code: "123456"),
            link: "http://localhost/auth/v1/verify?token=abc&type=signup")
        let json = try encodeJSON(mail)
        #expect(json.contains(#""kind":"signup""#))
        #expect(!json.contains("html"), "nil html is omitted")
        #expect(try decodeJSON(MailMessage.self, json) == mail)
        #expect(mail.html == nil)
    }
}
