/// Reads an OpenAI server-sent-event stream as it is relayed: cuts it into events (`…\n\n`), finds the usage
/// (chat's usage chunk, or the responses stream's `response.completed`), and drops chat's usage chunk when the
/// client did not ask for it. Events pass through byte for byte, each as soon as it is complete.
public struct SSEUsageScanner: Sendable {
    public private(set) var usage: AIUsage?
    /// Whether `data: [DONE]` or a `response.completed` event went by.
    public private(set) var finished = false
    private let stripUsageChunk: Bool
    private var pending: [UInt8] = []

    public init(stripUsageChunk: Bool) {
        self.stripUsageChunk = stripUsageChunk
    }

    /// Takes the next bytes from upstream; returns the bytes to send to the client now.
    public mutating func consume(_ bytes: some Collection<UInt8>) -> [UInt8] {
        pending.append(contentsOf: bytes)
        var output: [UInt8] = []
        output.reserveCapacity(pending.count)
        var start = 0
        var index = 0
        let count = pending.count
        while index + 1 < count {
            // An event ends at a blank line: "\n\n" (or "\r\n\r\n", whose last two bytes are "\r\n" after "\n").
            if pending[index] == 0x0A && (pending[index + 1] == 0x0A || (pending[index + 1] == 0x0D && index + 2 < count && pending[index + 2] == 0x0A)) {
                let end = pending[index + 1] == 0x0A ? index + 2 : index + 3
                let event = pending[start..<end]
                if keep(event) { output.append(contentsOf: event) }
                start = end
                index = end
            } else {
                index += 1
            }
        }
        pending.removeFirst(start)
        return output
    }

    /// What is left when the upstream ends without a final blank line.
    public mutating func flush() -> [UInt8] {
        defer { pending = [] }
        return pending
    }

    private static let usageKey = Array("\"usage\":".utf8)
    private static let done = Array("data: [DONE]".utf8)
    private static let completed = Array("\"response.completed\"".utf8)
    private static let emptyChoices = Array("\"choices\":[]".utf8)

    private mutating func keep(_ event: ArraySlice<UInt8>) -> Bool {
        if event.starts(with: Self.done) {
            finished = true
            return true
        }
        guard let usageAt = RawJSON.find(Self.usageKey, in: event) else { return true }
        // `"usage":null` on ordinary chunks: nothing to read.
        var after = event.index(usageAt, offsetBy: Self.usageKey.count)
        while after < event.endIndex, event[after] == 0x20 { after += 1 }
        guard after < event.endIndex, event[after] == UInt8(ascii: "{") else { return true }
        guard let dataAt = RawJSON.find(Array("data:".utf8), in: event) else { return true }
        var json = event[(dataAt + 5)...]
        while let first = json.first, first == 0x20 { json = json.dropFirst() }
        if let parsed = AIUsage.parse(json) { usage = parsed }
        if RawJSON.find(Self.completed, in: event) != nil { finished = true }
        if stripUsageChunk, RawJSON.find(Self.emptyChoices, in: event) != nil { return false }
        return true
    }
}
