import Foundation
import ScritorioAPI
import ScritorioCore
import Testing

@Suite("Fast JSON writer")
struct FastJSONTests {
    static func parse(_ bytes: some Sequence<UInt8>) throws -> NSDictionary {
        try #require(JSONSerialization.jsonObject(with: Data(bytes)) as? NSDictionary)
    }

    @Test("writes the same document JSONEncoder does, escapes included")
    func sameAsFoundation() throws {
        let member = Member.newFree(id: .random(), now: Date(timeIntervalSince1970: 1_790_000_123.456789))
        let me = MeResponse(
            user: MeUserDTO(
                id: "u", email: "a\"b\\c@example.com", emailConfirmedAt: nil, createdAt: "2026-01-01T00:00:00.000000Z",
                userMetadata: [
                    "display_name": .string("Zoë \u{1}\n\t"), "n": .number(3), "f": .number(1.5), "ok": .bool(true),
                    "nested": .object(["list": .array([.null, .string("x")])]),
                ]),
            profile: nil, member: MemberDTO(member))
        var writer = JSONWriter()
        me.write(to: &writer)
        #expect(try Self.parse(writer.bytes) == Self.parse(try JSONEncoder().encode(me)))
        let text = String(decoding: writer.bytes, as: UTF8.self)
        #expect(text.contains(#""profile":null"#) && text.contains(#""trialEndsAt":null"#))

        var empty = JSONWriter()
        MemberEnvelope(member: nil).write(to: &empty)
        #expect(String(decoding: empty.bytes, as: UTF8.self) == #"{"member":null}"#)
    }
}
