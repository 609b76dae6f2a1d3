import Crypto
import HTTP1

/// Strong entity tags derived from the representation's bytes, so a tag changes exactly when
/// what a client would read changes (including server-computed figures such as metrics).
public struct EntityTag: Sendable, Equatable {
    /// The quoted form sent in `ETag`, e.g. `"3q2-7w"`.
    public let quoted: String

    public init(representation: [UInt8]) {
        let digest = Array(SHA256.hash(data: representation).prefix(16))
        quoted = "\"" + Base64URL.encode(digest) + "\""
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

/// base64url without padding (RFC 4648 section 5), for cursors and tags.
public enum Base64URL {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count * 4 + 2) / 3)
        var i = 0
        while i + 3 <= bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], alphabet[Int(n & 63)]]
            i += 3
        }
        let rest = bytes.count - i
        if rest == 1 {
            let n = UInt32(bytes[i]) << 16
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)]]
        } else if rest == 2 {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)]]
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func decode(_ text: String) -> [UInt8]? {
        var values: [UInt8] = []
        for c in text.utf8 {
            guard let v = alphabet.firstIndex(of: c) else { return nil }
            values.append(UInt8(v))
        }
        guard values.count % 4 != 1 else { return nil }
        var out: [UInt8] = []
        var i = 0
        while i < values.count {
            let chunk = values[i..<min(i + 4, values.count)]
            var n: UInt32 = 0
            for (j, v) in chunk.enumerated() { n |= UInt32(v) << (18 - 6 * UInt32(j)) }
            out.append(UInt8(n >> 16 & 0xFF))
            if chunk.count > 2 { out.append(UInt8(n >> 8 & 0xFF)) }
            if chunk.count > 3 { out.append(UInt8(n & 0xFF)) }
            i += 4
        }
        return out
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
