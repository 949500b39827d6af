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
            abstract: "Fetch stale-looking subscriptions from Paddle's API and apply their current state.")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let config = try common.config()
            guard let key = config.paddle.apiKey else {
                throw ValidationError("PADDLE_API_KEY is not set; reconciliation reads Paddle's API")
            }
            let logger = Bootstrap.logger("scritorio.billing")
            try await Bootstrap.withDatabase(config, logger: logger) { database in
                let report = try await reconcileBilling(
                    config: config, database: database, paddle: .live(baseURL: config.paddle.baseURL, apiKey: key), logger: logger)
                print("checked \(report.checked) subscription(s): \(report.changed) repaired, \(report.failed) failed")
            }
        }
    }
}
