/// Bounds on what the parser accepts, so that a hostile body costs bounded time and memory.
public struct JSONLimits: Sendable, Equatable {
    /// Deepest nesting of arrays and objects (a top-level `[]` is depth 1). The parser recurses once per
    /// level, so keep this small.
    public var maxDepth: Int
    /// Longest string (keys included), in bytes of UTF-8 after escapes are decoded.
    public var maxStringBytes: Int
    /// Longest number literal, in characters.
    public var maxNumberLength: Int
    /// Most values in the document, counting every value at every depth, containers and the top level included.
    public var maxElements: Int

    public init(maxDepth: Int = 32, maxStringBytes: Int = 64 * 1024, maxNumberLength: Int = 64, maxElements: Int = 100_000) {
        self.maxDepth = maxDepth
        self.maxStringBytes = maxStringBytes
        self.maxNumberLength = maxNumberLength
        self.maxElements = maxElements
    }
}

/// Why a body is not acceptable JSON (a 400 `malformed-request`).
///
/// `message` is safe to show to the client: it quotes at most a short, escaped prefix of the client's own key,
/// and never anything else from the body.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable identifier for the kind of error, for logs, metrics and tests.
    public enum Code: String, Sendable, Equatable {
        /// Not JSON: empty input, unexpected or missing characters, bad numbers, control characters in strings,
        /// a byte order mark, trailing data.
        case syntax
        /// Bytes that are not well-formed UTF-8 (overlong forms, encoded surrogates, truncated sequences).
        case invalidUTF8 = "invalid_utf8"
        /// An unknown `\` escape, a malformed `\u`, or a surrogate escape without its pair.
        case invalidEscape = "invalid_escape"
        /// The same key twice in one object.
        case duplicateKey = "duplicate_key"
        case tooDeep = "too_deep"
        case stringTooLong = "string_too_long"
        case numberTooLong = "number_too_long"
        case tooManyElements = "too_many_elements"
    }

    public let code: Code
    /// A short reason, safe to show to the client, e.g. `invalid UTF-8 at byte 17`.
    public internal(set) var message: String
    /// The offset of the offending byte (for a duplicate key, of the key's opening quote).
    public let offset: Int
    /// Where in the document the error is: the value being read (for a duplicate key, the object holding it).
    public internal(set) var pointer: JSONPointer

    public init(code: Code, message: String, offset: Int, pointer: JSONPointer = .root) {
        self.code = code
        self.message = message
        self.offset = offset
        self.pointer = pointer
    }

    public var description: String { "\(code.rawValue): \(message)" }
}

extension JSONParseError {
    /// This error, raised inside the member or element `token` of a container.
    func nested(in token: String) -> JSONParseError {
        var error = self
        error.pointer = JSONPointer(tokens: [token] + pointer.tokens)
        return error
    }

    /// `text`, JSON-quoted and cut to about `limit` bytes, for quoting client input in a message.
    static func quoted(_ text: String, limit: Int = 64) -> String {
        var clipped = ""
        var length = 0
        for scalar in text.unicodeScalars {
            length += UTF8.width(scalar)
            guard length <= limit else {
                clipped += "…"
                break
            }
            clipped.unicodeScalars.append(scalar)
        }
        return JSONValue.string(clipped).encodedString()
    }

    /// `pointer` for a message, cut to about `limit` bytes.
    static func clipped(_ pointer: JSONPointer, limit: Int = 128) -> String {
        let text = pointer.description
        guard text.utf8.count > limit else { return text }
        var clipped = ""
        var length = 0
        for scalar in text.unicodeScalars {
            length += UTF8.width(scalar)
            if length > limit { break }
            clipped.unicodeScalars.append(scalar)
        }
        return clipped + "…"
    }
}
