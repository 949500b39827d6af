import Foundation
import ScritorioCore

/// JSON with members in a fixed order, written compactly the way Paddle's bodies look: no spaces, non-ASCII
/// as `\uXXXX`, slashes unescaped. Object keys keep the order they were built in, so bodies are stable.
indirect enum PaddleJSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([PaddleJSON])
    case object([Member])

    struct Member: Sendable, Equatable {
        var key: String
        var value: PaddleJSON
    }

    /// Builds an object from `(key, value)` pairs, in order.
    static func obj(_ pairs: KeyValuePairs<String, PaddleJSON>) -> PaddleJSON {
        .object(pairs.map { Member(key: $0.key, value: $0.value) })
    }

    static func str(_ value: String?) -> PaddleJSON { value.map { .string($0) } ?? .null }

    /// `JSONValue` objects come out with sorted keys (a stable order).
    init(_ value: JSONValue) {
        switch value {
        case .null: self = .null
        case .bool(let flag): self = .bool(flag)
        case .number(let number):
            self = number.rounded() == number && abs(number) < 9.0e15 ? .int(Int(number)) : .double(number)
        case .string(let text): self = .string(text)
        case .array(let items): self = .array(items.map(PaddleJSON.init))
        case .object(let members):
            self = .object(members.keys.sorted().map { Member(key: $0, value: PaddleJSON(members[$0]!)) })
        }
    }

    static func customData(_ data: [String: JSONValue]?) -> PaddleJSON {
        data.map { PaddleJSON(.object($0)) } ?? .null
    }

    /// A member's value, if this is an object that has it.
    subscript(key: String) -> PaddleJSON? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// Sets (or appends) a member of an object.
    mutating func set(_ key: String, _ value: PaddleJSON) {
        guard case .object(var members) = self else { return }
        if let index = members.firstIndex(where: { $0.key == key }) {
            members[index].value = value
        } else {
            members.append(Member(key: key, value: value))
        }
        self = .object(members)
    }

    var text: String {
        var out = ""
        write(to: &out)
        return out
    }

    func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let flag): out += flag ? "true" : "false"
        case .int(let number): out += String(number)
        case .double(let number): out += number.isFinite ? "\(number)" : "null"
        case .string(let text): Self.writeString(text, to: &out)
        case .array(let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                item.write(to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (index, member) in members.enumerated() {
                if index > 0 { out += "," }
                Self.writeString(member.key, to: &out)
                out += ":"
                member.value.write(to: &out)
            }
            out += "}"
        }
    }

    static func writeString(_ text: String, to out: inout String) {
        out += "\""
        for unit in text.utf16 {
            switch unit {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x20..<0x7F: out.unicodeScalars.append(Unicode.Scalar(UInt8(unit)))
            default:
                let hex = String(unit, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            }
        }
        out += "\""
    }
}

/// Paddle-shaped ids: `<prefix>_` then 26 of `[a-z0-9]`.
enum PaddleID {
    private static let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz")

    static func make(_ prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        // Like Paddle's (ULID-like) ids: they start with `01`.
        return prefix + "_01" + String((0..<24).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
    }

    static func isValid(_ id: String, prefix: String) -> Bool {
        guard id.hasPrefix(prefix + "_") else { return false }
        let rest = id.utf8.dropFirst(prefix.utf8.count + 1)
        return rest.count == 26 && rest.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) }
    }
}

/// SplitMix64: a small seeded generator so shuffled deliveries are reproducible.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
