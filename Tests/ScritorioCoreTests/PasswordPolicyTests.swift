import Foundation
import ScritorioCore
import Testing

@Suite("Password policy")
struct PasswordPolicyTests {
    let policy = PasswordPolicy()

    @Test func emptyIsMissing() {
        #expect(policy.check("") == .missing)
    }

    @Test func shortPasswords() {
        #expect(policy.check("abcde") == .tooShort(minimum: 6))
        #expect(policy.check("a") == .tooShort(minimum: 6))
        #expect(policy.check("abcdef") == nil)
    }

    @Test func minimumIsConfigurableButNotBelowSix() {
        #expect(PasswordPolicy(minimumLength: 0).minimumLength == 6)
        #expect(PasswordPolicy(minimumLength: 4).minimumLength == 6)
        #expect(PasswordPolicy(minimumLength: 4).check("abcde") == .tooShort(minimum: 6))
        #expect(PasswordPolicy(minimumLength: 10).check("abcdefghi") == .tooShort(minimum: 10))
        #expect(PasswordPolicy(minimumLength: 10).check("abcdefghij") == nil)
    }

    @Test func seventyTwoBytesIsTheMaximum() {
        #expect(policy.check(String(repeating: "a", count: 72)) == nil)
        #expect(policy.check(String(repeating: "a", count: 73)) == .tooLong)
    }

    @Test func lengthLimitCountsUTF8Bytes() {
        // 25 four-byte emoji: 25 characters, 100 bytes.
        let emoji = String(repeating: "\u{1F600}", count: 25)
        #expect(emoji.count == 25)
        #expect(policy.check(emoji) == .tooLong)
        // 18 four-byte emoji are exactly 72 bytes.
        #expect(policy.check(String(repeating: "\u{1F600}", count: 18)) == nil)
        // 37 two-byte characters are 74 bytes.
        #expect(policy.check(String(repeating: "\u{E9}", count: 37)) == .tooLong)
    }

    @Test func tooLongWinsOverTooShortForHugeMinimum() {
        #expect(PasswordPolicy(minimumLength: 100).check(String(repeating: "a", count: 80)) == .tooLong)
    }
}

@Suite("Email normalisation")
struct EmailAddressTests {
    @Test func trimsAndLowerCases() {
        #expect(EmailAddress.normalize("  Alice@Example.COM \n") == "alice@example.com")
        #expect(EmailAddress.normalize("a.b+tag@sub.example.co.uk") == "a.b+tag@sub.example.co.uk")
    }

    @Test(arguments: [
        "", "   ", "alice.example.com", "a@b@example.com", "a@@example.com", "@example.com", "alice@", "alice@localhost",
        "alice@.example.com", "alice@example.com.", "al ice@example.com", "alice@exa mple.com",
        "alice\t@example.com", "<alice@example.com>", "Alice <alice@example.com>",
    ])
    func rejects(_ raw: String) {
        #expect(EmailAddress.normalize(raw) == nil)
    }

    @Test func rejectsOver255Bytes() {
        let domain = "@example.com"
        let fits = String(repeating: "a", count: 255 - domain.utf8.count) + domain
        #expect(fits.utf8.count == 255)
        #expect(EmailAddress.normalize(fits) == fits)
        #expect(EmailAddress.normalize("a" + fits) == nil)
        // Counted in bytes, not characters.
        let wide = String(repeating: "\u{E9}", count: 130) + domain
        #expect(wide.count < 255)
        #expect(EmailAddress.normalize(wide) == nil)
    }
}
