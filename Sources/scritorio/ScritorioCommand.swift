import ArgumentParser

/// `scritorio`: the server and its administration commands.
@main
struct Scritorio: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Accounts, billing, entitlements and managed AI for a paid desktop app.",
        subcommands: [Serve.self, Migrate.self, Keys.self, Simulate.self, Billing.self, Admin.self, Account.self],
        defaultSubcommand: Serve.self)
}
