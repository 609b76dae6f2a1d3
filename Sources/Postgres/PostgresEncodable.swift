import Foundation

/// A Swift value that can be sent as a bound parameter in PostgreSQL's text format.
public protocol PostgresEncodable: Sendable {
    /// The parameter's type OID; 0 lets the server infer the type from the statement.
    static var postgresTypeOID: UInt32 { get }
    /// The value in PostgreSQL's text input format, or nil for SQL NULL.
    var postgresText: String? { get }
}

/// Type OIDs of the built-in types we bind (from `pg_type.dat`).
enum PostgresTypeOID {
    static let unknown: UInt32 = 0
    static let bool: UInt32 = 16
    static let bytea: UInt32 = 17
    static let int8: UInt32 = 20
    static let int4: UInt32 = 23
    static let float8: UInt32 = 701
    static let timestamptz: UInt32 = 1184
}

extension String: PostgresEncodable {
    /// Unknown, so one string binds to text, varchar, uuid, json, enums and the like.
    public static var postgresTypeOID: UInt32 { PostgresTypeOID.unknown }
    public var postgresText: String? { self }
}

extension Int: PostgresEncodable {
    public static var postgresTypeOID: UInt32 { PostgresTypeOID.int8 }
    public var postgresText: String? { String(self) }
}

extension Int64: PostgresEncodable {
    public static var postgresTypeOID: UInt32 { PostgresTypeOID.int8 }
    public var postgresText: String? { String(self) }
}

extension Int32: PostgresEncodable {
    public static var postgresTypeOID: UInt32 { PostgresTypeOID.int4 }
    public var postgresText: String? { String(self) }
}

extension Bool: PostgresEncodable {
    public static var postgresTypeOID: UInt32 { PostgresTypeOID.bool }
    public var postgresText: String? { self ? "t" : "f" }
}

extension Double: PostgresEncodable {
    public static var postgresTypeOID: UInt32 { PostgresTypeOID.float8 }
    public var postgresText: String? {
        if isNaN { return "NaN" }
        if isInfinite { return self < 0 ? "-Infinity" : "Infinity" }
        return String(self)  // shortest text that reads back to the same Double
    }
}

/// Byte arrays bind as `bytea` in hex form (`\x0a1b…`).
extension Array: PostgresEncodable where Element == UInt8 {
    public static var postgresTypeOID: UInt32 { PostgresTypeOID.bytea }
    public var postgresText: String? { PostgresBytea.hexText(self) }
}

/// Dates bind as `timestamptz`, RFC 3339 in UTC, rounded to the millisecond.
extension Date: PostgresEncodable {
    public static var postgresTypeOID: UInt32 { PostgresTypeOID.timestamptz }
    public var postgresText: String? { PostgresTimestamp.format(self) }
}

/// nil binds SQL NULL typed as the wrapped type.
extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public static var postgresTypeOID: UInt32 { Wrapped.postgresTypeOID }
    public var postgresText: String? { self.flatMap { $0.postgresText } }
}
