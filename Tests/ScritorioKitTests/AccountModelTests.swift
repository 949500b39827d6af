#if canImport(Observation)
import Foundation
import ScritorioAPI
@testable import ScritorioKit
import Testing

@Suite("Account model")
struct AccountModelTests {
    @Test("sign-in loads the member and routes to onboarding, then the dashboard; sign-out back to welcome")
    func flow() async throws {
        try await KitServer.run { server in
            let storage = InMemorySessionStorage()
            let client = server.client(storage: storage)
            let model = await AccountModel(client: client, storage: storage)
            let before = await model.redirect(for: .dashboard)
            #expect(before == .welcome)
            let email = try await Self.confirmed(server)
            let user = try await client.signIn(email: email, password: ClientIntegrationTests.password)
            await model.apply(.signedIn(user))
            let (plan, paying, memberPlan) = await (model.effectivePlan, model.isPaying, model.member?.plan)
            #expect(plan == .free && !paying && memberPlan == "free")
            let fresh = await model.redirect(for: .welcome)
            #expect(fresh == .onboarding)
            await model.completeOnboarding()
            let (welcome, dashboard) = await (model.redirect(for: .welcome), model.redirect(for: .dashboard))
            #expect(welcome == .dashboard && dashboard == nil)
            // Onboarding is remembered for this user across launches.
            let relaunched = await AccountModel(client: client, storage: storage)
            await relaunched.apply(.initialSession(user))
            #expect(await relaunched.isOnboarded)
            await model.signOut()
            await model.apply(.signedOut)
            let (member, afterPlan, afterRoute) = await (model.member, model.effectivePlan, model.redirect(for: .dashboard))
            #expect(member == nil && afterPlan == .community && afterRoute == .welcome)
        }
    }

    static func confirmed(_ server: KitServer) async throws -> String {
        let client = server.client()
        let email = try await ClientIntegrationTests.signedUp(server, client)
        await client.signOut()
        return email
    }
}
#endif
