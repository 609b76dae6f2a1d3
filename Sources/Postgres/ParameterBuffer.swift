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
            guard let text = bind.text else {
                offsets.append(nil)
                continue
            }
            let utf8 = text.utf8
            guard !utf8.contains(0) else {
                throw PostgresError(
                    code: .other, sqlState: "22021",
                    message: "parameter $\(index + 1) contains a NUL character, which text cannot hold")
            }
            offsets.append(storage.count)
            storage.append(contentsOf: utf8.map { CChar(bitPattern: $0) })
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
