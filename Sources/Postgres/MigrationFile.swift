import Crypto
import Foundation

/// One migration script: `NNNN_name.sql`, applied in order of its version number.
public struct MigrationFile: Sendable, Equatable {
    /// The number before the first underscore (at least four digits, from 1).
    public let version: Int
    /// The part between the underscore and `.sql`.
    public let name: String
    /// The file's name, for messages.
    public let fileName: String
    /// The script.
    public let contents: String
    /// SHA-256 of the file's bytes, lowercase hex.
    public let checksum: String

    /// Parses a file name into its version and name.
    ///
    /// - Returns: nil unless the name is digits (four or more, not all zero), `_`, a name of
    ///   letters, digits, `_` or `-`, and `.sql`.
    static func parseFileName(_ fileName: String) -> (version: Int, name: String)? {
        guard fileName.hasSuffix(".sql") else { return nil }
        let stem = fileName.dropLast(4)
        guard let underscore = stem.firstIndex(of: "_") else { return nil }
        let digits = stem[..<underscore]
        let name = stem[stem.index(after: underscore)...]
        guard digits.count >= 4, digits.count <= 9, digits.allSatisfy(\.isASCIIDigit),
            let version = Int(digits), version > 0,
            !name.isEmpty, name.allSatisfy({ $0.isASCIIDigit || $0.isASCIILetter || $0 == "_" || $0 == "-" })
        else { return nil }
        return (version, String(name))
    }

    static func checksum(of data: Data) -> String {
        SHA256.hash(data: data).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    init(version: Int, name: String, fileName: String, data: Data) throws(MigrationError) {
        guard let contents = String(data: data, encoding: .utf8) else {
            throw MigrationError(kind: .badFile, message: "migration \(fileName) is not valid UTF-8")
        }
        self.version = version
        self.name = name
        self.fileName = fileName
        self.contents = contents
        self.checksum = Self.checksum(of: data)
    }
}

/// A migration recorded in `schema_migrations`.
public struct AppliedMigration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let checksum: String
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
    fileprivate var isASCIILetter: Bool { isASCII && isLetter }
}
