import Foundation

/// bcrypt over the password's exact bytes, as GoTrue's Go implementation computes it: the key is every byte of
/// the password (a NUL included) followed by one NUL, of which Blowfish's key schedule uses the first 72. C
/// implementations read the password as a C string and stop at its first NUL, so they hash `abc\0xyz` as `abc`;
/// this one is for passwords that contain NUL (the rest go through the C implementation, which agrees with this one
/// on them, as the tests check), so that a hash imported from GoTrue verifies and a NUL never shortens a password.
public enum BcryptBytes {
    /// `$2a$` + two-digit cost + `$` + 22 characters of salt + 31 of hash, as GoTrue writes it.
    public static func hash(password: [UInt8], cost: Int, salt: [UInt8]) -> String {
        precondition(salt.count == 16 && (4...31).contains(cost))
        let digest = compute(password: password, cost: cost, salt: salt)
        let costText = cost < 10 ? "0\(cost)" : "\(cost)"
        return "$2a$\(costText)$" + encode(salt) + encode(Array(digest.prefix(23)))
    }

    /// A fresh salt from the system's generator.
    public static func hash(password: [UInt8], cost: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return hash(password: password, cost: cost, salt: (0..<16).map { _ in generator.next() })
    }

    /// Whether `password` is the one `hash` (`$2a$`, `$2b$` or `$2y$`) was made from; a malformed hash is `false`.
    public static func verify(password: [UInt8], hash: String) -> Bool {
        let bytes = Array(hash.utf8)
        guard bytes.count == 60, bytes[0] == UInt8(ascii: "$"), bytes[1] == UInt8(ascii: "2"),
            [UInt8(ascii: "a"), UInt8(ascii: "b"), UInt8(ascii: "y")].contains(bytes[2]), bytes[3] == UInt8(ascii: "$"),
            bytes[6] == UInt8(ascii: "$"), let cost = Int(String(decoding: bytes[4..<6], as: UTF8.self)), (4...31).contains(cost),
            let salt = decode(bytes[7..<29], count: 16)
        else { return false }
        let digest = encode(Array(compute(password: password, cost: cost, salt: salt).prefix(23)))
        // Compared without an early exit, so the time taken says nothing about how much matched.
        let expected = Array(bytes[29...])
        let actual = Array(digest.utf8)
        guard expected.count == actual.count else { return false }
        var difference: UInt8 = 0
        for index in expected.indices { difference |= expected[index] ^ actual[index] }
        return difference == 0
    }

    // MARK: EksBlowfish

    private struct State {
        var p: [UInt32]
        var s: [UInt32]  // four S-boxes of 256 words, one after another

        init() {
            p = Array(BlowfishPi.words[0..<18])
            s = Array(BlowfishPi.words[18...])
        }

        @inline(__always) func f(_ x: UInt32) -> UInt32 {
            ((s[Int(x >> 24)] &+ s[256 + Int((x >> 16) & 0xFF)]) ^ s[512 + Int((x >> 8) & 0xFF)]) &+ s[768 + Int(x & 0xFF)]
        }

        func encrypt(_ left: UInt32, _ right: UInt32) -> (UInt32, UInt32) {
            var l = left ^ p[0]
            var r = right
            var round = 1
            while round < 17 {
                r ^= f(l) ^ p[round]
                l ^= f(r) ^ p[round + 1]
                round += 2
            }
            return (r ^ p[17], l)
        }

        /// Blowfish's key schedule with bcrypt's salt: the key XORed into P, then P and the S-boxes replaced by
        /// successive encryptions of the running block XORed with the salt (an empty salt: plain ExpandKey).
        mutating func expand(key: [UInt8], salt: [UInt8]) {
            var position = 0
            for index in 0..<18 { p[index] ^= Self.word(key, &position) }
            var l: UInt32 = 0
            var r: UInt32 = 0
            var saltPosition = 0
            // P's 18 words, then the S-boxes' 1,024, each pair the encryption of the running block.
            for pair in 0..<(18 + 1024) / 2 {
                if !salt.isEmpty {
                    l ^= Self.word(salt, &saltPosition)
                    r ^= Self.word(salt, &saltPosition)
                }
                (l, r) = encrypt(l, r)
                let index = pair * 2
                if index < 18 {
                    p[index] = l
                    p[index + 1] = r
                } else {
                    s[index - 18] = l
                    s[index - 17] = r
                }
            }
        }

        /// The next four bytes of `data` as a big-endian word, wrapping around at its end.
        static func word(_ data: [UInt8], _ position: inout Int) -> UInt32 {
            var word: UInt32 = 0
            for _ in 0..<4 {
                word = word << 8 | UInt32(data[position])
                position = position + 1 == data.count ? 0 : position + 1
            }
            return word
        }
    }

    private static func compute(password: [UInt8], cost: Int, salt: [UInt8]) -> [UInt8] {
        // Only the first 72 bytes of the key reach Blowfish's 18 P words.
        let key = Array((password + [0]).prefix(72))
        var state = State()
        state.expand(key: key, salt: salt)
        for _ in 0..<(1 << cost) {
            state.expand(key: key, salt: [])
            state.expand(key: salt, salt: [])
        }
        var text = Array("OrpheanBeholderScryDoubt".utf8)
        var words: [UInt32] = []
        var position = 0
        for _ in 0..<6 { words.append(State.word(text, &position)) }
        for _ in 0..<64 {
            for block in stride(from: 0, to: 6, by: 2) { (words[block], words[block + 1]) = state.encrypt(words[block], words[block + 1]) }
        }
        text = words.flatMap { [UInt8($0 >> 24), UInt8(($0 >> 16) & 0xFF), UInt8(($0 >> 8) & 0xFF), UInt8($0 & 0xFF)] }
        return text
    }

    // MARK: bcrypt's base64 (its own alphabet, no padding)

    private static let alphabet = Array("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)

    private static func encode(_ data: [UInt8]) -> String {
        var out: [UInt8] = []
        var index = 0
        while index < data.count {
            let c1 = data[index]
            out.append(alphabet[Int(c1 >> 2)])
            var c = (c1 & 0x03) << 4
            index += 1
            guard index < data.count else { out.append(alphabet[Int(c)]); break }
            let c2 = data[index]
            c |= c2 >> 4
            out.append(alphabet[Int(c)])
            c = (c2 & 0x0F) << 2
            index += 1
            guard index < data.count else { out.append(alphabet[Int(c)]); break }
            let c3 = data[index]
            c |= c3 >> 6
            out.append(alphabet[Int(c)])
            out.append(alphabet[Int(c3 & 0x3F)])
            index += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func decode(_ text: ArraySlice<UInt8>, count: Int) -> [UInt8]? {
        var values: [UInt8] = []
        for byte in text {
            guard let value = alphabet.firstIndex(of: byte) else { return nil }
            values.append(UInt8(value))
        }
        var out: [UInt8] = []
        var index = 0
        while out.count < count, index + 1 < values.count {
            out.append(values[index] << 2 | values[index + 1] >> 4)
            if out.count == count || index + 2 >= values.count { break }
            out.append(values[index + 1] << 4 | values[index + 2] >> 2)
            if out.count == count || index + 3 >= values.count { break }
            out.append(values[index + 2] << 6 | values[index + 3])
            index += 4
        }
        return out.count == count ? out : nil
    }
}
