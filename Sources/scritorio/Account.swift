import ArgumentParser
import Foundation
import ScritorioAPI
import ScritorioKit

/// `scritorio account …`: the desktop flow in a terminal, built on ScritorioKit like an app would be.
struct Account: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Use a Scritorio server as a desktop app does: sign up, sign in, upgrade, devices, AI.",
        subcommands: [
            AccountSignUp.self, AccountConfirm.self, AccountLogin.self, AccountLogout.self, AccountStatus.self,
            AccountUpgrade.self, AccountDevices.self, AccountAI.self, AccountToken.self, AccountMFA.self,
        ])
}

/// Where the server is and which stored session to use.
struct AccountOptions: ParsableArguments {
    @Option(help: "The server's URL (env SCRITORIO_URL, default http://127.0.0.1:8080).") var url: String?
    @Option(help: "Which stored session to use (one per account you keep signed in).") var profile = "default"
    @Option(help: "Where sessions are kept (env SCRITORIO_CONFIG_DIR, default the user's config directory).") var configDir: String?

    var storage: FileSessionStorage {
        let environment = ProcessInfo.processInfo.environment
        if let path = configDir ?? environment["SCRITORIO_CONFIG_DIR"], !path.isEmpty {
            return FileSessionStorage(directory: URL(fileURLWithPath: path))
        }
        return FileSessionStorage(directory: FileSessionStorage.defaultDirectory(app: "scritorio"))
    }

    func client() throws -> ScritorioClient {
        let environment = ProcessInfo.processInfo.environment
        let text = url ?? environment["SCRITORIO_URL"] ?? "http://127.0.0.1:8080"
        guard let base = URL(string: text), base.scheme == "http" || base.scheme == "https" else {
            throw ValidationError("--url must be an http(s) URL, got \(text)")
        }
        guard let key = Self.publishableKey(environment: environment) else {
            throw ValidationError(
                "set SCRITORIO_PUBLISHABLE_KEY to the server's publishable key (scritorio serve prints it), or run in the "
                    + "directory the server keeps its data in")
        }
        return ScritorioClient(url: base, publishableKey: key, storage: storage, profile: profile)
    }

    /// `SCRITORIO_PUBLISHABLE_KEY`, else the key a server on this machine keeps in its data directory
    /// (`SCRITORIO_DATA_DIR`, default `./.scritorio`), so the commands work beside `scritorio serve` without an export.
    /// The publishable key is public (every app ships it), so reading it from disk reveals nothing.
    static func publishableKey(environment: [String: String]) -> String? {
        if let key = environment["SCRITORIO_PUBLISHABLE_KEY"], !key.isEmpty { return key }
        let directory = environment["SCRITORIO_DATA_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? ".scritorio"
        guard let text = try? String(contentsOfFile: directory + "/publishable-key", encoding: .utf8) else { return nil }
        let key = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return key.isEmpty ? nil : key
    }

    /// The client with its stored session restored; not signed in prints how to sign in and fails the command.
    func signedInClient() async throws -> ScritorioClient {
        let client = try client()
        guard await client.start() != nil else {
            print("Not signed in. Run: scritorio account login")
            throw ExitCode.failure
        }
        return client
    }

    /// The email of a sign-up waiting for its code, so `confirm` needs no arguments.
    var pendingKey: String { "pending-signup-\(profile)" }
}

/// Runs a command body, printing a failure as one line on stderr and exiting 1.
func runAccountCommand(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ScritorioError {
        FileHandle.standardError.write(Data("error: \(error.localizedDescription)\n".utf8))
        throw ExitCode.failure
    }
}

struct AccountSignUp: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "signup", abstract: "Create an account; a code is emailed to confirm it.")
    @OptionGroup var options: AccountOptions
    @Argument(help: "Email address (asked when missing).") var email: String?
    @Option(help: "Display name.") var name: String?
    @Flag(help: "Read the password from the first line of standard input instead of prompting.") var passwordStdin = false

    func run() async throws {
        let client = try options.client()
        let email = try self.email ?? Terminal.prompt("Email: ")
        let password: String
        if passwordStdin {
            password = try Terminal.readLine()
        } else {
            password = try Terminal.secret("Password: ")
            guard try Terminal.secret("Confirm password: ") == password else {
                FileHandle.standardError.write(Data("error: \(LoginForm.FieldError.passwordsDoNotMatch.message)\n".utf8))
                throw ExitCode.failure
            }
        }
        var form = LoginForm(mode: .signUp)
        form.email = email
        form.password = password
        form.confirmPassword = password
        if let problem = form.validationErrors.first {
            FileHandle.standardError.write(Data("error: \(problem.message)\n".utf8))
            throw ExitCode.failure
        }
        try await runAccountCommand {
            switch try await client.signUp(email: email, password: password, displayName: name) {
            case .confirmationRequired(let address):
                try options.storage.save(Data(address.utf8), for: options.pendingKey)
                print("A confirmation code was sent to \(address).")
                print("Run: scritorio account confirm \(address) CODE")
            case .signedIn(let user):
                print("Signed in as \(user.email ?? user.id).")
            }
        }
    }
}

struct AccountConfirm: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "confirm", abstract: "Confirm a sign-up with the emailed code.")
    @OptionGroup var options: AccountOptions
    @Argument(help: "Email address (default: the last sign-up).") var email: String?
    @Argument(help: "The code from the email (asked when missing).") var code: String?

    func run() async throws {
        let client = try options.client()
        let pending = (try? options.storage.load(options.pendingKey)).flatMap { $0 }.map { String(decoding: $0, as: UTF8.self) }
        guard let email = email ?? pending else { throw ValidationError("give the email address you signed up with") }
        let code = try self.code ?? Terminal.prompt("Code from the email: ")
        try await runAccountCommand {
            let user = try await client.confirmSignUp(email: email, code: code.trimmingCharacters(in: .whitespaces))
            try? options.storage.remove(options.pendingKey)
            print("Email confirmed. Signed in as \(user.email ?? user.id).")
        }
    }
}

struct AccountLogin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login", abstract: "Sign in with email and password, or with a code emailed to you (--code).")
    @OptionGroup var options: AccountOptions
    @Argument(help: "Email address (asked when missing).") var email: String?
    @Flag(help: "Read the password from the first line of standard input instead of prompting.") var passwordStdin = false
    @Flag(help: "Sign in with a 6-digit code emailed to you instead of a password.") var code = false

    func run() async throws {
        let client = try options.client()
        let email = try self.email ?? Terminal.prompt("Email: ")
        var form = LoginForm(mode: code ? .signInWithCode : .signIn)
        form.email = email
        if code {
            await form.submit(using: client)
            try Self.check(form)
            print("A sign-in code was sent to \(email).")
            form.code = try Terminal.prompt("Code from the email: ")
        } else {
            form.password = try passwordStdin ? Terminal.readLine() : Terminal.secret("Password: ")
        }
        await form.submit(using: client)
        try Self.check(form)
        if form.needsSecondFactor {
            // The account has a verified second factor: the sign-in completes with the authenticator app's code.
            form.code = try Terminal.prompt("Code from your authenticator app: ")
            await form.submit(using: client)
            if form.status == .error || !form.errorMessage.isEmpty {
                // A sign-in the second factor did not complete is not kept.
                await client.signOut()
                try Self.check(form)
            }
        }
        print("Signed in as \(await client.currentUser?.email ?? email).")
    }

    static func check(_ form: LoginForm) throws {
        guard form.status != .error, form.errorMessage.isEmpty else {
            FileHandle.standardError.write(Data("error: \(form.errorMessage)\n".utf8))
            throw ExitCode.failure
        }
    }
}

struct AccountLogout: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logout", abstract: "Sign out and forget the stored session.")
    @OptionGroup var options: AccountOptions
    @Flag(help: "End every session of this account, on every device.") var everywhere = false

    func run() async throws {
        let client = try options.client()
        guard await client.currentUser != nil else {
            print("Not signed in.")
            return
        }
        await client.signOut(scope: everywhere ? .global : .local)
        print("Signed out.")
    }
}

struct AccountToken: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Print the signed-in session's access token (refreshed when close to expiry), for curl.")
    @OptionGroup var options: AccountOptions

    func run() async throws {
        let client = try await options.signedInClient()
        try await runAccountCommand { print(try await client.accessToken()) }
    }
}
