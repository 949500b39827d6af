/// Paddle's entity ids: a prefix naming the kind (`txn`, `sub`, `ctm`, `pri`, …), an underscore and 26 lower-case
/// letters and digits (`txn_01h04vsbhqc62t8hmd4z3b578c`), the pattern Paddle's API reference gives. An id from a
/// client is checked against it before it is put in a request to Paddle, so nothing else reaches Paddle's URLs.
public enum PaddleID {
    public static func isValid(_ id: String, prefix: String) -> Bool {
        let bytes = Array(id.utf8)
        let head = Array(prefix.utf8) + [UInt8(ascii: "_")]
        guard bytes.count == head.count + 26, bytes.starts(with: head) else { return false }
        return bytes[head.count...].allSatisfy { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }
}
