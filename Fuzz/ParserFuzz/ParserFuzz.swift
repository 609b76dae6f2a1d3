// libFuzzer entry for the HTTP/1 request parser. Built by scripts/fuzz-parser.sh together with the sources
// of Sources/HTTP1 into one module, so it sees the same code the server runs, internal symbols included.
//
// Each input is fed to `HTTP1Connection` whole, split into two reads at an offset derived from the data, and
// (when short) one byte per read, under the default limits and under tight ones that the fuzzer can reach.
// Any broken invariant traps, which libFuzzer reports as a crash and saves the input.

/// Limits small enough for fuzz-sized inputs to cross every one of them.
let tightLimits: HTTP1Limits = {
    var limits = HTTP1Limits()
    limits.maxTargetBytes = 48
    limits.maxFieldLineBytes = 96
    limits.maxHeadBytes = 384
    limits.maxFieldCount = 6
    limits.maxBodyBytes = 40
    limits.maxChunkLineBytes = 24
    limits.maxRequestsPerConnection = 3
    return limits
}()

/// What one feeding produced, in a form that two feedings can be compared by.
struct Transcript: Equatable {
    enum Entry: Equatable {
        case request(head: [String], body: [UInt8])
        case sendContinue
        case fail(HTTPParseError)
    }
    var entries: [Entry] = []
    var isClosed = false
    var isIdle = false
    var isReadingHead = false
    var isReadingBody = false
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    for limits in [HTTP1Limits(), tightLimits] {
        let whole = feed(input, in: [size], limits: limits)
        // A split point that the data itself chooses, so the fuzzer can steer it.
        let offset = size == 0 ? 0 : (Int(data[0]) &* 257 &+ Int(data[size - 1])) % (size + 1)
        let split = feed(input, in: [offset, size - offset], limits: limits)
        checkSame(whole, split, "two reads split at \(offset)")
        if size <= 512 {
            let bytewise = feed(input, in: [Int](repeating: 1, count: size), limits: limits)
            checkSame(whole, bytewise, "one byte per read")
        }
    }
    return 0
}

/// Feeds `input` in reads of the given lengths and checks the invariants that hold for any feeding.
func feed(_ input: UnsafeRawBufferPointer, in lengths: [Int], limits: HTTP1Limits) -> Transcript {
    var connection = HTTP1Connection(limits: limits)
    var transcript = Transcript()
    var start = 0
    for length in lengths {
        let read = UnsafeRawBufferPointer(rebasing: input[start..<(start + length)])
        start += length
        let wasClosed = connection.isClosed
        var actions: [HTTP1Connection.Action] = []
        connection.receive(read, into: &actions)
        check(!wasClosed || actions.isEmpty, "actions after the connection closed")
        for (index, action) in actions.enumerated() {
            let isLast = index == actions.count - 1
            switch action {
            case .request(let request):
                check(request.body.count <= limits.maxBodyBytes, "body over the limit")
                switch request.head.framing {
                case .none: check(request.body.isEmpty, "body without framing")
                case .contentLength(let length): check(request.body.count == length, "body differs from Content-Length")
                case .chunked: break
                }
                check(request.head.keepAlive || isLast, "a request after one without keep-alive")
                check(request.head.version == .http1_1 || !request.head.expectsContinue, "100-continue for HTTP/1.0")
                let head =
                    [
                        request.head.method.rawValue, request.head.target, request.head.path,
                        request.head.query ?? "-", "\(request.head.version)", "\(request.head.keepAlive)",
                        "\(request.head.expectsContinue)", "\(request.head.framing)",
                    ]
                    + request.head.headers.flatMap { [$0.name, $0.value] }
                transcript.entries.append(.request(head: head, body: request.body))
            case .sendContinue:
                transcript.entries.append(.sendContinue)
            case .fail(let error):
                check(isLast, "an action after a failure")
                check(error.status.code >= 400 && error.status.code < 600, "failure without an error status")
                transcript.entries.append(.fail(error))
            }
        }
        if case .fail = actions.last { check(connection.isClosed, "not closed after a failure") }
    }
    transcript.isClosed = connection.isClosed
    transcript.isIdle = connection.isIdle
    transcript.isReadingHead = connection.isReadingHead
    transcript.isReadingBody = connection.isReadingBody
    check(!(transcript.isReadingHead && transcript.isReadingBody), "reading head and body at once")

    // Once closed, the connection ignores whatever else arrives.
    if connection.isClosed {
        var actions: [HTTP1Connection.Action] = []
        let more: [UInt8] = Array("GET / HTTP/1.1\r\nHost: a\r\n\r\n".utf8)
        more.withUnsafeBytes { connection.receive($0, into: &actions) }
        check(actions.isEmpty, "actions after close")
    }
    return transcript
}

func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError("invariant broken: \(message())") }
}

// (Kept apart from `check`: optional `Transcript` parameters there crash the 6.3.1 optimizer's ownership verifier.)
func checkSame(_ whole: Transcript, _ other: Transcript, _ regime: String) {
    if whole != other { fatalError("invariant broken: \(regime) differs from one read\n  one read: \(whole)\n  \(regime): \(other)") }
}
