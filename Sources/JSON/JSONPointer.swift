/// A JSON Pointer (RFC 6901): the path to a value inside a document, as problem+json `errors[].pointer` wants it.
///
/// Built from unescaped reference tokens; `description` writes each as `/token` with `~` escaped as `~0`
/// and `/` as `~1`. The root pointer is the empty string.
public struct JSONPointer: Sendable, Hashable {
    /// The reference tokens, unescaped: object keys, or array indices in decimal.
    public private(set) var tokens: [String]

    /// The whole document: `""`.
    public static let root = JSONPointer(tokens: [])

    public init(tokens: [String]) {
        self.tokens = tokens
    }

    /// Parses the string form, or nil when it is neither empty nor starts with `/`, or holds a `~` not
    /// followed by `0` or `1`.
    public init?(_ text: String) {
        guard !text.isEmpty else {
            self = .root
            return
        }
        guard text.utf8.first == UInt8(ascii: "/") else { return nil }
        var tokens: [String] = []
        for escaped in text.utf8.dropFirst().split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
            var token: [UInt8] = []
            var bytes = escaped.makeIterator()
            while let byte = bytes.next() {
                guard byte == UInt8(ascii: "~") else {
                    token.append(byte)
                    continue
                }
                switch bytes.next() {
                case UInt8(ascii: "0"): token.append(UInt8(ascii: "~"))
                case UInt8(ascii: "1"): token.append(UInt8(ascii: "/"))
                default: return nil
                }
            }
            tokens.append(String(decoding: token, as: UTF8.self))
        }
        self.tokens = tokens
    }

    public var isRoot: Bool { tokens.isEmpty }

    /// This pointer followed by an object key.
    public func appending(_ key: String) -> JSONPointer {
        JSONPointer(tokens: tokens + [key])
    }

    /// This pointer followed by an array index.
    public func appending(_ index: Int) -> JSONPointer {
        JSONPointer(tokens: tokens + [String(index)])
    }
}

extension JSONPointer: CustomStringConvertible {
    /// The escaped string form, e.g. `/estimates/monthly_tokens`, `/a~1b/0`, or `""` for the root.
    public var description: String {
        var text = ""
        for token in tokens {
            text += "/"
            if token.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }) {
                // `~` first, so that the `~` of a `~1` just written is not escaped again.
                text += token.replacing("~", with: "~0").replacing("/", with: "~1")
            } else {
                text += token
            }
        }
        return text
    }
}

extension JSONValue {
    /// The value `pointer` refers to (RFC 6901 section 4), or nil when there is none. An array index token must
    /// be `0` or a decimal without a leading zero; `-` (past the end) refers to nothing.
    public func value(at pointer: JSONPointer) -> JSONValue? {
        var current = self
        for token in pointer.tokens {
            switch current {
            case .object(let object):
                guard let member = object[token] else { return nil }
                current = member
            case .array(let elements):
                guard let index = Self.arrayIndex(token), index < elements.count else { return nil }
                current = elements[index]
            default:
                return nil
            }
        }
        return current
    }

    private static func arrayIndex(_ token: String) -> Int? {
        let bytes = token.utf8
        guard let first = bytes.first, bytes.allSatisfy(ASCII.isDigit),
            first != ASCII.zero || bytes.count == 1
        else { return nil }
        return Int(token)
    }
}
