import Foundation

/// A `multipart/form-data` body cut into its parts (enough for OpenAI's upload endpoints), read strictly as
/// RFC 2046 and RFC 7578 say, and written out again in one canonical form. The gateway forwards that rewrite, not
/// the client's bytes: two parsers reading one ambiguous form differently (a second `boundary` parameter, a
/// delimiter in the middle of a line, a `name=` inside a quoted filename) could otherwise let the gateway check
/// one model and estimate one file while the upstream runs another.
public struct MultipartForm: Sendable {
    public struct Part: Sendable, Equatable {
        public var name: String
        public var filename: String?
        public var contentType: String?
        public var data: [UInt8]

        public init(name: String, filename: String? = nil, contentType: String? = nil, data: [UInt8]) {
            self.name = name
            self.filename = filename
            self.contentType = contentType
            self.data = data
        }
    }

    public var parts: [Part]

    /// More parts than any upload endpoint takes: a form of thousands of empty parts is refused, not parsed.
    public static let maxParts = 64

    public init(parts: [Part]) { self.parts = parts }

    /// Parses `body` with the boundary named in `contentType`; `nil` when either is not a well-formed form: not
    /// multipart, no boundary or two, no closing delimiter, more than `maxParts` parts, a part without exactly
    /// one `Content-Disposition: form-data` with a name, or a name, filename or type that cannot be written
    /// back unchanged.
    public init?(contentType: String, body: [UInt8]) {
        let params = Self.parameters(contentType)
        guard params.first?.key.lowercased() == "multipart/form-data" else { return nil }
        let boundaries = params.dropFirst().filter { $0.key.lowercased() == "boundary" }
        guard boundaries.count == 1, let boundary = boundaries.first?.value, (1...70).contains(boundary.utf8.count),
            !boundary.contains(where: { $0 == "\r" || $0 == "\n" })
        else { return nil }
        let dash = Array(("--" + boundary).utf8)
        let lineDash = [0x0D, 0x0A] + dash
        // The first delimiter starts the body or a line (anything before it is the preamble).
        var cursor: Int
        if body.starts(with: dash) {
            cursor = dash.count
        } else if let found = RawJSON.find(lineDash, in: body[...]) {
            cursor = found + lineDash.count
        } else {
            return nil
        }
        var parts: [Part] = []
        while true {
            // After a delimiter: `--` closes the form; otherwise optional padding, then CRLF and a part.
            if body[cursor...].starts(with: [0x2D, 0x2D]) { break }
            while cursor < body.count, body[cursor] == 0x20 || body[cursor] == 0x09 { cursor += 1 }
            guard body[cursor...].starts(with: [0x0D, 0x0A]) else { return nil }
            cursor += 2
            guard let next = RawJSON.find(lineDash, in: body[...], from: cursor), parts.count < Self.maxParts else { return nil }
            guard let part = Self.part(body[cursor..<next]) else { return nil }
            parts.append(part)
            cursor = next + lineDash.count
        }
        self.parts = parts
    }

    /// One part: its header lines up to the first empty line, then its content.
    static func part(_ bytes: ArraySlice<UInt8>) -> Part? {
        let headerEnd: Int
        let contentStart: Int
        if bytes.starts(with: [0x0D, 0x0A]) {
            headerEnd = bytes.startIndex
            contentStart = bytes.startIndex + 2
        } else if let found = RawJSON.find(Array("\r\n\r\n".utf8), in: bytes) {
            headerEnd = found
            contentStart = found + 4
        } else {
            return nil
        }
        var disposition: [(key: String, value: String)]?
        var type: String?
        for line in String(decoding: bytes[bytes.startIndex..<headerEnd], as: UTF8.self).components(separatedBy: "\r\n") where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { return nil }
            let field = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            switch field {
            case "content-disposition":
                guard disposition == nil else { return nil }
                disposition = parameters(value)
            case "content-type":
                guard type == nil else { return nil }
                type = value
            default:
                break
            }
        }
        guard let disposition, disposition.first?.key.lowercased() == "form-data" else { return nil }
        let names = disposition.dropFirst().filter { $0.key.lowercased() == "name" }
        let filenames = disposition.dropFirst().filter { $0.key.lowercased() == "filename" }
        // A field name is the form's vocabulary and is taken exactly or not at all; a filename only tells the
        // upstream the format (by its extension), so quotes, backslashes and control characters become `_`; a
        // part's type may quote its parameters but holds no control characters.
        guard names.count == 1, filenames.count <= 1, let name = names.first?.value, writable(name),
            !(type ?? "").unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\t" || $0.value == 0x7F })
        else { return nil }
        let filename = filenames.first.map { String(String.UnicodeScalarView($0.value.unicodeScalars.map { writable(String($0)) ? $0 : "_" })) }
        return Part(name: name, filename: filename, contentType: type, data: Array(bytes[contentStart...]))
    }

    /// A header value split at `;` outside quotes: the first item alone (its key is the whole item, e.g.
    /// `form-data`), then `key=value` pairs with quoted values unquoted (`\"` and `\\` unescaped).
    static func parameters(_ header: String) -> [(key: String, value: String)] {
        var items: [String] = []
        var current = ""
        var quoted = false
        var escaped = false
        for character in header {
            if escaped {
                current.append(character)
                escaped = false
            } else if quoted && character == "\\" {
                current.append(character)
                escaped = true
            } else if character == "\"" {
                quoted.toggle()
                current.append(character)
            } else if character == ";" && !quoted {
                items.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        items.append(current)
        var result: [(key: String, value: String)] = []
        for (index, item) in items.enumerated() {
            let trimmed = item.trimmingCharacters(in: .whitespaces)
            guard index > 0, let equals = trimmed.firstIndex(of: "=") else {
                result.append((trimmed, ""))
                continue
            }
            let key = trimmed[..<equals].trimmingCharacters(in: .whitespaces)
            var value = trimmed[trimmed.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
                var unescaped = ""
                var escape = false
                for character in value.dropFirst().dropLast() {
                    if escape || character != "\\" { unescaped.append(character); escape = false } else { escape = true }
                }
                value = unescaped
            }
            result.append((key, value))
        }
        return result
    }

    /// Whether a name, filename or type can be written into a header line as it is.
    static func writable(_ text: String) -> Bool {
        !text.unicodeScalars.contains { $0 == "\"" || $0 == "\\" || $0.value < 0x20 || $0.value == 0x7F }
    }

    /// A text field's value.
    public func text(_ name: String) -> String? {
        parts.first { $0.name == name && $0.filename == nil }.map { String(decoding: $0.data, as: UTF8.self) }
    }

    /// The form written out canonically with `boundary`, for `multipart/form-data; boundary=<boundary>`.
    public func encoded(boundary: String) -> [UInt8] {
        var out: [UInt8] = []
        for part in parts {
            var head = "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(part.name)\""
            if let filename = part.filename { head += "; filename=\"\(filename)\"" }
            if let type = part.contentType { head += "\r\nContent-Type: \(type)" }
            out += Array((head + "\r\n\r\n").utf8)
            out += part.data
            out += [0x0D, 0x0A]
        }
        out += Array("--\(boundary)--\r\n".utf8)
        return out
    }
}
