import Governance
import HTTP1
import HTTPServer
import JSON
import Telemetry

/// The authenticated caller of a `/v1` request.
public struct Caller: Sendable {
    public let principalID: String
    public let keyID: String
    public let isAdmin: Bool
    public let functions: Set<BusinessFunction>
}

/// One `/v1` request as a handler sees it.
struct APIContext: Sendable {
    let http: RequestContext
    let caller: Caller
    /// The request's time: RFC 3339 UTC with milliseconds.
    let now: String

    var request: Request { http.request }
    func parameter(_ name: String) -> String { http.parameters[name] ?? "" }
    func header(_ name: String) -> String? { http.request.headers[name] }

    /// The body as a JSON object: 415 when it is not JSON, 400 when it does not parse, 422 when
    /// it is not an object.
    func jsonObject(allowMergePatch: Bool = false) throws(Problem) -> JSONObject {
        let contentType = (header("Content-Type") ?? "").split(separator: ";").first.map { $0.trimmingWhitespace.lowercased() } ?? ""
        guard contentType == "application/json" || (allowMergePatch && contentType == "application/merge-patch+json") else {
            throw Problem(
                status: .unsupportedMediaType,
                detail: allowMergePatch ? "Send application/merge-patch+json or application/json." : "Send application/json.")
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(request.body)
        } catch {
            throw Problem(status: .badRequest, detail: "The body is not valid JSON: \(error.message).")
        }
        guard let object = value.objectValue else {
            throw Problem.validation([("", "the body must be a JSON object")])
        }
        if let pointer = APIContext.firstNUL(in: value, at: .root) {
            throw Problem.validation([(pointer.description, "must not contain U+0000, which no stored text can hold")])
        }
        return object
    }

    /// Where a string or a member name holds U+0000: valid JSON, but PostgreSQL's text and jsonb
    /// refuse it, so it is answered here, with the field, rather than failing at the database.
    private static func firstNUL(in value: JSONValue, at pointer: JSONPointer) -> JSONPointer? {
        switch value {
        case .string(let text):
            return text.utf8.contains(0) ? pointer : nil
        case .array(let items):
            for (index, item) in items.enumerated() {
                if let found = firstNUL(in: item, at: pointer.appending(index)) { return found }
            }
            return nil
        case .object(let object):
            for member in object.members {
                let inner = pointer.appending(member.key)
                if member.key.utf8.contains(0) { return inner }
                if let found = firstNUL(in: member.value, at: inner) { return found }
            }
            return nil
        default:
            return nil
        }
    }

    /// The query string's parameters (percent-decoded; a repeated name keeps the last value).
    var query: [String: String] { QueryString.parse(request.head.query) }
}

extension Dictionary where Key == String, Value == String {
    /// The query parameter `name` as one of `E`'s values: nil when absent, 400 when not one of them.
    func enumValue<E: RawRepresentable & CaseIterable>(_ name: String, _: E.Type) throws(Problem) -> E? where E.RawValue == String {
        guard let text = self[name] else { return nil }
        guard let value = E(rawValue: text) else {
            throw Problem(status: .badRequest, detail: "\(name) must be one of " + E.allCases.map(\.rawValue).joined(separator: ", ") + ".")
        }
        return value
    }
}

enum QueryString {
    /// `%00` anywhere in the query: no parameter may hold U+0000 (no stored text can), and a raw NUL
    /// never gets past the HTTP parser. 400 `malformed-request`, before any handler runs.
    static func refuseNUL(_ query: String?) throws(Problem) {
        guard let query, query.utf8.count >= 3 else { return }
        let bytes = Array(query.utf8)
        for i in 0..<(bytes.count - 2)
        where bytes[i] == UInt8(ascii: "%") && bytes[i + 1] == UInt8(ascii: "0") && bytes[i + 2] == UInt8(ascii: "0") {
            throw Problem(status: .badRequest, detail: "A query parameter holds %00 (U+0000), which no parameter may contain.")
        }
    }

    static func parse(_ query: String?) -> [String: String] {
        guard let query, !query.isEmpty else { return [:] }
        var result: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = decode(parts[0])
            result[key] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return result
    }

    static func decode(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var it = Array(text.utf8)[...]
        while let b = it.popFirst() {
            if b == UInt8(ascii: "+") {
                bytes.append(0x20)
            } else if b == UInt8(ascii: "%"), it.count >= 2, let v = UInt8(String(decoding: it.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(v)
                it = it.dropFirst(2)
            } else {
                bytes.append(b)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension APIContext {
    /// The caller as the domain's authorization rules see it.
    var principal: Principal { Principal(id: caller.principalID, isAdmin: caller.isAdmin, functions: caller.functions) }

    /// Throws 403 unless `decision` allows the action.
    func require(_ decision: AccessDecision) throws(Problem) {
        guard case .deny(let reason) = decision else { return }
        if reason == .separationOfDuties {
            throw Problem(status: .forbidden, slug: "separation-of-duties", detail: reason.detail)
        }
        throw Problem.forbidden(reason.detail)
    }

    /// `If-Match` for a PATCH: 428 without it, 412 when it names another version.
    func requireIfMatch(_ current: JSONValue) throws(Problem) {
        guard let header = header("If-Match") else {
            throw Problem(status: .preconditionRequired, detail: "Send If-Match with the ETag you last read.")
        }
        guard EntityTag(representation: current.encoded()).matchesIfMatch(header) else {
            throw Problem(status: .preconditionFailed, detail: "The resource changed since you read it; read it again.")
        }
    }
}
