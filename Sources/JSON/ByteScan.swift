/// Finds the bytes of a string that need attention, eight bytes at a time.
enum ByteScan {
    /// The offset of the first byte from `start` on that is `"`, `\` or below 0x20 (or, when
    /// `stoppingAtNonASCII`, 0x80 and above), or `buffer.count` when there is none.
    @inline(__always)
    static func firstSpecial(in buffer: UnsafeBufferPointer<UInt8>, from start: Int, stoppingAtNonASCII: Bool) -> Int {
        var i = start
        let count = buffer.count
        if let base = UnsafeRawPointer(buffer.baseAddress) {
            let ones: UInt64 = 0x0101_0101_0101_0101
            while i &+ 8 <= count {
                let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                let quote = word ^ (ones &* 0x22)
                let backslash = word ^ (ones &* 0x5C)
                // The high bit of each byte that is below 0x20, `"` or `\` (and, if asked, 0x80 and above).
                // A borrow can also flag a byte after a true one, never before, so the lowest flag is a true one.
                var flags = ((word &- ones &* 0x20) & ~word) | ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash)
                if stoppingAtNonASCII { flags |= word }
                flags &= ones &* 0x80
                if flags != 0 { return i &+ flags.trailingZeroBitCount &>> 3 }
                i &+= 8
            }
        }
        while i < count {
            let byte = buffer[i]
            if byte < 0x20 || byte == ASCII.quote || byte == ASCII.backslash || (stoppingAtNonASCII && byte >= 0x80) { break }
            i += 1
        }
        return i
    }
}
