import Governance
import Testing

@Suite struct IDTests {
    @Test func formatsPrefixAndCrockfordBase32() {
        // 128 zero bits -> 26 zeros; 128 one bits -> the top 3 bits "7", then 25 * 5 bits "z".
        #expect(IDKind.useCase.format(randomBytes: [UInt8](repeating: 0, count: 16)) == "uc_" + String(repeating: "0", count: 26))
        #expect(IDKind.pod.format(randomBytes: [UInt8](repeating: 0xFF, count: 16)) == "pod_7" + String(repeating: "z", count: 25))
        // Only the lowest bit set -> "...01"; only the highest -> 2^127 >> 125 = 4 -> "4000...".
        #expect(
            IDKind.event.format(randomBytes: [UInt8](repeating: 0, count: 15) + [1]) == "evt_" + String(repeating: "0", count: 25) + "1")
        #expect(
            IDKind.gateReview.format(randomBytes: [0x80] + [UInt8](repeating: 0, count: 15)) == "gr_4" + String(repeating: "0", count: 25))
        // Bytes 0x00...0x0F, cross-checked with an independent Python encoder.
        #expect(IDKind.principal.format(randomBytes: (0...15).map(UInt8.init)) == "prn_00041061050r3gg28a1c60t3gf")
    }

    @Test(arguments: IDKind.allCases)
    func formattedIDsValidateAsTheirKind(kind: IDKind) {
        var generator = SystemRandomNumberGenerator()
        let id = kind.format(randomBytes: (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) })

        #expect(id.hasPrefix(kind.prefix))
        #expect(kind.isValid(id))
        #expect(IDKind(ofID: id) == kind)
        for other in IDKind.allCases where other != kind {
            #expect(!other.isValid(id))
        }
    }

    @Test(arguments: [
        "", "uc_", "uc", "uc_0000000000000000000000000",  // 25 characters
        "uc_000000000000000000000000000",  // 27 characters
        "uc_80000000000000000000000000",  // more than 128 bits
        "uc_0000000000000000000000000A", "uc_0000000000000000000000000i", "uc_0000000000000000000000000l",
        "uc_0000000000000000000000000o", "uc_0000000000000000000000000u", "uc_000000000000000000000000é",
        "UC_00000000000000000000000000", "uc-00000000000000000000000000", "pod_00000000000000000000000000",
        "uc_00000000000000000000000000/",
        "../etc/passwd",
    ])
    func malformedIDsAreRejected(text: String) {
        #expect(!IDKind.useCase.isValid(text))
    }

    @Test func prefixes() {
        #expect(IDKind.allCases.map(\.prefix) == ["uc_", "pod_", "prn_", "key_", "gr_", "dec_", "wh_", "evt_", "dlv_"])
    }
}
