import Foundation
import ScritorioCore
@testable import ScritorioServer
import ScritorioStore
import ScritorioTestSupport
import Testing

/// GoTrue's admin API for users, through the HTTP stack with the service role.
@Suite("Auth admin API: users")
struct AdminUsersTests {
    @Test("create: confirmed or not, metadata merged, duplicates and bad input refused as GoTrue refuses them", arguments: TestStores.kinds)
    func create(kind: StoreKind) async throws {
        // Sign-ups being off does not stop the admin.
        try await Harness.run(kind, configure: { $0.disableSignup = true }) { app in
            let email = Harness.email()
            let created = try await app.admin(.post, "/auth/v1/admin/users", json: [
                "email": email.uppercased(), "password": "correct-horse-1", "email_confirm": true,
                "user_metadata": ["display_name": "Ada"], "app_metadata": ["plan": "gift", "providers": ["email", "invited"]],
            ])
            #expect(created.status == .ok, "\(created.raw)")
            #expect(created.string("email") == email && created.string("email_confirmed_at") != nil)
            #expect((created.json["user_metadata"] as? [String: Any])?["email_verified"] as? Bool == true)
            let appMetadata = try #require(created.json["app_metadata"] as? [String: Any])
            #expect(appMetadata["provider"] as? String == "email" && appMetadata["plan"] as? String == "gift")
            #expect(appMetadata["providers"] as? [String] == ["email", "invited"])
            #expect((created.json["identities"] as? [[String: Any]])?.first?["provider"] as? String == "email")
            #expect(app.outbox.list(to: email).isEmpty)
            // The account signs in with its password.
            let signIn = try await app.request(.post, "/auth/v1/token?grant_type=password", json: ["email": email, "password": "correct-horse-1"])
            #expect(signIn.status == .ok)
            #expect(Harness.claims(try #require(signIn.string("access_token")))["app_metadata"].flatMap { ($0 as? [String: Any])?["plan"] as? String } == "gift")

            let unconfirmed = try await app.admin(.post, "/auth/v1/admin/users", json: ["email": Harness.email()])
            #expect(unconfirmed.status == .ok && unconfirmed.json["email_confirmed_at"] == nil)

            let duplicate = try await app.admin(.post, "/auth/v1/admin/users", json: ["email": email, "password": "another-pass-1"])
            #expect((duplicate.status, duplicate.code) == (.unprocessableContent, "email_exists"))
            #expect(duplicate.string("message") == "A user with this email address has already been registered")
            for (body, message) in [
                ([:], "Cannot create a user without either an email or phone"),
                (["email": "not-an-email"], "Unable to validate email address: invalid format"),
                (["email": Harness.email(), "ban_duration": "forever"], #"invalid format for ban duration: time: invalid duration "forever""#),
                (["email": Harness.email(), "id": "nope"], "ID must conform to the uuid v4 format"),
                (["email": Harness.email(), "password": "a", "password_hash": "$2a$10$abc"], "Only a password or a password hash should be provided"),
            ] as [([String: Any], String)] {
                let refused = try await app.admin(.post, "/auth/v1/admin/users", json: body)
                #expect((refused.status, refused.code) == (.badRequest, "validation_failed"), "\(body): \(refused.raw)")
                #expect(refused.string("message") == message)
            }
            let phone = try await app.admin(.post, "/auth/v1/admin/users", json: ["phone": "+15555550100"])
            #expect(phone.status.code >= 400 && phone.status.code < 500)
            #expect(try await app.count("auth_users") == 2)

            // A chosen id is kept.
            let id = UUID().uuidString.lowercased()
            let withID = try await app.admin(.post, "/auth/v1/admin/users", json: ["email": Harness.email(), "id": id])
            #expect(withID.string("id") == id)
        }
    }

    @Test("list pages with GoTrue's Link and X-Total-Count, filters and sorts; get answers 404s as GoTrue", arguments: TestStores.kinds)
    func listAndGet(kind: StoreKind) async throws {
        try await Harness.run(kind) { app in
            var ids: [String] = []
            for index in 0..<5 {
                let reply = try await app.admin(.post, "/auth/v1/admin/users", json: ["email": "list-\(index)@example.com", "user_metadata": ["full_name": "Person \(index)"]])
                ids.append(try #require(reply.string("id")))
                try await Task.sleep(for: .milliseconds(5))
            }
            let first = try await app.admin(.get, "/auth/v1/admin/users?page=1&per_page=2")
            #expect(first.status == .ok && first.string("aud") == "authenticated")
            let users = try #require(first.json["users"] as? [[String: Any]])
            // Newest first.
            #expect(users.compactMap { $0["id"] as? String } == [ids[4], ids[3]])
            #expect(first.headers[.init("X-Total-Count")!] == "5")
            #expect(first.headers[.init("Link")!] == #"</admin/users?page=2&per_page=2>; rel="next", </admin/users?page=3&per_page=2>; rel="last""#)
            let last = try await app.admin(.get, "/auth/v1/admin/users?page=3&per_page=2")
            #expect((last.json["users"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [ids[0]])
            #expect(last.headers[.init("Link")!] == #"</admin/users?page=3&per_page=2>; rel="last""#)
            // supabase-py sends empty values for the defaults.
            let defaults = try await app.admin(.get, "/auth/v1/admin/users?page=&per_page=")
            #expect((defaults.json["users"] as? [Any])?.count == 5)
            let ascending = try await app.admin(.get, "/auth/v1/admin/users?sort=created_at%20asc&per_page=1")
            #expect((ascending.json["users"] as? [[String: Any]])?.first?["id"] as? String == ids[0])
            let filtered = try await app.admin(.get, "/auth/v1/admin/users?filter=list-3")
            #expect((filtered.json["users"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [ids[3]])
            #expect(filtered.headers[.init("X-Total-Count")!] == "1")
            let byName = try await app.admin(.get, "/auth/v1/admin/users?filter=person%202")
            #expect((byName.json["users"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [ids[2]])
            let wildcard = try await app.admin(.get, "/auth/v1/admin/users?filter=%25")
            #expect((wildcard.json["users"] as? [Any])?.count == 0)

            for (query, message) in [
                ("page=abc", #"Bad Pagination Parameters: strconv.ParseUint: parsing "abc": invalid syntax"#),
                ("sort=email%20asc", "Bad Sort Parameters: bad field for sort 'email'"),
                ("sort=created_at%20up", "Bad Sort Parameters: bad direction for sort 'up', only 'asc' and 'desc' allowed"),
            ] {
                let refused = try await app.admin(.get, "/auth/v1/admin/users?\(query)")
                #expect((refused.status, refused.code, refused.string("message")) == (.badRequest, "validation_failed", message))
            }

            let one = try await app.admin(.get, "/auth/v1/admin/users/\(ids[1])")
            #expect(one.status == .ok && one.string("email") == "list-1@example.com")
            let badID = try await app.admin(.get, "/auth/v1/admin/users/not-a-uuid")
            #expect((badID.status, badID.code, badID.string("message")) == (.notFound, "validation_failed", "user_id must be an UUID"))
            let missing = try await app.admin(.get, "/auth/v1/admin/users/\(UUID().uuidString)")
            #expect((missing.status, missing.code, missing.string("message")) == (.notFound, "user_not_found", "User not found"))
        }
    }

    @Test("a ban refuses the user's tokens on every route, sign-in and refresh at once; lifting it lets them back", arguments: TestStores.kinds)
    func ban(kind: StoreKind) async throws {
        try await Harness.run(kind) { app in
            let email = Harness.email()
            let session = try await app.confirmedSession(email)
            let token = try #require(session.string("access_token"))
            let refresh = try #require(session.string("refresh_token"))
            let id = try #require((session.json["user"] as? [String: Any])?["id"] as? String)
            #expect(try await app.request(.get, "/v1/me", bearer: token).status == .ok)

            let banned = try await app.admin(.put, "/auth/v1/admin/users/\(id)", json: ["ban_duration": "24h"])
            #expect(banned.status == .ok && banned.string("banned_until") != nil)
            let user = try await app.request(.get, "/auth/v1/user", bearer: token)
            #expect((user.status, user.code, user.string("message")) == (.forbidden, "user_banned", "User is banned"))
            #expect(try await app.request(.get, "/v1/me", bearer: token).status == .forbidden)
            #expect(try await app.request(.post, "/functions/v1/member-get", json: [:], bearer: token).status.code >= 400)
            let password = try await app.request(.post, "/auth/v1/token?grant_type=password", json: ["email": email, "password": "wrong-password"])
            #expect((password.status, password.code, password.string("message")) == (.badRequest, "user_banned", "User is banned"))
            let refreshed = try await app.request(.post, "/auth/v1/token?grant_type=refresh_token", json: ["refresh_token": refresh])
            #expect((refreshed.status, refreshed.code, refreshed.string("message")) == (.badRequest, "user_banned", "Invalid Refresh Token: User Banned"))

            let lifted = try await app.admin(.put, "/auth/v1/admin/users/\(id)", json: ["ban_duration": "none"])
            #expect(lifted.status == .ok && lifted.json["banned_until"] == nil)
            #expect(try await app.request(.get, "/auth/v1/user", bearer: token).status == .ok)
            #expect(try await app.request(.post, "/auth/v1/token?grant_type=refresh_token", json: ["refresh_token": refresh]).status == .ok)
        }
    }

    @Test("update merges metadata (null deletes), replaces the password ending every session, changes the email", arguments: TestStores.kinds)
    func update(kind: StoreKind) async throws {
        try await Harness.run(kind) { app in
            let email = Harness.email()
            let session = try await app.confirmedSession(email)
            let token = try #require(session.string("access_token"))
            let id = try #require((session.json["user"] as? [String: Any])?["id"] as? String)
            _ = try await app.admin(.put, "/auth/v1/admin/users/\(id)", json: ["app_metadata": ["tier": "gold", "seats": 3]])
            let merged = try await app.admin(.put, "/auth/v1/admin/users/\(id)", json: [
                "app_metadata": ["seats": NSNull()], "user_metadata": ["display_name": "Grace"],
            ])
            let appMetadata = try #require(merged.json["app_metadata"] as? [String: Any])
            #expect(appMetadata["tier"] as? String == "gold" && appMetadata["seats"] == nil && appMetadata["provider"] as? String == "email")
            #expect((merged.json["user_metadata"] as? [String: Any])?["display_name"] as? String == "Grace")

            let newEmail = Harness.email()
            let moved = try await app.admin(.put, "/auth/v1/admin/users/\(id)", json: ["email": newEmail, "password": "brand-new-pass-2"])
            #expect(moved.status == .ok && moved.string("email") == newEmail)
            #expect(((moved.json["identities"] as? [[String: Any]])?.first?["identity_data"] as? [String: Any])?["email"] as? String == newEmail)
            let ended = try await app.request(.get, "/auth/v1/user", bearer: token)
            #expect((ended.status, ended.code) == (.forbidden, "session_not_found"))
            let signIn = try await app.request(.post, "/auth/v1/token?grant_type=password", json: ["email": newEmail, "password": "brand-new-pass-2"])
            #expect(signIn.status == .ok)

            let other = try await app.admin(.post, "/auth/v1/admin/users", json: ["email": Harness.email()])
            let clash = try await app.admin(.put, "/auth/v1/admin/users/\(try #require(other.string("id")))", json: ["email": newEmail])
            #expect((clash.status, clash.code) == (.unprocessableContent, "email_exists"))
            let weak = try await app.admin(.put, "/auth/v1/admin/users/\(id)", json: ["password": "a"])
            #expect((weak.status, weak.code) == (.unprocessableContent, "weak_password"))
            let missing = try await app.admin(.put, "/auth/v1/admin/users/\(UUID().uuidString)", json: ["user_metadata": [:]])
            #expect((missing.status, missing.code) == (.notFound, "user_not_found"))
        }
    }

    @Test("delete, hard or soft: the tokens stop at once, the address is freed, a soft-deleted row stays emptied", arguments: TestStores.kinds)
    func delete(kind: StoreKind) async throws {
        try await Harness.run(kind) { app in
            let hardEmail = Harness.email()
            let hard = try await app.confirmedSession(hardEmail)
            let hardToken = try #require(hard.string("access_token"))
            let hardID = try #require((hard.json["user"] as? [String: Any])?["id"] as? String)
            let deleted = try await app.admin(.delete, "/auth/v1/admin/users/\(hardID)", json: ["should_soft_delete": false])
            #expect(deleted.status == .ok && deleted.raw == "{}")
            let gone = try await app.request(.get, "/auth/v1/user", bearer: hardToken)
            #expect((gone.status, gone.code) == (.forbidden, "user_not_found"))
            #expect(try await app.request(.get, "/v1/me", bearer: hardToken).status == .forbidden)
            let again = try await app.admin(.delete, "/auth/v1/admin/users/\(hardID)")
            #expect((again.status, again.code) == (.notFound, "user_not_found"))

            let softEmail = Harness.email()
            let soft = try await app.confirmedSession(softEmail)
            let softToken = try #require(soft.string("access_token"))
            let softID = try #require((soft.json["user"] as? [String: Any])?["id"] as? String)
            let softDeleted = try await app.admin(.delete, "/auth/v1/admin/users/\(softID)", json: ["should_soft_delete": true])
            #expect(softDeleted.status == .ok)
            #expect(try await app.request(.get, "/auth/v1/user", bearer: softToken).status == .forbidden)
            #expect(try await app.request(.get, "/v1/me", bearer: softToken).status == .forbidden)
            let kept = try await app.admin(.get, "/auth/v1/admin/users/\(softID)")
            #expect(kept.status == .ok && kept.string("deleted_at") != nil && kept.string("email") != softEmail)
            #expect((kept.json["user_metadata"] as? [String: Any])?.isEmpty == true)
            let signIn = try await app.request(.post, "/auth/v1/token?grant_type=password", json: ["email": softEmail, "password": "correct-horse-1"])
            #expect((signIn.status, signIn.code) == (.badRequest, "invalid_credentials"))
            // The address can be used again.
            _ = try await app.confirmedSession(softEmail)
            // A body that is not JSON deletes nothing.
            let notJSON = try await app.admin(.delete, "/auth/v1/admin/users/\(softID)", json: ["should_soft_delete": "yes"])
            let stillThere = try await app.admin(.get, "/auth/v1/admin/users/\(softID)")
            #expect(notJSON.status == .badRequest && stillThere.status == .ok)
        }
    }
}
