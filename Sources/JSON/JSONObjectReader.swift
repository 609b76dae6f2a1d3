/// A request field that is missing, of the wrong type or out of range: one problem+json `errors` entry (422).
public struct JSONFieldError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where the field is (or would be), e.g. `/estimates/monthly_tokens`.
    public let pointer: JSONPointer
    /// What is wrong, safe to show, e.g. `must be an integer`.
    public let detail: String

    public init(pointer: JSONPointer, detail: String) {
        self.pointer = pointer
        self.detail = detail
    }

    public var description: String { "\(pointer): \(detail)" }
}

/// Reads typed fields out of a request object; every failure names the field's JSON Pointer.
///
/// Required accessors (`string("title")`) throw `is required` when the key is absent and `must be a <type>`
/// when the value has another type, `null` included. Optional accessors (`optionalString("title")`) return nil
/// when the key is absent or its value is `null`, and throw only for another type.
public struct JSONObjectReader: Sendable {
    public let object: JSONObject
    /// Where `object` is in the document.
    public let pointer: JSONPointer

    public init(_ object: JSONObject, at pointer: JSONPointer = .root) {
        self.object = object
        self.pointer = pointer
    }

    /// Reads `value` as an object.
    /// - Throws: `JSONFieldError` (`must be an object`) when it is not one.
    public init(_ value: JSONValue, at pointer: JSONPointer = .root) throws(JSONFieldError) {
        guard case .object(let object) = value else { throw JSONFieldError(pointer: pointer, detail: "must be an object") }
        self.init(object, at: pointer)
    }

    /// The pointer to the member named `key`.
    public func pointer(to key: String) -> JSONPointer { pointer.appending(key) }

    /// Refuses the first key, in document order, that is not in `allowed`: `is not a known field`.
    public func rejectUnknownKeys(allowed: Set<String>) throws(JSONFieldError) {
        if let unknown = object.members.first(where: { !allowed.contains($0.key) }) {
            throw JSONFieldError(pointer: pointer(to: unknown.key), detail: "is not a known field")
        }
    }

    /// The value of `key`, of any type, `null` included.
    public func value(_ key: String) throws(JSONFieldError) -> JSONValue {
        guard let value = object[key] else { throw JSONFieldError(pointer: pointer(to: key), detail: "is required") }
        return value
    }

    public func string(_ key: String) throws(JSONFieldError) -> String {
        try read(key, as: "a string") { $0.stringValue }
    }

    public func optionalString(_ key: String) throws(JSONFieldError) -> String? {
        isAbsent(key) ? nil : try string(key)
    }

    public func bool(_ key: String) throws(JSONFieldError) -> Bool {
        try read(key, as: "a boolean") { $0.boolValue }
    }

    public func optionalBool(_ key: String) throws(JSONFieldError) -> Bool? {
        isAbsent(key) ? nil : try bool(key)
    }

    /// An integer in `Int64`'s range, written without fraction or exponent: `must be an integer` otherwise,
    /// `is out of range` for a longer integer.
    public func int64(_ key: String) throws(JSONFieldError) -> Int64 {
        let number = try read(key, as: "an integer") { $0.numberValue.flatMap { $0.isInteger ? $0 : nil } }
        guard let integer = number.int64 else { throw JSONFieldError(pointer: pointer(to: key), detail: "is out of range") }
        return integer
    }

    public func optionalInt64(_ key: String) throws(JSONFieldError) -> Int64? {
        isAbsent(key) ? nil : try int64(key)
    }

    /// Any number, as the nearest `Double`: `must be a number` otherwise, `is out of range` beyond `Double`'s range.
    public func double(_ key: String) throws(JSONFieldError) -> Double {
        let number = try read(key, as: "a number") { $0.numberValue }
        guard let double = number.double else { throw JSONFieldError(pointer: pointer(to: key), detail: "is out of range") }
        return double
    }

    public func optionalDouble(_ key: String) throws(JSONFieldError) -> Double? {
        isAbsent(key) ? nil : try double(key)
    }

    /// Any number, exactly as written.
    public func number(_ key: String) throws(JSONFieldError) -> JSONNumber {
        try read(key, as: "a number") { $0.numberValue }
    }

    public func optionalNumber(_ key: String) throws(JSONFieldError) -> JSONNumber? {
        isAbsent(key) ? nil : try number(key)
    }

    /// The nested object, read with its own pointer.
    public func object(_ key: String) throws(JSONFieldError) -> JSONObjectReader {
        JSONObjectReader(try read(key, as: "an object") { $0.objectValue }, at: pointer(to: key))
    }

    public func optionalObject(_ key: String) throws(JSONFieldError) -> JSONObjectReader? {
        isAbsent(key) ? nil : try object(key)
    }

    /// The elements of an array, of any types.
    public func array(_ key: String) throws(JSONFieldError) -> [JSONValue] {
        try read(key, as: "an array") { $0.arrayValue }
    }

    public func optionalArray(_ key: String) throws(JSONFieldError) -> [JSONValue]? {
        isAbsent(key) ? nil : try array(key)
    }

    /// An array of strings; an element of another type is refused at its own pointer (`/tags/2`).
    public func strings(_ key: String) throws(JSONFieldError) -> [String] {
        try elements(key, as: "a string") { $0.stringValue }
    }

    /// An array of objects, each read with its own pointer (`/criteria/0`).
    public func objects(_ key: String) throws(JSONFieldError) -> [JSONObjectReader] {
        let base = pointer(to: key)
        return try elements(key, as: "an object") { $0.objectValue }.enumerated().map {
            JSONObjectReader($0.element, at: base.appending($0.offset))
        }
    }

    private func read<T>(_ key: String, as type: String, _ convert: (JSONValue) -> T?) throws(JSONFieldError) -> T {
        guard let converted = convert(try value(key)) else {
            throw JSONFieldError(pointer: pointer(to: key), detail: "must be \(type)")
        }
        return converted
    }

    /// True when `key` is missing or `null`: an optional field left out.
    private func isAbsent(_ key: String) -> Bool {
        object[key]?.isNull ?? true
    }

    private func elements<T>(_ key: String, as type: String, _ convert: (JSONValue) -> T?) throws(JSONFieldError) -> [T] {
        var result: [T] = []
        for (offset, element) in try array(key).enumerated() {
            guard let converted = convert(element) else {
                throw JSONFieldError(pointer: pointer(to: key).appending(offset), detail: "must be \(type)")
            }
            result.append(converted)
        }
        return result
    }
}
