#if canImport(Glibc)
    import Glibc
#endif

extension String {
    /// Equal byte for byte, with no Unicode equivalence (a key or an entity tag is bytes, and
    /// U+212A KELVIN SIGN is not `K`): one `memcmp` for native strings.
    func hasSameBytes(as other: String) -> Bool {
        guard utf8.count == other.utf8.count else { return false }
        var a = self, b = other
        return a.withUTF8 { x in
            b.withUTF8 { y in x.isEmpty || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 }
        }
    }
}
