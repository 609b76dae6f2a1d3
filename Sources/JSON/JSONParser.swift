/// A strict RFC 8259 parser for request bodies.
///
/// Accepts exactly one value with optional surrounding whitespace (space, tab, LF, CR), and refuses everything
/// else: comments, trailing commas, single quotes, `NaN` and `Infinity`, leading zeros, a byte order mark,
/// unescaped control characters in strings, ill-formed UTF-8 anywhere, `\u` escapes that leave a surrogate
/// unpaired, and a key repeated within one object. `JSONLimits` bounds depth, string and number length,
/// and the number of values.
public enum JSONParser {
    /// Parses `bytes` as one JSON document.
    /// - Throws: `JSONParseError` for the first problem found.
    public static func parse(_ bytes: some Collection<UInt8>, limits: JSONLimits = JSONLimits()) throws(JSONParseError) -> JSONValue {
        let result = bytes.withContiguousStorageIfAvailable { buffer in parse(buffer, limits) }
        if let result { return try result.get() }
        return try Array(bytes).withUnsafeBufferPointer { buffer in parse(buffer, limits) }.get()
    }

    /// Parses the bytes of `buffer` as one JSON document.
    /// - Throws: `JSONParseError` for the first problem found.
    public static func parse(_ buffer: UnsafeRawBufferPointer, limits: JSONLimits = JSONLimits()) throws(JSONParseError) -> JSONValue {
        try parse(buffer.assumingMemoryBound(to: UInt8.self), limits).get()
    }

    private static func parse(_ buffer: UnsafeBufferPointer<UInt8>, _ limits: JSONLimits) -> Result<JSONValue, JSONParseError> {
        var reader = Reader(input: buffer, limits: limits)
        do throws(JSONParseError) {
            return .success(try reader.document())
        } catch {
            guard error.code == .duplicateKey, !error.pointer.isRoot else { return .failure(error) }
            var located = error
            located.message += " at \(JSONParseError.clipped(error.pointer))"
            return .failure(located)
        }
    }
}

/// One parse: a cursor over the input, the current depth, and a scratch buffer for escaped strings.
///
/// The path to the current value is not tracked as the parse goes: an error gains its pointer on the way out,
/// each container adding its key or index (`nested(in:)`), so the happy path pays nothing for it.
struct Reader {
    let input: UnsafeBufferPointer<UInt8>
    let limits: JSONLimits
    var position = 0
    var depth = 0
    var valueCount = 0
    /// Decoded bytes of a string with escapes, reused from one string to the next.
    var scratch: [UInt8] = []
    /// Keys read recently, by a hash of their bytes (see `key()`).
    var recentKeys: [String?] = []

    init(input: UnsafeBufferPointer<UInt8>, limits: JSONLimits) {
        self.input = input
        self.limits = limits
    }

    mutating func document() throws(JSONParseError) -> JSONValue {
        if input.starts(with: [0xEF, 0xBB, 0xBF]) {
            throw error(.syntax, "byte order mark at byte 0 is not allowed", at: 0)
        }
        skipWhitespace()
        guard position < input.count else {
            throw error(.syntax, input.isEmpty ? "empty input: expected a JSON value" : "expected a JSON value at byte \(position)")
        }
        let value = try value()
        skipWhitespace()
        guard position == input.count else { throw error(.syntax, "unexpected data after the JSON value at byte \(position)") }
        return value
    }

    /// Reads the value that starts at `position` (whitespace already skipped).
    mutating func value() throws(JSONParseError) -> JSONValue {
        valueCount += 1
        guard valueCount <= limits.maxElements else { throw error(.tooManyElements, "more than \(limits.maxElements) values") }
        guard position < input.count else { throw unexpected() }
        switch input[position] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case ASCII.quote: return .string(try string())
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        case ASCII.minus, ASCII.zero...UInt8(ascii: "9"): return .number(try number())
        default: throw unexpected()
        }
    }

    private mutating func array() throws(JSONParseError) -> JSONValue {
        try enterContainer()
        var elements: [JSONValue] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            position += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            do {
                elements.append(try value())
            } catch {
                throw error.nested(in: String(elements.count))
            }
            if try isClosed(by: UInt8(ascii: "]")) { break }
        }
        depth -= 1
        return .array(elements)
    }

    private mutating func object() throws(JSONParseError) -> JSONValue {
        try enterContainer()
        var index: [String: Int]?
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            position += 1
            depth -= 1
            return .object(JSONObject())
        }
        var members: [JSONObject.Member] = []
        var keysArePlainASCII = true
        members.reserveCapacity(8)  // request objects are small: one allocation instead of four growing ones
        while true {
            guard peek() == ASCII.quote else { throw unexpected(expecting: "a string key") }
            let keyOffset = position
            let (key, isASCII) = try self.key()
            keysArePlainASCII = keysArePlainASCII && isASCII
            let isDuplicate: Bool
            if let index {
                isDuplicate = index[key] != nil
            } else if keysArePlainASCII {
                // ASCII strings are equal only when their bytes are: compare lengths first, cheaply.
                let length = key.utf8.count
                isDuplicate = members.contains { $0.key.utf8.count == length && $0.key == key }
            } else {
                isDuplicate = members.contains { $0.key == key }
            }
            if isDuplicate {
                throw error(.duplicateKey, "duplicate key \(JSONParseError.quoted(key))", at: keyOffset)
            }
            skipWhitespace()
            guard peek() == UInt8(ascii: ":") else { throw unexpected(expecting: "':' after the key") }
            position += 1
            skipWhitespace()
            do {
                members.append((key, try value()))
            } catch {
                throw error.nested(in: key)
            }
            if index != nil {
                index![key] = members.count - 1
            } else if members.count == JSONObject.indexThreshold {
                index = Dictionary(uniqueKeysWithValues: members.enumerated().map { ($0.element.key, $0.offset) })
            }
            if try isClosed(by: UInt8(ascii: "}")) { break }
        }
        depth -= 1
        return .object(JSONObject(uniqueMembers: members, index: index))
    }

    /// After an element: true past the closing bracket, false past a comma and whitespace (and not then
    /// at the closing bracket: that is a trailing comma).
    @inline(__always)
    private mutating func isClosed(by closing: UInt8) throws(JSONParseError) -> Bool {
        skipWhitespace()
        switch peek() {
        case UInt8(ascii: ","):
            let comma = position
            position += 1
            skipWhitespace()
            if peek() == closing { throw error(.syntax, "trailing comma at byte \(comma)", at: comma) }
            return false
        case closing:
            position += 1
            return true
        default:
            throw unexpected(expecting: "',' or '\(Character(Unicode.Scalar(closing)))'")
        }
    }

    private mutating func enterContainer() throws(JSONParseError) {
        guard depth < limits.maxDepth else { throw error(.tooDeep, "nesting deeper than \(limits.maxDepth)") }
        depth += 1
        position += 1
    }

    private mutating func literal(_ word: StaticString) throws(JSONParseError) {
        let length = word.utf8CodeUnitCount
        let bytes = UnsafeBufferPointer(start: word.utf8Start, count: length)
        guard input.count - position >= length, input[position..<position + length].elementsEqual(bytes) else {
            throw error(.syntax, "expected '\(word)' at byte \(position)")
        }
        position += length
    }

    private mutating func number() throws(JSONParseError) -> JSONNumber {
        let start = position
        switch NumberGrammar.scan(input, from: start) {
        case .leadingZero(let at):
            throw error(.syntax, "leading zero in number at byte \(at)", at: at)
        case .expectedDigit(let at):
            position = at
            throw unexpected(expecting: "a digit")
        case .end(let end):
            guard end - start <= limits.maxNumberLength else {
                throw error(.numberTooLong, "number longer than \(limits.maxNumberLength) characters at byte \(start)", at: start)
            }
            position = end
            return JSONNumber(uncheckedLiteral: String(decoding: UnsafeBufferPointer(rebasing: input[start..<end]), as: UTF8.self))
        }
    }

    mutating func skipWhitespace() {
        while position < input.count {
            switch input[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    func peek() -> UInt8? { position < input.count ? input[position] : nil }

    // MARK: Errors

    func error(_ code: JSONParseError.Code, _ message: String, at offset: Int? = nil) -> JSONParseError {
        JSONParseError(code: code, message: message, offset: offset ?? position)
    }

    /// The byte at `position` is not what the grammar allows there (or the input ended).
    func unexpected(expecting expected: String? = nil) -> JSONParseError {
        let suffix = expected.map { ": expected \($0)" } ?? ""
        guard let byte = peek() else { return error(.syntax, "unexpected end of input at byte \(position)\(suffix)") }
        if byte >= 0x80 && Self.endOfUTF8Sequence(in: input, at: position) == nil {
            return error(.invalidUTF8, "invalid UTF-8 at byte \(position)")
        }
        let shown =
            switch byte {
            case UInt8(ascii: "'"): #"character "'""#
            case 0x21...0x7E: "character '\(Character(Unicode.Scalar(byte)))'"
            default: "byte 0x\(Self.hex(byte))"
            }
        return error(.syntax, "unexpected \(shown) at byte \(position)\(suffix)")
    }

    static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        return String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 0xF)]], as: UTF8.self)
    }
}
