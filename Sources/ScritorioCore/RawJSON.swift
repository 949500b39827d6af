import Foundation

/// Reading JSON and other wire bytes without decoding them.
public enum RawJSON {
    /// The bytes of a top-level member's value in a JSON object, found without decoding or re-encoding anything:
    /// providers' `data` kept exactly as they sent it, and the one member a large answer is read for.
    public static func member(_ name: String, in bytes: [UInt8]) -> Range<Int>? {
        var found: Range<Int>?
        _ = forEachMember(in: bytes) { key, value in
            guard bytes[key].elementsEqual(name.utf8) else { return true }
            found = value
            return false
        }
        return found
    }

    /// The names of an object's top-level members in order, unescaped as a JSON parser reads them
    /// (`"mod\u0065l"` is `model`); `nil` when `bytes` is not a JSON object.
    public static func memberNames(in bytes: [UInt8]) -> [String]? {
        members(in: bytes)?.map(\.name)
    }

    /// An object's top-level members in order: names unescaped, values as byte ranges; `nil` when `bytes` is not a
    /// JSON object (or a name has an escape no parser reads).
    public static func members(in bytes: [UInt8]) -> [(name: String, value: Range<Int>)]? {
        var members: [(name: String, value: Range<Int>)] = []
        let complete = forEachMember(in: bytes) { key, value in
            let raw = bytes[key]
            if raw.contains(0x5C) {
                // Rare: an escaped name. Foundation unescapes it exactly as the JSON it came in.
                guard let name = try? JSONDecoder().decode(String.self, from: Data([0x22] + raw + [0x22])) else { return false }
                members.append((name, value))
            } else {
                members.append((String(decoding: raw, as: UTF8.self), value))
            }
            return true
        }
        return complete ? members : nil
    }

    /// Calls `body` with each top-level member's name (without its quotes) and value ranges until it returns
    /// false; returns whether the whole object was walked.
    static func forEachMember(in bytes: [UInt8], _ body: (Range<Int>, Range<Int>) -> Bool) -> Bool {
        var i = 0
        func skipSpace() { while i < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[i]) { i += 1 } }
        /// Returns the end index (exclusive) of the string starting at `i` (which is a quote).
        func skipString() -> Bool {
            i += 1
            while i < bytes.count {
                if bytes[i] == 0x5C { i += 2; continue }
                if bytes[i] == 0x22 { i += 1; return true }
                i += 1
            }
            return false
        }
        func skipValue() -> Bool {
            skipSpace()
            guard i < bytes.count else { return false }
            switch bytes[i] {
            case 0x22: return skipString()
            case 0x7B, 0x5B:
                var depth = 0
                while i < bytes.count {
                    switch bytes[i] {
                    case 0x22: if !skipString() { return false }; continue
                    case 0x7B, 0x5B: depth += 1
                    case 0x7D, 0x5D:
                        depth -= 1
                        if depth == 0 { i += 1; return true }
                    default: break
                    }
                    i += 1
                }
                return false
            default:
                while i < bytes.count, ![0x2C, 0x7D, 0x5D, 0x20, 0x0A, 0x0D, 0x09].contains(bytes[i]) { i += 1 }
                return true
            }
        }
        skipSpace()
        guard i < bytes.count, bytes[i] == 0x7B else { return false }
        i += 1
        skipSpace()
        if i < bytes.count, bytes[i] == 0x7D { return true }
        while true {
            skipSpace()
            guard i < bytes.count, bytes[i] == 0x22 else { return false }
            let keyStart = i + 1
            guard skipString() else { return false }
            let key = keyStart..<(i - 1)
            skipSpace()
            guard i < bytes.count, bytes[i] == 0x3A else { return false }
            i += 1
            skipSpace()
            let valueStart = i
            guard skipValue() else { return false }
            guard body(key, valueStart..<i) else { return false }
            skipSpace()
            guard i < bytes.count else { return false }
            if bytes[i] == 0x2C { i += 1; continue }
            return bytes[i] == 0x7D
        }
    }

    /// Whether any of `needles` occurs in `bytes`, in one pass (a request body can be megabytes).
    public static func containsAny(_ needles: [[UInt8]], in bytes: [UInt8]) -> Bool {
        var starts = [Bool](repeating: false, count: 256)
        for needle in needles { if let first = needle.first { starts[Int(first)] = true } }
        for index in bytes.indices where starts[Int(bytes[index])] {
            for needle in needles where needle.first == bytes[index] && index + needle.count <= bytes.count {
                if bytes[index..<(index + needle.count)].elementsEqual(needle) { return true }
            }
        }
        return false
    }

    /// Where `needle` first occurs in `haystack` at or after `start` (default: its start).
    public static func find(_ needle: [UInt8], in haystack: ArraySlice<UInt8>, from start: Int? = nil) -> Int? {
        guard let first = needle.first, haystack.count >= needle.count else { return nil }
        var index = start ?? haystack.startIndex
        let last = haystack.endIndex - needle.count
        while index <= last {
            if haystack[index] == first, haystack[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}
