/// The kinds of resource that have ids, each with its prefix (API.md section 1).
///
/// An id is `<prefix>_` followed by 26 characters of lowercase Crockford base32
/// (`0-9a-z` without `i l o u`) encoding exactly 128 random bits, most significant first, as
/// ULIDs are; 26 characters hold 130 bits, so the first is always `0`...`7`. Base32 rather than
/// base62: one case, no look-alike letters, fixed length, simple to read aloud and to check.
public enum IDKind: String, CaseIterable, Sendable {
    case useCase = "uc"
    case pod = "pod"
    case principal = "prn"
    case apiKey = "key"
    case gateReview = "gr"
    case decision = "dec"
    case webhook = "wh"
    case event = "evt"
    case delivery = "dlv"

    /// How many random bytes an id encodes.
    public static let randomByteCount = 16
    /// Characters after the prefix.
    public static let encodedLength = 26

    /// `uc_`, `pod_`, ...
    public var prefix: String { rawValue + "_" }

    /// A new id of this kind from exactly `IDKind.randomByteCount` bytes, which the caller draws
    /// from a cryptographically secure generator. Fewer or more bytes is a programming error.
    public func format(randomBytes: some Collection<UInt8>) -> String {
        precondition(randomBytes.count == Self.randomByteCount, "an id needs exactly 16 random bytes")
        let value = randomBytes.reduce(UInt128(0)) { $0 << 8 | UInt128($1) }
        var text = Array(prefix.utf8)
        for index in 0..<Self.encodedLength {
            let shift = 5 * (Self.encodedLength - 1 - index)
            text.append(crockfordAlphabet[Int(truncatingIfNeeded: (value >> shift) & 0x1F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Whether `id` is a well-formed id of this kind: the prefix, then 26 characters of the
    /// alphabet, the first `0`...`7`. Anything else cannot name a resource (a 404 unread).
    public func isValid(_ id: some StringProtocol) -> Bool {
        let bytes = Array(id.utf8)
        let prefix = Array(self.prefix.utf8)
        guard bytes.count == prefix.count + Self.encodedLength, bytes.starts(with: prefix) else { return false }
        let body = bytes[prefix.count...]
        guard let first = body.first, (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(first) else { return false }
        return body.allSatisfy { crockfordAlphabet.contains($0) }
    }

    /// The kind whose well-formed id `id` is, if any.
    public init?(ofID id: some StringProtocol) {
        guard let kind = Self.allCases.first(where: { $0.isValid(id) }) else { return nil }
        self = kind
    }
}

private let crockfordAlphabet = Array("0123456789abcdefghjkmnpqrstvwxyz".utf8)
