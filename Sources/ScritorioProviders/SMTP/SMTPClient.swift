import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// Sends mail over SMTP (RFC 5321) with STARTTLS or implicit TLS and AUTH PLAIN/LOGIN.
///
/// Each ``send(_:)`` opens a fresh connection, delivers one message and says QUIT; the whole
/// exchange is bounded by `timeout`. The client never logs or reports credentials.
public struct SMTPClient: Sendable {
    /// Where and how to connect.
    public let configuration: SMTPConfiguration
    let eventLoopGroup: any EventLoopGroup
    let timeout: TimeAmount
    let tlsConfiguration: TLSConfiguration
    /// Built once: loading trust roots for every message would be wasteful. `nil` when the
    /// configuration is invalid, in which case ``send(_:)`` rebuilds it to report the error.
    let cachedSSLContext: NIOSSLContext?
    let logger: Logger

    /// Creates a client.
    /// - Parameters:
    ///   - configuration: Server, security mode and credentials.
    ///   - eventLoopGroup: Event loops to run connections on.
    ///   - timeout: Deadline for one whole ``send(_:)`` (connect, TLS, dialogue).
    ///   - tlsConfiguration: TLS settings for smtps/STARTTLS; defaults to full certificate verification
    ///     against the system trust roots. Override to trust a private CA.
    ///   - logger: Receives debug/trace logs of the dialogue; AUTH payloads are never logged.
    public init(
        configuration: SMTPConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        timeout: TimeAmount = .seconds(30),
        tlsConfiguration: TLSConfiguration = .makeClientConfiguration(),
        logger: Logger = Logger(label: "scritorio.smtp")
    ) {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.timeout = timeout
        self.tlsConfiguration = tlsConfiguration
        self.cachedSSLContext =
            configuration.security == .plaintext ? nil : try? NIOSSLContext(configuration: tlsConfiguration)
        self.logger = logger
    }

    /// Delivers `message`, returning once the server has accepted it for delivery (`250` after DATA).
    /// - Throws: ``SMTPError`` (never containing the password), or `CancellationError` when the
    ///   calling task is cancelled.
    public func send(_ message: SMTPMessage) async throws {
        // Everything that can be checked offline is checked before opening a socket.
        guard let rawFrom = message.from ?? configuration.defaultFrom else {
            throw SMTPError.invalidMessage("no sender: set SMTPMessage.from or the from= URL parameter")
        }
        let from = try SMTPAddress(parsing: rawFrom)
        guard !message.to.isEmpty else { throw SMTPError.invalidMessage("no recipients") }
        let recipients = try message.to.map(SMTPAddress.init(parsing:))
        let payload = try MIMEEncoding.dotStuffed(MIMEEncoding.render(from: from, to: recipients, message: message))
        if hasCredentials, configuration.security == .plaintext, !Self.isLoopback(configuration.host) {
            throw SMTPError.insecureAuthentication
        }
        var sslContext = cachedSSLContext
        if sslContext == nil, configuration.security != .plaintext {
            do {
                sslContext = try NIOSSLContext(configuration: tlsConfiguration)
            } catch {
                throw SMTPError.tlsFailed(String(describing: error))
            }
        }

        let deadline = NIODeadline.now() + timeout
        let channel = try await connect(sslContext: sslContext)
        // Closing the channel at the deadline unblocks whatever the dialogue is waiting for.
        let timer = channel.channel.eventLoop.scheduleTask(deadline: deadline) { [channel] in
            channel.channel.close(promise: nil)
        }
        defer { timer.cancel() }
        do {
            try await withTaskCancellationHandler {
                try await channel.executeThenClose { inbound, outbound in
                    var session = SMTPSession(
                        client: self, channel: channel.channel, sslContext: sslContext,
                        replies: inbound.makeAsyncIterator(), outbound: outbound
                    )
                    try await session.run(from: from, recipients: recipients, payload: payload)
                }
            } onCancel: {
                channel.channel.close(promise: nil)
            }
        } catch {
            if Task.isCancelled { throw CancellationError() }
            if NIODeadline.now() >= deadline { throw SMTPError.timeout }
            throw Self.mapError(error)
        }
    }

    var hasCredentials: Bool { configuration.username != nil }

    /// Opens the TCP connection (wrapped in TLS for smtps) and returns it as an async channel.
    private func connect(sslContext: NIOSSLContext?) async throws -> NIOAsyncChannel<SMTPReply, ByteBuffer> {
        let host = configuration.host
        let implicitTLS = configuration.security == .implicitTLS
        do {
            return try await ClientBootstrap(group: eventLoopGroup)
                .connectTimeout(timeout)
                .connect(host: host, port: configuration.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let sync = channel.pipeline.syncOperations
                        if implicitTLS, let sslContext {
                            try sync.addHandler(
                                NIOSSLClientHandler(context: sslContext, serverHostname: Self.sniHostname(host))
                            )
                        }
                        try sync.addHandler(SMTPReplyFramer())
                        return try NIOAsyncChannel<SMTPReply, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch ChannelError.connectTimeout {
            throw SMTPError.timeout
        } catch {
            throw SMTPError.connectionFailed(String(describing: error))
        }
    }

    /// Normalises errors surfacing from the dialogue into ``SMTPError``.
    /// Socket errors (e.g. a reset) keep their description; anything else NIO reports once the
    /// peer is gone (writes on a closed channel, a finished writer) becomes ``SMTPError/connectionClosed``.
    static func mapError(_ error: any Error) -> SMTPError {
        switch error {
        case let error as SMTPError: error
        case is NIOSSLError, is BoringSSLError: .tlsFailed(String(describing: error))
        case let error as IOError: .connectionFailed(String(describing: error))
        default: .connectionClosed
        }
    }

    /// SNI must be a DNS name; NIOSSL rejects IP literals there (and then verifies the IP instead).
    static func sniHostname(_ host: String) -> String? {
        (try? SocketAddress(ipAddress: host, port: 0)) == nil ? host : nil
    }

    /// Loopback hosts may receive credentials in plaintext (local relays, tests).
    /// Decided textually: resolving DNS here would let a resolver downgrade security.
    static func isLoopback(_ host: String) -> Bool {
        let lowered = host.lowercased()
        if lowered == "localhost" || lowered.hasSuffix(".localhost") || lowered == "::1" { return true }
        guard case .v4? = try? SocketAddress(ipAddress: lowered, port: 0) else { return false }
        return lowered.hasPrefix("127.")
    }
}

/// The dialogue on one connection. A struct with mutating methods: it is only used from one task.
struct SMTPSession {
    let client: SMTPClient
    let channel: any Channel
    let sslContext: NIOSSLContext?
    var replies: NIOAsyncChannelInboundStream<SMTPReply>.AsyncIterator
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    var consumedReplies = 0
    var tlsActive = false
    var capabilities: [String: String] = [:]

    var configuration: SMTPConfiguration { client.configuration }
    var logger: Logger { client.logger }

    mutating func run(from: SMTPAddress, recipients: [SMTPAddress], payload: String) async throws {
        tlsActive = configuration.security == .implicitTLS
        _ = try await expect(220, after: "connection greeting")
        let heloDomain = from.domain ?? "localhost"
        try await ehlo(heloDomain)

        let wantsStartTLS = [.startTLSRequired, .startTLSOpportunistic].contains(configuration.security)
        if wantsStartTLS, capabilities["STARTTLS"] != nil {
            try await startTLS()
            // RFC 3207 §4.2: everything learned before TLS must be discarded, so ask again.
            try await ehlo(heloDomain)
        } else if configuration.security == .startTLSRequired {
            throw SMTPError.startTLSUnavailable
        }

        if client.hasCredentials { try await authenticate() }
        _ = try await command("MAIL FROM:<\(from.address)>", expecting: 250)
        for recipient in recipients {
            _ = try await command("RCPT TO:<\(recipient.address)>", expecting: 250, 251)
        }
        _ = try await command("DATA", expecting: 354)
        logger.trace("SMTP sending message body", metadata: ["bytes": "\(payload.utf8.count)"])
        try await outbound.write(ByteBuffer(string: payload + ".\r\n"))
        _ = try await expect(250, after: "end of DATA")
        logger.debug("SMTP message accepted", metadata: ["recipients": "\(recipients.count)"])
        // The message is accepted; a failing QUIT must not turn that into an error.
        _ = try? await command("QUIT", expecting: 221)
    }

    /// Sends EHLO and records the advertised extensions (keyword → parameters).
    mutating func ehlo(_ domain: String) async throws {
        let reply = try await command("EHLO \(domain)", expecting: 250)
        capabilities = [:]
        for line in reply.lines.dropFirst() {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard let keyword = parts.first else { continue }
            var key = keyword.uppercased()
            var value = parts.count > 1 ? String(parts[1]) : ""
            // Some old servers advertise "AUTH=PLAIN LOGIN".
            if key.hasPrefix("AUTH=") {
                value = String(key.dropFirst(5)) + (value.isEmpty ? "" : " " + value)
                key = "AUTH"
            }
            capabilities[key] = capabilities[key].map { $0 + " " + value } ?? value
        }
    }

    /// Upgrades the connection in place: after `220`, NIOSSL goes to the front of the pipeline.
    mutating func startTLS() async throws {
        _ = try await command("STARTTLS", expecting: 220)
        guard let sslContext else { throw SMTPError.tlsFailed("no TLS context") }
        let channel = self.channel
        let host = configuration.host
        let consumed = consumedReplies
        try await channel.eventLoop.submit {
            // Anything received after the 220 arrived in plaintext and must not be trusted as if it
            // had come through TLS; this check and the insertion run atomically on the event loop.
            let framer = try channel.pipeline.syncOperations.handler(type: SMTPReplyFramer.self)
            guard framer.emittedReplies == consumed, !framer.hasBufferedInput else {
                throw SMTPError.tlsFailed("server sent data after accepting STARTTLS")
            }
            let handler = try NIOSSLClientHandler(context: sslContext, serverHostname: SMTPClient.sniHostname(host))
            try channel.pipeline.syncOperations.addHandler(handler, position: .first)
        }.get()
        tlsActive = true
        logger.debug("SMTP connection upgraded with STARTTLS")
    }

    /// AUTH PLAIN when offered, else AUTH LOGIN; only over TLS unless the host is loopback.
    mutating func authenticate() async throws {
        guard tlsActive || SMTPClient.isLoopback(configuration.host) else {
            throw SMTPError.insecureAuthentication
        }
        let username = configuration.username ?? ""
        let password = configuration.password ?? ""
        let mechanisms = Set((capabilities["AUTH"] ?? "").uppercased().split(separator: " ").map(String.init))
        if mechanisms.contains("PLAIN") {
            let token = Data("\0\(username)\0\(password)".utf8).base64EncodedString()
            _ = try await command("AUTH PLAIN \(token)", label: "AUTH PLAIN", expecting: 235)
        } else if mechanisms.contains("LOGIN") {
            _ = try await command("AUTH LOGIN", expecting: 334)
            let user = Data(username.utf8).base64EncodedString()
            _ = try await command(user, label: "AUTH LOGIN", expecting: 334)
            let pass = Data(password.utf8).base64EncodedString()
            _ = try await command(pass, label: "AUTH LOGIN", expecting: 235)
        } else {
            throw SMTPError.authenticationUnsupported
        }
        logger.debug("SMTP authenticated")
    }

    /// Writes one command line and waits for its reply.
    /// - Parameter label: What errors and logs call the command; set it whenever `line` holds a secret.
    mutating func command(_ line: String, label: String? = nil, expecting codes: Int...) async throws -> SMTPReply {
        let name = label ?? line
        logger.trace("SMTP >>> \(name)")
        try await outbound.write(ByteBuffer(string: line + "\r\n"))
        return try await expect(codes, after: name)
    }

    mutating func expect(_ codes: Int..., after command: String) async throws -> SMTPReply {
        try await expect(codes, after: command)
    }

    /// Reads the next reply and throws ``SMTPError/unexpectedReply(code:command:message:)`` unless
    /// its code is one of `codes`.
    mutating func expect(_ codes: [Int], after command: String) async throws -> SMTPReply {
        guard let reply = try await replies.next() else { throw SMTPError.connectionClosed }
        consumedReplies += 1
        logger.trace("SMTP <<< \(reply.code)")
        guard codes.contains(reply.code) else {
            throw SMTPError.unexpectedReply(code: reply.code, command: command, message: redacted(reply.message))
        }
        return reply
    }

    /// Servers sometimes echo input in error text; make sure a password cannot leak that way.
    func redacted(_ text: String) -> String {
        guard let password = configuration.password, !password.isEmpty else { return text }
        let encodedPassword = Data(password.utf8).base64EncodedString()
        let plainToken = Data("\0\(configuration.username ?? "")\0\(password)".utf8).base64EncodedString()
        var result = text
        for secret in [plainToken, encodedPassword, password] {
            result = result.replacingOccurrences(of: secret, with: "<redacted>")
        }
        return result
    }
}
