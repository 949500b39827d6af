import Foundation
import Testing
import ScritorioSandbox
@testable import ScritorioProviders

// MARK: - Configuration

@Suite struct SMTPConfigurationTests {
    @Test(arguments: [
        ("smtp://mail.example.com", "mail.example.com", 25, SMTPConfiguration.Security.startTLSOpportunistic),
        ("smtp://mail.example.com?starttls=required", "mail.example.com", 587, .startTLSRequired),
        ("smtp://mail.example.com?starttls=opportunistic", "mail.example.com", 25, .startTLSOpportunistic),
        ("smtp://mail.example.com:2525?starttls=off", "mail.example.com", 2525, .plaintext),
        ("SMTP://Mail.Example.com:587", "Mail.Example.com", 587, .startTLSOpportunistic),
        ("smtps://mail.example.com", "mail.example.com", 465, .implicitTLS),
        ("smtps://mail.example.com:4650/", "mail.example.com", 4650, .implicitTLS),
        ("smtp://[::1]:2525", "::1", 2525, .startTLSOpportunistic),
        ("smtp://127.0.0.1", "127.0.0.1", 25, .startTLSOpportunistic),
    ])
    func parsesHostPortAndSecurity(url: String, host: String, port: Int, security: SMTPConfiguration.Security) throws {
        let config = try SMTPConfiguration(url: url)
        #expect(config.host == host)
        #expect(config.port == port)
        #expect(config.security == security)
        #expect(config.username == nil && config.password == nil && config.defaultFrom == nil)
    }

    @Test func parsesPercentEncodedCredentialsAndFrom() throws {
        let config = try SMTPConfiguration(
            url: "smtp://apikey%40example.com:p%40ss%3Aw%2Frd%20x@smtp.example.com:587?from=noreply%2Bbot@example.com&starttls=required"
        )
        #expect(config.username == "apikey@example.com")
        #expect(config.password == "p@ss:w/rd x")
        #expect(config.defaultFrom == "noreply+bot@example.com")
        #expect(config.port == 587)
        #expect(config.security == .startTLSRequired)
        let userOnly = try SMTPConfiguration(url: "smtps://alice@smtp.example.com")
        #expect(userOnly.username == "alice" && userOnly.password == nil)
    }

    @Test(arguments: [
        "", "not a url", "http://mail.example.com", "smtp://", "smtp:///path-only", "smtp://host/some/path",
        "smtp://host:0", "smtp://host:70000", "smtp://host?starttls=maybe", "smtp://host?starttls",
        "smtp://host?startls=required", "smtps://host?starttls=required", "smtp://host?from=",
        "smtp://host#fragment", "smtp://:pw@host",
    ])
    func rejectsInvalidURLs(url: String) {
        #expect(throws: SMTPError.self) { try SMTPConfiguration(url: url) }
    }

    @Test(arguments: [
        "smtp://user:hunter2secret@host:70000", "ftp://user:hunter2secret@host", "smtp://user:hunter2secret@host?x=1",
        "smtp://user:hunter2secret@host/path", "smtps://user:hunter2secret@host?starttls=off",
        "smtp://user:hunter2secret@ho st", "smtp://user:hunter2secret@", "smtp://user:hunter2secret#x@host",
    ])
    func invalidURLErrorsNeverContainThePassword(url: String) {
        do {
            _ = try SMTPConfiguration(url: url)
            Issue.record("expected \(url) to be rejected")
        } catch {
            #expect(!String(describing: error).contains("hunter2secret"))
            #expect(!String(reflecting: error).contains("hunter2secret"))
            #expect(!error.localizedDescription.contains("hunter2secret"))
        }
    }

    @Test func descriptionRedactsPassword() throws {
        let config = try SMTPConfiguration(url: "smtp://bob:s3cr%21t@mail.example.com?starttls=required&from=a@b.c")
        let renderings = [config.description, config.debugDescription, "\(config)", String(reflecting: config), "\([config])"]
        for rendered in renderings {
            #expect(!rendered.contains("s3cr!t"))
            #expect(!rendered.contains("s3cr%21t"))
        }
        #expect(config.description == "smtp://bob:<redacted>@mail.example.com:587?starttls=required&from=a@b.c")
        var dumped = ""
        dump(config, to: &dumped)
        #expect(!dumped.contains("s3cr!t"))
    }
}

// MARK: - Encoding helpers

@Suite struct SMTPEncodingTests {
    @Test func dotStuffingDoublesLeadingDots() {
        #expect(MIMEEncoding.dotStuffed("a\r\n.b\r\n..c\r\n.\r\nd.\r\n") == "a\r\n..b\r\n...c\r\n..\r\nd.\r\n")
        #expect(MIMEEncoding.dotStuffed(".first") == "..first")
    }

    @Test func quotedPrintableRoundTripsAndWrapsAt76() {
        let text = "Olá, mundo = ünïcödé  \n" + String(repeating: "long line é ", count: 30) + "\r\n.dot\ttab \n\nend"
        let encoded = MIMEEncoding.quotedPrintable(text)
        for line in encoded.components(separatedBy: "\r\n") {
            #expect(line.utf8.count <= 76)
            #expect(line.unicodeScalars.allSatisfy { $0.isASCII })
            #expect(!line.hasSuffix(" ") && !line.hasSuffix("\t"))
        }
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
        #expect(decodeQuotedPrintable(encoded) == normalized)
    }

    @Test func encodedWordsStayShortAndDecode() {
        let subject = String(repeating: "Grüße aus Köln 🎉 ", count: 8)
        let words = MIMEEncoding.encodedWords(subject)
        #expect(words.count > 1)
        #expect(words.allSatisfy { $0.count <= 75 && $0.hasPrefix("=?UTF-8?B?") && $0.hasSuffix("?=") })
        #expect(decodeEncodedWords(words.joined(separator: " ")) == subject)
        #expect(MIMEEncoding.unstructuredValue("Plain ASCII", headerName: "Subject") == "Plain ASCII")
    }

    @Test func dateIsRFC5322() {
        let date = Date(timeIntervalSince1970: 1_700_000_000)
        #expect(MIMEEncoding.rfc5322Date(date) == "Tue, 14 Nov 2023 22:13:20 +0000")
    }

    @Test func addressesAreParsedAndValidated() throws {
        let named = try SMTPAddress(parsing: "\"Zoë Q.\" <zoe@example.org>")
        #expect(named.address == "zoe@example.org" && named.displayName == "Zoë Q." && named.domain == "example.org")
        #expect(named.headerValue.hasPrefix("=?UTF-8?B?") && named.headerValue.hasSuffix(" <zoe@example.org>"))
        #expect(try SMTPAddress(parsing: "Bob <bob@example.org>").headerValue == "\"Bob\" <bob@example.org>")
        for bad in ["", "a b@example.org", "x@example.org>\r\nRCPT TO:<evil@x>", "Name <>", "<a@b"] {
            #expect(throws: SMTPError.self) { try SMTPAddress(parsing: bad) }
        }
    }

    @Test func messageValidationHappensBeforeConnecting() async throws {
        // Port 9 on loopback: if validation failed to short-circuit we'd get connectionFailed instead.
        let client = SMTPClient(configuration: SMTPConfiguration(host: "127.0.0.1", port: 9), timeout: .seconds(5))
        await #expect(throws: SMTPError.invalidMessage("no recipients")) {
            try await client.send(SMTPMessage(from: "a@example.com", to: [], subject: "s", textBody: "b"))
        }
        for headers in [[(name: "X-Evil", value: "a\r\nBcc: victim@example.com")], [(name: "Subject", value: "dup")]] {
            await #expect(throws: SMTPError.self) {
                var message = simpleMessage
                message.headers = headers
                try await client.send(message)
            }
        }
        await #expect(throws: SMTPError.invalidMessage("no sender: set SMTPMessage.from or the from= URL parameter")) {
            try await client.send(SMTPMessage(to: ["b@example.com"], subject: "s", textBody: "b"))
        }
    }

    @Test func refusesPlaintextCredentialsToRemoteHost() async throws {
        // Fails before any DNS lookup or connection, so no traffic leaves the machine.
        let config = try SMTPConfiguration(url: "smtp://user:pw@mail.example.invalid?starttls=off")
        let client = SMTPClient(configuration: config, timeout: .seconds(5))
        await #expect(throws: SMTPError.insecureAuthentication) {
            try await client.send(simpleMessage)
        }
        #expect(SMTPClient.isLoopback("127.0.0.1") && SMTPClient.isLoopback("::1") && SMTPClient.isLoopback("LOCALHOST"))
        #expect(!SMTPClient.isLoopback("127.example.com") && !SMTPClient.isLoopback("10.0.0.1"))
    }
}

// MARK: - Against SandboxSMTPServer on loopback

@Suite struct SMTPClientDeliveryTests {
    @Test func deliversPlainTextMessageWithAuth() async throws {
        let inbox = Inbox()
        let server = try await SandboxSMTPServer.start(requiredPassword: "correct horse", onMessage: inbox.append)
        let config = try SMTPConfiguration(
            url: "smtp://mailer%40example.com:correct%20horse@127.0.0.1:\(server.port)?from=Scritorio%20Bot%20%3Cbot@scritorio.example%3E"
        )
        let client = SMTPClient(configuration: config, timeout: .seconds(10))
        try await client.send(SMTPMessage(
            to: ["alice@example.com", "Bob Example <bob@example.org>"], subject: "Your report is ready",
            textBody: "Hello Alice,\nthe report is attached.\n\n— Scritorio",
            headers: [(name: "Reply-To", value: "support@scritorio.example")]
        ))
        try await server.shutdown()

        let received = try #require(inbox.messages.first)
        #expect(inbox.messages.count == 1)
        #expect(received.mailFrom == "bot@scritorio.example")
        #expect(received.rcptTo == ["alice@example.com", "bob@example.org"])
        #expect(received.authenticatedUser == "mailer@example.com")
        let mail = ParsedMail(received.data)
        #expect(mail.header("Subject") == "Your report is ready")
        #expect(mail.header("From") == "\"Scritorio Bot\" <bot@scritorio.example>")
        #expect(mail.header("To") == "alice@example.com, \"Bob Example\" <bob@example.org>")
        #expect(mail.header("Reply-To") == "support@scritorio.example")
        #expect(mail.header("MIME-Version") == "1.0")
        #expect(mail.header("Content-Type") == "text/plain; charset=utf-8")
        #expect(mail.header("Content-Transfer-Encoding") == "quoted-printable")
        #expect(mail.header("Message-ID")?.hasSuffix("@scritorio.example>") == true)
        let datePattern = #"^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$"#
        #expect(mail.header("Date")?.range(of: datePattern, options: .regularExpression) != nil)
        #expect(decodeQuotedPrintable(mail.body) == "Hello Alice,\r\nthe report is attached.\r\n\r\n— Scritorio\r\n")
        #expect(received.data.contains("\r\n") && !received.data.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
    }

    @Test func dotStuffingRoundTripsAndHTMLIsMultipart() async throws {
        let inbox = Inbox()
        let server = try await SandboxSMTPServer.start(onMessage: inbox.append)
        let client = loopbackClient(server, timeoutMilliseconds: 10_000)
        let text = ".\n.leading dot\n..two dots\nmiddle . dot\n."
        try await client.send(SMTPMessage(
            from: "a@example.com", to: ["b@example.com"], subject: "Dots", textBody: text, htmlBody: "<p>.hi</p>\n.<b>x</b>"
        ))
        try await server.shutdown()

        let received = try #require(inbox.messages.first)
        #expect(received.authenticatedUser == nil)
        let mail = ParsedMail(received.data)
        let contentType = try #require(mail.header("Content-Type"))
        #expect(contentType.hasPrefix("multipart/alternative; boundary=\""))
        let boundary = String(contentType.split(separator: "\"")[1])
        let parts = mail.body.components(separatedBy: "--\(boundary)").dropFirst().map(ParsedMail.init)
        #expect(parts.count == 3)  // text, html, and the "--" closing remainder
        #expect(parts[0].header("Content-Type") == "text/plain; charset=utf-8")
        #expect(decodeQuotedPrintable(parts[0].body) == text.replacingOccurrences(of: "\n", with: "\r\n") + "\r\n")
        #expect(parts[1].header("Content-Type") == "text/html; charset=utf-8")
        #expect(decodeQuotedPrintable(parts[1].body).hasPrefix("<p>.hi</p>\r\n.<b>x</b>"))
    }

    @Test func nonASCIISubjectIsEncoded() async throws {
        let inbox = Inbox()
        let server = try await SandboxSMTPServer.start(authMechanisms: ["LOGIN"], onMessage: inbox.append)
        let config = try SMTPConfiguration(url: "smtp://login-user:pw@localhost:\(server.port)")
        let subject = "Grüße – 你好 🎉 " + String(repeating: "ünïcödé ", count: 10)
        try await SMTPClient(configuration: config, timeout: .seconds(10))
            .send(SMTPMessage(from: "Zoë <z@example.com>", to: ["b@example.com"], subject: subject, textBody: "x"))
        try await server.shutdown()

        let received = try #require(inbox.messages.first)
        #expect(received.authenticatedUser == "login-user")  // AUTH LOGIN fallback path
        let rawSubject = try #require(ParsedMail(received.data).header("Subject"))
        #expect(rawSubject.hasPrefix("=?UTF-8?B?"))
        #expect(rawSubject.unicodeScalars.allSatisfy { $0.isASCII })
        #expect(decodeEncodedWords(rawSubject) == subject)
        #expect(received.data.split(separator: "\r\n").allSatisfy { $0.utf8.count <= 78 })
    }

    @Test func rejectedRecipientSurfacesAs550() async throws {
        let server = try await SandboxSMTPServer.start(failMode: .rejectRecipients) { _ in }
        let client = loopbackClient(server, timeoutMilliseconds: 10_000)
        await #expect {
            try await client.send(SMTPMessage(from: "a@example.com", to: ["nobody@example.com"], subject: "s", textBody: "b"))
        } throws: { error in
            guard case SMTPError.unexpectedReply(550, "RCPT TO:<nobody@example.com>", let message) = error else {
                return false
            }
            return message.contains("rejected")
        }
        try await server.shutdown()
    }

    @Test func serverClosingAfterGreetingFailsPromptly() async throws {
        let server = try await SandboxSMTPServer.start(failMode: .closeAfterGreeting) { _ in }
        let client = loopbackClient(server, timeoutMilliseconds: 20_000)
        let started = ContinuousClock.now
        await #expect {
            try await client.send(simpleMessage)
        } throws: { error in
            // Usually a clean EOF; if our EHLO races the close, the kernel may answer with a reset.
            switch error as? SMTPError {
            case .connectionClosed?, .connectionFailed?: true
            default: false
            }
        }
        #expect(ContinuousClock.now - started < .seconds(10))
        try await server.shutdown()
    }

    @Test func silentServerTimesOut() async throws {
        let server = try await SandboxSMTPServer.start(failMode: .noGreeting) { _ in }
        let client = loopbackClient(server, timeoutMilliseconds: 300)
        await #expect(throws: SMTPError.timeout) {
            try await client.send(simpleMessage)
        }
        try await server.shutdown()
    }

    @Test func connectionRefusedIsConnectionFailed() async throws {
        // Bind then release a port so that nothing listens on it.
        let server = try await SandboxSMTPServer.start { _ in }
        let port = server.port
        try await server.shutdown()
        let config = try SMTPConfiguration(url: "smtp://user:topsecret@127.0.0.1:\(port)")
        await #expect {
            try await SMTPClient(configuration: config, timeout: .seconds(10))
                .send(simpleMessage)
        } throws: { error in
            guard case SMTPError.connectionFailed = error else { return false }
            return !String(describing: error).contains("topsecret")
        }
    }

    @Test func wrongPasswordIs535WithoutLeakingIt() async throws {
        let server = try await SandboxSMTPServer.start(requiredPassword: "right-password") { _ in }
        let config = try SMTPConfiguration(url: "smtp://carol:wr0ng-p4ss@127.0.0.1:\(server.port)")
        let leaked = [
            "wr0ng-p4ss", Data("\0carol\0wr0ng-p4ss".utf8).base64EncodedString(),
            Data("wr0ng-p4ss".utf8).base64EncodedString(),
        ]
        await #expect {
            try await SMTPClient(configuration: config, timeout: .seconds(10))
                .send(simpleMessage)
        } throws: { error in
            guard case SMTPError.unexpectedReply(535, "AUTH PLAIN", _) = error else { return false }
            let rendered = String(describing: error) + String(reflecting: error)
            return leaked.allSatisfy { !rendered.contains($0) }
        }
        try await server.shutdown()
    }

    @Test func requiredStartTLSIsEnforced() async throws {
        let inbox = Inbox()
        let server = try await SandboxSMTPServer.start(onMessage: inbox.append)
        let config = try SMTPConfiguration(url: "smtp://127.0.0.1:\(server.port)?starttls=required")
        await #expect(throws: SMTPError.startTLSUnavailable) {
            try await SMTPClient(configuration: config, timeout: .seconds(10))
                .send(simpleMessage)
        }
        try await server.shutdown()
        #expect(inbox.messages.isEmpty)
    }
}

// MARK: - Test helpers

private let simpleMessage = SMTPMessage(from: "a@example.com", to: ["b@example.com"], subject: "s", textBody: "b")

private func loopbackClient(_ server: SandboxSMTPServer, timeoutMilliseconds: Int64) -> SMTPClient {
    SMTPClient(
        configuration: SMTPConfiguration(host: "127.0.0.1", port: server.port),
        timeout: .milliseconds(timeoutMilliseconds)
    )
}

/// Thread-safe collector for `onMessage` callbacks.
private final class Inbox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [ReceivedSMTPMessage] = []
    var messages: [ReceivedSMTPMessage] { lock.withLock { stored } }
    @Sendable func append(_ message: ReceivedSMTPMessage) { lock.withLock { stored.append(message) } }
}

/// Minimal RFC 5322 parser: unfolded headers and the raw body.
private struct ParsedMail {
    var headers: [(name: String, value: String)] = []
    var body = ""

    init(_ raw: String) {
        let text = raw.hasPrefix("\r\n") ? String(raw.dropFirst()) : raw  // MIME parts start after the boundary's CRLF
        let split = text.components(separatedBy: "\r\n\r\n")
        body = split.dropFirst().joined(separator: "\r\n\r\n")
        for line in (split.first ?? "").components(separatedBy: "\r\n") where !line.isEmpty {
            if line.first == " " || line.first == "\t", let last = headers.popLast() {
                headers.append((last.name, last.value + line))
            } else if let colon = line.firstIndex(of: ":") {
                let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                headers.append((String(line[..<colon]), value))
            }
        }
    }

    func header(_ name: String) -> String? { headers.first { $0.name.lowercased() == name.lowercased() }?.value }
}

private func decodeQuotedPrintable(_ text: String) -> String {
    var bytes: [UInt8] = []
    let input = Array(text.replacingOccurrences(of: "=\r\n", with: "").utf8)
    var index = 0
    while index < input.count {
        if input[index] == UInt8(ascii: "="), index + 2 < input.count,
            let byte = UInt8(String(decoding: input[(index + 1)...(index + 2)], as: UTF8.self), radix: 16) {
            bytes.append(byte)
            index += 3
        } else {
            bytes.append(input[index])
            index += 1
        }
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// Decodes a run of `=?UTF-8?B?...?=` words separated by folding whitespace.
private func decodeEncodedWords(_ text: String) -> String {
    var bytes: [UInt8] = []
    for word in text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r\n" }) {
        guard word.hasPrefix("=?UTF-8?B?"), word.hasSuffix("?="),
            let data = Data(base64Encoded: String(word.dropFirst(10).dropLast(2)))
        else {
            return "<not an encoded word: \(word)>"
        }
        bytes += data
    }
    return String(decoding: bytes, as: UTF8.self)
}
