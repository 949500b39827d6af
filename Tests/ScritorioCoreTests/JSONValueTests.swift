import Foundation
import ScritorioCore
import Testing

@Suite("JSONValue and metadata")
struct JSONValueTests {
    @Test func decodesEveryKindAndRoundTrips() throws {
        let text = #"{"a":{"b":[1,2.5,"x",true,false,null],"c":{}},"n":1,"s":"hi/there"}"#
        let value = try decodeJSON(JSONValue.self, text)
        #expect(
            value
                == .object([
                    "a": .object([
                        "b": .array([.number(1), .number(2.5), .string("x"), .bool(true), .bool(false), .null]),
                        "c": .object([:]),
                    ]),
                    "n": .number(1),
                    "s": .string("hi/there"),
                ]))
        #expect(try encodeJSON(value) == text)
        #expect(try decodeJSON(JSONValue.self, try encodeJSON(value)) == value)
    }

    @Test func booleansAndNumbersStayDistinct() throws {
        #expect(try decodeJSON(JSONValue.self, "true") == .bool(true))
        #expect(try decodeJSON(JSONValue.self, "1") == .number(1))
        #expect(try decodeJSON(JSONValue.self, "0") == .number(0))
        #expect(try decodeJSON(JSONValue.self, #""true""#) == .string("true"))
        #expect(try decodeJSON(JSONValue.self, #""1""#) == .string("1"))
        #expect(try decodeJSON(JSONValue.self, "null") == .null)
        #expect(try decodeJSON(JSONValue.self, "[]") == .array([]))
    }

    @Test func integersEncodeWithoutFraction() throws {
        #expect(try encodeJSON(JSONValue.number(1)) == "1")
        #expect(try encodeJSON(JSONValue.number(-42)) == "-42")
        #expect(try encodeJSON(JSONValue.number(0)) == "0")
        #expect(try encodeJSON(JSONValue.number(1_700_000_000)) == "1700000000")
        #expect(try encodeJSON(JSONValue.number(2.5)) == "2.5")
        #expect(try encodeJSON(["n": JSONValue.number(3)]) == #"{"n":3}"#)
        // Beyond 2^53 integers are not exact; they stay doubles but still round-trip their value.
        let big = JSONValue.number(1e17)
        #expect(try decodeJSON(JSONValue.self, try encodeJSON(big)) == big)
    }

    @Test func accessors() {
        #expect(JSONValue.string("x").stringValue == "x")
        #expect(JSONValue.number(1).stringValue == nil)
        #expect(JSONValue.object(["k": .null]).objectValue == ["k": .null])
        #expect(JSONValue.array([]).objectValue == nil)
    }

    @Test func mergeIsShallowAndNullDeletes() {
        let current: [String: JSONValue] = [
            "display_name": .string("A"),
            "avatar": .string("a.png"),
            "prefs": .object(["theme": .string("dark"), "lang": .string("en")]),
        ]
        let merged = current.mergingMetadata([
            "display_name": .string("B"),
            "avatar": .null,
            "prefs": .object(["theme": .string("light")]),
            "new": .bool(true),
        ])
        #expect(
            merged == [
                "display_name": .string("B"),
                "prefs": .object(["theme": .string("light")]),
                "new": .bool(true),
            ])
        #expect(merged["avatar"] == nil, "null deletes the key")
        #expect(merged["prefs"]?.objectValue?["lang"] == nil, "nested objects are replaced, not merged")
    }

    @Test func mergeEdgeCases() {
        let current: [String: JSONValue] = ["a": .number(1)]
        #expect(current.mergingMetadata([:]) == current)
        #expect(current.mergingMetadata(["missing": .null]) == current, "deleting an absent key is a no-op")
        #expect([String: JSONValue]().mergingMetadata(["a": .null]) == [:])
        // Only a top-level null deletes; a nested null is kept as a value.
        #expect(
            current.mergingMetadata(["o": .object(["x": .null])]) == ["a": .number(1), "o": .object(["x": .null])])
        #expect(current.mergingMetadata(["a": .array([.null])]) == ["a": .array([.null])])
    }

    @Test func jsonTextIsSortedCompactAndUnescaped() {
        let metadata: [String: JSONValue] = [
            "zeta": .number(1), "alpha": .string("x/y"), "mid": .object(["b": .bool(false), "a": .null]),
        ]
        #expect(metadata.jsonText() == #"{"alpha":"x/y","mid":{"a":null,"b":false},"zeta":1}"#)
        #expect([String: JSONValue]().jsonText() == "{}")
    }

    @Test func fromJSONTextParsesObjectsOnly() {
        #expect([String: JSONValue].fromJSONText(#"{"a":[1,{"b":null}]}"#) == ["a": .array([.number(1), .object(["b": .null])])])
        #expect([String: JSONValue].fromJSONText(nil) == [:])
        #expect([String: JSONValue].fromJSONText("") == [:])
        #expect([String: JSONValue].fromJSONText("garbage{") == [:])
        #expect([String: JSONValue].fromJSONText("[1,2]") == [:])
        #expect([String: JSONValue].fromJSONText(#""text""#) == [:])
        #expect([String: JSONValue].fromJSONText("null") == [:])
    }

    @Test func jsonTextRoundTripsThroughFromJSONText() {
        let metadata: [String: JSONValue] = ["n": .number(7), "f": .number(0.25), "s": .string("é\"\n"), "l": .array([])]
        #expect([String: JSONValue].fromJSONText(metadata.jsonText()) == metadata)
    }
}
