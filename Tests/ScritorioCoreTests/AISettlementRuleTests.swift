import ScritorioCore
import Testing

@Suite("AI settlement rule: what each upstream result costs and how the ledger records it")
struct AISettlementRuleTests {
    static let reserved = AIUsage(inputTokens: 900, outputTokens: 100, audioSeconds: 30)
    static let reported = AIUsage(inputTokens: 12, outputTokens: 7, cachedTokens: 4)

    /// What a row expects to be charged.
    enum Charge {
        case reported, reservation, nothing

        var usage: AIUsage {
            switch self {
            case .reported: AISettlementRuleTests.reported
            case .reservation: AISettlementRuleTests.reserved
            case .nothing: AIUsage()
            }
        }
    }

    /// One row per result: the outcome stored, the status recorded, what is charged.
    static let table: [(result: AIUpstreamResult, outcome: String, status: Int, charge: Charge)] = [
        (.answered(status: 200, usage: reported), "ok", 200, .reported),
        (.answered(status: 200, usage: nil), "ok", 200, .reservation),
        (.answered(status: 201, usage: reported), "ok", 201, .reported),
        (.upstreamError(status: 400), "upstream_error", 400, .nothing),
        (.upstreamError(status: 429), "upstream_error", 429, .nothing),
        (.upstreamError(status: 500), "upstream_error", 500, .nothing),
        (.keyRejected, "upstream_auth", 502, .nothing),
        (.timedOut, "timeout", 504, .reservation),
        (.bodyCut, "failed", 504, .reservation),
        (.streamCut(usage: nil), "failed", 200, .reservation),
        (.streamCut(usage: reported), "failed", 200, .reported),
        (.clientLeft(usage: nil), "cancelled", 200, .reservation),
        (.clientLeft(usage: reported), "cancelled", 200, .reported),
        (.cancelled, "cancelled", 499, .reservation),
        (.abandoned, "cancelled", 499, .nothing),
        (.interrupted, "interrupted", 502, .reservation),
        (.unreachable, "unreachable", 502, .nothing),
    ]

    @Test("each result settles to its outcome, status and charge", arguments: table.indices)
    func row(index: Int) {
        let row = Self.table[index]
        let decision = AISettlementRule.decide(row.result, reserved: Self.reserved)
        #expect(decision.outcome.rawValue == row.outcome, "\(row.result)")
        #expect(decision.status == row.status, "\(row.result)")
        #expect(decision.charged == row.charge.usage, "\(row.result)")
    }

    @Test("the ledger's outcomes are the strings stored before they were typed")
    func storedStrings() {
        #expect(AIOutcome.allCases.map(\.rawValue) == [
            "ok", "upstream_error", "upstream_auth", "timeout", "cancelled", "interrupted", "unreachable", "failed",
            "quota_exceeded", "rate_limited", "reported",
        ])
        // Every outcome a settlement can record is one of them, and all but the refusals and the app's own word
        // reports (which are no requests) are reached.
        let settled = Set(Self.table.map(\.outcome))
        #expect(settled == Set(AIOutcome.allCases.map(\.rawValue)).subtracting(["quota_exceeded", "rate_limited", "reported"]))
    }
}
