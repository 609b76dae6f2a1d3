/// Builds one JSON object as bytes, for log lines; strings are escaped per RFC 8259.
public struct JSONLine {
    public private(set) var bytes: [UInt8] = []
    private var first = true

    public init() {
        bytes.reserveCapacity(256)
        bytes.append(UInt8(ascii: "{"))
    }

    public mutating func field(_ key: String, _ value: String) {
        appendKey(key)
        JSONLine.appendString(value, to: &bytes)
    }

    public mutating func field(_ key: String, _ value: Int) {
        appendKey(key)
        bytes.append(contentsOf: String(value).utf8)
    }

    public mutating func field(_ key: String, _ value: Double) {
        appendKey(key)
        bytes.append(contentsOf: String(value).utf8)
    }

    /// Appends a field whose value is already valid JSON.
    public mutating func field(_ key: String, rawJSON: String) {
        appendKey(key)
        bytes.append(contentsOf: rawJSON.utf8)
    }

    public mutating func finish() -> [UInt8] {
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }

    private mutating func appendKey(_ key: String) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
        JSONLine.appendString(key, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    /// Appends a field whose value is already a JSON string's bytes, quotes included. Concrete, not
    /// generic: called from other modules for every request, a generic would copy byte by byte.
    public mutating func field(_ key: String, rawJSONBytes: [UInt8]) {
        appendKey(key)
        bytes.append(contentsOf: rawJSONBytes)
    }

    /// Appends `micros / 1000` with exactly three decimals, without going through `Double`.
    public mutating func field(_ key: String, thousandths micros: Int) {
        appendKey(key)
        bytes.append(contentsOf: String(micros / 1000).utf8)
        let fraction = micros % 1000
        bytes.append(UInt8(ascii: "."))
        bytes.append(UInt8(truncatingIfNeeded: fraction / 100) + 0x30)
        bytes.append(UInt8(truncatingIfNeeded: fraction / 10 % 10) + 0x30)
        bytes.append(UInt8(truncatingIfNeeded: fraction % 10) + 0x30)
    }

    public static func appendString(_ string: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        var string = string
        let clean = string.withUTF8 { utf8 in
            !utf8.contains { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }
        }
        if clean {
            string.withUTF8 { bytes.append(contentsOf: $0) }
            bytes.append(UInt8(ascii: "\""))
            return
        }
        for b in string.utf8 {
            switch b {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: bytes.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 0xF)]])
            default: bytes.append(b)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
