import Foundation

/// Which `redirect_to` values email links may send people to: the site URL and the allow list (with `*`
/// wildcards), as GoTrue's `URI_ALLOW_LIST`. Anything else falls back to the site URL, so a link can never be
/// turned into an open redirect that carries tokens.
struct RedirectPolicy: Sendable {
    let siteURL: String
    let allowList: [String]

    func resolve(_ requested: String?) -> String {
        guard let requested, !requested.isEmpty else { return siteURL }
        if requested.hasPrefix(siteURL) { return requested }
        for pattern in allowList where Self.matches(requested, pattern: pattern) { return requested }
        return siteURL
    }

    static func matches(_ text: String, pattern: String) -> Bool {
        let parts = pattern.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
        guard parts.count > 1 else { return text == pattern || text.hasPrefix(pattern) }
        guard text.hasPrefix(parts[0]) else { return false }
        var rest = text.dropFirst(parts[0].count)
        for part in parts.dropFirst().dropLast() {
            guard let range = rest.range(of: part) else { return false }
            rest = rest[range.upperBound...]
        }
        return parts.last!.isEmpty || rest.hasSuffix(parts.last!)
    }
}
