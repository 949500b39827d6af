import Foundation
import ScritorioAPI
import ScritorioCore
@testable import ScritorioKit
import Testing

@Suite("AI client: SSE parsing, streamed chat, usage, quota", .serialized)
struct AIClientTests {
    @Test("server-sent events split across arbitrary chunk boundaries, CRLF and multi-line data")
    func sse() {
        let stream = "data: {\"a\":1}\n\n: comment\n\ndata: line1\ndata: line2\n\nevent: x\r\ndata: crlf\r\n\r\ndata: [DONE]\n\n"
        let bytes = Array(stream.utf8)
        for size in [1, 2, 3, 7, 64] {
            var parser = ServerSentEvents()
            var events: [String] = []
            var index = 0
            while index < bytes.count {
                events += parser.feed(Data(bytes[index..<min(index + size, bytes.count)]))
                index += size
            }
            #expect(events == ["{\"a\":1}", "line1\nline2", "crlf", "[DONE]"], "chunk size \(size)")
        }
    }

    @Test("an error event inside the stream becomes a typed error")
    func errorInStream() {
        #expect(throws: ScritorioError.server(status: 200, code: "upstream_unreachable", message: "gone")) {
            try ScritorioClient.text(ofChunk: #"{"error":{"message":"gone","type":"server_error","code":"upstream_unreachable"}}"#)
        }
        #expect(try! ScritorioClient.text(ofChunk: #"{"choices":[{"delta":{"content":"Hi"}}]}"#) == "Hi")
        #expect(try! ScritorioClient.text(ofChunk: #"{"choices":[],"usage":{"total_tokens":3}}"#) == nil)
    }

    @Test("streamed chat through the gateway matches the whole answer; usage counts it")
    func chat() async throws {
        try await KitServer.run { server in
            let client = server.client()
            _ = try await ClientIntegrationTests.signedUp(server, client)
            var pieces: [String] = []
            for try await piece in client.chat([.user("Say something #sandbox:tokens=6")]) { pieces.append(piece) }
            #expect(pieces.count >= 2)
            let whole = try await client.complete([.user("Say something #sandbox:tokens=6")])
            #expect(pieces.joined() == whole && !whole.isEmpty)
            let usage = try await client.aiUsage()
            #expect(usage.plan == "free" && usage.models.contains(ScritorioClient.defaultChatModel))
            #expect(usage.month.tokensUsed > 0 && usage.day.tokensUsed == usage.month.tokensUsed)
        }
    }

    @Test("an exhausted quota is a typed error carrying the reset time")
    func quota() async throws {
        try await KitServer.run(configure: {
            $0.ai.plans = AIPlanBook(plans: [
                AIPlan(code: "free", entitlement: nil, models: ["gpt-4o-mini"], limits: AILimits(tokensPerDay: 5, tokensPerMonth: 5)),
            ])
        }) { server in
            let client = server.client()
            _ = try await ClientIntegrationTests.signedUp(server, client)
            var caught: (any Error)?
            do {
                for try await _ in client.chat([.user("A prompt long enough to need more than five tokens of allowance")]) {}
            } catch {
                caught = error
            }
            guard case .quotaExceeded(let resetsAt, _) = caught as? ScritorioError else {
                Issue.record("expected quotaExceeded, got \(String(describing: caught))")
                return
            }
            let reset = try #require(resetsAt)
            #expect(reset > server.clock.now)
        }
    }
}
