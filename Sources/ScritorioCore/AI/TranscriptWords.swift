import Foundation

/// Counts the words of a transcript as the gateway relays it, in each `response_format` OpenAI answers
/// transcriptions in. A word is a run of letters or digits between spaces; in scripts written without spaces
/// (Chinese, Japanese kana and kanji) each character counts as one word, as dictation apps count them.
public enum TranscriptWords {
    /// The words of plain text.
    public static func count(_ text: some StringProtocol) -> Int64 {
        var words: Int64 = 0
        var inWord = false
        for scalar in text.unicodeScalars {
            if isSpacelessScript(scalar) {
                words += 1
                inWord = false
            } else if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                if !inWord { words += 1 }
                inWord = true
            } else if scalar.properties.isWhitespace {
                inWord = false
            }
            // Punctuation inside a word (don't, e-mail, 3.5) keeps it one word.
        }
        return words
    }

    /// The words of a non-streamed answer in `format` (`json` when none was asked for).
    public static func count(body: some Collection<UInt8>, format: String?) -> Int64 {
        let text = String(decoding: Array(body), as: UTF8.self)
        switch format ?? "json" {
        case "text": return count(text)
        case "srt": return count(subtitleText(text, vtt: false))
        case "vtt": return count(subtitleText(text, vtt: true))
        default:
            // json, verbose_json, diarized_json: the `text` member holds the whole transcript.
            guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                let transcript = object["text"] as? String
            else { return 0 }
            return count(transcript)
        }
    }

    /// The words of a streamed answer (`stream=true`): the `transcript.text.done` event's text, else the deltas'.
    public static func count(events body: some Collection<UInt8>) -> Int64 {
        var done: String?
        var deltas = ""
        for line in String(decoding: Array(body), as: UTF8.self).split(whereSeparator: \.isNewline) where line.hasPrefix("data:") {
            let payload = line.dropFirst(5).trimmingCharacters(in: .whitespaces)
            guard let object = try? JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any] else { continue }
            switch object["type"] as? String {
            case "transcript.text.done": done = object["text"] as? String
            case "transcript.text.delta": deltas += (object["delta"] as? String) ?? ""
            default: break
            }
        }
        return count(done ?? deltas)
    }

    /// The spoken lines of SubRip or WebVTT: without cue numbers and identifiers, timings, the header and notes.
    static func subtitleText(_ text: String, vtt: Bool) -> String {
        var spoken: [Substring] = []
        let blocks = text.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n")
        for block in blocks {
            let lines = block.split(separator: "\n", omittingEmptySubsequences: true)
            guard let timing = lines.firstIndex(where: { $0.contains("-->") }) else { continue }  // header, NOTE, STYLE
            spoken.append(contentsOf: lines[(timing + 1)...])
        }
        return spoken.joined(separator: "\n")
    }

    private static func isSpacelessScript(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x3040...0x30FF,  // Hiragana, Katakana
            0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0x20000...0x2FA1F,  // CJK ideographs
            0x0E00...0x0E7F:  // Thai
            return true
        default:
            return false
        }
    }
}
