@testable import HTTP1

/// A request as the application saw it.
struct SeenRequest: Equatable, Sendable, CustomStringConvertible {
    var method: HTTPMethod
    var target: String
    var path: String
    var body: [UInt8]

    var description: String { "\(method.rawValue) \(target) body=\(String(decoding: body, as: UTF8.self).debugDescription)" }
}

/// What happened on one simulated connection, in order.
enum ConnectionEvent: Equatable, Sendable {
    /// `HTTP/1.1 100 Continue` was written.
    case interimContinue
    /// A request reached the application and got a final response with this status.
    case served(SeenRequest, status: Int)
    /// The parser refused the input; an error response with `Connection: close` was written.
    case refused(HTTPParseError)
}

/// Where the connection stands once the input is exhausted.
enum ConnectionState: Equatable, Sendable {
    case closed
    case idle
    case readingHead
    case readingBody
}

/// Everything a client could observe, plus what the application saw. Two regimes agree when these are equal.
struct Outcome: Equatable, Sendable {
    var events: [ConnectionEvent] = []
    var state: ConnectionState = .idle
    /// The bytes written back: every response has an empty body, so each ends at its blank line.
    var wire: [UInt8] = []
    /// Actions the machine produced after the connection was closed: must stay zero.
    var actionsAfterClose = 0

    /// Statuses of the final (non-1xx) responses, in order.
    var finalStatuses: [Int] {
        events.compactMap { event in
            switch event {
            case .interimContinue: nil
            case .served(_, let status): status
            case .refused(let error): error.status.code
            }
        }
    }

    var continues: Int { events.filter { $0 == .interimContinue }.count }

    var served: [SeenRequest] {
        events.compactMap { if case .served(let request, _) = $0 { request } else { nil } }
    }

    /// The heads of the responses on the wire, split at their blank lines.
    var responseHeads: [String] {
        var heads: [String] = []
        var start = 0
        var i = 0
        while i + 3 < wire.count {
            if wire[i] == 0x0D, wire[i + 1] == 0x0A, wire[i + 2] == 0x0D, wire[i + 3] == 0x0A {
                heads.append(String(decoding: wire[start..<i], as: UTF8.self))
                i += 4
                start = i
            } else {
                i += 1
            }
        }
        return heads
    }

    /// Status lines of final responses on the wire: the "nR" of the reference is this count.
    var finalStatusLineCount: Int {
        responseHeads.filter { $0.hasPrefix("HTTP/1.1 ") && !$0.hasPrefix("HTTP/1.1 1") }.count
    }
}

/// A minimal server around the pure `HTTP1Connection`, as the socket layer would drive it.
///
/// Each request gets one final response (200, or 204 for OPTIONS) with an empty body; each failure gets one
/// response with the error's status and `Connection: close`. After a request without keep-alive, or after a
/// failure, the connection is closed and nothing further counts.
struct SimulatedServer {
    private var connection = HTTP1Connection()
    private(set) var outcome = Outcome()
    private var closed = false
    private static let date = ArraySlice("Thu, 01 Jan 2026 00:00:00 GMT".utf8)

    init(limits: HTTP1Limits = HTTP1Limits()) {
        connection = HTTP1Connection(limits: limits)
    }

    /// One `read` from the socket.
    mutating func receive(_ bytes: UnsafeRawBufferPointer) {
        var actions: [HTTP1Connection.Action] = []
        connection.receive(bytes, into: &actions)
        for action in actions {
            guard !closed else {
                outcome.actionsAfterClose += 1
                continue
            }
            switch action {
            case .sendContinue:
                outcome.events.append(.interimContinue)
                outcome.wire.append(contentsOf: ResponseWriter.continueResponse)
            case .request(let request):
                let status: HTTPStatus = request.method == .options ? .noContent : .ok
                let seen = SeenRequest(
                    method: request.method, target: request.head.target, path: request.path, body: request.body)
                outcome.events.append(.served(seen, status: status.code))
                write(Response(status: status), isHead: request.method == .head, keepAlive: request.head.keepAlive)
                if !request.head.keepAlive { closed = true }
            case .fail(let error):
                outcome.events.append(.refused(error))
                write(Response(status: error.status), isHead: false, keepAlive: false)
                closed = true
            }
        }
    }

    /// The outcome once the client has nothing more to send.
    mutating func finish() -> Outcome {
        if closed || connection.isClosed {
            outcome.state = .closed
        } else if connection.isReadingBody {
            outcome.state = .readingBody
        } else if connection.isReadingHead {
            outcome.state = .readingHead
        } else {
            outcome.state = .idle
        }
        return outcome
    }

    private mutating func write(_ response: Response, isHead: Bool, keepAlive: Bool) {
        let id = "t\(outcome.events.count)"
        ResponseWriter.write(
            response, isHead: isHead, keepAlive: keepAlive, date: Self.date, requestID: id, into: &outcome.wire)
    }
}

/// How the client's bytes are cut into reads (HTTP-REFERENCE.md section 1.2, item 7).
enum Regime: Sendable, CustomStringConvertible {
    case whole
    case bytewise
    case split(at: Int)

    var description: String {
        switch self {
        case .whole: "whole input in one read"
        case .bytewise: "one byte per read"
        case .split(let offset): "two reads split at offset \(offset)"
        }
    }

    /// Runs `input` through a fresh simulated server in this regime.
    func run(_ input: [UInt8], limits: HTTP1Limits = HTTP1Limits()) -> Outcome {
        var server = SimulatedServer(limits: limits)
        input.withUnsafeBytes { all in
            switch self {
            case .whole:
                server.receive(all)
            case .bytewise:
                for i in 0..<all.count { server.receive(UnsafeRawBufferPointer(rebasing: all[i..<(i + 1)])) }
            case .split(let offset):
                server.receive(UnsafeRawBufferPointer(rebasing: all[..<offset]))
                server.receive(UnsafeRawBufferPointer(rebasing: all[offset...]))
            }
        }
        return server.finish()
    }
}
