import ArgumentParser
import Foundation
import ScritorioProviders
import ScritorioServer
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
            let logger = Bootstrap.logger("scritorio.billing")
            try await Bootstrap.withDatabase(config, logger: logger) { database in
                let report = try await reconcileBilling(
                    config: config, database: database,
                    paddle: config.paddle.apiKey.map { PaddleClient.live(baseURL: config.paddle.baseURL, apiKey: $0) },
                    lemonSqueezy: config.lemonSqueezy.apiKey.map { LemonSqueezyClient.live(baseURL: config.lemonSqueezy.baseURL, apiKey: $0) },
                    logger: logger)
                print("checked \(report.checked) subscription(s): \(report.changed) repaired, \(report.failed) failed")
            }
        }
    }
}
