/// A SQL statement and its bound parameters, built by string interpolation.
///
/// Every interpolated value becomes a placeholder (`$1`, `$2`, …) in ``sql`` and an entry in
/// ``binds``; its text never enters the SQL. Raw SQL text can only be added through the
/// explicitly labelled `Query(unsafeSQL:)` and `\(unsafe:)`, which must never carry data.
///
/// ```swift
/// let query: Query = "SELECT id FROM users WHERE email = \(email) AND deleted_at IS NULL"
/// ```
public struct Query: Sendable, Hashable, ExpressibleByStringInterpolation, CustomStringConvertible {
    /// One bound parameter: its text form (nil for SQL NULL) and its type OID (0 lets the server infer it).
    public struct Bind: Sendable, Hashable {
        public var text: String?
        public var typeOID: UInt32
    }

    /// The pieces in order; placeholders are numbered when ``sql`` is rendered, so fragments compose.
    private var pieces: [Piece]

    fileprivate enum Piece: Sendable, Hashable {
        case sql(String)
        case bind(Bind)
    }

    /// Creates a query from SQL text written by the programmer, with no parameters.
    ///
    /// - Warning: never build `unsafeSQL` from data; interpolate values instead.
    public init(unsafeSQL: String) {
        self.pieces = [.sql(unsafeSQL)]
    }

    public init(stringLiteral value: String) {
        self.pieces = [.sql(value)]
    }

    public init(stringInterpolation: StringInterpolation) {
        self.pieces = stringInterpolation.pieces
    }

    /// The SQL text with `$n` placeholders, numbered from 1 in order of appearance.
    public var sql: String {
        var text = ""
        var number = 0
        for piece in pieces {
            switch piece {
            case .sql(let fragment):
                text += fragment
            case .bind:
                number += 1
                text += "$\(number)"
            }
        }
        return text
    }

    /// The parameters, in placeholder order.
    public var binds: [Bind] {
        pieces.compactMap { piece in
            if case .bind(let bind) = piece { return bind }
            return nil
        }
    }

    /// Appends another query, renumbering its placeholders after this one's.
    public mutating func append(_ other: Query) {
        pieces += other.pieces
    }

    /// Shows the SQL only; parameter values may be secret and are never part of the description.
    public var description: String { sql }

    /// Collects literal SQL and bound values while a `Query` literal is interpolated.
    public struct StringInterpolation: StringInterpolationProtocol, Sendable {
        fileprivate var pieces: [Piece] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            pieces.reserveCapacity(interpolationCount * 2 + 1)
        }

        public mutating func appendLiteral(_ literal: String) {
            if !literal.isEmpty { pieces.append(.sql(literal)) }
        }

        /// Binds `value` as the next parameter; an optional that is nil binds SQL NULL.
        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value) {
            pieces.append(.bind(Bind(text: value.postgresText, typeOID: Value.postgresTypeOID)))
        }

        /// Binds `value`, or SQL NULL when it is nil (typed as `Value`).
        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value?) {
            pieces.append(.bind(Bind(text: value?.postgresText ?? nil, typeOID: Value.postgresTypeOID)))
        }

        /// Splices a query fragment, keeping its parameters bound.
        public mutating func appendInterpolation(_ fragment: Query) {
            pieces += fragment.pieces
        }

        /// Splices raw SQL text such as a validated identifier.
        ///
        /// - Warning: never pass data; interpolate values without the label instead.
        public mutating func appendInterpolation(unsafe sql: String) {
            pieces.append(.sql(sql))
        }
    }
}
