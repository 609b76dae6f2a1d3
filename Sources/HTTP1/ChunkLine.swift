/// chunk = chunk-size [ chunk-ext ] CRLF, with chunk-size = 1*16HEXDIG and
/// chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ( token / quoted-string ) ] ).
enum ChunkLine {
    static func parseSize(_ line: [UInt8]) -> Result<Int, HTTPParseError> {
        var i = 0
        var size = 0
        while i < line.count, let digit = ASCII.hexValue(line[i]) {
            guard i < 16 else { return .failure(.bad("chunk size has more than 16 hex digits")) }
            let (times, o1) = size.multipliedReportingOverflow(by: 16)
            guard !o1 else { return .failure(HTTPParseError(.payloadTooLarge, "chunk size too large")) }
            size = times + Int(digit)
            i += 1
        }
        guard i > 0 else { return .failure(.bad("invalid chunk size")) }
        guard i == line.count || validateExtensions(line[i...]) else { return .failure(.bad("invalid chunk extension")) }
        return .success(size)
    }

    private static func validateExtensions(_ bytes: ArraySlice<UInt8>) -> Bool {
        var i = bytes.startIndex
        let end = bytes.endIndex
        func skipBWS() { while i < end, ASCII.isOWS(bytes[i]) { i += 1 } }
        func token() -> Bool {
            let start = i
            while i < end, ASCII.isTchar(bytes[i]) { i += 1 }
            return i > start
        }
        while i < end {
            skipBWS()
            guard i < end, bytes[i] == ASCII.semicolon else { return false }
            i += 1
            skipBWS()
            guard token() else { return false }
            skipBWS()
            guard i < end, bytes[i] == ASCII.equals else { continue }
            i += 1
            skipBWS()
            guard i < end else { return false }
            if bytes[i] == ASCII.dquote {
                i += 1
                var closed = false
                while i < end {
                    let b = bytes[i]
                    if b == ASCII.dquote { closed = true; i += 1; break }
                    if b == ASCII.backslash {
                        i += 1
                        guard i < end, ASCII.isFieldValueByte(bytes[i]) else { return false }
                    } else if !ASCII.isFieldValueByte(b) {
                        return false
                    }
                    i += 1
                }
                guard closed else { return false }
            } else if !token() {
                return false
            }
        }
        return true
    }
}
