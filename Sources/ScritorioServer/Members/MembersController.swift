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
    let authenticator: Authenticator
    let now: @Sendable () -> Date

    var functions: RouteCollection<AppRequestContext> {
        RouteCollection(context: AppRequestContext.self)
            .post("member-init", use: memberInitFunction)
            .get("member-init", use: memberInitFunction)
            .post("member-get", use: memberGetFunction)
            .get("member-get", use: memberGetFunction)
    }

    var product: RouteCollection<AppRequestContext> {
        RouteCollection(context: AppRequestContext.self)
            .get("me", use: me)
            .post("me/init", use: meInit)
    }

    /// Creates the free member once (never resetting an existing one) and the profile if missing.
    func initMember(_ identity: Identity) async throws -> Member {
        let now = self.now()
        return try await database.transaction { db in
            try await MemberRepository.initFree(userID: identity.userID, now: now, on: db)
            try await MemberRepository.insertProfileIfMissing(
                userID: identity.userID, displayName: identity.userMetadata["display_name"]?.stringValue, now: now, on: db)
            guard let member = try await MemberRepository.find(userID: identity.userID, on: db) else {
                throw StoreError.corruptRow("member vanished after insert")
            }
            return member
        }
    }

    /// Edge Functions answer 401 for any token they cannot use (Supabase's relay and the seed's `getUser`
    /// check both do), so a bad JWT or an ended session is 401 here rather than GoTrue's 403.
    func functionIdentity(_ request: Request) async throws -> Identity {
        do {
            return try await authenticator.identity(request)
        } catch var error as APIError where [.badJWT, .sessionNotFound, .userNotFound].contains(error.code) {
            error.status = .unauthorized
            throw error
        }
    }

    @Sendable func memberInitFunction(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<EmptyObject> {
        _ = try await initMember(try await functionIdentity(request))
        return JSONResponse(EmptyObject())
    }

    @Sendable func memberGetFunction(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<MemberEnvelope> {
        let identity = try await functionIdentity(request)
        let member = try await database.read { db in try await MemberRepository.find(userID: identity.userID, on: db) }
        return JSONResponse(MemberEnvelope(member: member.map(MemberDTO.init)))
    }

    @Sendable func meInit(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<MemberEnvelope> {
        let member = try await initMember(try await authenticator.identity(request))
        return JSONResponse(MemberEnvelope(member: MemberDTO(member)))
    }

    @Sendable func me(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<MeResponse> {
        // The session and user checks of `Authenticator.identity` are folded into the one read below.
        let identity = try await authenticator.verifiedIdentity(request)
        let snapshot = try await database.read { db in
            try await MeRepository.load(userID: identity.userID, sessionID: identity.sessionID, on: db)
        }
        if authenticator.builtIn {
            guard snapshot.user != nil else { throw APIError.userNotFound }
            if identity.sessionID != nil, !snapshot.sessionExists { throw APIError.sessionNotFound }
        }
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
