import Foundation
import HummingbirdBcrypt
import ScritorioCore
@testable import ScritorioServer
import Testing

@Suite("Passwords: bcrypt over the exact bytes")
struct PasswordHasherTests {
    /// Random passwords without NUL, 1 to 72 bytes, ASCII and multi-byte characters.
    static func passwords(count: Int) -> [String] {
        var generator = SystemRandomNumberGenerator()
        let characters = Array("abcXYZ019 !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~éß漢😀\u{1}\u{7F}")
        return (0..<count).map { _ in
            var text = ""
            let length = Int.random(in: 1...40, using: &generator)
            while text.utf8.count < length { text.append(characters.randomElement(using: &generator)!) }
            while text.utf8.count > 72 { text.removeLast() }
            return text
        }
    }

    @Test("without NUL, the byte implementation and the C one agree both ways, and tell a wrong password apart")
    func agreesWithC() {
        for password in Self.passwords(count: 12) {
            let fromC = Bcrypt.hash(password, cost: 4)
            #expect(BcryptBytes.verify(password: Array(password.utf8), hash: fromC), "\(password.debugDescription)")
            #expect(!BcryptBytes.verify(password: Array((password + "x").utf8), hash: fromC))
            let fromBytes = BcryptBytes.hash(password: Array(password.utf8), cost: 4)
            #expect(fromBytes.hasPrefix("$2a$04$") && fromBytes.utf8.count == 60)
            #expect(Bcrypt.verify(password, hash: fromBytes), "\(password.debugDescription) \(fromBytes)")
        }
        // A published vector (OpenWall's crypt_blowfish tests), checked by both.
        let vector = "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"
        #expect(Bcrypt.verify("U*U", hash: vector))
        #expect(BcryptBytes.verify(password: Array("U*U".utf8), hash: vector))
        #expect(BcryptBytes.hash(password: Array("U*U".utf8), cost: 5, salt: Self.salt(of: vector)) == vector)
        // 72 bytes is the limit of the key: a 73rd byte changes nothing, as in GoTrue.
        let long = String(repeating: "k", count: 72)
        let longHash = BcryptBytes.hash(password: Array(long.utf8), cost: 4)
        #expect(Bcrypt.verify(long, hash: longHash))
        #expect(!BcryptBytes.verify(password: Array(long.dropLast().utf8), hash: longHash))
        #expect(!BcryptBytes.verify(password: Array("U*U".utf8), hash: "$2a$05$not-a-hash"))
    }

    @Test("a NUL in a password is part of it: nothing after it is dropped, and two passwords starting with NUL differ")
    func nulIsKept() {
        let password = "abcdef\u{0}-long-secret"
        let stored = PasswordHasher.hashNow(password)
        #expect(PasswordHasher.verifyNow(password, hash: stored))
        #expect(!PasswordHasher.verifyNow("abcdef", hash: stored))
        #expect(!PasswordHasher.verifyNow("abcdef\u{0}", hash: stored))
        #expect(!PasswordHasher.verifyNow("abcdef\u{0}-long-secreT", hash: stored))
        let leading = PasswordHasher.hashNow("\u{0}first-secret")
        #expect(!PasswordHasher.verifyNow("\u{0}other-secret", hash: leading))
        #expect(!PasswordHasher.verifyNow("", hash: leading))
        #expect(PasswordHasher.verifyNow("\u{0}first-secret", hash: leading))
        // The C implementation (a C string) could not tell these apart: that is what this guards against.
        #expect(Bcrypt.verify("abcdef", hash: Bcrypt.hash("abcdef\u{0}-long-secret", cost: 4)))
    }

    static func salt(of hash: String) -> [UInt8] {
        // The 22 characters after `$2a$NN$`, in bcrypt's own base64 alphabet.
        let alphabet = Array("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)
        let values = Array(hash.utf8)[7..<29].map { UInt8(alphabet.firstIndex(of: $0)!) }
        var out: [UInt8] = []
        var index = 0
        while out.count < 16 {
            out.append(values[index] << 2 | values[index + 1] >> 4)
            if out.count == 16 { break }
            out.append(values[index + 1] << 4 | values[index + 2] >> 2)
            out.append(values[index + 2] << 6 | values[index + 3])
            index += 4
        }
        return out
    }
}
