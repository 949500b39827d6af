import Foundation
import ScritorioCore
import Testing

@Suite("Identifier")
struct IdentifierTests {
    @Test func descriptionIsLowerCase() throws {
        let id = try #require(UserID("E621E1F8-C36C-495A-93FC-0C247A3E6E5F"))
        #expect(id.description == "e621e1f8-c36c-495a-93fc-0c247a3e6e5f")
        #expect("\(id)" == "e621e1f8-c36c-495a-93fc-0c247a3e6e5f")
        #expect(UserID("e621e1f8-c36c-495a-93fc-0c247a3e6e5f") == id, "parsing is case-insensitive")
        #expect(id.rawValue == UUID(uuidString: "E621E1F8-C36C-495A-93FC-0C247A3E6E5F"))
    }

    @Test(arguments: ["", "not-a-uuid", "e621e1f8-c36c-495a-93fc-0c247a3e6e5", "e621e1f8c36c495a93fc0c247a3e6e5f",
        "g621e1f8-c36c-495a-93fc-0c247a3e6e5f", " e621e1f8-c36c-495a-93fc-0c247a3e6e5f"])
    func invalidTextIsNil(_ text: String) {
        #expect(UserID(text) == nil)
    }

    @Test func codableRoundTripUsesLowerCaseString() throws {
        let id = SessionID(UUID(uuidString: "9B1DEB4D-3B7D-4BAD-9BDD-2B0D7B3DCB6D")!)
        #expect(try encodeJSON(id) == #""9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d""#)
        #expect(try encodeJSON(["session_id": id]) == #"{"session_id":"9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d"}"#)
        #expect(try decodeJSON(SessionID.self, #""9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d""#) == id)
        #expect(try decodeJSON(SessionID.self, #""9B1DEB4D-3B7D-4BAD-9BDD-2B0D7B3DCB6D""#) == id)
        #expect(throws: (any Error).self) { try decodeJSON(SessionID.self, #""nope""#) }
        #expect(throws: (any Error).self) { try decodeJSON(SessionID.self, "42") }
    }

    @Test func randomIdentifiersDiffer() {
        let ids = Set((0..<100).map { _ in IdentityID.random() })
        #expect(ids.count == 100)
        #expect(ids.allSatisfy { $0.description == $0.description.lowercased() && $0.description.count == 36 })
    }
}

@Suite("Base64URL")
struct Base64URLTests {
    @Test func encodesWithoutPaddingInTheURLAlphabet() {
        #expect(Base64URL.encode(Data()) == "")
        #expect(Base64URL.encode(Data("f".utf8)) == "Zg")
        #expect(Base64URL.encode(Data("fo".utf8)) == "Zm8")
        #expect(Base64URL.encode(Data("foo".utf8)) == "Zm9v")
        // 0xfb 0xff 0xbf is "+/+/" in standard base64.
        #expect(Base64URL.encode([UInt8]([0xfb, 0xff, 0xbf])) == "-_-_")
        #expect(Base64URL.encode([UInt8]([0xff, 0xff])) == "__8")
    }

    @Test func decodesWithAndWithoutPadding() {
        #expect(Base64URL.decode("Zg") == Data("f".utf8))
        #expect(Base64URL.decode("Zg==") == Data("f".utf8))
        #expect(Base64URL.decode("Zm8") == Data("fo".utf8))
        #expect(Base64URL.decode("Zm8=") == Data("fo".utf8))
        #expect(Base64URL.decode("Zm9v") == Data("foo".utf8))
        #expect(Base64URL.decode("-_-_") == Data([0xfb, 0xff, 0xbf]))
        #expect(Base64URL.decode("__8") == Data([0xff, 0xff]))
        #expect(Base64URL.decode("") == Data())
        #expect(Base64URL.decode(Substring("xxZm9vxx").dropFirst(2).dropLast(2)) == Data("foo".utf8))
    }

    @Test(arguments: ["Z", "Zm9vY", "Zm 9", "Zm9!", "Zm9.", "Zg=a", "=Zg", "Z=g", "Zm9\n", "Zm9\u{E9}"])
    func invalidIsNil(_ text: String) {
        #expect(Base64URL.decode(text) == nil)
    }

    @Test func roundTripsAllLengths() {
        var rng = SplitMix64(seed: 1)
        for length in 0..<70 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let text = Base64URL.encode(bytes)
            #expect(!text.contains("=") && !text.contains("+") && !text.contains("/"))
            #expect(Base64URL.decode(text) == Data(bytes), "length \(length)")
        }
    }
}
