/// Reads a request head byte by byte: strict CRLF lines, limits checked as bytes arrive,
/// and the framing rules of RFC 9112 section 6 applied when the head is complete.
struct HeadParser: Sendable {
    enum Step {
        case more
        case complete(RequestHead)
        case failed(HTTPParseError)
    }

    let limits: HTTP1Limits
    private var line: [UInt8] = []
    private var sawCR = false
    private var headBytes = 0
    private var requestLine: RequestLine?
    private var fields = FieldAccumulator()

    init(limits: HTTP1Limits) {
        self.limits = limits
        line.reserveCapacity(256)
    }

    /// True once any byte of the request line (not a leading empty line) has arrived.
    var hasStarted: Bool { requestLine != nil || !line.isEmpty || sawCR }

    mutating func reset() {
        line.removeAll(keepingCapacity: true)
        sawCR = false
        headBytes = 0
        requestLine = nil
        fields = FieldAccumulator()
    }

    /// Consumes `input` from `index` until the head is complete, fails, or the input ends; `index`
    /// is left after the last byte consumed. Runs of bytes between line ends are copied and checked
    /// against the limits in one go, with the same outcome as one byte at a time.
    mutating func consume(_ input: UnsafeRawBufferPointer, at index: inout Int) -> Step {
        while index < input.count {
            if !sawCR {
                var end = index
                while end + 8 <= input.count {
                    let word = input.loadUnaligned(fromByteOffset: end, as: UInt64.self)
                    if Word.has(word, ASCII.cr) || Word.has(word, ASCII.lf) { break }
                    end += 8
                }
                while end < input.count, input[end] != ASCII.cr, input[end] != ASCII.lf { end += 1 }
                if end > index {
                    let run = UnsafeRawBufferPointer(rebasing: input[index..<end])
                    index = end
                    if let error = append(run) { return .failed(error) }
                    continue
                }
            }
            let step = consume(input[index])
            index += 1
            guard case .more = step else { return step }
        }
        return .more
    }

    /// Adds bytes that hold no CR or LF to the line. The byte-at-a-time checks come in this order:
    /// the line's limit, then the head's; the first byte over either fails, the line's on a tie.
    private mutating func append(_ run: UnsafeRawBufferPointer) -> HTTPParseError? {
        let roomInLine = (requestLine == nil ? limits.maxTargetBytes + 32 : limits.maxFieldLineBytes) - line.count
        let roomInHead = limits.maxHeadBytes - headBytes
        if run.count > roomInLine || run.count > roomInHead {
            if roomInLine <= roomInHead {
                return requestLine == nil
                    ? HTTPParseError(.uriTooLong, "request-target longer than \(limits.maxTargetBytes) bytes")
                    : HTTPParseError(.requestHeaderFieldsTooLarge, "field line longer than \(limits.maxFieldLineBytes) bytes")
            }
            return HTTPParseError(.requestHeaderFieldsTooLarge, "head larger than \(limits.maxHeadBytes) bytes")
        }
        line.append(contentsOf: run)
        headBytes += run.count
        return nil
    }

    @inline(__always)
    mutating func consume(_ byte: UInt8) -> Step {
        if sawCR {
            guard byte == ASCII.lf else { return .failed(.bad("bare CR in head")) }
            sawCR = false
            return endOfLine()
        }
        if byte == ASCII.cr {
            sawCR = true
            return .more
        }
        if byte == ASCII.lf { return .failed(.bad("bare LF in head")) }
        line.append(byte)
        headBytes += 1
        if requestLine == nil {
            // Request line: method (short) + SP + target + SP + version (8).
            if line.count > limits.maxTargetBytes + 32 {
                return .failed(HTTPParseError(.uriTooLong, "request-target longer than \(limits.maxTargetBytes) bytes"))
            }
        } else if line.count > limits.maxFieldLineBytes {
            return .failed(HTTPParseError(.requestHeaderFieldsTooLarge, "field line longer than \(limits.maxFieldLineBytes) bytes"))
        }
        if headBytes > limits.maxHeadBytes {
            return .failed(HTTPParseError(.requestHeaderFieldsTooLarge, "head larger than \(limits.maxHeadBytes) bytes"))
        }
        return .more
    }

    private mutating func endOfLine() -> Step {
        headBytes += 2
        defer { line.removeAll(keepingCapacity: true) }
        guard let requestLine else {
            // Empty lines before the request line are ignored (RFC 9112 section 2.2); they still count toward
            // the head limit, so that an endless stream of CRLF cannot hold the connection without a request.
            if line.isEmpty {
                guard headBytes <= limits.maxHeadBytes else {
                    return .failed(HTTPParseError(.requestHeaderFieldsTooLarge, "too many empty lines before the request"))
                }
                return .more
            }
            switch RequestLine.parse(line[...], limits: limits) {
            case .failure(let error): return .failed(error)
            case .success(let parsed):
                self.requestLine = parsed
                return .more
            }
        }
        if line.isEmpty {
            return fields.finish(requestLine, limits: limits)
        }
        if fields.count >= limits.maxFieldCount {
            return .failed(HTTPParseError(.requestHeaderFieldsTooLarge, "more than \(limits.maxFieldCount) fields"))
        }
        if let error = fields.add(line[...]) { return .failed(error) }
        return .more
    }
}

/// The parsed request line.
struct RequestLine: Sendable {
    var method: HTTPMethod
    var target: String
    var path: String
    var query: String?
    var version: HTTPVersion
    /// The authority of an absolute-form target.
    var authority: String?

    /// request-line = method SP request-target SP HTTP-version, with exactly one SP each.
    static func parse(_ bytes: ArraySlice<UInt8>, limits: HTTP1Limits) -> Result<RequestLine, HTTPParseError> {
        bytes.withUnsafeBytes { parse($0, limits: limits) }
    }

    /// Works on the bytes throughout (this runs for every request); Strings are made once, at the end.
    private static func parse(_ bytes: UnsafeRawBufferPointer, limits: HTTP1Limits) -> Result<RequestLine, HTTPParseError> {
        var i = 0
        let end = bytes.count
        while i < end, ASCII.isTchar(bytes[i]) { i += 1 }
        let methodEnd = i
        guard methodEnd > 0, i < end, bytes[i] == ASCII.sp else { return .failure(.bad("malformed request line")) }
        i += 1
        let targetStart = i
        while i < end, bytes[i] != ASCII.sp {
            guard ASCII.isTargetByte(bytes[i]) else { return .failure(.bad("invalid byte in request-target")) }
            i += 1
        }
        let targetEnd = i
        guard targetEnd > targetStart, i < end else { return .failure(.bad("malformed request line")) }
        let version: HTTPVersion
        switch parseVersion(UnsafeRawBufferPointer(rebasing: bytes[(i + 1)...])) {
        case .failure(let error): return .failure(error)
        case .success(let v): version = v
        }
        guard targetEnd - targetStart <= limits.maxTargetBytes else {
            return .failure(HTTPParseError(.uriTooLong, "request-target longer than \(limits.maxTargetBytes) bytes"))
        }
        guard let method = HTTPMethod(bytes: UnsafeRawBufferPointer(rebasing: bytes[..<methodEnd])) else {
            return .failure(HTTPParseError(.notImplemented, "method not implemented"))
        }
        let target = UnsafeRawBufferPointer(rebasing: bytes[targetStart..<targetEnd])
        let text = String(decoding: target, as: UTF8.self)  // visible ASCII only, checked above
        var pathStart = 0
        var authority: String?
        if target[0] == ASCII.slash {
            // origin-form, the usual case
        } else if target.count == 1, target[0] == UInt8(ascii: "*") {
            guard method == .options else { return .failure(.bad("asterisk-form is only for OPTIONS")) }
            return .success(RequestLine(method: method, target: text, path: "*", query: nil, version: version))
        } else if let schemeEnd = absoluteFormSchemeEnd(target) {
            var authorityEnd = schemeEnd
            while authorityEnd < target.count, target[authorityEnd] != ASCII.slash, target[authorityEnd] != UInt8(ascii: "?") {
                authorityEnd += 1
            }
            let authorityBytes = UnsafeRawBufferPointer(rebasing: target[schemeEnd..<authorityEnd])
            guard HostValidation.isValid(authorityBytes) else { return .failure(.bad("invalid authority in absolute-form target")) }
            authority = String(decoding: authorityBytes, as: UTF8.self)
            pathStart = authorityEnd
        } else {
            return .failure(.bad("invalid request-target"))
        }
        var pathEnd = pathStart
        while pathEnd < target.count, target[pathEnd] != UInt8(ascii: "?") { pathEnd += 1 }
        let query = pathEnd < target.count ? String(decoding: target[(pathEnd + 1)...], as: UTF8.self) : nil
        let path: String
        if pathStart == 0 && pathEnd == target.count {
            path = text  // no query: the path is the whole target, one String for both
        } else if pathStart == pathEnd {
            path = "/"  // an absolute-form target with no path
        } else {
            path = String(decoding: target[pathStart..<pathEnd], as: UTF8.self)
        }
        return .success(RequestLine(method: method, target: text, path: path, query: query, version: version, authority: authority))
    }

    /// Where the authority of an `http://` or `https://` target (scheme in any case) starts.
    private static func absoluteFormSchemeEnd(_ target: UnsafeRawBufferPointer) -> Int? {
        if ASCII.startsWithLowercase(target, "http://") { return 7 }
        if ASCII.startsWithLowercase(target, "https://") { return 8 }
        return nil
    }

    /// HTTP-version = "HTTP/" DIGIT "." DIGIT. 1.0 and 1.1 are served; 1.x (x > 1) as 1.1;
    /// 2.x to 9.x answer 505; anything else is malformed.
    private static func parseVersion(_ bytes: UnsafeRawBufferPointer) -> Result<HTTPVersion, HTTPParseError> {
        guard bytes.count == 8, ASCII.equalsLiteral(UnsafeRawBufferPointer(rebasing: bytes[..<5]), "HTTP/") else {
            return .failure(.bad("malformed HTTP version"))
        }
        let major = bytes[5], dot = bytes[6], minor = bytes[7]
        guard ASCII.isDigit(major), dot == UInt8(ascii: "."), ASCII.isDigit(minor) else {
            return .failure(.bad("malformed HTTP version"))
        }
        switch major {
        case UInt8(ascii: "1"): return .success(minor == UInt8(ascii: "0") ? .http1_0 : .http1_1)
        case UInt8(ascii: "0"): return .failure(.bad("malformed HTTP version"))
        default: return .failure(HTTPParseError(.httpVersionNotSupported, "HTTP version not supported"))
        }
    }
}
