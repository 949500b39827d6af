import Foundation
@testable import ScritorioCore
import Testing

@Suite("TOTP, base32 and the secret box")
struct TOTPTests {
    /// RFC 6238 appendix B (SHA-1), last six digits.
    @Test("RFC 6238's SHA-1 vectors", arguments: [
        (59.0, "287082"), (1_111_111_109, "081804"), (1_111_111_111, "050471"), (1_234_567_890, "005924"),
        (2_000_000_000, "279037"), (20_000_000_000, "353130"),
    ])
    func vectors(time: Double, expected: String) {
        let totp = TOTP(secret: Array("12345678901234567890".utf8))
        #expect(totp.code(at: Date(timeIntervalSince1970: time)) == expected)
    }

    @Test("a code matches its own step and one either side, nothing further, and not when malformed")
    func window() {
        let totp = TOTP.random()
        let now = Date(timeIntervalSince1970: 1_700_000_015)
        let step = TOTP.step(at: now)
        #expect(totp.matchingStep(totp.code(step: step), at: now) == step)
        #expect(totp.matchingStep(totp.code(step: step - 1), at: now) == step - 1)
        #expect(totp.matchingStep(totp.code(step: step + 1), at: now) == step + 1)
        // Codes two steps away are refused unless they happen to equal a code in the window (1 in 10^5 or so).
        let far = totp.code(step: step - 2)
        if ![step - 1, step, step + 1].map({ totp.code(step: $0) }).contains(far) {
            #expect(totp.matchingStep(far, at: now) == nil)
        }
        for bad in ["", "12345", "1234567", "12345a", "١٢٣٤٥٦", " 12345"] {
            #expect(totp.matchingStep(bad, at: now) == nil)
        }
    }

    @Test("base32 round-trips and matches RFC 4648's vectors")
    func base32() {
        for (plain, encoded) in [("", ""), ("f", "MY"), ("fo", "MZXQ"), ("foo", "MZXW6"), ("foob", "MZXW6YQ"), ("fooba", "MZXW6YTB"), ("foobar", "MZXW6YTBOI")] {
            #expect(Base32.encode(Array(plain.utf8)) == encoded)
            #expect(Base32.decode(encoded) == Array(plain.utf8))
        }
        let secret = TOTP.random()
        #expect(secret.base32Secret.count == 32 && Base32.decode(secret.base32Secret.lowercased()) == secret.secret)
        #expect(Base32.decode("MZ1W") == nil)
    }

    @Test("sealed secrets open only with the same key and context")
    func box() throws {
        let box = try #require(SecretBox(keyBytes: SecretBox.randomKeyBytes()))
        let secret = TOTP.random().secret
        let sealed = try box.seal(secret, context: "factor-a")
        #expect(sealed.hasPrefix("v1.") && !sealed.contains(Base32.encode(secret)))
        #expect(box.open(sealed, context: "factor-a") == secret)
        #expect(box.open(sealed, context: "factor-b") == nil)
        #expect(try #require(SecretBox(keyBytes: SecretBox.randomKeyBytes())).open(sealed, context: "factor-a") == nil)
        #expect(box.open("v1.AAAA", context: "factor-a") == nil && box.open("garbage", context: "factor-a") == nil)
        #expect(SecretBox(keyBytes: [1, 2, 3]) == nil)
    }

    @Test("the otpauth URI carries the issuer, account and secret")
    func uri() {
        let totp = TOTP(secret: Array("12345678901234567890".utf8))
        let uri = totp.uri(issuer: "Scritorio Notes", account: "ada@example.com")
        #expect(uri == "otpauth://totp/Scritorio%20Notes:ada@example.com?algorithm=SHA1&digits=6&issuer=Scritorio+Notes&period=30&secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
    }
}

@Suite("Go durations (ban_duration)")
struct GoDurationTests {
    @Test("Go's valid forms", arguments: [
        ("24h", 86_400.0), ("1h30m", 5_400), ("-1h", -3_600), ("0", 0), ("+15m", 900), ("1.5h", 5_400), ("300ms", 0.3),
        ("2h45m30.5s", 9_930.5), ("876000h", 3_153_600_000),
    ])
    func valid(text: String, seconds: Double) throws {
        #expect(abs(try GoDuration.parse(text) - seconds) < 1e-9)
    }

    @Test("Go's error messages", arguments: [
        ("abc", #"time: invalid duration "abc""#), ("", #"time: invalid duration """#), ("10", #"time: missing unit in duration "10""#),
        ("1d", #"time: unknown unit "d" in duration "1d""#), ("h", #"time: invalid duration "h""#), ("1..5h", #"time: invalid duration "1..5h""#),
        ("none", #"time: invalid duration "none""#), ("9999999h", #"time: invalid duration "9999999h""#),
    ])
    func invalid(text: String, message: String) {
        #expect(throws: GoDuration.ParseError(description: message)) { try GoDuration.parse(text) }
    }
}

@Suite("Transcript words")
struct TranscriptWordsTests {
    @Test("plain text: runs of letters or digits; punctuation inside a word keeps it one; spaceless scripts per character")
    func text() {
        #expect(TranscriptWords.count("Sandbox transcription of 3 seconds of audio.") == 7)
        #expect(TranscriptWords.count("  don't stop — e-mail me at 3.5 p.m.!  ") == 7)
        #expect(TranscriptWords.count("") == 0 && TranscriptWords.count(" … — ") == 0)
        #expect(TranscriptWords.count("Ça va très bien") == 4)
        #expect(TranscriptWords.count("今日は晴れ") == 5)
        #expect(TranscriptWords.count("Hello 世界") == 3)
    }

    @Test("each response format counts the spoken words only")
    func formats() {
        let json = #"{"text":"One two three.","usage":{"type":"duration","seconds":2}}"#
        #expect(TranscriptWords.count(body: Array(json.utf8), format: nil) == 3)
        #expect(TranscriptWords.count(body: Array(json.utf8), format: "verbose_json") == 3)
        #expect(TranscriptWords.count(body: Array("One two three.".utf8), format: "text") == 3)
        let srt = "1\n00:00:00,000 --> 00:00:01,500\nOne two\n\n2\n00:00:01,500 --> 00:00:03,000\nthree four five\n"
        #expect(TranscriptWords.count(body: Array(srt.utf8), format: "srt") == 5)
        let vtt = "WEBVTT\n\nNOTE a note with words\n\ncue-1\n00:00.000 --> 00:01.500\nOne two\n\n00:01.500 --> 00:03.000\nthree\n"
        #expect(TranscriptWords.count(body: Array(vtt.utf8), format: "vtt") == 3)
        #expect(TranscriptWords.count(body: Array("not json".utf8), format: "json") == 0)
        let events = """
            data: {"type":"transcript.text.delta","delta":"One two"}

            data: {"type":"transcript.text.delta","delta":" three"}

            data: {"type":"transcript.text.done","text":"One two three","usage":{"input_tokens":5}}

            """
        #expect(TranscriptWords.count(events: Array(events.utf8)) == 3)
        let cut = "data: {\"type\":\"transcript.text.delta\",\"delta\":\"One two\"}\n\n"
        #expect(TranscriptWords.count(events: Array(cut.utf8)) == 2)
    }
}
