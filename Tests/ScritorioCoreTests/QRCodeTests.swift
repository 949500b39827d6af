import Foundation
import Testing

@testable import ScritorioCore

@Suite("QR Code encoder")
struct QRCodeTests {
    /// Row `y` of the symbol as "0"/"1" characters.
    func row(_ qr: QRCode, _ y: Int) -> String {
        String((0..<qr.size).map { qr.isDark(x: $0, y: y) ? "1" : "0" })
    }

    /// Both 15-bit format information copies, read back in the ISO/IEC 18004 §7.9 order (bit 14 first written).
    func formatBits(_ qr: QRCode) -> (first: Int, second: Int) {
        var first = 0
        var second = 0
        for i in 0..<15 {
            let a: (x: Int, y: Int) =
                switch i {
                case 0...5: (8, i)
                case 6: (8, 7)
                case 7: (8, 8)
                case 8: (7, 8)
                default: (14 - i, 8)
                }
            let b: (x: Int, y: Int) = i < 8 ? (qr.size - 1 - i, 8) : (8, qr.size - 15 + i)
            if qr.isDark(x: a.x, y: a.y) { first |= 1 << i }
            if qr.isDark(x: b.x, y: b.y) { second |= 1 << i }
        }
        return (first, second)
    }

    /// Byte-mode capacities at level M: 14 bytes fit version 1, 26 version 2, 213 version 10 (16-bit count from 10).
    @Test(arguments: [
        (1, 1), (14, 1), (15, 2), (20, 2), (26, 2), (27, 3), (106, 6), (107, 7), (213, 10), (214, 11), (251, 11),
        (252, 12),
    ])
    func versionAndSize(length: Int, version: Int) throws {
        let qr = try QRCode(encoding: String(repeating: "a", count: length))
        #expect(qr.version == version)
        #expect(qr.size == 17 + 4 * version)
    }

    @Test func capacityCountsUTF8Bytes() throws {
        #expect(try QRCode(encoding: String(repeating: "é", count: 7)).version == 1)  // 14 bytes
        #expect(try QRCode(encoding: String(repeating: "é", count: 8)).version == 2)  // 16 bytes
    }

    @Test func totpURIFitsVersion6() throws {
        let uri = "otpauth://totp/Scritorio:user@example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Scritorio"
        let qr = try QRCode(encoding: uri)
        #expect(uri.utf8.count == 98)
        #expect(qr.version == 6)
        #expect(qr.size == 41)
    }

    @Test func tooLong() throws {
        #expect(throws: QRCode.Error.tooLong) { try QRCode(encoding: String(repeating: "x", count: 2_400)) }
        #expect(throws: QRCode.Error.tooLong) { try QRCode(encoding: String(repeating: "x", count: 2_332)) }
    }

    @Test func findersTimingAndDarkModule() throws {
        let qr = try QRCode(encoding: "otpauth://totp/Issuer:user@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Issuer")
        let finder = ["1111111", "1000001", "1011101", "1011101", "1011101", "1000001", "1111111"]
        for (ox, oy) in [(0, 0), (qr.size - 7, 0), (0, qr.size - 7)] {
            for (dy, line) in finder.enumerated() {
                let read = String((0..<7).map { qr.isDark(x: ox + $0, y: oy + dy) ? "1" : "0" })
                #expect(read == line, "finder at (\(ox), \(oy)) row \(dy)")
            }
        }
        // Light separators just inside the three finders.
        for i in 0..<8 {
            #expect(!qr.isDark(x: 7, y: i) && !qr.isDark(x: i, y: 7))
            #expect(!qr.isDark(x: qr.size - 8, y: i) && !qr.isDark(x: qr.size - 8 + i, y: 7))
            #expect(!qr.isDark(x: 7, y: qr.size - 8 + i) && !qr.isDark(x: i, y: qr.size - 8))
        }
        for i in 8..<(qr.size - 8) {
            #expect(qr.isDark(x: i, y: 6) == (i % 2 == 0))
            #expect(qr.isDark(x: 6, y: i) == (i % 2 == 0))
        }
        #expect(qr.isDark(x: 8, y: qr.size - 8))
        #expect(!qr.isDark(x: -1, y: 0) && !qr.isDark(x: 0, y: qr.size))  // quiet zone, no trap
    }

    /// ISO/IEC 18004 Table C.1 format strings for level M, masks 0-7.
    static let formatM = [
        "101010000010010", "101000100100101", "101111001111100", "101101101001011",
        "100010111111001", "100000011001110", "100111110010111", "100101010100000",
    ]

    @Test(arguments: ["a", "Scritorio", "hello world", String(repeating: "0123456789", count: 12)])
    func formatBitsAreLevelMAndChosenMask(text: String) throws {
        let qr = try QRCode(encoding: text)
        let (first, second) = formatBits(qr)
        #expect(first == second)
        let unmasked = first ^ 0x5412
        #expect(unmasked >> 13 == 0b00)  // level M
        #expect((unmasked >> 10) & 0b111 == qr.mask)
        #expect(String(first, radix: 2) == Self.formatM[qr.mask])
    }

    @Test func versionInformationFromVersion7() throws {
        let qr = try QRCode(encoding: String(repeating: "v", count: 110))
        #expect(qr.version == 7)
        var topRight = 0
        var bottomLeft = 0
        for i in 0..<18 {
            if qr.isDark(x: qr.size - 11 + i % 3, y: i / 3) { topRight |= 1 << i }
            if qr.isDark(x: i / 3, y: qr.size - 11 + i % 3) { bottomLeft |= 1 << i }
        }
        #expect(topRight == 0x07C94)  // ISO/IEC 18004 Table D.1, version 7
        #expect(bottomLeft == 0x07C94)
    }

    /// Thonky's "HELLO WORLD" 1-M example: 16 data codewords and their 10 error correction codewords.
    @Test func reedSolomonKnownVector() {
        let data: [UInt8] = [32, 91, 11, 120, 209, 114, 220, 77, 67, 64, 236, 17, 236, 17, 236, 17]
        let ec = QRCode.reedSolomonRemainder(data, divisor: QRCode.reedSolomonDivisor(degree: 10))
        #expect(ec == [196, 35, 39, 119, 235, 215, 231, 226, 93, 23])
    }

    /// Python `qrcode` 8.2 (`ERROR_CORRECT_M`, byte mode, `border=0`), which picks mask 2 here too.
    @Test func goldenMatrix() throws {
        let golden = [
            "111111100100001111111",
            "100000100101001000001",
            "101110101011101011101",
            "101110101110001011101",
            "101110101110101011101",
            "100000101111001000001",
            "111111101010101111111",
            "000000001100000000000",
            "101111100011001111100",
            "010000010111101110101",
            "101101110110110001010",
            "010011000001110111111",
            "010111100110101101000",
            "000000001010111010110",
            "111111100101011000010",
            "100000101110000011110",
            "101110101001000010001",
            "101110101011111110000",
            "101110101110101001100",
            "100000100001111101100",
            "111111101010100001010",
        ]
        let qr = try QRCode(encoding: "Scritorio")
        #expect(qr.version == 1)
        #expect(qr.mask == 2)
        #expect((0..<qr.size).map { row(qr, $0) } == golden)
        #expect(try QRCode(encoding: "Scritorio") == qr)
        #expect(try QRCode(encoding: "Scritorio!") != qr)
    }

    static func otp(_ issuer: String, _ user: String) -> String {
        "otpauth://totp/\(issuer):\(user)@example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=\(issuer)"
    }
    static func x(_ count: Int) -> String { String(repeating: "x", count: count) }

    /// Larger symbols (multi-block interleaving, version information, every mask): the version and mask that Nayuki's
    /// `qrcodegen` 1.8.0 chooses (`encode_segments([make_bytes(b)], Ecc.MEDIUM, boostecl=False)`), and the 64-bit
    /// FNV-1a of the matrix rows ("0"/"1", row after row) from Python `qrcode` 8.2 with that mask; both agree module
    /// for module.
    @Test(arguments: [
        (otp("Iss", "user0" + x(20)), 7, 0, 0x0098_fcc3_e181_8045),
        (otp("Example", "user1" + x(150)), 11, 1, 0xdc3d_cf4a_e7ea_01da),
        (otp("Scritorio", "user0"), 6, 2, 0xdffa_bdfd_dacb_dd2a),
        (otp("T", "user0" + x(5)), 6, 3, 0x81b3_8cdd_6746_cbeb),
        (otp("Iss", "user9" + x(20)), 7, 4, 0xf9b6_36d0_08be_dd31),
        (otp("T", "user23" + x(5)), 6, 5, 0xf71c_91d2_9e49_e132),
        (otp("Iss", "user8" + x(20)), 7, 6, 0x0bde_f529_ca03_8959),
        (otp("T", "user38" + x(5)), 6, 7, 0x3e44_7cda_5400_3bdb),
        (otp("Acme%20Corp", "user10" + x(60)), 9, 0, 0x585a_9e0c_b607_7ed9),
        (String(repeating: "a", count: 50), 4, 1, 0x4cb6_149e_242b_869f),
        (String(repeating: "Ab", count: 35), 5, 2, 0x9bc7_39fd_0ea6_6805),
        (String(repeating: "é", count: 150), 13, 7, 0x1e57_52f0_b5b0_c155),
        (String(repeating: "z", count: 600), 19, 0, 0x1442_95af_ba21_90eb),
        ("CCb9xGJas0.UNq?", 2, 0, 0x6e18_fa4d_3710_50ef),  // mask depends on the finder-like (rule 3) weight
        ("otpauth://totp/Iss:user160." + x(133), 9, 2, 0x3a84_b5fd_e8f1_d105),  // ... on the run (rule 1) weight
        ("9z  AA 0aZA", 1, 2, 0xa8a9_f9b7_c753_f2c1),  // ... on the dark-share (rule 4) term
    ] as [(String, Int, Int, UInt64)])
    func referenceDigests(text: String, version: Int, mask: Int, digest: UInt64) throws {
        let qr = try QRCode(encoding: text)
        #expect(qr.version == version)
        #expect(qr.mask == mask)
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for y in 0..<qr.size {
            for byte in row(qr, y).utf8 {
                hash ^= UInt64(byte)
                hash &*= 0x0000_0100_0000_01b3
            }
        }
        #expect(hash == digest)
    }

    @Test func svgAndDataURI() throws {
        let qr = try QRCode(encoding: "Scritorio")
        let svg = qr.svg
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(svg.contains("viewBox=\"0 0 29 29\""))
        #expect(svg.hasSuffix("</svg>"))
        #expect(!svg.contains("#") && !svg.contains("%"))  // safe inside an unescaped data URI
        #expect(svg.contains("M4 4h7v1h-7z"))  // top row of the top-left finder, shifted by the quiet zone
        // The path's horizontal runs cover exactly the dark modules.
        let path = svg.components(separatedBy: " d=\"").last?.prefix { $0 != "\"" } ?? ""
        let runs = path.split(separator: "h").dropFirst().compactMap { Int($0.prefix { $0.isNumber }) }
        let dark = (0..<qr.size).reduce(0) { sum, y in sum + row(qr, y).filter { $0 == "1" }.count }
        #expect(runs.reduce(0, +) == dark)
        #expect(qr.svgDataURI == "data:image/svg+xml;utf-8," + svg)
    }
}
