import ArgumentParser
import Foundation
import ScritorioProviders
import ScritorioServer
import ScritorioRuntime
import ScritorioStore

/// `scritorio billing reconcile`: compare stale-looking subscriptions with the provider and repair drift.
struct Billing: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Billing maintenance.", subcommands: [Reconcile.self])

    struct Reconcile: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fetch subscriptions from Paddle's and Lemon Squeezy's APIs and apply their current state.")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let config = try common.config()
            guard config.paddle.apiKey != nil || config.lemonSqueezy.apiKey != nil else {
                throw ValidationError("neither PADDLE_API_KEY nor LEMONSQUEEZY_API_KEY is set; reconciliation reads the providers' APIs")
            }
            let logger = Bootstrap.logger("scritorio.billing", config: config)
            try await AppRuntime.with(config: config, logger: logger) { runtime in
                let database = runtime.dependencies.database
                let report = try await reconcileBilling(
                    config: config, database: database,
                    paddle: config.paddle.apiKey == nil ? nil : runtime.dependencies.paddle,
                    lemonSqueezy: config.lemonSqueezy.apiKey == nil ? nil : runtime.dependencies.lemonSqueezy,
                    logger: logger)
                print("checked \(report.checked) subscription(s): \(report.changed) repaired, \(report.failed) failed")
            }
        }
    }
}
