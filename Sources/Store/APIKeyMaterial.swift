import Crypto

/// API keys: random secrets shown once and stored only as SHA-256 hashes.
///
/// A key is `tg_` followed by 32 base62 characters drawn from the system's CSPRNG
/// (about 190 bits of entropy). A SHA-256 hash is enough to store it: a key this random
/// cannot be guessed from its hash, so a slow password hash would only cost latency.
public enum APIKeyMaterial {
    public static let scheme = "tg_"
    static let bodyLength = 32
    static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// A new key, to be shown to its owner once.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = Array(scheme.utf8)
        for _ in 0..<bodyLength {
            // Rejection sampling keeps every character equally likely.
            var value: UInt8
            repeat { value = UInt8.random(in: 0...255, using: &generator) } while value >= 248
            bytes.append(alphabet[Int(value % 62)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The stored form of a key.
    public static func hash(_ key: String) -> [UInt8] {
        Array(SHA256.hash(data: Array(key.utf8)))
    }

    /// The stored form of a key given as its UTF-8 bytes (a slice of a header), hashed in place
    /// into `output` (32 bytes).
    public static func hash(utf8 key: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) {
        var hasher = SHA256()
        hasher.update(bufferPointer: key)
        hasher.finalize().withUnsafeBytes { output.copyMemory(from: $0) }
    }

    /// What a person sees to tell keys apart: the scheme and the first 6 characters.
    public static func displayPrefix(_ key: String) -> String {
        String(key.prefix(scheme.count + 6))
    }

    /// True when `text` could be a key: 16...256 visible ASCII characters. Generated keys have
    /// 35; an operator's bootstrap key may be any such string. Anything else is refused unread.
    public static func isPlausible(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { isPlausible(utf8: UnsafeRawBufferPointer($0)) }
    }

    public static func isPlausible(utf8: UnsafeRawBufferPointer) -> Bool {
        (16...256).contains(utf8.count) && utf8.allSatisfy { $0 >= 0x21 && $0 <= 0x7E }
    }
}
