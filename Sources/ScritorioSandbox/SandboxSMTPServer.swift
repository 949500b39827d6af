import Foundation
import NIOCore
import NIOPosix

/// One message accepted by ``SandboxSMTPServer``.
public struct ReceivedSMTPMessage: Sendable, Equatable {
    /// Envelope sender from `MAIL FROM:<...>`.
    public var mailFrom: String
    /// Envelope recipients from each accepted `RCPT TO:<...>`.
    public var rcptTo: [String]
    /// The message as transmitted after DATA: dot-unstuffed, CRLF line endings, without the final ".".
    public var data: String
    /// Username given in a successful AUTH, if any.
    public var authenticatedUser: String?
}

/// A small in-process SMTP receiver for tests and the sandbox environment.
///
/// It speaks EHLO/HELO, AUTH PLAIN/LOGIN, MAIL, RCPT, DATA, RSET, NOOP and QUIT in plaintext
/// (no STARTTLS) and hands every accepted message to `onMessage`. Nothing is relayed anywhere.
public final class SandboxSMTPServer: Sendable {
    /// Ways to misbehave, so that clients' failure paths can be exercised.
    public enum FailMode: Sendable, Equatable {
        /// Behave like a normal server.
        case none
        /// Answer every `RCPT TO` with `550`.
        case rejectRecipients
        /// Send the `220` greeting, then close the connection.
        case closeAfterGreeting
        /// Accept the connection but never say anything (for client timeouts).
        case noGreeting
    }

    /// The address the server listens on.
    public let host: String
    /// The bound port (the real one when started with port 0).
    public let port: Int
    private let serverChannel: any Channel
    private let acceptTask: Task<Void, Never>

    private init(host: String, port: Int, serverChannel: any Channel, acceptTask: Task<Void, Never>) {
        self.host = host
        self.port = port
        self.serverChannel = serverChannel
        self.acceptTask = acceptTask
    }

    /// Starts listening and returns once the socket is bound.
    /// - Parameters:
    ///   - host: Address to bind; keep it on loopback.
    ///   - port: Port to bind, 0 for any free port (read it back from ``port``).
    ///   - requiredPassword: When set, AUTH with any other password fails with `535` and
    ///     `MAIL FROM` without prior AUTH fails with `530`. When nil, any credentials are accepted.
    ///   - authMechanisms: SASL mechanisms advertised in EHLO (a subset of `PLAIN`, `LOGIN`).
    ///   - failMode: Misbehaviour to simulate.
    ///   - onMessage: Called once for every message accepted after DATA.
    public static func start(
        host: String = "127.0.0.1",
        port: Int = 0,
        requiredPassword: String? = nil,
        authMechanisms: [String] = ["PLAIN", "LOGIN"],
        failMode: FailMode = .none,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        onMessage: @escaping @Sendable (ReceivedSMTPMessage) -> Void
    ) async throws -> SandboxSMTPServer {
        let server = try await ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: port) { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPLineDecoder()))
                    return try NIOAsyncChannel<String, ByteBuffer>(wrappingChannelSynchronously: child)
                }
            }
        let settings = SandboxSMTPSession.Settings(
            requiredPassword: requiredPassword,
            authMechanisms: authMechanisms.map { $0.uppercased() },
            failMode: failMode,
            onMessage: onMessage
        )
        let task = Task<Void, Never> {
            _ = try? await server.executeThenClose { connections in
                try await withThrowingDiscardingTaskGroup { group in
                    for try await connection in connections {
                        group.addTask { await serve(connection, settings: settings) }
                    }
                }
            }
        }
        let boundPort = server.channel.localAddress?.port ?? port
        return SandboxSMTPServer(host: host, port: boundPort, serverChannel: server.channel, acceptTask: task)
    }

    /// Stops accepting, drops open connections and waits until everything has wound down.
    public func shutdown() async throws {
        do {
            try await serverChannel.close()
        } catch ChannelError.alreadyClosed {
            // A second shutdown is harmless.
        }
        // Cancelling ends the per-connection loops that are still waiting for client input.
        acceptTask.cancel()
        await acceptTask.value
    }

    private static func serve(
        _ connection: NIOAsyncChannel<String, ByteBuffer>,
        settings: SandboxSMTPSession.Settings
    ) async {
        try? await connection.executeThenClose { inbound, outbound in
            var session = SandboxSMTPSession(settings: settings)
            if settings.failMode == .noGreeting {
                for try await _ in inbound {}
                return
            }
            try await outbound.write(ByteBuffer(string: "220 sandbox.scritorio.local ESMTP Scritorio sandbox\r\n"))
            if settings.failMode == .closeAfterGreeting { return }
            for try await line in inbound {
                let (reply, close) = session.handle(line)
                if let reply { try await outbound.write(ByteBuffer(string: reply)) }
                if close { return }
            }
        }
    }
}

/// The protocol state of one connection; pure so the server loop stays trivial.
struct SandboxSMTPSession {
    struct Settings: Sendable {
        var requiredPassword: String?
        var authMechanisms: [String]
        var failMode: SandboxSMTPServer.FailMode
        var onMessage: @Sendable (ReceivedSMTPMessage) -> Void
    }

    enum State {
        case command
        case authPlain
        case authLoginUser
        case authLoginPassword(user: String)
        case data
    }

    /// Larger messages are refused with 552 instead of being buffered without bound.
    static let maxMessageBytes = 10 * 1024 * 1024

    let settings: Settings
    var state = State.command
    var authenticatedUser: String?
    var mailFrom: String?
    var rcptTo: [String] = []
    var dataLines: [String] = []
    var dataBytes = 0

    init(settings: Settings) { self.settings = settings }

    /// Processes one line (without CRLF) and returns the reply text to send (with CRLF) and
    /// whether to close afterwards.
    mutating func handle(_ line: String) -> (reply: String?, close: Bool) {
        switch state {
        case .data: return (receiveData(line), false)
        case .authPlain: state = .command; return (authPlain(line), false)
        case .authLoginUser:
            guard let user = Self.decodeBase64(line) else {
                state = .command
                return ("501 5.5.2 Bad base64\r\n", false)
            }
            state = .authLoginPassword(user: user)
            return ("334 UGFzc3dvcmQ6\r\n", false)  // "Password:"
        case .authLoginPassword(let user):
            state = .command
            guard let password = Self.decodeBase64(line) else { return ("501 5.5.2 Bad base64\r\n", false) }
            return (finishAuth(user: user, password: password), false)
        case .command: break
        }
        let verb = line.prefix(while: { $0 != " " }).uppercased()
        let argument = line.dropFirst(verb.count).trimmingCharacters(in: .whitespaces)
        switch verb {
        case "EHLO":
            resetTransaction()
            var lines = ["sandbox.scritorio.local greets \(argument)", "8BITMIME", "SIZE \(Self.maxMessageBytes)"]
            if !settings.authMechanisms.isEmpty {
                lines.append("AUTH " + settings.authMechanisms.joined(separator: " "))
            }
            return (Self.multiline(250, lines), false)
        case "HELO":
            resetTransaction()
            return ("250 sandbox.scritorio.local\r\n", false)
        case "AUTH": return (auth(argument), false)
        case "MAIL":
            guard authenticatedUser != nil || settings.requiredPassword == nil else {
                return ("530 5.7.0 Authentication required\r\n", false)
            }
            guard mailFrom == nil else { return ("503 5.5.1 Nested MAIL command\r\n", false) }
            guard let address = Self.path(argument, prefix: "FROM:") else {
                return ("501 5.5.4 Syntax: MAIL FROM:<address>\r\n", false)
            }
            mailFrom = address
            return ("250 2.1.0 OK\r\n", false)
        case "RCPT":
            guard mailFrom != nil else { return ("503 5.5.1 Need MAIL first\r\n", false) }
            guard let address = Self.path(argument, prefix: "TO:"), !address.isEmpty else {
                return ("501 5.5.4 Syntax: RCPT TO:<address>\r\n", false)
            }
            if settings.failMode == .rejectRecipients {
                return ("550 5.1.1 <\(address)>: Recipient address rejected\r\n", false)
            }
            guard rcptTo.count < 100 else { return ("452 4.5.3 Too many recipients\r\n", false) }
            rcptTo.append(address)
            return ("250 2.1.5 OK\r\n", false)
        case "DATA":
            guard !rcptTo.isEmpty else { return ("503 5.5.1 Need RCPT first\r\n", false) }
            state = .data
            return ("354 End data with <CR><LF>.<CR><LF>\r\n", false)
        case "RSET": resetTransaction(); return ("250 2.0.0 OK\r\n", false)
        case "NOOP": return ("250 2.0.0 OK\r\n", false)
        case "QUIT": return ("221 2.0.0 Bye\r\n", true)
        default: return ("502 5.5.2 Command not recognized\r\n", false)
        }
    }

    private mutating func auth(_ argument: String) -> String {
        guard authenticatedUser == nil else { return "503 5.5.1 Already authenticated\r\n" }
        guard mailFrom == nil else { return "503 5.5.1 AUTH not allowed during a transaction\r\n" }
        let parts = argument.split(separator: " ", maxSplits: 1).map(String.init)
        let mechanism = parts.first?.uppercased() ?? ""
        guard settings.authMechanisms.contains(mechanism) else {
            return "504 5.5.4 Unrecognized authentication type\r\n"
        }
        switch (mechanism, parts.count) {
        case ("PLAIN", 2): return authPlain(parts[1])
        case ("PLAIN", _): state = .authPlain; return "334 \r\n"
        case ("LOGIN", 2):
            guard let user = Self.decodeBase64(parts[1]) else { return "501 5.5.2 Bad base64\r\n" }
            state = .authLoginPassword(user: user)
            return "334 UGFzc3dvcmQ6\r\n"
        default: state = .authLoginUser; return "334 VXNlcm5hbWU6\r\n"  // "Username:"
        }
    }

    /// RFC 4616 message: `[authzid] NUL authcid NUL passwd`.
    private mutating func authPlain(_ token: String) -> String {
        guard let data = Data(base64Encoded: token) else { return "501 5.5.2 Bad base64\r\n" }
        let fields = data.split(separator: 0, omittingEmptySubsequences: false)
        guard fields.count == 3 else { return "501 5.5.2 Malformed AUTH PLAIN message\r\n" }
        return finishAuth(
            user: String(decoding: fields[1], as: UTF8.self),
            password: String(decoding: fields[2], as: UTF8.self)
        )
    }

    private mutating func finishAuth(user: String, password: String) -> String {
        if let required = settings.requiredPassword, password != required {
            return "535 5.7.8 Authentication credentials invalid\r\n"
        }
        authenticatedUser = user
        return "235 2.7.0 Authentication successful\r\n"
    }

    /// Collects one DATA line, undoing dot-stuffing; delivers the message at the lone ".".
    private mutating func receiveData(_ line: String) -> String? {
        guard line == "." else {
            let unstuffed = line.hasPrefix(".") ? String(line.dropFirst()) : line
            dataBytes += unstuffed.utf8.count + 2
            if dataBytes <= Self.maxMessageBytes { dataLines.append(unstuffed) }
            return nil
        }
        state = .command
        defer { resetTransaction() }
        guard dataBytes <= Self.maxMessageBytes, let mailFrom else { return "552 5.3.4 Message too big\r\n" }
        let body = dataLines.map { $0 + "\r\n" }.joined()
        settings.onMessage(
            ReceivedSMTPMessage(mailFrom: mailFrom, rcptTo: rcptTo, data: body, authenticatedUser: authenticatedUser)
        )
        return "250 2.0.0 OK: queued\r\n"
    }

    private mutating func resetTransaction() {
        mailFrom = nil
        rcptTo = []
        dataLines = []
        dataBytes = 0
    }

    /// Extracts the address from `FROM:<addr> [params]`; `nil` when the syntax is wrong.
    static func path(_ argument: String, prefix: String) -> String? {
        guard argument.uppercased().hasPrefix(prefix) else { return nil }
        let rest = argument.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces)
        guard rest.hasPrefix("<"), let close = rest.firstIndex(of: ">") else { return nil }
        return String(rest[rest.index(after: rest.startIndex)..<close])
    }

    static func decodeBase64(_ text: String) -> String? {
        Data(base64Encoded: text).map { String(decoding: $0, as: UTF8.self) }
    }

    static func multiline(_ code: Int, _ lines: [String]) -> String {
        lines.enumerated().map { index, text in
            "\(code)\(index == lines.count - 1 ? " " : "-")\(text)\r\n"
        }.joined()
    }
}

/// Splits the byte stream into lines, dropping the CRLF (a bare LF is tolerated).
struct SMTPLineDecoder: ByteToMessageDecoder {
    typealias InboundOut = String
    /// RFC 5321 allows 1000 octets per line; be lenient but bounded.
    static let maxLineLength = 64 * 1024

    struct LineTooLong: Error {}

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > Self.maxLineLength { throw LineTooLong() }
            return .needMoreData
        }
        guard var bytes = buffer.readBytes(length: newline - buffer.readerIndex + 1) else { return .needMoreData }
        bytes.removeLast()
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        context.fireChannelRead(wrapInboundOut(String(decoding: bytes, as: UTF8.self)))
        return .continue
    }

    mutating func decodeLast(
        context: ChannelHandlerContext,
        buffer: inout ByteBuffer,
        seenEOF: Bool
    ) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}
