import Foundation
import Hummingbird
import ScritorioAPI
import ScritorioCore
import ScritorioStore

/// Members and the signed-in user: the seed's Edge Functions (`/functions/v1/member-init`, `member-get`) and
/// the product routes (`POST /v1/me/init`, `GET /v1/me`). The user id is always the verified token's `sub`;
/// ids in bodies or queries are ignored.
struct MembersController: Sendable {
    let database: Database
    /// Recomputes a member whose trial has ended (its flags and plan), and grants cardless trials.
    var applier: BillingApplier?
    /// Cardless trial days at a first initialisation (0 = none) and what it grants.
    var trialDays: Double = 0
    var trialEntitlements: [String] = []
    /// SQLite: `/v1/me` rows served again while nothing was committed since they were read.
    let meCache = MeSnapshotCache()
    let now: @Sendable () -> Date

    var functions: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .on(API.Functions.memberInit, use: memberInitFunction)
            .on(API.Functions.memberInitGet, use: memberInitFunction)
            .on(API.Functions.memberGet, use: memberGetFunction)
            .on(API.Functions.memberGetGet, use: memberGetFunction)
    }

    var product: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .on(API.Members.me, use: me)
            .on(API.Members.initialize, use: meInit)
            .on(API.Members.reportWords, use: reportWords)
    }

    /// Reports per user per minute (a retry loop or a faulty client cannot flood the ledger).
    var wordsLimiter: RateLimiter?
    static let wordsRule = RateLimitRule(limit: 60, window: 60, burst: 60)

    @Sendable func reportWords(_ request: Request, context: AuthenticatedContext) async throws -> JSONResponse<WordsReportResponse> {
        let body = try await JSONBody.decode(WordsReport.self, from: request, context: context)
        guard let count = body.count, (1...100_000).contains(count) else {
            throw APIError.validation("count must be a whole number of words from 1 to 100000")
        }
        guard let rawKey = body.idempotency_key, (1...128).contains(rawKey.count) else {
            throw APIError.validation("idempotency_key must be 1 to 128 characters")
        }
        // The key is kept as text: a NUL (which PostgreSQL cannot store) reads as U+FFFD.
        let key = rawKey.replacingOccurrences(of: "\0", with: "\u{FFFD}")
        let user = context.identity.userID
        let now = self.now()
        if let wordsLimiter { try await wordsLimiter.check(Self.wordsRule, key: "words:\(user)", now: now) }
        func record() async throws -> (Bool, Member?) {
            try await database.transaction { db in
                let recorded = try await WordsRepository.report(userID: user, count: count, key: key, now: now, on: db)
                return (recorded, try await MemberRepository.find(userID: user, now: now, on: db))
            }
        }
        let (recorded, member): (Bool, Member?)
        do {
            (recorded, member) = try await record()
        } catch StoreError.uniqueViolation {
            // The same key at the same moment from a retry: the other one counted.
            (recorded, member) = try await record()
        }
        return JSONResponse(WordsReportResponse(recorded: recorded, member: member.map(MemberDTO.init)))
    }

    /// Creates the free member once (never resetting an existing one) and the profile if missing; with cardless
    /// trials on, starts one the first time (once per account and per verified address, ever).
    func initMember(_ identity: Identity) async throws -> Member {
        let now = self.now()
        return try await database.transaction { db in
            try await MemberRepository.initFree(userID: identity.userID, now: now, on: db)
            try await MemberRepository.insertProfileIfMissing(
                userID: identity.userID, displayName: identity.userMetadata["display_name"]?.stringValue, now: now, on: db)
            if trialDays > 0 { try await startTrialIfDue(identity.userID, now: now, on: db) }
            guard let member = try await MemberRepository.find(userID: identity.userID, now: now, on: db) else {
                throw StoreError.corruptRow("member vanished after insert")
            }
            return member
        }
    }

    /// A trial needs an account here with a verified address (an anonymous or external-auth user gets none), no
    /// earlier trial for the account or the address, and nothing paid already granting what the trial would.
    private func startTrialIfDue(_ userID: UserID, now: Date, on db: SQLConnection) async throws {
        guard let applier, let user = try await UserRepository.find(id: userID, on: db), !user.isAnonymous, user.deletedAt == nil,
            user.isConfirmed, let email = user.email
        else { return }
        let grants = try await BillingRepository.grants(of: userID, on: db)
        let held = Set(EntitlementSet.active(grants, at: now).map(\.code))
        if trialEntitlements.allSatisfy(held.contains) { return }
        guard try await BillingRepository.claimTrial(
            userID: userID, emailHash: OneTimeCodeHash.sha256Hex("trial:" + email.lowercased()), now: now, on: db)
        else { return }
        for code in trialEntitlements {
            try await BillingRepository.saveGrant(
                Grant(code: code, source: .trial, startsAt: now, endsAt: now.addingTimeInterval(trialDays * 86_400)),
                userID: userID, now: now, on: db)
        }
        try await applier.recompute(userID, now: now, on: db)
    }

    /// The stored flags say "on trial" past its end until something recomputes the member (access already
    /// follows the grant's end): the first read after the end does it.
    func settled(_ member: Member?, now: Date) async throws -> Member? {
        guard let member, member.isOnTrial, let end = member.trialEndsAt, end <= now, let applier else { return member }
        return try await database.transaction { db in
            try await applier.recompute(member.id, now: now, on: db)
            return try await MemberRepository.find(userID: member.id, now: now, on: db)
        }
    }

    @Sendable func memberInitFunction(_ request: Request, context: AuthenticatedContext) async throws -> JSONResponse<EmptyBody> {
        _ = try await initMember(context.identity)
        return JSONResponse(EmptyBody())
    }

    @Sendable func memberGetFunction(_ request: Request, context: AuthenticatedContext) async throws -> JSONResponse<MemberEnvelope> {
        let identity = context.identity
        let now = self.now()
        let stored = try await database.read { db in try await MemberRepository.find(userID: identity.userID, now: now, on: db) }
        let member = try await settled(stored, now: now)
        return JSONResponse(MemberEnvelope(member: member.map(MemberDTO.init)))
    }

    @Sendable func meInit(_ request: Request, context: AuthenticatedContext) async throws -> JSONResponse<MemberEnvelope> {
        // The body carries nothing, but one that is sent must be a JSON object, as the contract says: anything else
        // is a client bug worth a 400, not a silent success.
        try await JSONBody.requireObjectOrNothing(from: request, context: context)
        let member = try await initMember(context.identity)
        return JSONResponse(MemberEnvelope(member: MemberDTO(member)))
    }

    @Sendable func me(_ request: Request, context: AuthenticatedContext) async throws -> JSONResponse<MeResponse> {
        let identity = context.identity
        let now = self.now()
        var snapshot = try await MeRepository.load(userID: identity.userID, now: now, from: database, cache: meCache)
        if let member = snapshot.member, member.isOnTrial { snapshot.member = try await settled(member, now: now) }
        let userDTO = if let user = snapshot.user {
            MeUserDTO(
                id: user.id.description, email: user.email, emailConfirmedAt: user.emailConfirmedAt.map(WireDate.format),
                createdAt: WireDate.format(user.createdAt), userMetadata: user.userMetadata)
        } else {
            MeUserDTO(id: identity.userID.description, email: identity.email, emailConfirmedAt: nil, createdAt: nil,
                      userMetadata: identity.userMetadata)
        }
        return JSONResponse(MeResponse(
            user: userDTO, profile: snapshot.profile.map(ProfileDTO.init), member: snapshot.member.map(MemberDTO.init)))
    }
}
