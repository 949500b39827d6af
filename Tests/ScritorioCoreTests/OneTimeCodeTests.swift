import Foundation
import ScritorioCore
import Testing

@Suite("One-time codes, PKCE and constant-time comparison")
struct OneTimeCodeTests {
    @Test func generatedCodesAreSixASCIIDigits() {
        for _ in 0..<200 {
            let code = OneTimeCode.generate()
            #expect(code.utf8.count == 6)
            #expect(code.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }, "\(code)")
        }
    }

    @Test func smallCodesKeepTheirLeadingZeros() {
        var rng = SplitMix64(seed: 7)
        let codes = (0..<2000).map { _ in OneTimeCode.generate(using: &rng) }
        #expect(codes.allSatisfy { $0.utf8.count == 6 && $0.allSatisfy(\.isASCII) && Int($0) != nil })
        // About a tenth of draws are below 100000, so some must start with "0".
        #expect(codes.contains { $0.hasPrefix("0") })
        #expect(Set(codes).count > 1900)
    }

    @Test func seededGenerationIsReproducible() {
        var a = SplitMix64(seed: 42)
        var b = SplitMix64(seed: 42)
        let first = (0..<10).map { _ in OneTimeCode.generate(using: &a) }
        let second = (0..<10).map { _ in OneTimeCode.generate(using: &b) }
        #expect(first == second)
    }

    @Test func pkceS256MatchesRFC7636AppendixB() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        // RFC 7636 Appendix B: BASE64URL(SHA256(ASCII(code_verifier))).
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        #expect(PKCE.matches(verifier: verifier, challenge: challenge, method: .s256))
        #expect(!PKCE.matches(verifier: verifier + "x", challenge: challenge, method: .s256))
        #expect(!PKCE.matches(verifier: verifier, challenge: challenge + "=", method: .s256), "no padding")
        #expect(!PKCE.matches(verifier: verifier, challenge: verifier, method: .s256))
        // The challenge is not accepted as a plain verifier.
        #expect(!PKCE.matches(verifier: verifier, challenge: challenge, method: .plain))
    }

    @Test func pkcePlain() {
        #expect(PKCE.matches(verifier: "plain-verifier-value", challenge: "plain-verifier-value", method: .plain))
        #expect(!PKCE.matches(verifier: "plain-verifier-value", challenge: "plain-verifier-valuE", method: .plain))
        #expect(!PKCE.matches(verifier: "plain-verifier-value", challenge: "plain-verifier-valu", method: .plain))
    }

    @Test func pkceMethodParsing() {
        #expect(PKCE.method(nil) == .s256)
        #expect(PKCE.method("s256") == .s256)
        #expect(PKCE.method("S256") == .s256)
        #expect(PKCE.method("plain") == .plain)
        #expect(PKCE.method("other") == nil)
        #expect(PKCE.method("") == nil)
        #expect(PKCE.method("sha256") == nil)
    }

    @Test func pkceMethodCodableUsesLowerCaseRawValues() throws {
        #expect(try encodeJSON([PKCE.Method.s256, .plain]) == #"["s256","plain"]"#)
        #expect(try decodeJSON(PKCE.Method.self, #""plain""#) == .plain)
    }

    @Test func constantTimeEqualsCases() {
        #expect(constantTimeEquals("", ""))
        #expect(constantTimeEquals("abc", "abc"))
        // Byte comparison: canonically equivalent but differently encoded text is not equal.
        #expect(constantTimeEquals("\u{FC}", "\u{FC}"))
        #expect(!constantTimeEquals("\u{FC}", "u\u{308}"))
        #expect(!constantTimeEquals("abc", "abd"))
        #expect(!constantTimeEquals("abc", "Abc"))
        #expect(!constantTimeEquals("abc", "ab"))
        #expect(!constantTimeEquals("ab", "abc"))
        #expect(!constantTimeEquals("", "a"))
        #expect(!constantTimeEquals("a", ""))
        // A shorter side is padded with zero bytes internally; a real NUL must still not compare equal.
        #expect(!constantTimeEquals("a", "a\u{0}"))
        #expect(!constantTimeEquals("", "\u{0}"))
    }
}
