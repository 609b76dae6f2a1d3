import HTTP1
import Store

/// Strong entity tags derived from the representation's bytes, so a tag changes exactly when
/// what a client would read changes (including server-computed figures such as metrics).
public struct EntityTag: Sendable, Equatable {
    /// The quoted form sent in `ETag`, e.g. `"3q2-7w"`.
    public let quoted: String

    public init(representation: [UInt8]) {
        quoted = RepresentationTag.quoted(representation)
    }

    /// A tag read back from storage, already quoted.
    public init(quoted: String) {
        self.quoted = quoted
    }

    /// `If-None-Match`: true when the client's cached copy is current (weak comparison, `*` matches).
    public func matchesIfNoneMatch(_ header: String) -> Bool {
        header.hasSameBytes(as: quoted)  // the usual case: the one tag the client holds, byte for byte
            || EntityTag.anyTag(in: header) { tag in
                tag.utf8.elementsEqual("*".utf8) || (tag.hasPrefix("W/") ? tag.dropFirst(2) : tag).utf8.elementsEqual(quoted.utf8)
            }
    }

    /// `If-Match`: true when the client edits the current version (strong comparison, `*` matches).
    public func matchesIfMatch(_ header: String) -> Bool {
        EntityTag.anyTag(in: header) { tag in tag.utf8.elementsEqual("*".utf8) || tag.utf8.elementsEqual(quoted.utf8) }
    }

    /// Whether `matches` holds for a tag of the list `header` (`*`, `"x"` or `W/"x"`, trimmed).
    /// Split at commas outside quotes, as a tag may hold one; read in place, with no copies.
    static func anyTag(in header: String, where matches: (Substring) -> Bool) -> Bool {
        let utf8 = header.utf8
        var start = utf8.startIndex
        var index = start
        var quoted = false
        while true {
            if index == utf8.endIndex || (!quoted && utf8[index] == UInt8(ascii: ",")) {
                let tag = header[start..<index].trimmingWhitespace
                if !tag.isEmpty, matches(tag) { return true }
                if index == utf8.endIndex { return false }
                start = utf8.index(after: index)
            } else if utf8[index] == UInt8(ascii: "\"") {
                quoted.toggle()
            }
            index = utf8.index(after: index)
        }
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs (HTTP's optional whitespace).
    var trimmingWhitespace: Substring {
        let utf8 = self.utf8
        let isWhitespace = { (b: UInt8) in b == 0x20 || b == 0x09 }
        guard let first = utf8.firstIndex(where: { !isWhitespace($0) }) else { return self[endIndex...] }
        let last = utf8.lastIndex(where: { !isWhitespace($0) })!
        return self[first...last]
    }
}
