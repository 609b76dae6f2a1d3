/// field-line = field-name ":" OWS field-value OWS, with no whitespace before the colon.
enum FieldLine {
    /// Splits a field line into its name and trimmed value, or explains why it is invalid.
    static func split(_ line: ArraySlice<UInt8>) -> Result<(name: ArraySlice<UInt8>, value: ArraySlice<UInt8>), HTTPParseError> {
        // Offsets found on the raw bytes (this runs for every field of every request), then sliced.
        let found = line.withUnsafeBytes { bytes -> Result<(nameEnd: Int, valueStart: Int, valueEnd: Int), HTTPParseError> in
            var i = 0
            while i < bytes.count, ASCII.isTchar(bytes[i]) { i += 1 }
            guard i > 0 else {
                if let first = bytes.first, ASCII.isOWS(first) { return .failure(.bad("obs-fold or whitespace before a field")) }
                return .failure(.bad("invalid field name"))
            }
            guard i < bytes.count, bytes[i] == ASCII.colon else { return .failure(.bad("invalid field name or missing colon")) }
            let nameEnd = i
            var start = i + 1
            var end = bytes.count
            var checked = start  // words with no control byte at all pass whole; HTAB is allowed, so others go byte by byte
            while checked + 8 <= end {
                let word = bytes.loadUnaligned(fromByteOffset: checked, as: UInt64.self)
                if Word.hasByte(below: 0x20, in: word) || Word.has(word, 0x7F) { break }
                checked += 8
            }
            for b in bytes[checked..<end] where !ASCII.isFieldValueByte(b) {
                return .failure(.bad("control character in a field value"))
            }
            while start < end, ASCII.isOWS(bytes[start]) { start += 1 }
            while end > start, ASCII.isOWS(bytes[end - 1]) { end -= 1 }
            return .success((nameEnd, start, end))
        }
        let base = line.startIndex
        return found.map { (line[base..<(base + $0.nameEnd)], line[(base + $0.valueStart)..<(base + $0.valueEnd)]) }
    }

    static func validate(_ line: ArraySlice<UInt8>) -> HTTPParseError? {
        if case .failure(let error) = split(line) { return error }
        return nil
    }
}

/// Host = uri-host [ ":" port ] (RFC 9110 section 7.2, RFC 3986 section 3.2.2): a bracketed IP literal, or a
/// non-empty reg-name / IPv4 address, then an optional port of digits. No userinfo, path, or list commas.
enum HostValidation {
    static func isValid<C: Collection>(_ bytes: C) -> Bool where C.Element == UInt8 {
        var i = bytes.startIndex
        let end = bytes.endIndex
        guard i < end else { return false }
        if bytes[i] == UInt8(ascii: "[") {
            // IP-literal: the hex digits, colons and dots of an IPv6 address (IPvFuture is not accepted).
            bytes.formIndex(after: &i)
            let literalStart = i
            while i < end, bytes[i] != UInt8(ascii: "]") {
                let b = bytes[i]
                guard ASCII.hexValue(b) != nil || b == ASCII.colon || b == UInt8(ascii: ".") else { return false }
                bytes.formIndex(after: &i)
            }
            guard i < end, i != literalStart else { return false }
            bytes.formIndex(after: &i)
        } else {
            // reg-name = *( unreserved / pct-encoded / sub-delims ), without "," (a list) and never empty.
            let nameStart = i
            while i < end, bytes[i] != ASCII.colon {
                let b = bytes[i]
                bytes.formIndex(after: &i)
                if b == UInt8(ascii: "%") {
                    guard i < end, ASCII.hexValue(bytes[i]) != nil else { return false }
                    bytes.formIndex(after: &i)
                    guard i < end, ASCII.hexValue(bytes[i]) != nil else { return false }
                    bytes.formIndex(after: &i)
                } else if !isRegNameByte(b) {
                    return false
                }
            }
            guard i != nameStart else { return false }
        }
        guard i < end else { return true }
        guard bytes[i] == ASCII.colon else { return false }
        bytes.formIndex(after: &i)
        return bytes[i...].allSatisfy(ASCII.isDigit)
    }

    /// unreserved / sub-delims, less ",".
    private static func isRegNameByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"),
            UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("),
            UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ";"), UInt8(ascii: "="):
            true
        default:
            false
        }
    }
}
