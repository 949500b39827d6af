import Foundation
import ScritorioCore
import Testing

@Suite("SHA-224 and token hashes")
struct HashingTests {
    func sha224(_ text: String) -> String { SHA224Hash.hash(Data(text.utf8)).hexString }

    @Test func fipsShortVectors() {
        // FIPS 180-2 / NIST CSRC example values.
        #expect(sha224("abc") == "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7")
        #expect(sha224("") == "d14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f")
        #expect(
            sha224("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "75388b16512776cc5dba5da1fd890150b0c6455cb4f58b1952522525")
        #expect(
            sha224(
                "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"
            ) == "c97ca9a559850ce97a04a96def6d99a9e0e0e2ab14e6b8df265fc0b3")
    }

    @Test func digestIsTwentyEightBytes() {
        #expect(SHA224Hash.hash([UInt8]()).count == 28)
        #expect(SHA224Hash.hash(Data(repeating: 0xff, count: 1000)).count == 28)
    }

    /// Lengths around the 55/56/64-byte padding boundaries and a multi-block input. Expected digests from
    /// `hashlib.sha224(bytes((i*7+3)%256 for i in range(n))).hexdigest()` in Python 3.
    @Test(arguments: [
        (55, "703a7d6e61c83903b5db54ddf6dda2268211b47c90bbdac2ed306d8a"),
        (56, "850fef35478d7a94a417713dbded4a39c18be2b40e6f20f47066d306"),
        (63, "246a939bfdd1eedb1ad51b53a250d197b5752aab09580b7f1df50df7"),
        (64, "e480c1c21ffd3f109fc0cde0daf967c748932b64f8e259d98db17420"),
        (119, "6c9c99e7d1090cb995200ccc9fc757a4383d3a1004cc36bc266c7947"),
        (200, "67e6d447872d6de5f0a53915ac4e88b60f08895e33f8453500d5bd30"),
    ])
    func paddingBoundaries(length: Int, expected: String) {
        let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 * 7 + 3) }
        #expect(SHA224Hash.hash(bytes).hexString == expected)
        #expect(SHA224Hash.hash(Data(bytes)).hexString == expected, "Data and [UInt8] inputs agree")
    }

    @Test func fipsMillionA() {
        // FIPS 180-2 long-message vector: one million repetitions of "a".
        let digest = SHA224Hash.hash([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))
        #expect(digest.hexString == "20794655980c91d8bbb4c1ea97618a4bf03f42581948b2ee4ee7ad67")
    }

    @Test func tokenHashIsHexSHA224OfEmailThenCode() {
        // python3 -c 'import hashlib; print(hashlib.sha224(b"user@example.com123456").hexdigest())'
        #expect(
            OneTimeCode.tokenHash(email: "user@example.com", code: "123456")
                == "b507a4ef007e1379d644aa6fe395cf98f1054ac96b63a052dca9a26a")
        // Non-ASCII emails are hashed as UTF-8:
        // python3 -c 'import hashlib; print(hashlib.sha224("ünïcødé@example.com000042".encode()).hexdigest())'
        #expect(
            OneTimeCode.tokenHash(email: "\u{FC}n\u{EF}c\u{F8}d\u{E9}@example.com", code: "000042")
                == "cb3af4adbcc94f90fc8b6499187c3a5d766f98d01bd2b154aa93152d")
        // The order matters: email first, then the code.
        #expect(OneTimeCode.tokenHash(email: "user@example.com", code: "123456") != sha224("123456user@example.com"))
        #expect(OneTimeCode.tokenHash(email: "user@example.com", code: "123457") != sha224("user@example.com123456"))
    }

    @Test func hexStringIsLowerCaseAndZeroPadded() {
        #expect([UInt8]([0x00, 0x0f, 0xa0, 0xff]).hexString == "000fa0ff")
        #expect([UInt8]().hexString == "")
    }

    @Test func sha256Helpers() {
        let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        #expect(OneTimeCodeHash.sha256Hex("abc") == abc)
        #expect(SecretToken.storageHash("abc") == abc)
        #expect(SecretToken.storageHash("abd") != abc)
    }

    @Test func secretTokensUseTheAlphabetAndLength() {
        let token = SecretToken.random(count: 12)
        #expect(token.count == 12)
        #expect(token.allSatisfy { "abcdefghijklmnopqrstuvwxyz234567".contains($0) })

        let hex = SecretToken.random(count: 64, alphabet: "0123456789abcdef")
        #expect(hex.count == 64)
        #expect(hex.allSatisfy { $0.isHexDigit })
        #expect(SecretToken.random(count: 0).isEmpty)

        let many = Set((0..<50).map { _ in SecretToken.random(count: 12) })
        #expect(many.count == 50, "12 base32 characters should not collide in 50 draws")
    }
}
