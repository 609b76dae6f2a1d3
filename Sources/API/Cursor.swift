import Store

/// An opaque list cursor: the position after which the next page starts.
///
/// Lists page by a monotonic `list_seq` column (newest first) rather than by offset, so rows
/// inserted between two requests neither repeat nor push items past the reader.
public struct Cursor: Sendable, Equatable {
    public let position: Int64

    public init(position: Int64) { self.position = position }

    /// The text sent as `next_cursor` and accepted as `?cursor=`.
    public var encoded: String { Base64URL.encode(Array("c1:\(position)".utf8)) }

    /// nil when the text was not made by `encoded` (answered 400 `malformed-request`).
    public init?(encoded: String) {
        guard encoded.utf8.count <= 64, let bytes = Base64URL.decode(encoded) else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        guard text.hasPrefix("c1:"), let value = Int64(text.dropFirst(3)), value >= 0 else { return nil }
        position = value
    }
}
