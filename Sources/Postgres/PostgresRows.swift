/// The rows a statement returned, decoded to Swift strings; safe to pass between threads.
public struct PostgresRows: Sendable, RandomAccessCollection {
    /// Column names in order, shared by every row.
    public let columns: PostgresColumns
    /// Cell texts row by row, `columns.count` per row; nil is SQL NULL.
    private let cells: [String?]
    /// What the command reported as affected (`UPDATE 3` gives 3); 0 when it reports nothing.
    public let rowsAffected: Int

    init(columns: PostgresColumns, cells: [String?], rowsAffected: Int) {
        self.columns = columns
        self.cells = cells
        self.rowsAffected = rowsAffected
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { columns.count == 0 ? 0 : cells.count / columns.count }

    public subscript(position: Int) -> PostgresRow {
        let width = columns.count
        return PostgresRow(columns: columns, cells: cells[position * width..<(position + 1) * width])
    }
}

/// The names of a result's columns, with a lookup from name to position.
public final class PostgresColumns: Sendable {
    public let names: [String]
    private let positions: [String: Int]

    init(names: [String]) {
        self.names = names
        var positions: [String: Int] = [:]
        for (index, name) in names.enumerated() where positions[name] == nil {
            positions[name] = index  // the first of duplicated names wins, as in psql
        }
        self.positions = positions
    }

    public var count: Int { names.count }

    /// The position of the first column called `name`.
    public func position(of name: String) -> Int? { positions[name] }
}

/// One row of a result.
public struct PostgresRow: Sendable {
    public let columns: PostgresColumns
    private let cells: ArraySlice<String?>

    init(columns: PostgresColumns, cells: ArraySlice<String?>) {
        self.columns = columns
        self.cells = cells
    }

    /// Decodes the first column named `column`.
    ///
    /// - Throws: ``PostgresDecodingError`` when there is no such column, when it is NULL and
    ///   `T` is not optional, or when its text is not a `T`.
    public func decode<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws(PostgresDecodingError) -> T {
        guard let position = columns.position(of: column) else {
            throw PostgresDecodingError(kind: .missingColumn, column: column, type: T.self)
        }
        return try decode(at: position, name: column)
    }

    /// Decodes the column at `index` (from 0).
    ///
    /// - Throws: ``PostgresDecodingError`` when `index` is out of range, when the value is NULL
    ///   and `T` is not optional, or when its text is not a `T`.
    public func decode<T: PostgresDecodable>(_ index: Int, as type: T.Type = T.self) throws(PostgresDecodingError) -> T {
        guard (0..<columns.count).contains(index) else {
            throw PostgresDecodingError(kind: .missingColumn, column: "#\(index)", type: T.self)
        }
        return try decode(at: index, name: columns.names[index])
    }

    /// The raw text of the column at `index`; nil for SQL NULL.
    public func text(at index: Int) -> String? {
        guard (0..<columns.count).contains(index) else { return nil }
        return cells[cells.startIndex + index]
    }

    private func decode<T: PostgresDecodable>(at position: Int, name: String) throws(PostgresDecodingError) -> T {
        guard let text = cells[cells.startIndex + position] else {
            guard let null = T.postgresNull else {
                throw PostgresDecodingError(kind: .unexpectedNull, column: name, type: T.self)
            }
            return null
        }
        guard let value = T(postgresText: text) else {
            throw PostgresDecodingError(kind: .malformedValue, column: name, type: T.self)
        }
        return value
    }
}

/// A column could not be read as the requested Swift type. Never quotes the value.
public struct PostgresDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// No column has that name, or the index is out of range.
        case missingColumn
        /// The value is NULL and the requested type is not optional.
        case unexpectedNull
        /// The value's text is not a value of the requested type.
        case malformedValue
    }

    public let kind: Kind
    /// The column's name, or `#index` for an index out of range.
    public let column: String
    /// The requested Swift type's name.
    public let typeName: String

    init<T>(kind: Kind, column: String, type: T.Type) {
        self.kind = kind
        self.column = column
        self.typeName = String(describing: type)
    }

    public var description: String {
        switch kind {
        case .missingColumn: "no column \(column) in the result (wanted \(typeName))"
        case .unexpectedNull: "column \(column) is NULL but \(typeName) is not optional"
        case .malformedValue: "column \(column) does not hold a valid \(typeName)"
        }
    }
}
