/// A strict RFC 9112 request parser: a pure state machine over bytes, with no I/O inside.
///
/// Feed it whatever bytes arrived, in any split; it returns one event at a time together with the
/// number of bytes it consumed. After an `.error` it stays failed: the caller answers once and closes,
/// and never interprets the bytes that follow.
public struct RequestParser: Sendable {
    public enum Event: Sendable {
        /// A complete, validated request head. Body events follow when `framing.hasBody`.
        case head(RequestHead)
        /// Body bytes: this range of the input buffer passed to `parse`.
        case body(Range<Int>)
        /// The request (head and body) is complete; the parser is ready for the next one.
        case end
        /// The input can never be a valid request. The parser stays in this state.
        case error(HTTPParseError)
        /// Every byte was consumed and more input is needed.
        case needMoreData
    }

    enum State: Sendable {
        case head
        case fixedBody(remaining: Int)
        case chunkLine
        case chunkData(remaining: Int)
        case chunkDataCR
        case chunkDataLF
        case trailers
        case failed(HTTPParseError)
    }

    public let limits: HTTP1Limits
    var state: State = .head
    var head: HeadParser
    /// The current chunk-size line, or trailer line, without its CRLF.
    var line: [UInt8] = []
    var lineSawCR = false
    var chunkedBodyBytes = 0
    var trailerBytes = 0

    public init(limits: HTTP1Limits = HTTP1Limits()) {
        self.limits = limits
        self.head = HeadParser(limits: limits)
    }

    /// True while part of a request head has arrived but not all of it.
    public var isInsideHead: Bool {
        if case .head = state { return head.hasStarted }
        return false
    }

    /// True while a body (or its trailers) is being read.
    public var isInsideBody: Bool {
        switch state {
        case .head, .failed: false
        default: true
        }
    }

    public var hasFailed: Bool {
        if case .failed = state { return true }
        return false
    }

    /// Parses from `input` and returns the next event and how many bytes of `input` it consumed.
    public mutating func parse(_ input: UnsafeRawBufferPointer) -> (event: Event, consumed: Int) {
        var index = 0
        let count = input.count
        while true {
            switch state {
            case .failed(let error):
                return (.error(error), count)

            case .head:
                switch head.consume(input, at: &index) {
                case .more:
                    return (.needMoreData, index)
                case .failed(let error):
                    return fail(error, consumed: count)
                case .complete(let requestHead):
                    head.reset()
                    switch requestHead.framing {
                    case .none:
                        state = .fixedBody(remaining: 0)  // `.end` follows on the next call
                    case .contentLength(let length):
                        state = .fixedBody(remaining: length)
                    case .chunked:
                        state = .chunkLine
                        line.removeAll(keepingCapacity: true)
                        lineSawCR = false
                        chunkedBodyBytes = 0
                        trailerBytes = 0
                    }
                    return (.head(requestHead), index)
                }

            case .fixedBody(let remaining):
                if remaining == 0 {
                    state = .head
                    return (.end, index)
                }
                let take = min(remaining, count - index)
                if take == 0 { return (.needMoreData, index) }
                state = .fixedBody(remaining: remaining - take)
                return (.body(index..<(index + take)), index + take)

            case .chunkData(let remaining):
                let take = min(remaining, count - index)
                if take == 0 { return (.needMoreData, index) }
                state = remaining - take == 0 ? .chunkDataCR : .chunkData(remaining: remaining - take)
                return (.body(index..<(index + take)), index + take)

            case .chunkDataCR:
                guard index < count else { return (.needMoreData, index) }
                guard input[index] == ASCII.cr else { return fail(.bad("chunk data not followed by CRLF"), consumed: count) }
                index += 1
                state = .chunkDataLF

            case .chunkDataLF:
                guard index < count else { return (.needMoreData, index) }
                guard input[index] == ASCII.lf else { return fail(.bad("chunk data not followed by CRLF"), consumed: count) }
                index += 1
                state = .chunkLine

            case .chunkLine:
                switch readLine(input, &index, maxBytes: limits.maxChunkLineBytes, tooLong: .bad("chunk-size line too long")) {
                case .incomplete:
                    return (.needMoreData, index)
                case .failed(let error):
                    return fail(error, consumed: count)
                case .complete:
                    let size: Int
                    switch ChunkLine.parseSize(line) {
                    case .failure(let error): return fail(error, consumed: count)
                    case .success(let value): size = value
                    }
                    line.removeAll(keepingCapacity: true)
                    if size == 0 {
                        state = .trailers
                        continue
                    }
                    guard size <= limits.maxBodyBytes - chunkedBodyBytes else {
                        return fail(HTTPParseError(.payloadTooLarge, "body larger than \(limits.maxBodyBytes) bytes"), consumed: count)
                    }
                    chunkedBodyBytes += size
                    state = .chunkData(remaining: size)
                }

            case .trailers:
                switch readLine(
                    input, &index, maxBytes: limits.maxFieldLineBytes,
                    tooLong: HTTPParseError(.requestHeaderFieldsTooLarge, "trailer field too long"))
                {
                case .incomplete:
                    return (.needMoreData, index)
                case .failed(let error):
                    return fail(error, consumed: count)
                case .complete:
                    if line.isEmpty {
                        state = .head
                        return (.end, index)
                    }
                    trailerBytes += line.count + 2
                    if trailerBytes > limits.maxHeadBytes {
                        return fail(HTTPParseError(.requestHeaderFieldsTooLarge, "trailers too large"), consumed: count)
                    }
                    // Trailers are checked like fields, then dropped: they never change framing, Host or auth.
                    if let error = FieldLine.validate(line[...]) { return fail(error, consumed: count) }
                    line.removeAll(keepingCapacity: true)
                }
            }
        }
    }

    private mutating func fail(_ error: HTTPParseError, consumed: Int) -> (event: Event, consumed: Int) {
        state = .failed(error)
        return (.error(error), consumed)
    }

    enum LineResult { case incomplete, complete, failed(HTTPParseError) }

    /// Reads one strict CRLF-terminated line into `line`: a bare CR or a bare LF is an error.
    private mutating func readLine(
        _ input: UnsafeRawBufferPointer, _ index: inout Int, maxBytes: Int, tooLong: HTTPParseError
    ) -> LineResult {
        while index < input.count {
            let byte = input[index]
            index += 1
            if lineSawCR {
                guard byte == ASCII.lf else { return .failed(.bad("bare CR")) }
                lineSawCR = false
                return .complete
            }
            if byte == ASCII.cr {
                lineSawCR = true
                continue
            }
            if byte == ASCII.lf { return .failed(.bad("bare LF")) }
            line.append(byte)
            if line.count > maxBytes { return .failed(tooLong) }
        }
        return .incomplete
    }
}
