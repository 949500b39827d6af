import Foundation

/// An e-mail to be sent with ``SMTPClient``.
///
/// Addresses may be bare (`alice@example.com`) or carry a display name
/// (`Alice Example <alice@example.com>`); non-ASCII display names are RFC 2047 encoded.
public struct SMTPMessage: Sendable {
    /// Sender; `nil` uses ``SMTPConfiguration/defaultFrom``.
    public var from: String?
    /// Recipients (envelope and `To:` header). Must not be empty.
    public var to: [String]
    /// Subject line; RFC 2047 encoded when it is not plain ASCII.
    public var subject: String
    /// Plain-text body (always sent).
    public var textBody: String
    /// Optional HTML alternative; when present the message is `multipart/alternative`.
    public var htmlBody: String?
    /// Extra header fields such as `Reply-To`. Names managed by the client
    /// (From, To, Subject, Date, Message-ID, MIME-Version, Content-*) are rejected.
    public var headers: [(name: String, value: String)]

    /// Creates a message.
    public init(
        from: String? = nil,
        to: [String],
        subject: String,
        textBody: String,
        htmlBody: String? = nil,
        headers: [(name: String, value: String)] = []
    ) {
        self.from = from
        self.to = to
        self.subject = subject
        self.textBody = textBody
        self.htmlBody = htmlBody
        self.headers = headers
    }
}

/// An address split into the envelope part and an optional display name.
struct SMTPAddress: Equatable {
    var displayName: String?
    var address: String

    /// Parses `addr` or `Name <addr>`; rejects anything that could inject SMTP commands or headers.
    init(parsing raw: String) throws {
        let text = raw.trimmingCharacters(in: .whitespaces)
        if let open = text.lastIndex(of: "<") {
            guard text.hasSuffix(">") else { throw SMTPError.invalidMessage("malformed address") }
            address = String(text[text.index(after: open)..<text.index(before: text.endIndex)])
            var name = text[..<open].trimmingCharacters(in: .whitespaces)
            if name.count >= 2, name.hasPrefix("\""), name.hasSuffix("\"") {
                name = String(name.dropFirst().dropLast())
            }
            displayName = name.isEmpty ? nil : name
        } else {
            address = text
            displayName = nil
        }
        let forbidden = CharacterSet(charactersIn: "<>\"").union(.whitespacesAndNewlines).union(.controlCharacters)
        guard !address.isEmpty, address.unicodeScalars.allSatisfy({ !forbidden.contains($0) }) else {
            throw SMTPError.invalidMessage("malformed address")
        }
        // Non-ASCII mailboxes need the SMTPUTF8 extension, which this client does not implement.
        guard address.unicodeScalars.allSatisfy(\.isASCII) else {
            throw SMTPError.invalidMessage("non-ASCII addresses are not supported")
        }
        if let displayName, displayName.unicodeScalars.contains(where: { CharacterSet.newlines.contains($0) }) {
            throw SMTPError.invalidMessage("line break in display name")
        }
    }

    /// The domain after the last `@`, if it is safe to reuse in a Message-ID.
    var domain: String? {
        guard let at = address.lastIndex(of: "@") else { return nil }
        let domain = address[address.index(after: at)...]
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: ".-[]:"))
        guard !domain.isEmpty, domain.unicodeScalars.allSatisfy({ $0.isASCII && allowed.contains($0) }) else {
            return nil
        }
        return String(domain)
    }

    /// Header rendering: `addr`, `"Name" <addr>` or `=?UTF-8?B?...?= <addr>`.
    var headerValue: String {
        guard let displayName else { return address }
        if displayName.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F }) {
            let escaped = displayName.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "\"", with: "\\\"")
            return "\"\(escaped)\" <\(address)>"
        }
        // Folded one word per line so long names stay within the 78-column guideline.
        return MIMEEncoding.encodedWords(displayName, prefixLength: 6).joined(separator: "\r\n ") + " <\(address)>"
    }
}

/// Helpers that turn an ``SMTPMessage`` into RFC 5322 / MIME text. Pure functions so they are unit-testable.
enum MIMEEncoding {
    /// Header names the client writes itself; callers may not override them.
    static let reservedHeaders: Set<String> = [
        "from", "to", "cc", "bcc", "subject", "date", "message-id", "mime-version",
        "content-type", "content-transfer-encoding",
    ]

    /// RFC 2047 `B` encoded-words, each at most 75 characters, never splitting a UTF-8 sequence.
    /// - Parameter prefixLength: Columns already used on the first line (e.g. `Subject: `), so that
    ///   line also stays within 76 characters.
    static func encodedWords(_ text: String, prefixLength: Int = 0) -> [String] {
        // 75 - len("=?UTF-8?B?") - len("?=") = 63 base64 chars, i.e. at most 45 input bytes.
        var words: [String] = []
        var chunk: [UInt8] = []
        var limit = max(3, (76 - prefixLength - 12) / 4 * 3)
        // Split between Unicode scalars (never inside one), so each word decodes on its own even
        // when a single grapheme cluster is longer than a word.
        for scalar in text.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            if chunk.count + bytes.count > min(limit, 45), !chunk.isEmpty {
                limit = 45
                words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=")
                chunk.removeAll()
            }
            chunk.append(contentsOf: bytes)
        }
        if !chunk.isEmpty || words.isEmpty {
            words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=")
        }
        return words
    }

    /// An unstructured header value: verbatim when short printable ASCII, otherwise encoded-words
    /// folded onto continuation lines.
    static func unstructuredValue(_ value: String, headerName: String) -> String {
        let plain = value.unicodeScalars.allSatisfy { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F }
        if plain && value.utf8.count <= 900 { return value }
        return encodedWords(value, prefixLength: headerName.utf8.count + 2).joined(separator: "\r\n ")
    }

    /// Quoted-printable (RFC 2045 §6.7) with CRLF hard line breaks and soft breaks at 76 columns.
    /// Leading dots are left alone on purpose: SMTP dot-stuffing (``dotStuffed(_:)``) handles them.
    static func quotedPrintable(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        var output: [String] = []
        for line in normalized.split(separator: "\n", omittingEmptySubsequences: false) {
            let bytes = Array(line.utf8)
            var current: [UInt8] = []
            for (index, byte) in bytes.enumerated() {
                let isLast = index == bytes.count - 1
                var token: [UInt8]
                if (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "=")) || ((byte == 32 || byte == 9) && !isLast) {
                    token = [byte]
                } else {
                    token = [UInt8(ascii: "="), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
                }
                // Keep room for the "=" of a soft line break: at most 75 payload characters per line.
                if current.count + token.count > 75 {
                    output.append(String(decoding: current + [UInt8(ascii: "=")], as: UTF8.self))
                    current.removeAll()
                }
                current.append(contentsOf: token)
            }
            output.append(String(decoding: current, as: UTF8.self))
        }
        return output.joined(separator: "\r\n")
    }

    /// RFC 5322 date, e.g. `Tue, 04 Nov 2025 09:05:00 +0000`, independent of the host locale.
    static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: 0)
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return formatter.string(from: date)
    }

    /// RFC 5321 §4.5.2 transparency: a line starting with "." gets an extra ".".
    static func dotStuffed(_ text: String) -> String {
        text.split(separator: "\r\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix(".") ? "." + $0 : String($0) }
            .joined(separator: "\r\n")
    }

    /// Builds the complete message text (headers and body, CRLF line endings, ending in CRLF),
    /// before dot-stuffing.
    static func render(
        from: SMTPAddress,
        to: [SMTPAddress],
        message: SMTPMessage,
        date: Date = Date(),
        messageID: UUID = UUID()
    ) throws -> String {
        var lines: [String] = [
            "Date: \(rfc5322Date(date))",
            "From: \(from.headerValue)",
            "To: " + to.map(\.headerValue).joined(separator: ",\r\n "),
            "Subject: \(unstructuredValue(message.subject, headerName: "Subject"))",
            "Message-ID: <\(messageID.uuidString.lowercased())@\(from.domain ?? "localhost")>",
            "MIME-Version: 1.0",
        ]
        for (name, value) in message.headers {
            let validName =
                !name.isEmpty && name.unicodeScalars.allSatisfy { $0.value > 32 && $0.value < 127 && $0 != ":" }
            guard validName, !reservedHeaders.contains(name.lowercased()) else {
                throw SMTPError.invalidMessage("header name '\(name)' is invalid or reserved")
            }
            guard !value.contains(where: \.isNewline) else {
                throw SMTPError.invalidMessage("line break in header '\(name)'")
            }
            lines.append("\(name): \(unstructuredValue(value, headerName: name))")
        }
        let textPart = ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: quoted-printable"]
        if let html = message.htmlBody {
            // "=" is always escaped in quoted-printable, so a boundary starting with "=_" can never
            // collide with encoded content.
            let boundary = "=_scritorio_\(UUID().uuidString.lowercased())"
            lines.append("Content-Type: multipart/alternative; boundary=\"\(boundary)\"")
            lines += ["", "This is a multi-part message in MIME format.", "--\(boundary)"]
            lines += textPart + ["", quotedPrintable(message.textBody), "--\(boundary)"]
            lines += ["Content-Type: text/html; charset=utf-8", "Content-Transfer-Encoding: quoted-printable"]
            lines += ["", quotedPrintable(html), "--\(boundary)--"]
        } else {
            lines += textPart + ["", quotedPrintable(message.textBody)]
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}
