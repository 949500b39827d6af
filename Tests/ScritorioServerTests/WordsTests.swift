import Foundation
import HTTPTypes
import NIOCore
import ScritorioCore
@testable import ScritorioServer
import ScritorioStore
import ScritorioTestSupport
import SQLKit
import Testing

/// The seed's word counters: transcripts the gateway relays and words the app reports, counted into the member.
@Suite("Words counted")
struct WordsTests {
    static func wavForm(seconds: Int, format: String?) -> (ByteBuffer, String) {
        var wav = [UInt8]("RIFF".utf8) + [0, 0, 0, 0] + [UInt8]("WAVEfmt ".utf8)
        wav += [16, 0, 0, 0, 1, 0, 1, 0, 0x80, 0x3E, 0, 0, 0x00, 0x7D, 0, 0, 2, 0, 16, 0] + [UInt8]("data".utf8) + [0, 0, 0, 0]
        wav += [UInt8](repeating: 0, count: 32_000 * seconds)
        let boundary = "----scritorio-words"
        var body = ByteBuffer()
        body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n")
        if let format { body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"response_format\"\r\n\r\n\(format)\r\n") }
        body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\nContent-Type: audio/wav\r\n\r\n")
        body.writeBytes(wav)
        body.writeString("\r\n--\(boundary)--\r\n")
        return (body, boundary)
    }

    static func words(_ h: AIHarness, _ user: UserID) async throws -> [Int64] {
        try await h.base.database.read { db in
            try await db.sql.raw("SELECT words FROM ai_usage_events WHERE user_id = \(bind: user.rawValue) ORDER BY id").all()
                .map { try $0.decode(column: "words", as: Int64.self) }
        }
    }

    @Test("a transcription's words (json and text) move the member's counters and its ledger line", arguments: TestStores.kinds)
    func transcriptions(kind: StoreKind) async throws {
        try await AIHarness.run(kind) { h in
            let (token, user) = try await h.user()
            try await h.makePro(user)
            for (seconds, format) in [(3, nil), (2, "text")] as [(Int, String?)] {
                let (body, boundary) = Self.wavForm(seconds: seconds, format: format)
                let headers: HTTPFields = [.contentType: "multipart/form-data; boundary=\(boundary)", .authorization: "Bearer \(token)"]
                let response = try await h.base.client.execute(uri: "/ai/v1/audio/transcriptions", method: .post, headers: headers, body: body)
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("Sandbox transcription of \(seconds) seconds of audio."))
            }
            // "Sandbox transcription of 3 seconds of audio." is seven words; so is the text answer.
            #expect(try await Self.words(h, user).suffix(2) == [7, 7])
            let member = try await h.base.request(.post, "/functions/v1/member-get", json: [:], bearer: token)
            let counters = try #require(member.json["member"] as? [String: Any])
            #expect(counters["wordsToday"] as? Int == 14 && counters["wordsThisMonth"] as? Int == 14 && counters["wordsTotal"] as? Int == 14)
        }
    }

    @Test("words the app reports count once per key, within bounds", arguments: TestStores.kinds)
    func reports(kind: StoreKind) async throws {
        try await AIHarness.run(kind) { h in
            let (token, user) = try await h.user()
            let first = try await h.base.request(.post, "/v1/me/usage/words", json: ["count": 120, "idempotency_key": "dictation-1"], bearer: token)
            #expect(first.status == .ok && first.json["recorded"] as? Bool == true, "\(first.raw)")
            #expect((first.json["member"] as? [String: Any])?["wordsToday"] as? Int == 120)
            let retry = try await h.base.request(.post, "/v1/me/usage/words", json: ["count": 120, "idempotency_key": "dictation-1"], bearer: token)
            #expect(retry.status == .ok && retry.json["recorded"] as? Bool == false)
            let second = try await h.base.request(.post, "/v1/me/usage/words", json: ["count": 30, "idempotency_key": "dictation-2"], bearer: token)
            let member = try #require(second.json["member"] as? [String: Any])
            #expect(member["wordsToday"] as? Int == 150 && member["wordsThisMonth"] as? Int == 150 && member["wordsTotal"] as? Int == 150)
            #expect(try await Self.words(h, user) == [120, 30])
            for body: [String: Any] in [["count": 0, "idempotency_key": "k"], ["count": 100_001, "idempotency_key": "k"], ["count": 5],
                                        ["count": 5, "idempotency_key": ""], ["count": 5, "idempotency_key": String(repeating: "k", count: 129)],
                                        ["count": "many", "idempotency_key": "k"]] {
                let refused = try await h.base.request(.post, "/v1/me/usage/words", json: body, bearer: token)
                #expect(refused.status == .badRequest, "\(body)")
            }
            #expect(try await Self.words(h, user).count == 2)
            let anonymous = try await h.base.request(.post, "/v1/me/usage/words", json: ["count": 5, "idempotency_key": "x"])
            #expect(anonymous.status == .unauthorized)
        }
    }
}
