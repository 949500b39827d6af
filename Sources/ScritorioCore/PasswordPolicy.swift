import Foundation

/// Supabase's password rules: at least `minimumLength` characters (6 is both default and floor) and at most
/// 72 bytes, bcrypt's limit.
public struct PasswordPolicy: Sendable, Equatable {
    public enum Violation: Equatable, Sendable {
        /// Too short: `weak_password` with reason `length`.
        case tooShort(minimum: Int)
        /// Over bcrypt's 72 bytes: `validation_failed`.
        case tooLong
        /// Empty.
        case missing
    }

    public var minimumLength: Int

    public init(minimumLength: Int = 6) {
        self.minimumLength = max(6, minimumLength)
    }

    /// The first rule `password` breaks, if any.
    public func check(_ password: String) -> Violation? {
        if password.isEmpty { return .missing }
        if password.utf8.count > 72 { return .tooLong }
        // GoTrue counts bytes (Go's len), so a password it accepts is accepted here too.
        if password.utf8.count < minimumLength { return .tooShort(minimum: minimumLength) }
        return nil
    }
}

/// Email addresses as Scritorio stores and compares them.
public enum EmailAddress {
    /// Lower-cased (surrounding spaces and newlines trimmed); `nil` unless it is what GoTrue accepts: at most 255
    /// bytes, and the HTML standard's valid-email grammar GoTrue's check uses (`local@label.label…`, ASCII only:
    /// the local part letters, digits and ``.!#$%&'*+/=?^_`{|}~-``, each domain label 1-63 letters, digits and
    /// inner hyphens), with at least two domain labels (GoTrue takes `a@localhost`; mail cannot be sent there).
    /// Being ASCII, it refuses NUL, control characters, zero-width and bidi characters, and any other look-alike
    /// that would let two accounts show the same address.
    public static func normalize(_ raw: String) -> String? {
        let email = raw.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let bytes = Array(email.utf8)
        guard !bytes.isEmpty, bytes.count <= 255, let at = bytes.firstIndex(of: UInt8(ascii: "@")) else { return nil }
        let local = bytes[..<at]
        let domain = bytes[(at + 1)...]
        guard !local.isEmpty, local.allSatisfy(isLocalByte) else { return nil }
        // At least two labels (mail is sent to the address), each 1-63 letters, digits and inner hyphens.
        let labels = domain.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return nil }
        for label in labels {
            guard (1...63).contains(label.count), label.allSatisfy({ isAlphanumeric($0) || $0 == UInt8(ascii: "-") }),
                label.first != UInt8(ascii: "-"), label.last != UInt8(ascii: "-")
            else { return nil }
        }
        return email
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    private static let localSpecials = Set(".!#$%&'*+/=?^_`{|}~-".utf8)

    private static func isLocalByte(_ byte: UInt8) -> Bool { isAlphanumeric(byte) || localSpecials.contains(byte) }
}
