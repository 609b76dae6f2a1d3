import Governance

/// New ids: a type prefix and 128 random bits from the system's CSPRNG.
public enum Identifiers {
    public static func make(_ kind: IDKind) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<IDKind.randomByteCount).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return kind.format(randomBytes: bytes)
    }
}
