import JSON
import Testing

/// Request validation reads typed fields and reports each failure at the field's pointer.
@Suite("JSONObjectReader")
struct ObjectReaderTests {
    static let body = #"""
        {"title":"Triage","monthly_tokens":12000000,"rate":12.5,"huge":1e400,"big":9223372036854775808,"ratio":1.0,
         "active":true,"notes":null,"estimates":{"monthly_tokens":"lots"},"tags":["a",2],"criteria":[{"name":"roi"},3]}
        """#

    func reader() throws -> JSONObjectReader {
        try JSONObjectReader(try JSONParser.parse(Self.body.utf8))
    }

    @Test("Present fields of the right type are read")
    func reads() throws {
        let reader = try reader()
        #expect(try reader.string("title") == "Triage")
        #expect(try reader.int64("monthly_tokens") == 12_000_000)
        #expect(try reader.double("rate") == 12.5)
        #expect(try reader.number("rate").literal == "12.5")
        #expect(try reader.bool("active"))
        #expect(try reader.value("notes") == .null)
        #expect(try reader.object("estimates").pointer.description == "/estimates")
        #expect(try reader.array("tags").count == 2)
    }

    @Test("Optional fields are nil when absent or null, and still type-checked when present")
    func optionals() throws {
        let reader = try reader()
        #expect(try reader.optionalString("notes") == nil)
        #expect(try reader.optionalString("missing") == nil)
        #expect(try reader.optionalString("title") == "Triage")
        #expect(try reader.optionalInt64("monthly_tokens") == 12_000_000)
        #expect(try reader.optionalObject("notes") == nil)
        #expect(throws: JSONFieldError(pointer: JSONPointer(tokens: ["title"]), detail: "must be an integer")) {
            try reader.optionalInt64("title")
        }
    }

    struct Failure: Sendable, CustomTestStringConvertible {
        let name: String
        let read: @Sendable (JSONObjectReader) throws -> Void
        let pointer: String
        let detail: String
        var testDescription: String { name }
    }

    @Test(
        "Each failure names the field's pointer and what is wrong",
        arguments: [
            Failure(name: "missing", read: { _ = try $0.string("summary") }, pointer: "/summary", detail: "is required"),
            Failure(name: "null where required", read: { _ = try $0.string("notes") }, pointer: "/notes", detail: "must be a string"),
            Failure(name: "wrong type", read: { _ = try $0.bool("title") }, pointer: "/title", detail: "must be a boolean"),
            Failure(name: "fraction", read: { _ = try $0.int64("rate") }, pointer: "/rate", detail: "must be an integer"),
            Failure(name: "integral fraction", read: { _ = try $0.int64("ratio") }, pointer: "/ratio", detail: "must be an integer"),
            Failure(name: "past Int64", read: { _ = try $0.int64("big") }, pointer: "/big", detail: "is out of range"),
            Failure(name: "past Double", read: { _ = try $0.double("huge") }, pointer: "/huge", detail: "is out of range"),
            Failure(
                name: "nested", read: { _ = try $0.object("estimates").int64("monthly_tokens") }, pointer: "/estimates/monthly_tokens",
                detail: "must be an integer"),
            Failure(name: "array element", read: { _ = try $0.strings("tags") }, pointer: "/tags/1", detail: "must be a string"),
            Failure(name: "object element", read: { _ = try $0.objects("criteria") }, pointer: "/criteria/1", detail: "must be an object"),
            Failure(name: "not an array", read: { _ = try $0.strings("title") }, pointer: "/title", detail: "must be an array"),
            Failure(
                name: "unknown field", read: { try $0.rejectUnknownKeys(allowed: ["title", "monthly_tokens", "rate"]) }, pointer: "/huge",
                detail: "is not a known field"),
        ])
    func failures(_ failure: Failure) throws {
        let reader = try reader()
        #expect(throws: JSONFieldError(pointer: JSONPointer(failure.pointer)!, detail: failure.detail)) {
            try failure.read(reader)
        }
    }

    @Test("Elements of arrays of objects carry their own pointers")
    func elementPointers() throws {
        let reader = try JSONObjectReader(try JSONParser.parse(#"{"criteria":[{"name":"roi"},{"name":7}]}"#.utf8))
        let criteria = try reader.objects("criteria")
        #expect(try criteria[0].string("name") == "roi")
        #expect(throws: JSONFieldError(pointer: JSONPointer("/criteria/1/name")!, detail: "must be a string")) {
            try criteria[1].string("name")
        }
    }

    @Test("A body that is not an object is refused at the root")
    func notAnObject() {
        #expect(throws: JSONFieldError(pointer: .root, detail: "must be an object")) {
            try JSONObjectReader(JSONValue.array([]))
        }
    }

    @Test("A key written twice in an object literal is a programmer error and traps")
    func duplicateLiteralTraps() async {
        await #expect(processExitsWith: .failure) {
            _ = JSONObject([("a", 1), ("a", 2)])
        }
    }
}
