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
        // Invisible, control and non-ASCII characters: two such addresses would look the same.
        "admin\u{200B}@example.com", "admin@exam\u{200D}ple.com", "admin\u{202E}@example.com", "ad\u{0}min@example.com",
        "\u{0}@example.com", "admin@example.com\u{0}", "ad\u{7}min@example.com", "ad\u{7F}min@example.com",
        "\u{FEFF}admin@example.com", "adm\u{0456}n@example.com", "admin@\u{0435}xample.com",
        // Domain labels: no empty label, no leading or trailing hyphen, at most 63 characters.
        "alice@example..com", "alice@-example.com", "alice@example-.com", "alice@ex_ample.com",
        "alice@" + String(repeating: "a", count: 64) + ".com", "(alice)@example.com", "ali\"ce@example.com",
    ])
    func rejects(_ raw: String) {
        #expect(EmailAddress.normalize(raw) == nil)
    }

    @Test func acceptsWhatGoTrueAccepts() {
        for address in ["a!#$%&'*+/=?^_`{|}~-@example.com", "x@a-b.c0", "1@2.3", "o'brien@example.ie", "a@" + String(repeating: "a", count: 63) + ".com"] {
            #expect(EmailAddress.normalize(address) == address.lowercased(), "\(address)")
        }
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
