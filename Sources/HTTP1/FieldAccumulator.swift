/// Collects a head's fields and the raw facts framing depends on, counted before they are interpreted.
struct FieldAccumulator: Sendable {
    private(set) var count = 0
    private var headers: [HTTPHeaders.Field] = []
    private var contentLengthLines = 0
    private var contentLength: Int?
    private var contentLengthError: HTTPParseError?
    private var transferEncodingLines = 0
    /// Transfer codings in order, lowercased, empty list elements dropped.
    private var transferCodings: [[UInt8]] = []
    private var hostLines = 0
    private var hostValid = true
    private var connectionClose = false
    private var connectionKeepAlive = false
    private var expectContinue = false
    private var expectUnsupported = false

    /// Adds one field line; returns the error if the line is invalid.
    mutating func add(_ line: ArraySlice<UInt8>) -> HTTPParseError? {
        let name: ArraySlice<UInt8>, value: ArraySlice<UInt8>
        switch FieldLine.split(line) {
        case .failure(let error): return error
        case .success(let parts): (name, value) = parts
        }
        count += 1
        if headers.isEmpty { headers.reserveCapacity(8) }  // one allocation for a usual head, not one per doubling
        switch name.count {
        case 4 where ASCII.equalsLowercase(name, "host"):
            hostLines += 1
            hostValid = hostValid && HostValidation.isValid(value)
        case 6 where ASCII.equalsLowercase(name, "expect"):
            if ASCII.equalsLowercase(value, "100-continue") { expectContinue = true } else { expectUnsupported = true }
        case 10 where ASCII.equalsLowercase(name, "connection"):
            for token in Self.listElements(value) {
                if ASCII.equalsLowercase(token, "close") { connectionClose = true }
                if ASCII.equalsLowercase(token, "keep-alive") { connectionKeepAlive = true }
            }
        case 14 where ASCII.equalsLowercase(name, "content-length"):
            contentLengthLines += 1
            switch Self.parseContentLength(value) {
            case .success(let length): contentLength = length
            case .failure(let error): contentLengthError = contentLengthError ?? error
            }
        case 17 where ASCII.equalsLowercase(name, "transfer-encoding"):
            transferEncodingLines += 1
            for element in Self.listElements(value) {
                transferCodings.append(element.map(ASCII.lower))
            }
        default:
            break
        }
        headers.append((String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self)))
        return nil
    }

    /// Applies Host, framing and Expect rules and builds the head.
    func finish(_ line: RequestLine, limits: HTTP1Limits) -> HeadParser.Step {
        if line.version == .http1_1 && hostLines != 1 { return .failed(.bad("HTTP/1.1 needs exactly one Host")) }
        if hostLines > 1 || !hostValid { return .failed(.bad("invalid Host")) }

        let framing: BodyFraming
        if transferEncodingLines > 0 {
            if line.version == .http1_0 { return .failed(.bad("Transfer-Encoding in HTTP/1.0")) }
            if contentLengthLines > 0 { return .failed(.bad("both Content-Length and Transfer-Encoding")) }
            if transferCodings.isEmpty { return .failed(.bad("empty Transfer-Encoding")) }
            let chunked = Array("chunked".utf8)
            let chunkedCount = transferCodings.reduce(0) { $0 + ($1 == chunked ? 1 : 0) }
            if chunkedCount > 1 { return .failed(.bad("chunked applied more than once")) }
            if chunkedCount == 1 && transferCodings.last != chunked { return .failed(.bad("chunked is not the final coding")) }
            if chunkedCount == 0 || transferCodings.count > 1 {
                return .failed(HTTPParseError(.notImplemented, "transfer coding not implemented"))
            }
            framing = .chunked
        } else if contentLengthLines > 0 {
            if contentLengthLines > 1 { return .failed(.bad("more than one Content-Length")) }
            if let contentLengthError { return .failed(contentLengthError) }
            let length = contentLength ?? 0
            if length > limits.maxBodyBytes {
                return .failed(HTTPParseError(.payloadTooLarge, "body larger than \(limits.maxBodyBytes) bytes"))
            }
            framing = length == 0 ? .none : .contentLength(length)
        } else {
            framing = .none
        }
        if expectUnsupported { return .failed(HTTPParseError(.expectationFailed, "only 100-continue is supported")) }

        let keepAlive = line.version == .http1_1 ? !connectionClose : (connectionKeepAlive && !connectionClose)
        let head = RequestHead(
            method: line.method, target: line.target, path: line.path, query: line.query, authority: line.authority,
            version: line.version,
            headers: HTTPHeaders(headers), keepAlive: keepAlive,
            expectsContinue: expectContinue && line.version == .http1_1 && framing.hasBody, framing: framing)
        return .complete(head)
    }

    /// Content-Length = 1*DIGIT, one value only (a list, even of equal values, is refused), no overflow.
    static func parseContentLength(_ value: ArraySlice<UInt8>) -> Result<Int, HTTPParseError> {
        guard !value.isEmpty else { return .failure(.bad("empty Content-Length")) }
        var result = 0
        for b in value {
            guard ASCII.isDigit(b) else { return .failure(.bad("invalid Content-Length")) }
            let (times, o1) = result.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(Int(b - 0x30))
            if o1 || o2 { return .failure(.bad("Content-Length overflows")) }
            result = sum
        }
        return .success(result)
    }

    /// The non-empty elements of a comma-separated list, trimmed of OWS (RFC 9110 section 5.6.1).
    static func listElements(_ value: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        value.split(separator: ASCII.comma, omittingEmptySubsequences: false).compactMap { element in
            var s = element.startIndex, e = element.endIndex
            while s < e, ASCII.isOWS(element[s]) { s += 1 }
            while e > s, ASCII.isOWS(element[e - 1]) { e -= 1 }
            return s < e ? element[s..<e] : nil
        }
    }
}
