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
    }

    /// Creates the free member once (never resetting an existing one) and the profile if missing.
    func initMember(_ identity: Identity) async throws -> Member {
        let now = self.now()
        return try await database.transaction { db in
            try await MemberRepository.initFree(userID: identity.userID, now: now, on: db)
            try await MemberRepository.insertProfileIfMissing(
                userID: identity.userID, displayName: identity.userMetadata["display_name"]?.stringValue, now: now, on: db)
            guard let member = try await MemberRepository.find(userID: identity.userID, now: now, on: db) else {
                throw StoreError.corruptRow("member vanished after insert")
            }
            return member
        }
    }

    @Sendable func memberInitFunction(_ request: Request, context: AuthenticatedContext) async throws -> JSONResponse<EmptyBody> {
        _ = try await initMember(context.identity)
        return JSONResponse(EmptyBody())
    }

    @Sendable func memberGetFunction(_ request: Request, context: AuthenticatedContext) async throws -> JSONResponse<MemberEnvelope> {
        let identity = context.identity
        let now = self.now()
        let member = try await database.read { db in try await MemberRepository.find(userID: identity.userID, now: now, on: db) }
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
        let snapshot = try await MeRepository.load(userID: identity.userID, now: now, from: database, cache: meCache)
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
