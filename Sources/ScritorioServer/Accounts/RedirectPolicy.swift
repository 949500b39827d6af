import Foundation

/// Which `redirect_to` values email links may send people to: the site URL's origin and the allow list, as
/// GoTrue's `URI_ALLOW_LIST`. A link carries a session, so matching is by parsed origin, never by string
/// prefix (`https://app.example.com.evil.com` is not `https://app.example.com`), URLs with user info are
/// refused, and in patterns `*` stops at `.` and `/` while `**` matches anything. Anything else falls back to
/// the site URL.
struct RedirectPolicy: Sendable {
    let siteURL: String
    let allowList: [String]

    func resolve(_ requested: String?) -> String {
        guard let requested, !requested.isEmpty, let target = URLComponents(string: requested),
            target.user == nil, target.password == nil, let scheme = target.scheme?.lowercased()
        else { return siteURL }
        if let site = URLComponents(string: siteURL), site.scheme?.lowercased() == scheme,
            site.host?.lowercased() == target.host?.lowercased(), (site.port ?? defaultPort(scheme)) == (target.port ?? defaultPort(scheme)),
            target.host != nil
        {
            return requested
        }
        for pattern in allowList where Self.matches(requested, pattern: pattern) { return requested }
        return siteURL
    }

    private func defaultPort(_ scheme: String) -> Int? {
        switch scheme {
        case "http": 80
        case "https": 443
        default: nil
        }
    }

    /// Glob match: `**` any run of characters, `*` any run without `.` or `/`, everything else literal.
    static func matches(_ text: String, pattern: String) -> Bool {
        let t = Array(text)
        let p = Array(pattern)
        var memo: [Int: Bool] = [:]
        func match(_ i: Int, _ j: Int) -> Bool {
            let key = i * (p.count + 1) + j
            if let known = memo[key] { return known }
            let result: Bool
            if j == p.count {
                result = i == t.count
            } else if p[j] == "*" {
                let crossesAll = j + 1 < p.count && p[j + 1] == "*"
                let next = crossesAll ? j + 2 : j + 1
                var k = i
                var found = match(k, next)
                while !found, k < t.count, crossesAll || (t[k] != "." && t[k] != "/") {
                    k += 1
                    found = match(k, next)
                }
                result = found
            } else {
                result = i < t.count && t[i] == p[j] && match(i + 1, j + 1)
            }
            memo[key] = result
            return result
        }
        return match(0, 0)
    }
}
