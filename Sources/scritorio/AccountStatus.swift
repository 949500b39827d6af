import ArgumentParser
import Foundation
import ScritorioAPI
import ScritorioKit

struct AccountStatus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show the signed-in user, plan, entitlements, AI usage and devices.")
    @OptionGroup var options: AccountOptions

    func run() async throws {
        let client = try await options.signedInClient()
        try await runAccountCommand {
            let me = try await client.me()
            print("user: \(me.user.email ?? "-") (\(me.user.id))")
            if let name = me.profile?.displayName { print("name: \(name)") }
            print("plan: \(EffectivePlan.of(member: me.member))")
            if let member = me.member {
                if member.isOnTrial { print("trial: until \(member.trialEndsAt ?? "-")") }
                print("words: \(member.wordsToday) today, \(member.wordsThisMonth) this month, \(member.wordsTotal) in all")
            }
            let entitlements = try await client.entitlements()
            let codes = entitlements.entitlements.map { entitlement in
                entitlement.code + (entitlement.expiresAt.map { " (until \($0))" } ?? "")
            }
            print("entitlements: \(codes.isEmpty ? "none" : codes.joined(separator: ", "))")
            if let subscription = try await client.subscription() {
                let when = subscription.renewsAt.map { "renews \($0)" } ?? subscription.endsAt.map { "ends \($0)" } ?? ""
                print("subscription: \(subscription.plan ?? "-") \(subscription.status) \(when)")
            }
            if let usage = try? await client.aiUsage() {
                let limit = usage.month.tokensLimit.map(String.init) ?? "unlimited"
                print("ai usage: \(usage.month.tokensUsed) / \(limit) tokens this month (ai plan \(usage.plan))")
            }
            if let devices = try? await client.devices() {
                print("devices: \(devices.count)")
            }
        }
    }
}

struct AccountUpgrade: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upgrade", abstract: "Buy a plan: print the checkout URL, then wait until the account is upgraded.")
    @OptionGroup var options: AccountOptions
    @Option(help: "The plan to buy (a catalog code, e.g. pro_monthly).") var plan = "pro_monthly"
    @Option(help: "The payment provider (paddle or lemonsqueezy; default: the server's).") var provider: String?
    @Option(help: "Seconds to wait for the payment.") var timeout = 900
    @Flag(help: "Print the checkout URL and exit without waiting.") var noWait = false

    func run() async throws {
        let client = try await options.signedInClient()
        try await runAccountCommand {
            let checkout = try await client.checkout(plan: plan, provider: provider)
            print("Open this page to pay:")
            print(checkout.checkoutUrl)
            if let transaction = checkout.transactionId { print("transaction: \(transaction)") }
            if let id = checkout.checkoutId { print("checkout: \(id)") }
            if noWait { return }
            let spinner = ["|", "/", "-", "\\"]
            let interactive = isatty(STDOUT_FILENO) == 1
            let member = try await client.waitForUpgrade(
                transactionId: checkout.provider == "paddle" ? checkout.transactionId : nil,
                policy: UpgradePolicy(timeout: .seconds(timeout))
            ) { step in
                let text: String
                switch step.status {
                case .waitingForPayment: text = "Waiting for the payment \(spinner[step.attempt % spinner.count]) (check \(step.attempt))"
                case .offline: text = "Server unreachable, retrying (check \(step.attempt))"
                case .upgraded(let plan): text = "Payment received: \(plan)"
                }
                if interactive {
                    FileHandle.standardOutput.write(Data("\r\u{1B}[K\(text)".utf8))
                } else {
                    print(text)
                }
            }
            if interactive { print("") }
            print("plan: \(EffectivePlan.of(member: member))")
        }
    }
}
