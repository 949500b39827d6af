import Foundation
import ScritorioModels

/// A small JSON writer for the hottest answers (`/v1/me`, `member-get`). Foundation's `JSONEncoder` was the
/// largest single cost of those requests; these types write themselves directly, with the same output shape
/// (keys in declaration order, `null` written out).
public protocol FastJSONEncodable {
    func write(to json: inout JSONWriter)
}

/// Appends JSON text to a byte buffer.
public struct JSONWriter {
    public internal(set) var bytes: [UInt8] = []

    public init(capacity: Int = 1024) {
        bytes.reserveCapacity(capacity)
    }

    mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    public mutating func string(_ value: String) {
        bytes.append(34)
        for byte in value.utf8 {
            switch byte {
            case 34: raw("\\\"")
            case 92: raw("\\\\")
            case 10: raw("\\n")
            case 13: raw("\\r")
            case 9: raw("\\t")
            case 0..<32:
                raw("\\u00")
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0xf)])
            default: bytes.append(byte)
            }
        }
        bytes.append(34)
    }

    public mutating func string(_ value: String?) {
        if let value { string(value) } else { raw("null") }
    }

    public mutating func int(_ value: Int64) {
        bytes.append(contentsOf: String(value).utf8)
    }

    public mutating func bool(_ value: Bool) {
        if value { raw("true") } else { raw("false") }
    }

    /// `{"key": value, ...}` with the writer's own closures for values.
    public mutating func object(_ body: (inout ObjectWriter) -> Void) {
        bytes.append(123)
        var object = ObjectWriter(json: self)
        body(&object)
        self = object.json
        bytes.append(125)
    }

    public mutating func value(_ value: JSONValue) {
        switch value {
        case .null: raw("null")
        case .bool(let flag): bool(flag)
        case .number(let number):
            if number.rounded() == number, abs(number) < 9.0e15 {
                int(Int64(number))
            } else {
                bytes.append(contentsOf: "\(number)".utf8)
            }
        case .string(let text): string(text)
        case .array(let items):
            bytes.append(91)
            for (index, item) in items.enumerated() {
                if index > 0 { bytes.append(44) }
                self.value(item)
            }
            bytes.append(93)
        case .object(let members):
            object { object in
                for key in members.keys.sorted() { object.field(key) { $0.value(members[key]!) } }
            }
        }
    }

    public mutating func encodable(_ value: (some FastJSONEncodable)?) {
        if let value { value.write(to: &self) } else { raw("null") }
    }
}

/// Writes the members of one object, handling commas.
public struct ObjectWriter {
    var json: JSONWriter
    var first = true

    public mutating func field(_ key: String, _ value: (inout JSONWriter) -> Void) {
        if !first { json.bytes.append(44) }
        first = false
        json.string(key)
        json.bytes.append(58)
        value(&json)
    }
}

extension MemberDTO: FastJSONEncodable {
    public func write(to json: inout JSONWriter) {
        json.object { o in
            o.field("id") { $0.string(id) }
            o.field("type") { $0.string(type) }
            o.field("plan") { $0.string(plan) }
            o.field("wordsToday") { $0.int(wordsToday) }
            o.field("wordsThisMonth") { $0.int(wordsThisMonth) }
            o.field("wordsTotal") { $0.int(wordsTotal) }
            o.field("tokensToday") { $0.int(tokensToday) }
            o.field("tokensThisMonth") { $0.int(tokensThisMonth) }
            o.field("tokensTotal") { $0.int(tokensTotal) }
            o.field("todayResetAt") { $0.string(todayResetAt) }
            o.field("thisMonthResetAt") { $0.string(thisMonthResetAt) }
            o.field("isOnTrial") { $0.bool(isOnTrial) }
            o.field("trialEndsAt") { $0.string(trialEndsAt) }
            o.field("createdAt") { $0.string(createdAt) }
            o.field("updatedAt") { $0.string(updatedAt) }
        }
    }
}

extension MemberEnvelope: FastJSONEncodable {
    public func write(to json: inout JSONWriter) {
        json.object { o in o.field("member") { $0.encodable(member) } }
    }
}

extension ProfileDTO: FastJSONEncodable {
    public func write(to json: inout JSONWriter) {
        json.object { o in
            o.field("id") { $0.string(id) }
            o.field("displayName") { $0.string(displayName) }
            o.field("createdAt") { $0.string(createdAt) }
            o.field("updatedAt") { $0.string(updatedAt) }
        }
    }
}

extension MeUserDTO: FastJSONEncodable {
    public func write(to json: inout JSONWriter) {
        json.object { o in
            o.field("id") { $0.string(id) }
            o.field("email") { $0.string(email) }
            o.field("emailConfirmedAt") { $0.string(emailConfirmedAt) }
            o.field("createdAt") { $0.string(createdAt) }
            o.field("userMetadata") { $0.value(.object(userMetadata)) }
        }
    }
}

extension MeResponse: FastJSONEncodable {
    public func write(to json: inout JSONWriter) {
        json.object { o in
            o.field("user") { $0.encodable(user) }
            o.field("profile") { $0.encodable(profile) }
            o.field("member") { $0.encodable(member) }
        }
    }
}
