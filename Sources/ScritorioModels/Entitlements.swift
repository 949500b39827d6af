import Foundation

/// Where a grant comes from.
public enum GrantSource: Sendable, Hashable, Codable {
    case subscription(String)
    case order(String)
    case license(String)
    case trial
    case manual(String)

    /// (type, id) as stored in `entitlements.source_type` / `source_id`.
    public var stored: (type: String, id: String) {
        switch self {
        case .subscription(let id): ("subscription", id)
        case .order(let id): ("order", id)
        case .license(let id): ("license", id)
        case .trial: ("trial", "trial")
        case .manual(let id): ("manual", id)
        }
    }
}

/// One reason a user has an entitlement code for a while.
public struct Grant: Sendable, Equatable {
    public var code: String
    public var source: GrantSource
    public var startsAt: Date?
    /// `nil` = no known end (a renewing subscription, a lifetime licence).
    public var endsAt: Date?
    /// Set on refund or admin revocation: the grant is void from then on.
    public var revokedAt: Date?

    public init(code: String, source: GrantSource, startsAt: Date? = nil, endsAt: Date? = nil, revokedAt: Date? = nil) {
        self.code = code
        self.source = source
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.revokedAt = revokedAt
    }

    /// Stored moments come back within this of what was written (PostgreSQL keeps microseconds, SQLite a
    /// double), so a grant revoked "now" must read as revoked "now" after a round trip.
    static let resolution: TimeInterval = 0.001

    /// Whether the grant is in force at `now`.
    public func isActive(at now: Date) -> Bool {
        let now = now.addingTimeInterval(Self.resolution)
        if let revokedAt, revokedAt <= now { return false }
        if let startsAt, now < startsAt { return false }
        if let endsAt, now >= endsAt { return false }
        return true
    }
}

/// An entitlement the user has now: the union of its active grants.
public struct ActiveEntitlement: Sendable, Equatable {
    public var code: String
    /// The latest end among the active grants; `nil` when any of them has no end.
    public var expiresAt: Date?
    public var sources: [GrantSource]
}

/// Entitlements are computed, never stored as a flag: the union of grants active at `now`.
public enum EntitlementSet {
    /// The code that makes a member `pro`.
    public static let proCode = "scritorio_pro"

    public static func active(_ grants: [Grant], at now: Date) -> [ActiveEntitlement] {
        var byCode: [String: ActiveEntitlement] = [:]
        for grant in grants where grant.isActive(at: now) {
            if var existing = byCode[grant.code] {
                existing.sources.append(grant.source)
                if let current = existing.expiresAt, let end = grant.endsAt {
                    existing.expiresAt = max(current, end)
                } else {
                    existing.expiresAt = nil
                }
                byCode[grant.code] = existing
            } else {
                byCode[grant.code] = ActiveEntitlement(code: grant.code, expiresAt: grant.endsAt, sources: [grant.source])
            }
        }
        return byCode.values.sorted { $0.code < $1.code }
    }

    /// The member plan that follows from the entitlements: `pro` while `scritorio_pro` is active.
    public static func plan(for grants: [Grant], at now: Date) -> MemberPlan {
        active(grants, at: now).contains { $0.code == proCode } ? .pro : .free
    }
}
