import Crypto
import Foundation

/// The keys Scritorio issues for purchases made through a provider that has none (Paddle):
/// `SCR-XXXXX-XXXXX-XXXXX-XXXXC`, four groups of Crockford base-32 (no I, L, O, U: nothing to misread),
/// the last character a Luhn mod 32 check over the other nineteen, so a mistyped character or two swapped
/// neighbours (but `0Z`) are caught before any look-up.
///
/// A key is derived from a server secret and the licence's id (HMAC-SHA256), so the store keeps only its hash
/// and the owner can still be shown their key.
public enum ScritorioLicenseKey {
    public static let prefix = "SCR"
    static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    static let dataLength = 19

    /// The key for `licenseID` under `secret`.
    public static func derive(secret: Data, licenseID: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("scritorio-license:\(licenseID)".utf8), using: SymmetricKey(data: secret))
        return make(from: Array(mac))
    }

    /// A key from at least 12 bytes of randomness or MAC output (95 bits are used).
    public static func make(from bytes: [UInt8]) -> String {
        precondition(bytes.count >= 12, "a licence key needs 95 bits")
        var symbols: [Int] = []
        var buffer = 0
        var bits = 0
        var index = 0
        while symbols.count < dataLength {
            if bits < 5 {
                buffer = (buffer << 8) | Int(bytes[index])
                index += 1
                bits += 8
            }
            bits -= 5
            symbols.append((buffer >> bits) & 31)
        }
        symbols.append(checkSymbol(for: symbols))
        return format(symbols)
    }

    /// The canonical form of a key that looks like one of Scritorio's (any case, with or without dashes and
    /// spaces, `O` read as `0` and `I`/`L` as `1`), or `nil` if it does not. The check character is not verified
    /// here: see `isValid`.
    public static func normalize(_ text: String) -> String? {
        guard let symbols = symbols(of: text) else { return nil }
        return format(symbols)
    }

    /// Whether `text` is a well-formed Scritorio key whose check character matches.
    public static func isValid(_ text: String) -> Bool {
        guard let symbols = symbols(of: text) else { return false }
        return checkSymbol(for: Array(symbols.prefix(dataLength))) == symbols[dataLength]
    }

    /// Whether `text` starts like a Scritorio key (so a malformed one can be refused without a look-up).
    public static func looksLikeScritorioKey(_ text: String) -> Bool {
        let head = Array(LicenseKeyDigest.trimmed(text).utf8.prefix(4))
        return head.count == 4 && head[0] & 0xDF == 83 && head[1] & 0xDF == 67 && head[2] & 0xDF == 82 && head[3] == 45  // "SCR-"
    }

    /// Symbol values by ASCII byte (upper and lower case, `O` read as `0`, `I`/`L` as `1`); -1 = not a symbol.
    private static let values: [Int8] = {
        var table = [Int8](repeating: -1, count: 256)
        for (value, character) in alphabet.enumerated() {
            let byte = character.asciiValue!
            table[Int(byte)] = Int8(value)
            if (65...90).contains(byte) { table[Int(byte) + 32] = Int8(value) }
        }
        for (byte, value) in [("O", 0), ("o", 0), ("I", 1), ("i", 1), ("L", 1), ("l", 1)] {
            table[Int(Character(byte).asciiValue!)] = Int8(value)
        }
        return table
    }()

    /// The twenty symbol values of a key-shaped text, reading bytes (this runs several times per licence call).
    private static func symbols(of text: String) -> [Int]? {
        var symbols: [Int] = []
        symbols.reserveCapacity(dataLength + 1)
        var prefixSeen = 0
        for byte in text.utf8 {
            if byte == 45 || byte == 32 || (9...13).contains(byte) { continue }  // dashes and whitespace
            if prefixSeen < 3 {
                guard byte & 0xDF == Array(prefix.utf8)[prefixSeen] else { return nil }
                prefixSeen += 1
                continue
            }
            let value = values[Int(byte)]
            guard value >= 0, symbols.count <= dataLength else { return nil }
            symbols.append(Int(value))
        }
        return prefixSeen == 3 && symbols.count == dataLength + 1 ? symbols : nil
    }

    private static let alphabetBytes = Array(String(alphabet).utf8)

    private static func format(_ symbols: [Int]) -> String {
        var out: [UInt8] = Array(prefix.utf8)
        out.reserveCapacity(prefix.utf8.count + symbols.count + symbols.count / 5 + 1)
        for (index, value) in symbols.enumerated() {
            if index % 5 == 0 { out.append(45) }
            out.append(alphabetBytes[value])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Luhn mod N (N = 32): detects every single-character error and every swap of two adjacent characters
    /// except of `0` and `Z` (values 0 and N-1).
    static func checkSymbol(for symbols: [Int]) -> Int {
        let n = alphabet.count
        var factor = 2
        var sum = 0
        for value in symbols.reversed() {
            var addend = factor * value
            factor = factor == 2 ? 1 : 2
            addend = addend / n + addend % n
            sum += addend
        }
        return (n - sum % n) % n
    }
}
