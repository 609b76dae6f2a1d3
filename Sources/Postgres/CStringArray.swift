/// Strings laid out as a NULL-terminated array of C strings, valid only inside `withPointers`.
struct CStringArray {
    private var storage: [CChar] = []
    private var offsets: [Int] = []

    init(_ strings: [String]) {
        for string in strings {
            offsets.append(storage.count)
            storage.append(contentsOf: string.utf8.map { CChar(bitPattern: $0) })
            storage.append(0)
        }
    }

    func withPointers<Result>(_ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> Result) -> Result {
        storage.withUnsafeBufferPointer { bytes in
            var pointers: [UnsafePointer<CChar>?] = offsets.map { offset in bytes.baseAddress.map { $0 + offset } }
            pointers.append(nil)
            return pointers.withUnsafeBufferPointer { body($0.baseAddress) }
        }
    }

    /// The same array typed as `argv` and `envp` are (`char *const[]`).
    func withMutablePointers<Result>(_ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> Result) -> Result {
        var copy = storage
        return copy.withUnsafeMutableBufferPointer { bytes in
            let pointers = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: offsets.count + 1)
            defer { pointers.deallocate() }
            for (index, offset) in offsets.enumerated() {
                (pointers + index).initialize(to: bytes.baseAddress.map { $0 + offset })
            }
            (pointers + offsets.count).initialize(to: nil)
            return body(pointers)
        }
    }
}
