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
        EntityTag.tags(in: header).contains { $0 == "*" || EntityTag.opaque($0) == EntityTag.opaque(quoted) }
    }

    /// `If-Match`: true when the client edits the current version (strong comparison, `*` matches).
    public func matchesIfMatch(_ header: String) -> Bool {
        EntityTag.tags(in: header).contains { $0 == "*" || (!$0.hasPrefix("W/") && $0 == quoted) }
    }

    static func tags(in header: String) -> [String] {
        header.split(separator: ",").map { String($0).trimmed(" \t") }.filter { !$0.isEmpty }
    }

    static func opaque(_ tag: String) -> String {
        tag.hasPrefix("W/") ? String(tag.dropFirst(2)) : tag
    }
}

extension String {
    func trimmed(_ set: String) -> String {
        var s = Substring(self)
        while let c = s.first, set.contains(c) { s.removeFirst() }
        while let c = s.last, set.contains(c) { s.removeLast() }
        return String(s)
    }
}
