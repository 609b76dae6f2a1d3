/// Request bytes written in the reference's C-escaped notation (HTTP-REFERENCE.md section 1.3).
///
/// `\r`, `\n`, `\t`, `\\`, `\"` and `\xNN` are decoded; every other character must be ASCII and stands
/// for itself. Raw bytes such as 0xA0 are therefore produced as one byte, never as UTF-8 (`C2 A0`).
/// Write the text as a Swift raw string (`#"...\r\n"#`) so that the escapes reach this decoder intact.
func wire(_ escaped: String) -> [UInt8] {
    let text = Array(escaped.utf8)
    precondition(text.allSatisfy { $0 < 0x80 }, "write non-ASCII bytes as \\xNN: \(escaped)")
    var bytes: [UInt8] = []
    bytes.reserveCapacity(text.count)
    var i = 0
    while i < text.count {
        guard text[i] == UInt8(ascii: "\\") else {
            bytes.append(text[i])
            i += 1
            continue
        }
        precondition(i + 1 < text.count, "dangling backslash in \(escaped)")
        switch text[i + 1] {
        case UInt8(ascii: "r"): bytes.append(0x0D)
        case UInt8(ascii: "n"): bytes.append(0x0A)
        case UInt8(ascii: "t"): bytes.append(0x09)
        case UInt8(ascii: "\\"): bytes.append(0x5C)
        case UInt8(ascii: "\""): bytes.append(0x22)
        case UInt8(ascii: "x"):
            precondition(i + 3 < text.count, "short \\x escape in \(escaped)")
            let hex = String(decoding: text[(i + 2)...(i + 3)], as: UTF8.self)
            guard let value = UInt8(hex, radix: 16) else { preconditionFailure("bad \\x escape in \(escaped)") }
            bytes.append(value)
            i += 2
        default:
            preconditionFailure("unknown escape in \(escaped)")
        }
        i += 2
    }
    return bytes
}

/// Bytes taken literally from ASCII text, for payloads whose backslashes are data (V25 quoting).
func literal(_ ascii: String) -> [UInt8] {
    let bytes = Array(ascii.utf8)
    precondition(bytes.allSatisfy { $0 < 0x80 }, "literal() is for ASCII only")
    return bytes
}

/// `count` copies of an ASCII character.
func repeated(_ character: Character, _ count: Int) -> [UInt8] {
    precondition(character.isASCII)
    return [UInt8](repeating: character.asciiValue!, count: count)
}
