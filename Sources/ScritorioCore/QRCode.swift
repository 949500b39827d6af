import Foundation

/// A QR Code (ISO/IEC 18004) symbol for a byte string: byte mode, error correction level M, the smallest version
/// (1-40) that fits, the mask with the lowest penalty.
///
/// Written for TOTP enrolment (`otpauth://totp/...` URIs of a few hundred ASCII bytes), so it deliberately has one
/// segment mode (byte: the URI is mixed-case, so numeric/alphanumeric modes would not apply) and one level (M:
/// 15% recovery, ample for a code shown on a screen). Everything else follows the standard so any reader decodes it.
public struct QRCode: Sendable, Equatable {
    public enum Error: Swift.Error, Equatable {
        /// The text's UTF-8 bytes exceed version 40-M's byte-mode capacity (2,331 bytes).
        case tooLong
    }

    /// Modules per side (17 + 4 × version).
    public let size: Int
    public let version: Int
    /// The mask pattern (0-7) chosen by the penalty rules; internal so tests can compare with reference encoders.
    let mask: Int
    /// Row-major, `true` = dark.
    private let modules: [Bool]

    /// Whether the module at column `x`, row `y` is dark; coordinates outside the symbol (the quiet zone) are light.
    public func isDark(x: Int, y: Int) -> Bool {
        guard x >= 0, y >= 0, x < size, y < size else { return false }
        return modules[y * size + x]
    }

    public init(encoding text: String) throws {
        let bytes = Array(text.utf8)
        // Smallest version whose data capacity holds mode (4 bits) + count + 8 bits a byte, with a count that fits.
        guard
            let version = (1...40).first(where: { v in
                let countBits = Self.countBits(v)
                return bytes.count < 1 << countBits && 4 + countBits + 8 * bytes.count <= Self.dataCodewords(v) * 8
            })
        else { throw Error.tooLong }

        var grid = Grid(version: version)
        grid.drawFunctionPatterns()
        grid.drawCodewords(Self.codewords(bytes, version: version))

        // Try all eight masks; keep the first with the lowest penalty (format bits drawn, as a reader would see it).
        var best: (penalty: Int, mask: Int, grid: Grid)?
        for mask in 0..<8 {
            var candidate = grid
            candidate.apply(mask: mask)
            candidate.drawFormatBits(mask: mask)
            let penalty = candidate.penalty()
            if best.map({ penalty < $0.penalty }) ?? true { best = (penalty, mask, candidate) }
        }
        let chosen = best ?? (0, 0, grid)  // never nil: the loop always runs
        self.version = version
        self.size = grid.size
        self.mask = chosen.mask
        self.modules = chosen.grid.modules
    }

    /// An SVG of the symbol with a 4-module quiet zone: one `<path>` of dark modules (horizontal runs merged), 3 px a
    /// module like GoTrue's `DefaultQRSize`. Colours are named and sizes absolute so the text has no `#` or `%`: the
    /// data URI below is not percent-encoded, and a bare `#` would end it (URL fragment) in browsers.
    public var svg: String {
        let side = size + 8
        var path = ""
        for y in 0..<size {
            var x = 0
            while x < size {
                guard isDark(x: x, y: y) else {
                    x += 1
                    continue
                }
                let start = x
                while x < size && isDark(x: x, y: y) { x += 1 }
                path += "M\(start + 4) \(y + 4)h\(x - start)v1h-\(x - start)z"
            }
        }
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(side * 3)\" height=\"\(side * 3)\" "
            + "viewBox=\"0 0 \(side) \(side)\" shape-rendering=\"crispEdges\">"
            + "<rect width=\"\(side)\" height=\"\(side)\" fill=\"white\"/><path d=\"\(path)\" fill=\"black\"/></svg>"
    }

    /// The SVG as a `data:` URI the way Supabase clients present `totp.qr_code`: the raw, unescaped SVG text after
    /// `data:image/svg+xml;utf-8,`. GoTrue (v2.196.0 `internal/api/mfa.go`) itself sends only the SVG
    /// (`QRCode: buf.String()`); supabase-js / supabase-py prepend this prefix on receipt, so a GoTrue-compatible
    /// `qr_code` field should carry `svg`, and this is for places that want the ready-made URI.
    public var svgDataURI: String { "data:image/svg+xml;utf-8," + svg }
}

// MARK: - Data codewords

extension QRCode {
    /// Error correction codewords per block at level M, indexed by version (index 0 unused). ISO/IEC 18004 Table 9.
    private static let ecCodewordsPerBlock = [
        0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26,
        26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28,
    ]
    /// Number of blocks at level M, indexed by version. ISO/IEC 18004 Table 9.
    private static let blockCount = [
        0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16,
        17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49,
    ]

    /// Byte-mode character count indicator width: 8 bits for versions 1-9, 16 for 10-40.
    static func countBits(_ version: Int) -> Int { version < 10 ? 8 : 16 }

    /// Modules left for codewords once function patterns (and format/version areas) are removed, remainder bits
    /// included. Closed form instead of a 40-entry table: area minus finders/timing/format, minus alignment patterns
    /// (and their overlap with timing), minus the two 18-bit version blocks from version 7.
    static func rawDataModules(_ version: Int) -> Int {
        var result = (16 * version + 128) * version + 64
        if version >= 2 {
            let alignments = version / 7 + 2
            result -= (25 * alignments - 10) * alignments - 55
            if version >= 7 { result -= 36 }
        }
        return result
    }

    /// Data codewords at level M: all codewords minus the error correction ones.
    static func dataCodewords(_ version: Int) -> Int {
        rawDataModules(version) / 8 - ecCodewordsPerBlock[version] * blockCount[version]
    }

    /// The final codeword sequence: mode 0100, count, bytes, terminator, 0xEC/0x11 padding, split into blocks
    /// (short blocks first, long blocks one data codeword longer), Reed-Solomon per block, then interleaved.
    static func codewords(_ bytes: [UInt8], version: Int) -> [UInt8] {
        let capacity = dataCodewords(version)
        var bits: [Bool] = []
        func append(_ value: Int, _ count: Int) {
            for i in stride(from: count - 1, through: 0, by: -1) { bits.append((value >> i) & 1 == 1) }
        }
        append(0b0100, 4)
        append(bytes.count, countBits(version))
        for byte in bytes { append(Int(byte), 8) }
        append(0, min(4, capacity * 8 - bits.count))  // terminator, shortened if the symbol is full
        append(0, (8 - bits.count % 8) % 8)  // to a byte boundary
        var data = stride(from: 0, to: bits.count, by: 8).map { start in
            bits[start..<start + 8].reduce(UInt8(0)) { $0 << 1 | ($1 ? 1 : 0) }
        }
        var pad: UInt8 = 0xEC
        while data.count < capacity {
            data.append(pad)
            pad ^= 0xEC ^ 0x11
        }

        let ecLength = ecCodewordsPerBlock[version]
        let blocks = blockCount[version]
        let total = rawDataModules(version) / 8
        let shortBlocks = blocks - total % blocks
        let shortDataLength = total / blocks - ecLength
        let divisor = reedSolomonDivisor(degree: ecLength)
        var dataBlocks: [[UInt8]] = []
        var ecBlocks: [[UInt8]] = []
        var offset = 0
        for index in 0..<blocks {
            let length = shortDataLength + (index < shortBlocks ? 0 : 1)
            let block = Array(data[offset..<offset + length])
            offset += length
            dataBlocks.append(block)
            ecBlocks.append(reedSolomonRemainder(block, divisor: divisor))
        }
        var result: [UInt8] = []
        for i in 0...shortDataLength {
            for block in dataBlocks where i < block.count { result.append(block[i]) }
        }
        for i in 0..<ecLength {
            for block in ecBlocks { result.append(block[i]) }
        }
        return result
    }

    /// Product in GF(2^8) modulo x^8 + x^4 + x^3 + x^2 + 1 (0x11D), shift-and-add so no log tables are needed.
    static func gfMultiply(_ x: UInt8, _ y: UInt8) -> UInt8 {
        var z = 0
        for i in stride(from: 7, through: 0, by: -1) {
            z = (z << 1) ^ ((z >> 7) * 0x11D)
            z ^= ((Int(y) >> i) & 1) * Int(x)
        }
        return UInt8(truncatingIfNeeded: z)
    }

    /// Coefficients (highest power first, leading 1 omitted) of the generator (x - α^0)(x - α^1)…(x - α^(degree-1)).
    static func reedSolomonDivisor(degree: Int) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: degree)
        result[degree - 1] = 1
        var root: UInt8 = 1
        for _ in 0..<degree {
            for j in 0..<degree {
                result[j] = gfMultiply(result[j], root)
                if j + 1 < degree { result[j] ^= result[j + 1] }
            }
            root = gfMultiply(root, 0x02)
        }
        return result
    }

    /// The error correction codewords: remainder of data × x^degree divided by the generator (polynomial long division).
    static func reedSolomonRemainder(_ data: [UInt8], divisor: [UInt8]) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: divisor.count)
        for byte in data {
            let factor = byte ^ result.removeFirst()
            result.append(0)
            for i in result.indices { result[i] ^= gfMultiply(divisor[i], factor) }
        }
        return result
    }

    /// Alignment pattern centre coordinates (both axes): 6, then evenly spaced (even steps) back from size - 7.
    static func alignmentPositions(_ version: Int) -> [Int] {
        guard version >= 2 else { return [] }
        let count = version / 7 + 2
        let step = (version * 8 + count * 3 + 5) / (count * 4 - 4) * 2
        return [6] + (0..<count - 1).map { (17 + 4 * version - 7) - step * $0 }.reversed()
    }
}

// MARK: - Module grid

extension QRCode {
    /// The matrix under construction; `isFunction` marks modules that data placement and masking must skip.
    fileprivate struct Grid {
        let version: Int
        let size: Int
        var modules: [Bool]
        var isFunction: [Bool]

        init(version: Int) {
            self.version = version
            size = 17 + 4 * version
            modules = Array(repeating: false, count: size * size)
            isFunction = modules
        }

        func at(_ x: Int, _ y: Int) -> Bool { modules[y * size + x] }

        mutating func setFunction(_ x: Int, _ y: Int, _ dark: Bool) {
            guard x >= 0, y >= 0, x < size, y < size else { return }  // finder separators run off the edge
            modules[y * size + x] = dark
            isFunction[y * size + x] = true
        }

        mutating func drawFunctionPatterns() {
            for i in 0..<size {  // timing patterns (finders overwrite their ends)
                setFunction(6, i, i % 2 == 0)
                setFunction(i, 6, i % 2 == 0)
            }
            for (cx, cy) in [(3, 3), (size - 4, 3), (3, size - 4)] {  // finders with their light separators
                for dy in -4...4 {
                    for dx in -4...4 {
                        let ring = max(abs(dx), abs(dy))
                        setFunction(cx + dx, cy + dy, ring != 2 && ring != 4)
                    }
                }
            }
            let positions = QRCode.alignmentPositions(version)
            let last = positions.count - 1
            for (i, cx) in positions.enumerated() {
                for (j, cy) in positions.enumerated() {
                    if (i == 0 && j == 0) || (i == 0 && j == last) || (i == last && j == 0) { continue }  // finders
                    for dy in -2...2 {
                        for dx in -2...2 { setFunction(cx + dx, cy + dy, max(abs(dx), abs(dy)) != 1) }
                    }
                }
            }
            drawFormatBits(mask: 0)  // reserves the format areas; redrawn for the real mask later
            if version >= 7 {
                // 6-bit version + 12-bit BCH(18,6) remainder, generator 0x1F25; two 6×3 blocks.
                var remainder = version
                for _ in 0..<12 { remainder = (remainder << 1) ^ ((remainder >> 11) * 0x1F25) }
                let bits = version << 12 | remainder
                for i in 0..<18 {
                    let dark = (bits >> i) & 1 == 1
                    let a = size - 11 + i % 3
                    let b = i / 3
                    setFunction(a, b, dark)
                    setFunction(b, a, dark)
                }
            }
        }

        /// 15 format bits: level M (00) and the mask, BCH(15,5) with generator 0x537, XOR 0x5412 so they are never
        /// all light; one copy around the top-left finder, one split between the other two, plus the dark module.
        mutating func drawFormatBits(mask: Int) {
            let data = 0b00 << 3 | mask
            var remainder = data
            for _ in 0..<10 { remainder = (remainder << 1) ^ ((remainder >> 9) * 0x537) }
            let bits = (data << 10 | remainder) ^ 0x5412
            func bit(_ i: Int) -> Bool { (bits >> i) & 1 == 1 }
            for i in 0...5 { setFunction(8, i, bit(i)) }
            setFunction(8, 7, bit(6))
            setFunction(8, 8, bit(7))
            setFunction(7, 8, bit(8))
            for i in 9..<15 { setFunction(14 - i, 8, bit(i)) }
            for i in 0..<8 { setFunction(size - 1 - i, 8, bit(i)) }
            for i in 8..<15 { setFunction(8, size - 15 + i, bit(i)) }
            setFunction(8, size - 8, true)  // the dark module
        }

        /// Places codeword bits (MSB first) in two-column strips from the bottom right, zigzagging up and down and
        /// skipping the vertical timing column; modules left over are the remainder bits and stay light (pre-mask).
        mutating func drawCodewords(_ codewords: [UInt8]) {
            var index = 0
            var right = size - 1
            while right >= 1 {
                if right == 6 { right = 5 }
                let upward = (right + 1) & 2 == 0
                for vertical in 0..<size {
                    let y = upward ? size - 1 - vertical : vertical
                    for x in [right, right - 1] where !isFunction[y * size + x] && index < codewords.count * 8 {
                        modules[y * size + x] = (codewords[index >> 3] >> (7 - (index & 7))) & 1 == 1
                        index += 1
                    }
                }
                right -= 2
            }
        }

        /// XORs every non-function module with mask pattern `mask` (ISO/IEC 18004 Table 10; x = column, y = row).
        mutating func apply(mask: Int) {
            for y in 0..<size {
                for x in 0..<size where !isFunction[y * size + x] {
                    let flip: Bool
                    switch mask {
                    case 0: flip = (x + y) % 2 == 0
                    case 1: flip = y % 2 == 0
                    case 2: flip = x % 3 == 0
                    case 3: flip = (x + y) % 3 == 0
                    case 4: flip = (x / 3 + y / 2) % 2 == 0
                    case 5: flip = x * y % 2 + x * y % 3 == 0
                    case 6: flip = (x * y % 2 + x * y % 3) % 2 == 0
                    default: flip = ((x + y) % 2 + x * y % 3) % 2 == 0
                    }
                    if flip { modules[y * size + x].toggle() }
                }
            }
        }

        /// The four penalty rules of ISO/IEC 18004 §7.8.3: runs of 5+ same-colour modules (3 + extra length), 2×2
        /// same-colour blocks (3 each), finder-like dark:light:dark:light:dark runs in ratio 1:1:3:1:1 with a light
        /// run of 4 on a side (40 per side; the quiet zone counts as light), and the dark share away from 50% (10 per
        /// 5%). Rule 3 is read on run lengths, exactly as Nayuki's widely used QR Code generator does, so the chosen
        /// mask is reproducible against it (simple 11-module window matchers like ZXing's count slightly differently).
        func penalty() -> Int {
            var score = 0
            let quietZone = [Bool](repeating: false, count: size)
            for horizontal in [true, false] {
                for i in 0..<size {
                    let line = (0..<size).map { j in horizontal ? at(j, i) : at(i, j) }
                    var run = 1
                    for j in 1...size {
                        if j < size && line[j] == line[j - 1] {
                            run += 1
                        } else {
                            if run >= 5 { score += run - 2 }
                            run = 1
                        }
                    }
                    // Alternating run lengths, light first and last (the quiet zone pads both ends).
                    var runs: [Int] = []
                    var previous = true
                    for dark in quietZone + line + quietZone {
                        if dark == previous { runs[runs.count - 1] += 1 } else { runs.append(1) }
                        previous = dark
                    }
                    for j in stride(from: 0, to: runs.count - 6, by: 2) {  // light, dark, light, dark, light, dark, light
                        let n = runs[j + 1]
                        guard runs[j + 2] == n, runs[j + 3] == 3 * n, runs[j + 4] == n, runs[j + 5] == n else { continue }
                        if runs[j] >= 4 * n && runs[j + 6] >= n { score += 40 }
                        if runs[j + 6] >= 4 * n && runs[j] >= n { score += 40 }
                    }
                }
            }
            for y in 0..<size - 1 {
                for x in 0..<size - 1 {
                    let c = at(x, y)
                    if c == at(x + 1, y) && c == at(x, y + 1) && c == at(x + 1, y + 1) { score += 3 }
                }
            }
            let total = size * size
            let dark = modules.reduce(0) { $0 + ($1 ? 1 : 0) }
            score += max(0, (abs(dark * 20 - total * 10) + total - 1) / total - 1) * 10
            return score
        }
    }
}
