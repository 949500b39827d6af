#if canImport(Observation)
import Foundation
import Observation
import ScritorioAPI

/// The account as a SwiftUI app shows it: who is signed in, their member and plan, the route to show, and the
/// upgrade in progress. Follows ``ScritorioClient/authStateChanges`` and loads the member after each sign-in
/// (the seed's `AppSideEffects` and `tryInit`).
///
/// ```swift
/// @State var account = AccountModel(client: client, storage: storage)
/// .task { await account.run() }
/// ```
@MainActor
@Observable
public final class AccountModel {
    /// The client this model follows.
    public let client: ScritorioClient
    /// The signed-in user, `nil` when signed out.
    public private(set) var user: AccountUser?
    /// The member, once loaded.
    public private(set) var member: MemberDTO?
    /// Whether the start-up state is known yet (the app may show a splash screen until then).
    public private(set) var isReady = false
    /// Whether the user finished onboarding.
    public private(set) var isOnboarded = false
    /// The enterprise preference (the seed's `userPrefs.isEnterprise`).
    public var isEnterprise = false
    /// The last upgrade step, while one runs.
    public private(set) var upgradeProgress: UpgradeProgress?
    /// The last failure to show, if any.
    public var lastError: ScritorioError?

    private let onboarding: OnboardingStore
    private let routeGuard: RouteGuard

    /// A model over `client`; onboarding completion is kept in `storage`.
    public init(client: ScritorioClient, storage: any SessionStorage, routeGuard: RouteGuard = .standard) {
        self.client = client
        self.onboarding = OnboardingStore(storage: storage)
        self.routeGuard = routeGuard
    }

    /// The plan to show.
    public var effectivePlan: EffectivePlan { EffectivePlan.of(member: member, isEnterprise: isEnterprise) }
    /// Whether the member pays.
    public var isPaying: Bool { member?.isPaying ?? false }
    /// Whether the member is in a trial (a cardless one or a provider's) that has not ended.
    public var isOnTrial: Bool { trialEndsAt.map { $0 > Date() } ?? (member?.isOnTrial ?? false) }
    /// When the trial ends, while the member is in one.
    public var trialEndsAt: Date? {
        guard let member, member.isOnTrial, let text = member.trialEndsAt else { return nil }
        return RFC3339.parse(text)
    }
    /// Whole days left in the trial (0 on its last day), or nil when not in one.
    public var trialDaysLeft: Int? {
        guard let end = trialEndsAt, end > Date() else { return nil }
        return Int(end.timeIntervalSinceNow / 86_400)
    }
    /// What the route guard decides on.
    public var guardState: GuardState { GuardState(isLoggedIn: user != nil, isOnboarded: isOnboarded) }

    /// Where a visitor of `node` must go instead, or `nil` to show it.
    public func redirect(for node: RouteNode) -> RouteNode? { routeGuard.redirect(for: node, in: guardState) }

    /// Follows auth changes until the task is cancelled; starts the client (4 s start-up timeout, as the seed) and
    /// keeps its session refreshed.
    public func run(startupTimeout: Duration = .seconds(4)) async {
        let events = await client.authStateChanges
        let client = self.client
        Task { await client.start(timeout: startupTimeout) }
        let refresher = Task { await client.runAutoRefresh() }
        defer { refresher.cancel() }
        for await event in events {
            await apply(event)
        }
    }

    /// Applies one auth event.
    public func apply(_ event: AuthEvent) async {
        let previous = user?.id
        user = event.user
        isReady = true
        isOnboarded = user.map { onboarding.isOnboarded($0.id) } ?? false
        if user == nil {
            member = nil
        } else if user?.id != previous || member == nil {
            await refreshMember()
        }
    }

    /// Records that onboarding is done (persisted).
    public func completeOnboarding() {
        guard let user else { return }
        try? onboarding.setOnboarded(true, for: user.id)
        isOnboarded = true
    }

    /// Reloads the member (the seed's `refreshMember`); failures keep the last member.
    public func refreshMember() async {
        do {
            member = try await client.member()
        } catch let error as ScritorioError {
            lastError = error
        } catch {}
    }

    /// Runs the upgrade flow: `open` shows the checkout page; the model tracks progress and ends with the new member.
    public func upgrade(plan: String, policy: UpgradePolicy = UpgradePolicy(), open: @Sendable (Checkout) async throws -> Void) async {
        do {
            let upgraded = try await client.upgrade(plan: plan, policy: policy, open: open) { step in
                Task { @MainActor in self.upgradeProgress = step }
            }
            member = upgraded ?? member
        } catch let error as ScritorioError {
            lastError = error
        } catch {}
        upgradeProgress = nil
    }

    /// Signs out.
    public func signOut() async {
        await client.signOut()
    }
}
#endif
