import Foundation

/// A Swift value that can be read from a column in PostgreSQL's text output format.
public protocol PostgresDecodable: Sendable {
    /// Reads a non-NULL value; nil when the text is not a valid value of this type.
    init?(postgresText text: String)
    /// The value that stands for SQL NULL, or nil when the type cannot hold NULL.
    static var postgresNull: Self? { get }
}

extension PostgresDecodable {
    public static var postgresNull: Self? { nil }
}

extension String: PostgresDecodable {
    public init?(postgresText text: String) { self = text }
}

extension Int: PostgresDecodable {
    public init?(postgresText text: String) { self.init(text) }
}

extension Int64: PostgresDecodable {
    public init?(postgresText text: String) { self.init(text) }
}

extension Int32: PostgresDecodable {
    public init?(postgresText text: String) { self.init(text) }
}

extension Bool: PostgresDecodable {
    /// Reads the server's `t` / `f` output (and `true` / `false` from text columns).
    public init?(postgresText text: String) {
        switch text {
        case "t", "true": self = true
        case "f", "false": self = false
        default: return nil
        }
    }
}

extension Double: PostgresDecodable {
    /// Reads float, numeric and integer output, including `NaN`, `Infinity` and `-Infinity`.
    public init?(postgresText text: String) { self.init(text) }
}

/// Reads `bytea` in hex output format (`\x…`), which the connection selects.
extension Array: PostgresDecodable where Element == UInt8 {
    public init?(postgresText text: String) {
        guard let bytes = PostgresBytea.bytes(fromHexText: text) else { return nil }
        self = bytes
    }
}

/// Reads `timestamptz` output in ISO DateStyle, which the connection selects.
extension Date: PostgresDecodable {
    public init?(postgresText text: String) {
        guard let date = PostgresTimestamp.parse(text) else { return nil }
        self = date
    }
}

/// SQL NULL decodes as nil.
extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public init?(postgresText text: String) {
        guard let value = Wrapped(postgresText: text) else { return nil }
        self = .some(value)
    }

    public static var postgresNull: Self? { .some(.none) }
}
