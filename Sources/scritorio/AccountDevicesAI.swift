import ArgumentParser
import Foundation
import ScritorioAPI
import ScritorioKit
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct AccountDevices: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices", abstract: "List the devices holding your licence seats, free one, or activate this one.")
    @OptionGroup var options: AccountOptions
    @Option(help: "Free the seat of the device with this id.") var free: String?
    @Flag(help: "Activate this machine with your first licence key.") var activate = false

    func run() async throws {
        let client = try await options.signedInClient()
        try await runAccountCommand {
            if let free {
                try await client.freeDevice(id: free)
                print("Freed \(free).")
            }
            if activate {
                guard let key = try await client.licenses().first(where: { $0.key != nil })?.key else {
                    print("No licence key on this account (upgrade first).")
                    throw ExitCode.failure
                }
                let device = try StoredDeviceIdentity(storage: options.storage, app: "scritorio-cli")
                let answer = try await client.activateLicense(key: key, device: device)
                print("Activated \(device.name) (\(answer.instance?.id ?? "-")).")
            }
            let devices = try await client.devices()
            if devices.isEmpty { print("No devices.") }
            for device in devices {
                let seen = device.lastValidatedAt.map { ", last seen \($0)" } ?? ""
                print("\(device.id)  \(device.name ?? "-")  key …\(device.licenseKeyHint ?? "")  since \(device.createdAt)\(seen)")
            }
        }
    }
}

struct AccountAI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ai", abstract: "Ask the managed AI; the answer streams in.")
    @OptionGroup var options: AccountOptions
    @Argument(help: "The prompt.") var prompt: String
    @Option(help: "The model.") var model = ScritorioClient.defaultChatModel

    func run() async throws {
        let client = try await options.signedInClient()
        try await runAccountCommand {
            for try await piece in client.chat([.user(prompt)], model: model) {
                FileHandle.standardOutput.write(Data(piece.utf8))
            }
            print("")
        }
    }
}

/// Prompts on the terminal; secrets are read with echo off.
enum Terminal {
    struct EndOfInput: Error {}

    static func prompt(_ text: String) throws -> String {
        FileHandle.standardOutput.write(Data(text.utf8))
        return try readLine()
    }

    static func readLine() throws -> String {
        guard let line = Swift.readLine(strippingNewline: true) else { throw ValidationError("no input") }
        return line
    }

    /// Reads a line without echoing it (when standard input is a terminal).
    static func secret(_ text: String) throws -> String {
        FileHandle.standardOutput.write(Data(text.utf8))
        guard isatty(STDIN_FILENO) == 1 else { return try readLine() }
        var saved = termios()
        tcgetattr(STDIN_FILENO, &saved)
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet)
        defer {
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved)
            FileHandle.standardOutput.write(Data("\n".utf8))
        }
        return try readLine()
    }
}
