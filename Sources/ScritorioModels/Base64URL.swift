import Foundation

/// base64url without padding (RFC 4648 §5), as JOSE uses it.
public enum Base64URL {
    /// Encodes bytes as unpadded base64url.
    public static func encode<D: DataProtocol>(_ bytes: D) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Decodes base64url (padding optional); `nil` on any invalid character.
    public static func decode(_ text: Substring) -> Data? {
        // Strict: only the URL-safe alphabet, padding only at the end, so one token has one spelling.
        let body = text
        guard !body.contains("+"), !body.contains("/") else { return nil }
        if let firstPad = body.firstIndex(of: "="), body[firstPad...].contains(where: { $0 != "=" }) { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        guard !base64.contains("=") || text.hasSuffix("=") else { return nil }
        base64 = base64.replacingOccurrences(of: "=", with: "")
        let remainder = base64.count % 4
        if remainder == 1 { return nil }
        if remainder > 0 { base64 += String(repeating: "=", count: 4 - remainder) }
        return Data(base64Encoded: base64)
    }

    /// Decodes base64url text.
    public static func decode(_ text: String) -> Data? { decode(Substring(text)) }
}
