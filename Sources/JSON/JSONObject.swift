/// A JSON object: members in insertion order, each key at most once.
///
/// Keys are compared as Swift compares strings, so two canonically equivalent spellings (`"é"` precomposed or
/// as `e` + combining accent) are the same key: the parser refuses an object holding both as a duplicate,
/// which keeps lookups by key unambiguous. Two objects are equal when they hold the same keys with equal
/// values, in any order (RFC 8259 objects are unordered); the compact encoding keeps the order.
public struct JSONObject: Sendable {
    public typealias Member = (key: String, value: JSONValue)

    /// The members, in insertion order.
    public private(set) var members: [Member]
    /// Key to position, kept once the object is large enough that scanning would cost more.
    private var index: [String: Int]?

    static let indexThreshold = 16

    /// An empty object.
    public init() {
        members = []
    }

    /// An object with `members` in this order.
    /// - Precondition: no key appears twice (a programmer error, as in a `Dictionary` literal).
    public init(_ members: [(String, JSONValue)]) {
        self.init()
        self.members.reserveCapacity(members.count)
        for (key, value) in members {
            precondition(position(of: key) == nil, "duplicate key in JSONObject literal")
            append(key, value)
        }
    }

    /// Members the parser has already checked for duplicates, with the index it built, if any.
    init(uniqueMembers: [Member], index: [String: Int]?) {
        members = uniqueMembers
        self.index = index
        if index == nil && members.count >= Self.indexThreshold { rebuildIndex() }
    }

    /// The keys, in insertion order.
    public var keys: [String] { members.map(\.key) }

    /// The value for `key`, or nil when absent. Setting a value for a present key replaces it in place;
    /// setting a new key appends it; setting nil removes the member.
    public subscript(key: String) -> JSONValue? {
        get { position(of: key).map { members[$0].value } }
        set {
            switch (position(of: key), newValue) {
            case (let position?, let value?): members[position].value = value
            case (let position?, nil): remove(at: position)
            case (nil, let value?): append(key, value)
            case (nil, nil): break
            }
        }
    }

    public func contains(key: String) -> Bool { position(of: key) != nil }

    /// Removes the member named `key` and returns its value, or nil when there was none.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        guard let position = position(of: key) else { return nil }
        let value = members[position].value
        remove(at: position)
        return value
    }

    private func position(of key: String) -> Int? {
        if let index { return index[key] }
        return members.firstIndex { $0.key == key }
    }

    private mutating func append(_ key: String, _ value: JSONValue) {
        members.append((key, value))
        if index != nil {
            index![key] = members.count - 1
        } else if members.count >= Self.indexThreshold {
            rebuildIndex()
        }
    }

    private mutating func remove(at position: Int) {
        members.remove(at: position)
        if index != nil { rebuildIndex() }
    }

    private mutating func rebuildIndex() {
        var index: [String: Int] = [:]
        index.reserveCapacity(members.count)
        for (position, member) in members.enumerated() { index[member.key] = position }
        self.index = index
    }
}

extension JSONObject: RandomAccessCollection {
    public var startIndex: Int { members.startIndex }
    public var endIndex: Int { members.endIndex }
    public subscript(position: Int) -> Member { members[position] }
}

extension JSONObject: Equatable {
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.count == rhs.count && lhs.members.allSatisfy { rhs[$0.key] == $0.value }
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    /// The members in the order written. A key written twice traps.
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self.init(elements) }
}

extension JSONObject: ExpressibleByArrayLiteral {
    /// The members in the order written, as `(key, value)` pairs. A key written twice traps.
    public init(arrayLiteral elements: (String, JSONValue)...) { self.init(elements) }
}
