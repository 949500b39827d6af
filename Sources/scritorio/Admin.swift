import ArgumentParser
import Foundation
import ScritorioAPI
import ScritorioCore
import ScritorioServer
import ScritorioRuntime
import ScritorioStore

/// `scritorio admin events …`: see what the webhook processor could not apply, and act on it.
struct Admin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Administration.", subcommands: [Events.self, AdminUsers.self])

    struct Events: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stored webhook events: list (parked, orphan, retry by default), replay, link an orphan to a user.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "list, replay EVENT_ID, or link EVENT_ID USER_ID") var action: String = "list"
        @Argument(help: "Event id, then user id for link.") var ids: [String] = []
        @Option(help: "Statuses to list (comma-separated; 'all' for every status).") var status = "parked,orphan,retry"
        @Option(help: "Provider of the event.") var provider = "paddle"
        @Option(help: "How many to list.") var limit = 50

        func run() async throws {
            let config = try common.config()
            let logger = Bootstrap.logger("scritorio.admin", config: config)
            let (action, ids, status, provider, limit) = (self.action, self.ids, self.status, self.provider, self.limit)
            try await AppRuntime.with(config: config, logger: logger) { runtime in
                let database = runtime.dependencies.database
            switch action {
            case "list":
                let statuses = status == "all" ? [] : status.split(separator: ",").map { WebhookEventStatus(rawValue: String($0)) }
                let events = try await database.read { try await WebhookQueue.list(statuses: statuses, limit: limit, on: $0) }
                for event in events {
                    print([event.provider, event.eventID, event.eventType, event.status.rawValue, "attempts=\(event.attempts)",
                           WireDate.format(event.receivedAt), event.userID?.description ?? "-", event.lastError ?? ""]
                        .joined(separator: "\t"))
                }
                if events.isEmpty { print("no events with status \(status)") }
            case "replay", "link":
                guard let eventID = ids.first else { throw ValidationError("\(action) needs an event id") }
                var user: UserID?
                if action == "link" {
                    guard ids.count == 2, let parsed = UserID(ids[1]) else { throw ValidationError("link needs EVENT_ID USER_ID (a UUID)") }
                    user = parsed
                }
                let linked = user
                let found = try await database.transaction {
                    try await WebhookQueue.requeue(provider: BillingProvider(rawValue: provider), eventID: eventID, linkTo: linked, on: $0)
                }
                guard found else { throw ValidationError("no \(provider) event \(eventID)") }
                print("\(eventID) queued again\(user.map { " for user \($0)" } ?? ""); the running server applies it shortly")
            default:
                throw ValidationError("unknown action \(action)")
            }
            }
        }
    }
}
