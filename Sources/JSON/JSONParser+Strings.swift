extension Reader {
    /// Reads the string whose opening quote is at `position`.
    ///
    /// A string without escapes (the common case) becomes a `String` straight from the input bytes; one with
    /// escapes is decoded into `scratch` first. Either way the `String` is built once, from validated bytes.
    mutating func string() throws(JSONParseError) -> String {
        let open = position
        let start = position + 1
        var i = start
        var runStart = start  // the first byte not yet copied into `scratch`
        var escaped = false  // whether `scratch` holds the string so far
        while true {
            i = endOfPlainASCII(from: i)
            guard i < input.count else { throw error(.syntax, "unterminated string starting at byte \(open)", at: open) }
            let byte = input[i]
            if byte == ASCII.quote {
                position = i + 1
                guard escaped else {
                    guard i - start <= limits.maxStringBytes else { throw stringTooLong(open) }
                    return String(decoding: UnsafeBufferPointer(rebasing: input[start..<i]), as: UTF8.self)
                }
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: input[runStart..<i]))
                guard scratch.count <= limits.maxStringBytes else { throw stringTooLong(open) }
                return String(decoding: scratch, as: UTF8.self)
            } else if byte == ASCII.backslash {
                if !escaped {
                    scratch.removeAll(keepingCapacity: true)
                    escaped = true
                }
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: input[runStart..<i]))
                i = try escape(at: i)
                runStart = i
            } else if byte < 0x20 {
                throw error(.syntax, "unescaped control character U+00\(Self.hex(byte)) in string at byte \(i)", at: i)
            } else {
                guard let end = Self.endOfUTF8Sequence(in: input, at: i) else {
                    throw error(.invalidUTF8, "invalid UTF-8 at byte \(i)", at: i)
                }
                i = end
            }
            if (escaped ? scratch.count + (i - runStart) : i - start) > limits.maxStringBytes { throw stringTooLong(open) }
        }
    }

    /// Reads an object key, and whether it is known to be plain ASCII. A short key of plain ASCII is looked up
    /// among the keys read recently first: an array of similar objects repeats the same keys, and each is then
    /// built (and allocated) once, not once per object.
    mutating func key() throws(JSONParseError) -> (String, isASCII: Bool) {
        let start = position + 1
        let end = endOfPlainASCII(from: start)
        guard end < input.count, input[end] == ASCII.quote, end - start <= min(Self.recentKeyLength, limits.maxStringBytes) else {
            return (try string(), false)
        }
        let bytes = UnsafeBufferPointer(rebasing: input[start..<end])
        position = end + 1
        guard let first = bytes.first, let last = bytes.last else { return ("", true) }
        // Length and three bytes: cheap, and enough to tell apart the keys of one schema.
        let mix = UInt32(bytes.count) &* 0x9E37_79B1 ^ UInt32(first) &* 0x85EB_CA6B ^ UInt32(last) &* 0xC2B2_AE35
        let hash = mix ^ UInt32(bytes[bytes.count / 2]) &* 0x27D4_EB2F
        let slot = Int(truncatingIfNeeded: (hash ^ hash >> 15) & UInt32(Self.recentKeySlots - 1))
        if recentKeys.isEmpty { recentKeys = Array(repeating: nil, count: Self.recentKeySlots) }
        if var recent = recentKeys[slot], recent.utf8.count == bytes.count, recent.withUTF8({ Self.equal($0, bytes) }) {
            return (recent, true)
        }
        let key = String(decoding: bytes, as: UTF8.self)
        recentKeys[slot] = key
        return (key, true)
    }

    /// Byte-wise equality of two buffers of the same length, eight bytes at a time.
    @inline(__always)
    private static func equal(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let p = UnsafeRawPointer(a.baseAddress), let q = UnsafeRawPointer(b.baseAddress) else { return true }
        var i = 0
        while i &+ 8 <= a.count {
            if p.loadUnaligned(fromByteOffset: i, as: UInt64.self) != q.loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
            i &+= 8
        }
        while i < a.count {
            if a[i] != b[i] { return false }
            i &+= 1
        }
        return true
    }

    private static let recentKeyLength = 32
    private static let recentKeySlots = 64

    /// The offset of the first byte from `start` on that a string cannot hold as it is: `"`, `\`, a control
    /// character or a non-ASCII byte (or the end of the input).
    @inline(__always)
    private func endOfPlainASCII(from start: Int) -> Int {
        ByteScan.firstSpecial(in: input, from: start, stoppingAtNonASCII: true)
    }

    /// Decodes the escape whose backslash is at `i` into `scratch`; returns the offset after it.
    private mutating func escape(at i: Int) throws(JSONParseError) -> Int {
        guard i + 1 < input.count else { throw error(.syntax, "unexpected end of input at byte \(i + 1)", at: i + 1) }
        let simple: UInt8
        switch input[i + 1] {
        case ASCII.quote: simple = ASCII.quote
        case ASCII.backslash: simple = ASCII.backslash
        case UInt8(ascii: "/"): simple = UInt8(ascii: "/")
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "n"): simple = 0x0A
        case UInt8(ascii: "r"): simple = 0x0D
        case UInt8(ascii: "t"): simple = 0x09
        case UInt8(ascii: "u"): return try unicodeEscape(at: i)
        default:
            let shown = (0x21...0x7E).contains(input[i + 1]) ? " '\\\(Character(Unicode.Scalar(input[i + 1])))'" : ""
            throw error(.invalidEscape, "invalid escape\(shown) in string at byte \(i)", at: i)
        }
        scratch.append(simple)
        return i + 2
    }

    /// Decodes `\uXXXX`, or a surrogate pair `\uD8xx\uDCxx`, at `i` into `scratch`; returns the offset after it.
    private mutating func unicodeEscape(at i: Int) throws(JSONParseError) -> Int {
        let unit = try hexUnit(at: i)
        var scalarValue = UInt32(unit)
        var end = i + 6
        switch unit {
        case 0xD800...0xDBFF:
            guard end + 1 < input.count, input[end] == ASCII.backslash, input[end + 1] == UInt8(ascii: "u") else {
                throw loneSurrogate(unit, at: i)
            }
            let low = try hexUnit(at: end)
            guard (0xDC00...0xDFFF).contains(low) else { throw loneSurrogate(unit, at: i) }
            scalarValue = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
            end += 6
        case 0xDC00...0xDFFF:
            throw loneSurrogate(unit, at: i)
        default:
            break
        }
        scratch.append(contentsOf: UTF8.encode(Unicode.Scalar(scalarValue)!)!)
        return end
    }

    /// The four hex digits after the `\u` at `i`.
    private func hexUnit(at i: Int) throws(JSONParseError) -> UInt16 {
        guard i + 6 <= input.count else { throw error(.invalidEscape, "invalid \\u escape at byte \(i)", at: i) }
        var unit: UInt16 = 0
        for byte in input[(i + 2)..<(i + 6)] {
            let digit: UInt8
            switch byte {
            case ASCII.zero...UInt8(ascii: "9"): digit = byte - ASCII.zero
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error(.invalidEscape, "invalid \\u escape at byte \(i)", at: i)
            }
            unit = unit << 4 | UInt16(digit)
        }
        return unit
    }

    private func loneSurrogate(_ unit: UInt16, at i: Int) -> JSONParseError {
        let text = Self.hex(UInt8(unit >> 8)) + Self.hex(UInt8(unit & 0xFF))
        return error(.invalidEscape, "unpaired surrogate \\u\(text) in string at byte \(i)", at: i)
    }

    private func stringTooLong(_ open: Int) -> JSONParseError {
        error(.stringTooLong, "string longer than \(limits.maxStringBytes) bytes at byte \(open)", at: open)
    }

    /// The offset after the well-formed UTF-8 sequence starting at `i` (Unicode Table 3-7), or nil when the bytes
    /// there are not one: a stray continuation byte, an overlong form, an encoded surrogate, a value above
    /// U+10FFFF, or a sequence cut short.
    static func endOfUTF8Sequence(in input: UnsafeBufferPointer<UInt8>, at i: Int) -> Int? {
        func continuation(_ j: Int, _ range: ClosedRange<UInt8> = 0x80...0xBF) -> Bool {
            j < input.count && range.contains(input[j])
        }
        switch input[i] {
        case 0x00...0x7F: return i + 1
        case 0xC2...0xDF: return continuation(i + 1) ? i + 2 : nil
        case 0xE0: return continuation(i + 1, 0xA0...0xBF) && continuation(i + 2) ? i + 3 : nil
        case 0xE1...0xEC, 0xEE...0xEF: return continuation(i + 1) && continuation(i + 2) ? i + 3 : nil
        case 0xED: return continuation(i + 1, 0x80...0x9F) && continuation(i + 2) ? i + 3 : nil
        case 0xF0: return continuation(i + 1, 0x90...0xBF) && continuation(i + 2) && continuation(i + 3) ? i + 4 : nil
        case 0xF1...0xF3: return continuation(i + 1) && continuation(i + 2) && continuation(i + 3) ? i + 4 : nil
        case 0xF4: return continuation(i + 1, 0x80...0x8F) && continuation(i + 2) && continuation(i + 3) ? i + 4 : nil
        default: return nil
        }
    }
}
