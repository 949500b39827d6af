/// The length of an Ogg Opus file from its packets, as a decoder plays them: each packet's TOC byte gives its
/// frame size and count (RFC 6716 §3.1), whatever the pages' granule positions claim. Used by the audio estimate:
/// Opus is the format that can go below any bitrate floor (silence is sent as one- or two-byte packets), and
/// the packets bound what the upstream decodes.
enum OggOpusDuration {
    /// Whole seconds (rounded up), or `nil` when `bytes` is not wholly Ogg pages of Opus streams (then the
    /// caller's bitrate bound applies): anything unread could be pages a decoder finds after resynchronising.
    static func seconds(_ bytes: [UInt8]) -> Int64? {
        var offset = 0
        var samples: Int64 = 0  // at 48 kHz
        var streams: [UInt32: (packets: Int, partial: [UInt8])] = [:]
        while offset < bytes.count {
            guard offset + 27 <= bytes.count, bytes[offset..<(offset + 4)].elementsEqual("OggS".utf8), bytes[offset + 4] == 0 else { return nil }
            let serial = UInt32(bytes[offset + 14]) | UInt32(bytes[offset + 15]) << 8 | UInt32(bytes[offset + 16]) << 16 | UInt32(bytes[offset + 17]) << 24
            let segments = Int(bytes[offset + 26])
            let tableStart = offset + 27
            guard tableStart + segments <= bytes.count else { return nil }
            let lacing = bytes[tableStart..<(tableStart + segments)]
            var cursor = tableStart + segments
            guard cursor + lacing.reduce(0, { $0 + Int($1) }) <= bytes.count else { return nil }
            var stream = streams[serial] ?? (0, [])
            for length in lacing {
                // Only the start of a packet matters (its TOC byte and, for code 3, the frame count after it).
                let keep = stream.packets == 0 ? 8 : 2
                if stream.partial.count < keep { stream.partial += bytes[cursor..<(cursor + min(Int(length), keep - stream.partial.count))] }
                cursor += Int(length)
                guard length < 255 else { continue }
                let packet = stream.partial
                stream.partial = []
                stream.packets += 1
                if stream.packets == 1 {
                    // A stream starts with its OpusHead; any other codec is not counted here.
                    guard packet == Array("OpusHead".utf8) else { return nil }
                    continue
                }
                if stream.packets == 2 { continue }  // OpusTags
                samples += packetSamples(packet)
            }
            streams[serial] = stream
            offset = cursor
        }
        guard !streams.isEmpty else { return nil }
        return (samples + 47_999) / 48_000
    }

    /// Samples (48 kHz) one packet decodes to: frames × frame length, from its first two bytes.
    static func packetSamples(_ start: [UInt8]) -> Int64 {
        // An empty packet is not Opus (every packet has its TOC byte); a decoder may conceal it as lost audio, so it
        // counts as the longest packet there is (120 ms).
        guard let toc = start.first else { return 5_760 }
        let config = Int(toc >> 3)
        let frame: Int64 = switch config {
        case 0...11: [480, 960, 1_920, 2_880][config % 4]  // SILK: 10, 20, 40, 60 ms
        case 12...15: config % 2 == 0 ? 480 : 960  // hybrid: 10, 20 ms
        default: [120, 240, 480, 960][config % 4]  // CELT: 2.5, 5, 10, 20 ms
        }
        let frames: Int64 = switch toc & 3 {
        case 0: 1
        case 1, 2: 2
        default: start.count > 1 ? Int64(start[1] & 0x3F) : 0
        }
        return frame * frames
    }
}
