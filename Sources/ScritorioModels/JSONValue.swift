import Foundation

/// Arbitrary JSON, used for `user_metadata` / `app_metadata` which clients shape as they like.
public enum JSONValue: Sendable, Hashable, Codable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            // Integers go out without a fraction so `{"n":1}` round-trips as written.
            if value.rounded() == value, abs(value) < 9.0e15 {
                try container.encode(Int64(value))
            } else {
                try container.encode(value)
            }
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// The string payload, if this is a string.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The elements, if this is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The members, if this is an object.
    public var objectValue: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }
}

extension [String: JSONValue] {
    /// Supabase's `user_metadata` update rule: a shallow merge where a `null` value deletes the key.
    public func mergingMetadata(_ patch: [String: JSONValue]) -> [String: JSONValue] {
        var result = self
        for (key, value) in patch {
            if value == .null {
                result.removeValue(forKey: key)
            } else {
                result[key] = value
            }
        }
        return result
    }

    /// Compact JSON text with sorted keys (stable for storage and comparison).
    public func jsonText() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Parses JSON object text; anything that is not an object yields an empty object.
    public static func fromJSONText(_ text: String?) -> [String: JSONValue] {
        guard let text, let data = text.data(using: .utf8),
            let value = try? JSONDecoder().decode([String: JSONValue].self, from: data)
        else { return [:] }
        return value
    }
}
