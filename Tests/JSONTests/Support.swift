import JSON
import Testing

/// The error that parsing `input` throws, or nil when it parses.
func parseError(_ input: [UInt8], limits: JSONLimits = JSONLimits()) -> JSONParseError? {
    do {
        _ = try JSONParser.parse(input, limits: limits)
        return nil
    } catch {
        return error
    }
}

/// `text` parsed, failing the test (and returning `.null`) when it does not parse.
func parsed(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> JSONValue {
    do {
        return try JSONParser.parse(text.utf8)
    } catch {
        Issue.record("\(text) did not parse: \(error)", sourceLocation: sourceLocation)
        return .null
    }
}

/// A body the parser must refuse, with the error it must give.
struct Rejection: Sendable, CustomTestStringConvertible {
    let name: String
    let input: [UInt8]
    let code: JSONParseError.Code
    let message: String

    init(_ name: String, _ text: String, _ code: JSONParseError.Code, _ message: String) {
        self.init(name, bytes: Array(text.utf8), code, message)
    }

    init(_ name: String, bytes: [UInt8], _ code: JSONParseError.Code, _ message: String) {
        self.name = name
        self.input = bytes
        self.code = code
        self.message = message
    }

    var testDescription: String { name }

    func verify(sourceLocation: SourceLocation = #_sourceLocation) {
        guard let error = parseError(input) else {
            Issue.record("\(name): parsed, expected \(code)", sourceLocation: sourceLocation)
            return
        }
        #expect(error.code == code, "\(name)", sourceLocation: sourceLocation)
        #expect(error.message == message, "\(name)", sourceLocation: sourceLocation)
    }
}

/// `text` as bytes with `middle` spliced in between `prefix` and `suffix`.
func bytes(_ prefix: String, _ middle: [UInt8], _ suffix: String) -> [UInt8] {
    Array(prefix.utf8) + middle + Array(suffix.utf8)
}
