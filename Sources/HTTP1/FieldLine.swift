/// field-line = field-name ":" OWS field-value OWS, with no whitespace before the colon.
enum FieldLine {
    /// Splits a field line into its name and trimmed value, or explains why it is invalid.
    static func split(_ line: ArraySlice<UInt8>) -> Result<(name: ArraySlice<UInt8>, value: ArraySlice<UInt8>), HTTPParseError> {
        var i = line.startIndex
        while i < line.endIndex, ASCII.isTchar(line[i]) { i += 1 }
        guard i > line.startIndex else {
            if let first = line.first, ASCII.isOWS(first) { return .failure(.bad("obs-fold or whitespace before a field")) }
            return .failure(.bad("invalid field name"))
        }
        guard i < line.endIndex, line[i] == ASCII.colon else {
            return .failure(.bad("invalid field name or missing colon"))
        }
        let name = line[line.startIndex..<i]
        var start = i + 1
        var end = line.endIndex
        for b in line[start..<end] where !ASCII.isFieldValueByte(b) {
            return .failure(.bad("control character in a field value"))
        }
        while start < end, ASCII.isOWS(line[start]) { start += 1 }
        while end > start, ASCII.isOWS(line[end - 1]) { end -= 1 }
        return .success((name, line[start..<end]))
    }

    static func validate(_ line: ArraySlice<UInt8>) -> HTTPParseError? {
        if case .failure(let error) = split(line) { return error }
        return nil
    }
}

/// Host = uri-host [ ":" port ], without userinfo, path, or list commas.
enum HostValidation {
    static func isValid<C: Collection>(_ bytes: C) -> Bool where C.Element == UInt8 {
        guard !bytes.isEmpty else { return false }
        var inBrackets = false
        for b in bytes {
            switch b {
            case UInt8(ascii: "["): inBrackets = true
            case UInt8(ascii: "]"): inBrackets = false
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"):
                continue
            case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "%"),
                UInt8(ascii: ":"):
                continue
            case UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("),
                UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ";"), UInt8(ascii: "="):
                continue
            default:
                return false
            }
        }
        return !inBrackets
    }
}
