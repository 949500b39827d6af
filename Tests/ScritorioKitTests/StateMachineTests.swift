import Foundation
import ScritorioAPI
import ScritorioCore
@testable import ScritorioKit
import Testing

@Suite("Login form, route guard, plans and limits")
struct StateMachineTests {
    @Test("sign-up validates email, password and confirmation before anything is sent")
    func signUpValidation() {
        var form = LoginForm(mode: .signUp)
        form.email = "not-an-email"
        form.password = "abc"
        form.confirmPassword = "abd"
        #expect(form.validationErrors == [.invalidEmail, .passwordTooShort, .passwordsDoNotMatch])
        form.email = "ada@example.com"
        form.password = "correct-horse-1"
        form.confirmPassword = "correct-horse-1"
        #expect(form.validationErrors.isEmpty)
        form.password = String(repeating: "é", count: 40)  // 80 bytes
        form.confirmPassword = form.password
        #expect(form.validationErrors == [.passwordTooLong])
        for bad in ["", "a@", "@b.c", "a@b", "a b@c.d", "a@b.", "a@@b.c"] { #expect(!LoginForm.isValidEmail(bad), "\(bad)") }
        for good in ["a@b.co", "first.last+tag@sub.example.com"] { #expect(LoginForm.isValidEmail(good), "\(good)") }
    }

    @Test("transitions: loading, success moves reset to passwordResetSent, errors become messages, mode switch clears them")
    func transitions() {
        var form = LoginForm(mode: .resetPassword)
        form.begin()
        #expect(form.status == .loading)
        form.succeed()
        #expect(form.mode == .passwordResetSent && form.status == .success)

        var signUp = LoginForm(mode: .signUp)
        signUp.succeed()
        #expect(signUp.hasSubmittedRegistration)

        var signIn = LoginForm(mode: .signIn)
        signIn.fail(ScritorioError.server(status: 400, code: "invalid_credentials", message: "Invalid login credentials"))
        #expect(signIn.status == .error && signIn.errorMessage == "Wrong email or password.")
        signIn.switchMode(.signUp)
        #expect(signIn.status == .idle && signIn.errorMessage.isEmpty)
    }

    @Test("messages come from the server's codes", arguments: [
        (ScritorioError.server(status: 400, code: "invalid_credentials", message: ""), "Wrong email or password."),
        (.server(status: 400, code: "email_not_confirmed", message: ""), "Confirm your email first: enter the code we sent you."),
        (.server(status: 422, code: "user_already_exists", message: ""), "This email is already registered. Sign in instead."),
        (.server(status: 422, code: "weak_password", message: "Password should be at least 8 characters."), "Password should be at least 8 characters."),
        (.server(status: 429, code: "over_request_rate_limit", message: ""), "Too many attempts. Wait a minute and try again."),
        (.server(status: 429, code: "over_email_send_rate_limit", message: ""), "Too many attempts. Wait a minute and try again."),
        (.offline("connection refused"), "You appear to be offline. Check your connection and try again."),
        (.server(status: 500, code: "unexpected_failure", message: ""), "An error occurred while signing in."),
    ])
    func messages(error: ScritorioError, expected: String) {
        #expect(LoginForm.message(for: error, mode: .signIn) == expected)
    }

    @Test("the seed's guard graph: every node and state")
    func guardGraph() {
        let g = RouteGuard.standard
        let out = GuardState(isLoggedIn: false, isOnboarded: false)
        let fresh = GuardState(isLoggedIn: true, isOnboarded: false)
        let ready = GuardState(isLoggedIn: true, isOnboarded: true)
        let outButOnboarded = GuardState(isLoggedIn: false, isOnboarded: true)
        #expect(g.redirect(for: .welcome, in: out) == nil)
        #expect(g.redirect(for: .welcome, in: fresh) == .onboarding)
        #expect(g.redirect(for: .welcome, in: ready) == .dashboard)
        #expect(g.redirect(for: .onboarding, in: fresh) == nil)
        #expect(g.redirect(for: .onboarding, in: ready) == .dashboard)
        #expect(g.redirect(for: .dashboard, in: ready) == nil)
        #expect(g.redirect(for: .dashboard, in: out) == .welcome)
        #expect(g.redirect(for: .dashboard, in: fresh) == .welcome)
        #expect(g.redirect(for: .dashboard, in: outButOnboarded) == .welcome)
        #expect(g.redirect(for: .notFound, in: out) == nil)
        #expect(g.destination(from: .dashboard, in: fresh) == .onboarding)
        #expect(g.destination(from: .welcome, in: ready) == .dashboard)
    }

    @Test("onboarding completion is persisted per user")
    func onboardingStore() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kit-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = OnboardingStore(storage: FileSessionStorage(directory: directory))
        #expect(!store.isOnboarded("u1"))
        try store.setOnboarded(true, for: "u1")
        #expect(OnboardingStore(storage: FileSessionStorage(directory: directory)).isOnboarded("u1"))
        #expect(!store.isOnboarded("u2"))
        try store.setOnboarded(false, for: "u1")
        #expect(!store.isOnboarded("u1"))
    }

    static func member(plan: String, wordsToday: Int64 = 0, wordsMonth: Int64 = 0, tokensMonth: Int64 = 0, daysAgo: Double = 0) -> MemberDTO {
        // An account created 100 days ago, its counters last written `daysAgo` days ago.
        let periods = UsagePeriods(anchor: Date().addingTimeInterval(-100 * 86_400), now: Date().addingTimeInterval(-daysAgo * 86_400))
        var member = MemberDTO(Member(
            id: UserID(UUID()), plan: MemberPlan(rawValue: plan), isOnTrial: false, trialEndsAt: nil, counters: UsageCounters(),
            todayResetAt: periods.dayStart, thisMonthResetAt: periods.monthStart, createdAt: Date(), updatedAt: Date()))
        member.wordsToday = wordsToday
        member.wordsThisMonth = wordsMonth
        member.tokensThisMonth = tokensMonth
        return member
    }

    @Test("effectivePlan and isPaying as the seed computes them")
    func plans() {
        #expect(EffectivePlan.of(member: nil) == .community)
        #expect(EffectivePlan.of(member: Self.member(plan: "free")) == .free)
        #expect(EffectivePlan.of(member: Self.member(plan: "pro")) == .pro)
        #expect(EffectivePlan.of(member: Self.member(plan: "free"), isEnterprise: true) == .enterprise)
        #expect(EffectivePlan.of(member: nil, isEnterprise: true) == .enterprise)
        #expect(!Self.member(plan: "free").isPaying)
        #expect(Self.member(plan: "pro").isPaying)
        #expect(Self.member(plan: "team").isPaying)
    }

    @Test("limit checks against the plan's word and token limits; a passed reset time counts as zero")
    func limits() {
        let table = PlanLimitTable([
            .free: PlanLimits(wordsPerDay: 1000, wordsPerMonth: 10000, tokensPerMonth: 50000),
            .pro: .unlimited,
        ], fallback: PlanLimits(wordsPerDay: 0))
        #expect(table.exceeded(member: Self.member(plan: "free", wordsToday: 999), plan: .free) == nil)
        #expect(table.exceeded(member: Self.member(plan: "free", wordsToday: 1000), plan: .free) == .wordsToday(used: 1000, limit: 1000))
        #expect(table.exceeded(member: Self.member(plan: "free", wordsMonth: 10001), plan: .free) == .wordsThisMonth(used: 10001, limit: 10000))
        #expect(table.exceeded(member: Self.member(plan: "free", tokensMonth: 50000), plan: .free) == .tokensThisMonth(used: 50000, limit: 50000))
        #expect(table.exceeded(member: Self.member(plan: "pro", wordsToday: 1_000_000), plan: .pro) == nil)
        #expect(table.exceeded(member: Self.member(plan: "x"), plan: .community) == .wordsToday(used: 0, limit: 0))
        // The day rolled over since the counters were written: that day's words count as zero.
        #expect(table.exceeded(member: Self.member(plan: "free", wordsToday: 5000, daysAgo: 1), plan: .free) == nil)
        #expect(table.exceeded(member: Self.member(plan: "free", wordsMonth: 20000, daysAgo: 40), plan: .free) == nil)
    }

    @Test("upgrade polling backs off and is capped")
    func backoff() {
        let policy = UpgradePolicy(initialDelay: .milliseconds(500), multiplier: 2, maximumDelay: .seconds(5))
        #expect((1...7).map(policy.delay(before:)) == [.zero, .milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(5), .seconds(5)])
    }
}
