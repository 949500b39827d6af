import ArgumentParser
import Foundation
import ScritorioAPI
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `scritorio admin users …`: the auth admin API (`/auth/v1/admin/users`) with the secret key, as a back office
/// written for Supabase would call it.
struct AdminUsers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users", abstract: "List, show, create, ban and delete accounts through the admin API (secret key).",
        subcommands: [List.self, Show.self, Create.self, Ban.self, Delete.self])

    struct Options: ParsableArguments {
        @Option(help: "The server's URL (env SCRITORIO_URL, default http://127.0.0.1:8080).") var url: String?

        /// `SCRITORIO_SECRET_KEY`, else the key the server on this machine keeps in its data directory.
        func secretKey() throws -> String {
            let environment = ProcessInfo.processInfo.environment
            if let key = environment["SCRITORIO_SECRET_KEY"], !key.isEmpty { return key }
            let directory = environment["SCRITORIO_DATA_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? ".scritorio"
            guard let text = try? String(contentsOfFile: directory + "/secret-key", encoding: .utf8),
                case let key = text.trimmingCharacters(in: .whitespacesAndNewlines), !key.isEmpty
            else {
                Self.fail("set SCRITORIO_SECRET_KEY (scritorio keys secret prints it), or SCRITORIO_DATA_DIR to the server's data directory")
            }
            return key
        }

        /// Sends a request with the secret key as `apikey` and bearer; a refusal prints GoTrue's message and fails.
        func call(_ method: String, _ path: String, query: [URLQueryItem] = [], body: (any Encodable)? = nil) async throws -> Data {
            let environment = ProcessInfo.processInfo.environment
            let base = url ?? environment["SCRITORIO_URL"] ?? "http://127.0.0.1:8080"
            guard var components = URLComponents(string: base + "/auth/v1/" + path), ["http", "https"].contains(components.scheme ?? "")
            else { Self.fail("--url must be an http(s) URL, got \(base)") }
            if !query.isEmpty { components.queryItems = query }
            guard let target = components.url else { Self.fail("--url must be an http(s) URL, got \(base)") }
            let key = try secretKey()
            var request = URLRequest(url: target)
            request.httpMethod = method
            request.setValue(key, forHTTPHeaderField: "apikey")
            request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization")
            request.setValue("2024-01-01", forHTTPHeaderField: "X-Supabase-Api-Version")
            if let body {
                request.setValue("application/json", forHTTPHeaderField: "Content-Type")
                request.httpBody = try JSONEncoder().encode(body)
            }
            let data: Data
            let response: URLResponse
            do {
                (data, response) = try await URLSession.shared.data(for: request)
            } catch {
                Self.fail("The server could not be reached: \((error as NSError).userInfo[NSLocalizedDescriptionKey] as? String ?? "\(base) did not answer")")
            }
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            guard (200..<300).contains(status) else {
                let message = (try? JSONDecoder().decode([String: String].self, from: data)).flatMap { $0["message"] ?? $0["msg"] }
                FileHandle.standardError.write(Data("error: \(status) \(message ?? String(decoding: data, as: UTF8.self))\n".utf8))
                throw ExitCode.failure
            }
            return data
        }

        /// One line on stderr and exit 1 (no usage text: the command was right, its circumstances were not).
        static func fail(_ message: String) -> Never {
            FileHandle.standardError.write(Data("error: \(message)\n".utf8))
            Foundation.exit(1)
        }
    }

    static func line(_ user: UserResponse) -> String {
        [user.id, user.email.isEmpty ? "-" : user.email, user.created_at, user.email_confirmed_at == nil ? "unconfirmed" : "confirmed",
         user.banned_until.map { "banned until \($0)" } ?? "", user.deleted_at.map { "deleted \($0)" } ?? "",
         user.is_anonymous ? "anonymous" : ""]
            .filter { !$0.isEmpty }.joined(separator: "\t")
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Accounts, newest first.")
        @OptionGroup var options: Options
        @Option(help: "Page (from 1).") var page = 1
        @Option(help: "Accounts per page.") var perPage = 50
        @Option(help: "Only accounts whose email or metadata contains this.") var filter: String?

        func run() async throws {
            var query = [URLQueryItem(name: "page", value: String(page)), URLQueryItem(name: "per_page", value: String(perPage))]
            if let filter { query.append(URLQueryItem(name: "filter", value: filter)) }
            let list = try JSONDecoder().decode(AdminUserList.self, from: try await options.call("GET", "admin/users", query: query))
            for user in list.users { print(AdminUsers.line(user)) }
            if list.users.isEmpty { print("no accounts") }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One account as JSON.")
        @OptionGroup var options: Options
        @Argument(help: "The user's id.") var id: String

        func run() async throws {
            let data = try await options.call("GET", "admin/users/\(id)")
            let object = try JSONSerialization.jsonObject(with: data)
            print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self))
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an account (sign-ups being off does not stop it).")
        @OptionGroup var options: Options
        @Argument(help: "Email address.") var email: String
        @Flag(help: "Read a password from the first line of standard input (none: the account signs in by code or link).")
        var passwordStdin = false
        @Flag(help: "Mark the address confirmed (no mail is sent).") var confirm = false

        func run() async throws {
            let password = passwordStdin ? try Terminal.readLine() : nil
            let body = AdminUserRequest(email: email, password: password, email_confirm: confirm)
            let user = try JSONDecoder().decode(UserResponse.self, from: try await options.call("POST", "admin/users", body: body))
            print(AdminUsers.line(user))
        }
    }

    struct Ban: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Ban an account for a while (its tokens stop working at once), or lift it.")
        @OptionGroup var options: Options
        @Argument(help: "The user's id.") var id: String
        @Option(help: "How long: a Go duration such as 24h or 720h, or none to lift the ban.") var duration = "876000h"

        func run() async throws {
            let body = AdminUserRequest(ban_duration: duration)
            let user = try JSONDecoder().decode(UserResponse.self, from: try await options.call("PUT", "admin/users/\(id)", body: body))
            print(AdminUsers.line(user))
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete an account (its tokens stop working at once).")
        @OptionGroup var options: Options
        @Argument(help: "The user's id.") var id: String
        @Flag(help: "Keep the row (emptied, its address freed) instead of removing it.") var soft = false

        func run() async throws {
            _ = try await options.call("DELETE", "admin/users/\(id)", body: AdminDeleteUserRequest(should_soft_delete: soft))
            print("deleted \(id)\(soft ? " (soft)" : "")")
        }
    }
}
