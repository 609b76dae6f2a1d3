import JSON
import Testing

@Suite("JSONObject")
struct ObjectTests {
    @Test("Setting a present key replaces it in place, a new key appends, nil removes")
    func subscriptSet() {
        var object: JSONObject = [("b", 1), ("a", 2)]
        object["b"] = "x"
        object["c"] = 3
        object["a"] = nil
        object["missing"] = nil
        #expect(object.keys == ["b", "c"])
        #expect(object["b"] == "x")
        #expect(JSONValue.object(object).encodedString() == #"{"b":"x","c":3}"#)
    }

    @Test("removeValue returns the removed value")
    func removal() {
        var object: JSONObject = ["a": 1, "b": 2]
        #expect(object.removeValue(forKey: "a") == 1)
        #expect(object.removeValue(forKey: "a") == nil)
        #expect(object.keys == ["b"])
        #expect(object.contains(key: "b"))
    }

    @Test("Large objects keep order and answer lookups after inserts and removals")
    func largeObjectMutation() {
        var object = JSONObject()
        for i in 0..<40 { object["k\(i)"] = .number(JSONNumber(i)) }
        object["k5"] = nil
        object["k6"] = "six"
        object["k40"] = 40
        #expect(object.count == 40)
        #expect(object["k5"] == nil)
        #expect(object["k6"] == "six")
        #expect(object["k39"] == 39)
        #expect(object.keys.prefix(6) == ["k0", "k1", "k2", "k3", "k4", "k6"])
        #expect(object.keys.last == "k40")
    }

    @Test("Objects are equal with the same members in any order, unequal otherwise")
    func equality() {
        let one: JSONValue = ["a": 1, "b": [true]]
        #expect(one == ["b": [true], "a": 1])
        #expect(one != ["a": 1, "b": [false]])
        #expect(one != ["a": 1])
        #expect(one != ["a": 1, "b": [true], "c": .null])
        #expect(one.encodedString() != JSONValue(dictionaryLiteral: ("b", [true]), ("a", 1)).encodedString())
    }

    @Test("Iterating gives members in order")
    func iteration() {
        let object: JSONObject = ["z": 1, "y": 2]
        #expect(object.map(\.key) == ["z", "y"])
        #expect(object.first?.value == 1)
    }

    @Test("Typed accessors on values answer nil for other types")
    func accessors() throws {
        let value = try JSONParser.parse(#"{"s":"x","n":5,"b":true,"a":[1],"o":{},"z":null}"#.utf8)
        #expect(value["s"]?.stringValue == "x")
        #expect(value["n"]?.int64Value == 5)
        #expect(value["n"]?.stringValue == nil)
        #expect(value["b"]?.boolValue == true)
        #expect(value["a"]?[0] == 1)
        #expect(value["a"]?[1] == nil)
        #expect(value["o"]?.objectValue?.isEmpty == true)
        #expect(value["z"]?.isNull == true)
        #expect(value["missing"] == nil)
        #expect(value["s"]?["x"] == nil)
        #expect(["null", "boolean", "number", "string", "array", "object"] == [JSONValue.null, true, 1, "", [], [:]].map(\.typeName))
    }
}
