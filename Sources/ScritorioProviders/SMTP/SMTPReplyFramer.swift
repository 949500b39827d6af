import NIOCore

/// One complete (possibly multi-line) SMTP reply.
struct SMTPReply: Sendable, Equatable {
    var code: Int
    /// Text of each line, without the code and separator.
    var lines: [String]

    /// All lines joined, for error messages.
    var message: String { lines.joined(separator: " / ") }
}

/// Turns the inbound byte stream into ``SMTPReply`` values, folding `250-...` continuation
/// lines into the final `250 ...` line (RFC 5321 §4.2.1).
///
/// It also counts the replies it has emitted and exposes how many bytes it holds, so the client
/// can prove, at the moment it installs TLS after STARTTLS, that the server sent nothing beyond
/// the `220` in plaintext (the STARTTLS response-injection attack, CVE-2011-0411 class).
final class SMTPReplyFramer: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = SMTPReply

    /// Generous limits: RFC 5321 caps reply lines at 512 octets, but real servers exceed it.
    static let maxLineLength = 8192
    static let maxLinesPerReply = 256

    private var buffer = ByteBuffer()
    private var pendingCode: Int?
    private var pendingLines: [String] = []
    private var failed = false
    /// Number of replies passed down the pipeline so far.
    private(set) var emittedReplies = 0
    /// True when bytes of an incomplete reply are buffered.
    var hasBufferedInput: Bool { buffer.readableBytes > 0 || !pendingLines.isEmpty }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !failed else { return }
        var incoming = unwrapInboundIn(data)
        buffer.writeBuffer(&incoming)
        do {
            while let line = try nextLine() {
                if let reply = try consume(line: line) {
                    emittedReplies += 1
                    context.fireChannelRead(wrapInboundOut(reply))
                }
            }
        } catch {
            failed = true
            context.fireErrorCaught(error)
            context.close(promise: nil)
        }
    }

    /// Pops one line (without its CRLF, a bare LF is tolerated) or returns nil if none is complete.
    private func nextLine() throws -> String? {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > Self.maxLineLength { throw SMTPError.malformedReply("line too long") }
            return nil
        }
        let length = newline - buffer.readerIndex
        guard length <= Self.maxLineLength, var bytes = buffer.readBytes(length: length + 1) else {
            throw SMTPError.malformedReply("line too long")
        }
        bytes.removeLast()
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        buffer.discardReadBytes()
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Adds a line to the pending reply; returns the reply once its last line arrives.
    private func consume(line: String) throws -> SMTPReply? {
        let utf8 = Array(line.utf8)
        guard utf8.count >= 3, utf8[0..<3].allSatisfy({ (48...57).contains($0) }),
            let code = Int(String(decoding: utf8[0..<3], as: UTF8.self)), (200...599).contains(code)
        else {
            throw SMTPError.malformedReply("line does not start with a reply code")
        }
        let separator = utf8.count > 3 ? utf8[3] : UInt8(ascii: " ")
        guard separator == UInt8(ascii: " ") || separator == UInt8(ascii: "-") else {
            throw SMTPError.malformedReply("unexpected character after reply code")
        }
        if let pendingCode, pendingCode != code {
            throw SMTPError.malformedReply("reply code changed within a multi-line reply")
        }
        let text = utf8.count > 4 ? String(decoding: utf8[4...], as: UTF8.self) : ""
        pendingLines.append(text)
        guard separator == UInt8(ascii: " ") else {
            guard pendingLines.count < Self.maxLinesPerReply else {
                throw SMTPError.malformedReply("too many lines in one reply")
            }
            pendingCode = code
            return nil
        }
        let reply = SMTPReply(code: code, lines: pendingLines)
        pendingCode = nil
        pendingLines = []
        return reply
    }
}

@available(*, unavailable)
extension SMTPReplyFramer: Sendable {}
