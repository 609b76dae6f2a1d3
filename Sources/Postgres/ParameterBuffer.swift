#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Bound parameters laid out as the C arrays `PQexecParams` takes, valid only inside `withCArrays`.
struct ParameterBuffer {
    /// Every non-NULL value, each followed by a NUL, in one allocation.
    private var storage: [CChar] = []
    /// Where each value starts in `storage`; nil for SQL NULL.
    private var offsets: [Int?] = []
    private var types: [UInt32] = []

    /// - Throws: when a value contains a NUL character, which PostgreSQL text cannot hold
    ///   (the server's own SQLSTATE for it, 22021, with code `.other`).
    init(_ binds: [Query.Bind]) throws(PostgresError) {
        offsets.reserveCapacity(binds.count)
        types.reserveCapacity(binds.count)
        for (index, bind) in binds.enumerated() {
            types.append(bind.typeOID)
            guard var text = bind.text else {
                offsets.append(nil)
                continue
            }
            // Whole buffers, not byte by byte: parameters carry JSON documents of tens of kilobytes.
            let start = storage.count
            let clean = text.withUTF8 { bytes in
                guard let base = bytes.baseAddress, !bytes.isEmpty else { return true }
                guard memchr(base, 0, bytes.count) == nil else { return false }
                bytes.withMemoryRebound(to: CChar.self) { storage.append(contentsOf: $0) }
                return true
            }
            guard clean else {
                throw PostgresError(
                    code: .other, sqlState: "22021",
                    message: "parameter $\(index + 1) contains a NUL character, which text cannot hold")
            }
            offsets.append(start)
            storage.append(0)
        }
    }

    /// The parameters' type OIDs (0: inferred by the server).
    var typeOIDs: [UInt32] { types }

    /// Calls `body` with pointers to the type OIDs and the value strings (NULL entries for SQL NULL).
    func withCArrays<Result>(
        _ body: (UnsafePointer<UInt32>?, UnsafePointer<UnsafePointer<CChar>?>?) -> Result
    ) -> Result {
        storage.withUnsafeBufferPointer { bytes in
            let values: [UnsafePointer<CChar>?] = offsets.map { offset in
                guard let offset, let base = bytes.baseAddress else { return nil }
                return base + offset
            }
            return values.withUnsafeBufferPointer { valuePointers in
                types.withUnsafeBufferPointer { typePointers in
                    body(typePointers.baseAddress, valuePointers.baseAddress)
                }
            }
        }
    }
}
