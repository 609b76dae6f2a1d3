import HTTPServer
import JSON

/// Reads a request body's fields with precise, pointer-addressed errors (API.md section 1):
/// every problem is collected, then answered at once as 422 `validation-failed`.
struct BodyReader {
    let object: JSONObject
    let base: JSONPointer
    private(set) var errors: [(pointer: String, detail: String)] = []

    init(_ object: JSONObject, at base: JSONPointer = .root) {
        self.object = object
        self.base = base
    }

    mutating func fail(_ key: String, _ detail: String) {
        errors.append((base.appending(key).description, detail))
    }

    mutating func fail(at pointer: JSONPointer, _ detail: String) {
        errors.append((pointer.description, detail))
    }

    mutating func merge(_ other: BodyReader) { errors += other.errors }

    /// Unknown fields are refused, so a typo never silently does nothing.
    mutating func allowOnly(_ keys: Set<String>, readOnly: Set<String> = []) {
        for key in object.keys where !keys.contains(key) {
            fail(key, readOnly.contains(key) ? "is read-only" : "is not a known field")
        }
    }

    func has(_ key: String) -> Bool { object.contains(key: key) }

    mutating func string(_ key: String, required: Bool = false, length: ClosedRange<Int> = 0...4000, nullable: Bool = false) -> String?? {
        guard let value = object[key] else {
            if required { fail(key, "is required") }
            return nil
        }
        if value.isNull {
            if nullable && !required { return .some(nil) }
            fail(key, required ? "is required" : "must be a string")
            return nil
        }
        guard let text = value.stringValue else {
            fail(key, "must be a string")
            return nil
        }
        let count = text.unicodeScalars.count  // code points, as JSON Schema's maxLength counts
        guard length.contains(count) else {
            fail(key, "must be \(length.lowerBound) to \(length.upperBound) characters long")
            return nil
        }
        return .some(text)
    }

    mutating func requiredString(_ key: String, length: ClosedRange<Int>) -> String? {
        string(key, required: true, length: length) ?? nil
    }

    mutating func bool(_ key: String, required: Bool = false) -> Bool? {
        guard let value = object[key] else {
            if required { fail(key, "is required") }
            return nil
        }
        guard let flag = value.boolValue else {
            fail(key, "must be true or false")
            return nil
        }
        return flag
    }

    mutating func enumValue<E: RawRepresentable & CaseIterable>(_ key: String, _ type: E.Type, required: Bool = false) -> E?
    where E.RawValue == String {
        guard let value = object[key] else {
            if required { fail(key, "is required") }
            return nil
        }
        guard let text = value.stringValue, let parsed = E(rawValue: text) else {
            fail(key, "must be one of " + E.allCases.map(\.rawValue).joined(separator: ", "))
            return nil
        }
        return parsed
    }

    /// A list of distinct enum values.
    mutating func enumSet<E: RawRepresentable & CaseIterable & Hashable>(_ key: String, _ type: E.Type, required: Bool = false) -> [E]?
    where E.RawValue == String {
        guard let value = object[key] else {
            if required { fail(key, "is required") }
            return nil
        }
        guard let items = value.arrayValue else {
            fail(key, "must be an array")
            return nil
        }
        var result: [E] = []
        for (index, item) in items.enumerated() {
            guard let text = item.stringValue, let parsed = E(rawValue: text) else {
                errors.append(
                    (
                        base.appending(key).appending(index).description,
                        "must be one of " + E.allCases.map(\.rawValue).joined(separator: ", ")
                    ))
                continue
            }
            if !result.contains(parsed) { result.append(parsed) }
        }
        return result
    }

    /// An integer in `range`; fractions, strings and numbers past 64 bits are refused.
    mutating func integer(_ key: String, in range: ClosedRange<Int64>, required: Bool = false) -> Int64? {
        guard let value = object[key] else {
            if required { fail(key, "is required") }
            return nil
        }
        guard let number = value.numberValue else {
            fail(key, "must be an integer")
            return nil
        }
        guard let integer = number.int64, range.contains(integer) else {
            fail(key, "must be an integer from \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        return integer
    }

    /// A nested object, or nil with an error.
    mutating func object(_ key: String, required: Bool = false) -> JSONObject? {
        guard let value = object[key] else {
            if required { fail(key, "is required") }
            return nil
        }
        guard let nested = value.objectValue else {
            fail(key, "must be an object")
            return nil
        }
        return nested
    }

    /// Throws 422 with every error collected, if any.
    func finish() throws(Problem) {
        guard !errors.isEmpty else { return }
        throw Problem.validation(errors)
    }
}

extension Problem {
    /// 422 `validation-failed` with one `{pointer, detail}` per error.
    static func validation(_ errors: [(pointer: String, detail: String)]) -> Problem {
        let list = JSONValue.array(errors.map { .object(JSONObject([("pointer", .string($0.pointer)), ("detail", .string($0.detail))])) })
        let summary = errors.count == 1 ? "\(errors[0].pointer) \(errors[0].detail)." : "\(errors.count) fields are invalid."
        return Problem(status: .unprocessableContent, detail: summary, extensionsJSON: [("errors", list.encodedString())])
    }
}
