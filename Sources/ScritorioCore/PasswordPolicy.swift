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
    /// Trimmed and lower-cased; `nil` unless it looks like `local@domain.tld`.
    public static func normalize(_ raw: String) -> String? {
        let email = raw.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        guard email.utf8.count <= 255, !email.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" }) else {
            return nil
        }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."),
            !parts[1].hasSuffix(".")
        else { return nil }
        return email
    }
}
