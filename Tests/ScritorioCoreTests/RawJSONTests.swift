import Foundation
import ScritorioCore
import Testing

@Suite("RawJSON: members and byte runs found without decoding")
struct RawJSONTests {
    static func member(_ name: String, _ json: String) -> String? {
        let bytes = Array(json.utf8)
        return RawJSON.member(name, in: bytes).map { String(decoding: bytes[$0], as: UTF8.self) }
    }

    @Test("a top-level member's exact bytes, past strings with escapes and nested values")
    func members() {
        let json = #" { "a" : "x\"data\":1" , "nested": {"data": 2, "list": [1, {"data": 3}]}, "data" : {"id":"7","k":[1,2]} , "n": -1.5e3 }"#
        #expect(Self.member("data", json) == #"{"id":"7","k":[1,2]}"#)
        #expect(Self.member("a", json) == #""x\"data\":1""#)
        #expect(Self.member("n", json) == "-1.5e3")
        #expect(Self.member("missing", json) == nil)
        #expect(Self.member("data", "[1,2]") == nil, "not an object")
        #expect(Self.member("data", #"{"data": {"open": "#) == nil, "cut short")
        #expect(Self.member("data", "") == nil)
    }

    @Test("top-level member names in order, unescaped as a parser reads them; nil for anything but a whole object")
    func names() {
        func names(_ json: String) -> [String]? { RawJSON.memberNames(in: Array(json.utf8)) }
        #expect(names(#"{"model":"a","messages":[{"model":"inner"}],"n":2}"#) == ["model", "messages", "n"])
        #expect(names(#"{"mod\u0065l":"a","x\"y":1}"#) == ["model", "x\"y"])
        #expect(names(" { } ") == [])
        #expect(names(#"{"a":1,"a":2}"#) == ["a", "a"])
        #expect(names("[1]") == nil)
        #expect(names(#"{"a":1"#) == nil, "cut short")
        #expect(names(#"{"a":1 "b":2}"#) == nil, "no comma")
        #expect(names(#"{"bad\uZZZZ":1}"#) == nil, "an escape no parser reads")
    }

    @Test("any of several runs of bytes, in one pass")
    func containsAny() {
        let needles = ["image", "imago", "\\u"].map { Array($0.utf8) }
        #expect(RawJSON.containsAny(needles, in: Array("an imag imago".utf8)))
        #expect(RawJSON.containsAny(needles, in: Array(#"{"a":"\u0069"}"#.utf8)))
        #expect(!RawJSON.containsAny(needles, in: Array("an imag ima".utf8)), "a prefix at the end is not a match")
        #expect(!RawJSON.containsAny(needles, in: []))
        #expect(!RawJSON.containsAny([], in: Array("image".utf8)))
    }

    @Test("the first run of bytes at or after a start")
    func find() {
        let hay = Array("abcabcab".utf8)
        #expect(RawJSON.find(Array("ca".utf8), in: hay[...]) == 2)
        #expect(RawJSON.find(Array("ca".utf8), in: hay[...], from: 3) == 5)
        #expect(RawJSON.find(Array("cab".utf8), in: hay[...], from: 6) == nil)
        #expect(RawJSON.find(Array("zz".utf8), in: hay[...]) == nil)
        #expect(RawJSON.find([], in: hay[...]) == nil)
        #expect(RawJSON.find(Array("abc".utf8), in: hay[3...]) == 3, "indices are the slice's own")
    }
}
