/// A JSON value (RFC 8259), as parsed from a request or built for a response.
///
/// Numbers keep their literal text (`JSONNumber`), so no precision is lost between parsing and writing;
/// objects keep their members in insertion order (`JSONObject`). Equality compares objects without regard
/// to member order, numbers by literal text, and strings as Swift does (canonically equivalent strings are equal).
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

// MARK: - Building values

extension JSONValue {
    /// `.string(value)`, or `.null` when `value` is nil.
    public init(_ value: String?) {
        self = value.map { .string($0) } ?? .null
    }

    /// `.number(value)`, or `.null` when `value` is nil.
    public init(_ value: Int64?) {
        self = value.map { .number(JSONNumber($0)) } ?? .null
    }

    /// `.number(value)`, or `.null` when `value` is nil.
    public init(_ value: Int?) {
        self = value.map { .number(JSONNumber($0)) } ?? .null
    }

    /// `.bool(value)`, or `.null` when `value` is nil.
    public init(_ value: Bool?) {
        self = value.map { .bool($0) } ?? .null
    }

    /// `.number(value)`, or `.null` when `value` is nil.
    public init(_ value: JSONNumber?) {
        self = value.map { .number($0) } ?? .null
    }
}

extension JSONValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
}

extension JSONValue: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int64) { self = .number(JSONNumber(value)) }
}

extension JSONValue: ExpressibleByBooleanLiteral {
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension JSONValue: ExpressibleByArrayLiteral {
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
}

extension JSONValue: ExpressibleByDictionaryLiteral {
    /// An object with the members in the order written. A key written twice is a programmer error and traps,
    /// as it does for `Dictionary` literals.
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(JSONObject(elements)) }
}

// MARK: - Reading values

extension JSONValue {
    /// The JSON type's name, for messages: "null", "boolean", "number", "string", "array" or "object".
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The boolean, or nil when the value is not a boolean.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The number, or nil when the value is not a number.
    public var numberValue: JSONNumber? {
        if case .number(let value) = self { return value }
        return nil
    }

    /// The number as an `Int64` when it is written as an integer in range (see `JSONNumber.int64`), else nil.
    public var int64Value: Int64? { numberValue?.int64 }

    /// The number as the nearest finite `Double` (see `JSONNumber.double`), else nil.
    public var doubleValue: Double? { numberValue?.double }

    /// The string, or nil when the value is not a string.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The elements, or nil when the value is not an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The object, or nil when the value is not an object.
    public var objectValue: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// The member named `key` when the value is an object that has it, else nil.
    public subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }

    /// The element at `index` when the value is an array long enough, else nil.
    public subscript(index: Int) -> JSONValue? {
        guard case .array(let elements) = self, elements.indices.contains(index) else { return nil }
        return elements[index]
    }
}

extension JSONValue: CustomStringConvertible {
    /// The compact encoding (`encodedString()`).
    public var description: String { encodedString() }
}
