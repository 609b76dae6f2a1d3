/// Writes JSON values as UTF-8 into a byte buffer that can be reused from one response to the next.
///
/// Strings are escaped as RFC 8259 and RFC 8785 both write them: `"` and `\` as `\"` and `\\`; U+0008, U+0009,
/// U+000A, U+000C and U+000D as `\b`, `\t`, `\n`, `\f` and `\r`; the other characters below U+0020 as `\u00xx`
/// (lowercase hex); every other character, `/` and non-ASCII included, as its own UTF-8 bytes.
public struct JSONWriter: Sendable {
    /// Everything written since the last `removeAll()`.
    public private(set) var bytes: [UInt8]

    public init(reservingCapacity capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Empties the buffer, keeping its capacity for the next value.
    public mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
    }

    /// Appends `value` in compact form: no whitespace, object members in their order, numbers as their literal text.
    public mutating func write(_ value: JSONValue) {
        switch value {
        case .null: append("null")
        case .bool(let flag): append(flag ? "true" : "false")
        case .number(let number):
            var literal = number.literal
            literal.withUTF8 { bytes.append(contentsOf: $0) }
        case .string(let string): write(string)
        case .array(let elements):
            bytes.append(UInt8(ascii: "["))
            for (offset, element) in elements.enumerated() {
                if offset > 0 { bytes.append(UInt8(ascii: ",")) }
                write(element)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let object):
            bytes.append(UInt8(ascii: "{"))
            for (offset, member) in object.members.enumerated() {
                if offset > 0 { bytes.append(UInt8(ascii: ",")) }
                write(member.key)
                bytes.append(UInt8(ascii: ":"))
                write(member.value)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    /// Appends the canonical form of `value`, the input to audit and snapshot hashes. It is a function of the
    /// value alone (the same value always gives the same bytes, whatever its member order or number spelling):
    ///
    /// - UTF-8, no whitespace anywhere, no byte order mark; `null`, `true`, `false` as such.
    /// - Strings escaped as described on `JSONWriter`, with no Unicode normalization.
    /// - Arrays: the elements in order, separated by `,`.
    /// - Objects: the members sorted by key, keys compared as sequences of UTF-16 code units (unsigned), as
    ///   RFC 8785 section 3.2.3 does; at every depth; written `"key":value`, separated by `,`.
    /// - Numbers: the exact decimal value of the literal (never rounded through `Double`), laid out as
    ///   ECMAScript's Number::toString lays out digits (RFC 8785 section 3.2.2.3). Any zero (`-0`, `0.0`, `0e5`)
    ///   is `0`. Otherwise take the sign (`-` when negative), the significant digits D without leading or trailing
    ///   zeros (k of them), and n, the position of the decimal point counted from the start of D (value =
    ///   0.D × 10^n). Then when k <= n <= 21: D and n - k zeros; when 0 < n <= 21: D with a `.` after its first
    ///   n digits; when -6 < n <= 0: `0.`, -n zeros, D; otherwise the first digit of D, then `.` and the rest
    ///   of D when k > 1, then `e`, `+` or `-`, and the decimal |n - 1|.
    ///   So integer literals of up to 21 digits are written as their literal text (`-0` as `0`), and every
    ///   spelling of one value gives one form: `1.50`, `15e-1` -> `1.5`; `1E+2` -> `100`; `1e-7` -> `1e-7`;
    ///   `1e21` -> `1e+21`.
    ///
    /// The output equals RFC 8785 (JCS) for every document whose numbers are each an integer of magnitude at
    /// most 2^53, or a value of at most 15 significant digits within `Double`'s normal range. Beyond that JCS
    /// would round the number through binary64 (or refuse it), where this keeps every digit.
    public mutating func writeCanonical(_ value: JSONValue) {
        switch value {
        case .null, .bool, .string: write(value)
        case .number(let number): DecimalText.writeCanonical(number.literal, into: &bytes)
        case .array(let elements):
            bytes.append(UInt8(ascii: "["))
            for (offset, element) in elements.enumerated() {
                if offset > 0 { bytes.append(UInt8(ascii: ",")) }
                writeCanonical(element)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let object):
            bytes.append(UInt8(ascii: "{"))
            let members = object.members
            for (offset, position) in Self.orderByUTF16(members).enumerated() {
                let member = members[position]
                if offset > 0 { bytes.append(UInt8(ascii: ",")) }
                write(member.key)
                bytes.append(UInt8(ascii: ":"))
                writeCanonical(member.value)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    /// The positions of `members` in the order of their keys compared as sequences of UTF-16 code units.
    /// For two ASCII keys that is the order of `<`, which is fast for them; other pairs go unit by unit.
    private static func orderByUTF16(_ members: [JSONObject.Member]) -> [Int] {
        let isASCII = members.map { member in
            var key = member.key
            return key.withUTF8 { $0.allSatisfy { $0 < 0x80 } }
        }
        return members.indices.sorted { i, j in
            let (a, b) = (members[i].key, members[j].key)
            return isASCII[i] && isASCII[j] ? a < b : a.utf16.lexicographicallyPrecedes(b.utf16)
        }
    }

    private mutating func append(_ word: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount))
    }

    /// Appends `string` quoted and escaped, copying unescaped runs whole.
    private mutating func write(_ string: String) {
        var string = string
        string.withUTF8 { utf8 in
            bytes.append(ASCII.quote)
            var runStart = 0
            while true {
                let i = ByteScan.firstSpecial(in: utf8, from: runStart, stoppingAtNonASCII: false)
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i]))
                guard i < utf8.count else { break }
                let byte = utf8[i]
                switch byte {
                case ASCII.quote, ASCII.backslash: bytes.append(contentsOf: [ASCII.backslash, byte])
                case 0x08: append("\\b")
                case 0x09: append("\\t")
                case 0x0A: append("\\n")
                case 0x0C: append("\\f")
                case 0x0D: append("\\r")
                default:
                    append("\\u00")
                    bytes.append(contentsOf: [ASCII.lowerHex[Int(byte >> 4)], ASCII.lowerHex[Int(byte & 0xF)]])
                }
                runStart = i + 1
            }
            bytes.append(ASCII.quote)
        }
    }
}

extension JSONValue {
    /// The compact UTF-8 encoding (see `JSONWriter.write(_:)`).
    public func encoded() -> [UInt8] {
        var writer = JSONWriter()
        writer.write(self)
        return writer.bytes
    }

    /// The compact encoding as a `String`.
    public func encodedString() -> String {
        String(decoding: encoded(), as: UTF8.self)
    }

    /// The canonical UTF-8 encoding, for hashing (see `JSONWriter.writeCanonical(_:)`).
    public func canonicalEncoded() -> [UInt8] {
        var writer = JSONWriter()
        writer.writeCanonical(self)
        return writer.bytes
    }
}
