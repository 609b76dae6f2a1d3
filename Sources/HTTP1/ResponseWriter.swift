/// Serialises responses into bytes: status line, framing and standard fields, then the body.
public enum ResponseWriter {
    /// Appends `response` to `buffer`.
    /// - Parameters:
    ///   - isHead: the request was HEAD: fields as for GET, no body bytes.
    ///   - keepAlive: false adds `Connection: close`.
    ///   - http10KeepAlive: the client spoke HTTP/1.0 and asked to keep the connection.
    ///   - date: the cached `Date` value (an IMF-fixdate).
    public static func write(
        _ response: Response, isHead: Bool, keepAlive: Bool, http10KeepAlive: Bool = false,
        date: ArraySlice<UInt8>, requestID: String, into buffer: inout [UInt8]
    ) {
        let status = response.status
        buffer.append(contentsOf: "HTTP/1.1 ".utf8)
        appendDecimal(status.code, to: &buffer)
        buffer.append(ASCII.sp)
        buffer.append(contentsOf: status.reasonPhrase.utf8)
        buffer.append(contentsOf: "\r\nDate: ".utf8)
        buffer.append(contentsOf: date)
        buffer.append(contentsOf: "\r\nX-Request-Id: ".utf8)
        buffer.append(contentsOf: requestID.utf8)
        if status.allowsBody {
            buffer.append(contentsOf: "\r\nContent-Length: ".utf8)
            appendDecimal(response.body.count, to: &buffer)
        }
        if !keepAlive {
            buffer.append(contentsOf: "\r\nConnection: close".utf8)
        } else if http10KeepAlive {
            buffer.append(contentsOf: "\r\nConnection: keep-alive".utf8)
        }
        for field in response.headers where isSafe(field.name) && isSafe(field.value) {
            buffer.append(contentsOf: "\r\n".utf8)
            buffer.append(contentsOf: field.name.utf8)
            buffer.append(contentsOf: ": ".utf8)
            buffer.append(contentsOf: field.value.utf8)
        }
        buffer.append(contentsOf: "\r\n\r\n".utf8)
        if status.allowsBody && !isHead { buffer.append(contentsOf: response.body) }
    }

    /// A field with CR, LF or NUL would split the response: it is left out rather than written.
    private static func isSafe(_ text: String) -> Bool {
        !text.utf8.contains { $0 == ASCII.cr || $0 == ASCII.lf || $0 == 0 }
    }

    /// The interim response sent to a client that waits with `Expect: 100-continue`.
    public static let continueResponse: [UInt8] = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    static func appendDecimal(_ value: Int, to buffer: inout [UInt8]) {
        if value < 10 {
            buffer.append(UInt8(truncatingIfNeeded: value) + 0x30)
            return
        }
        var digits:
            (
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8
            ) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = value
        var count = 0
        withUnsafeMutableBytes(of: &digits) { raw in
            while n > 0 {
                raw[count] = UInt8(truncatingIfNeeded: n % 10) + 0x30
                n /= 10
                count += 1
            }
            for i in stride(from: count - 1, through: 0, by: -1) { buffer.append(raw[i]) }
        }
    }
}
