import Testing

@testable import HTTP1

/// A request the application is expected to see.
struct ExpectedRequest: Sendable {
    var method: HTTPMethod
    var target: String
    var path: String?
    var body: [UInt8]?

    /// `path` defaults to the target; `body` is checked only when given.
    init(_ method: HTTPMethod, _ target: String, path: String? = nil, body: String? = nil) {
        self.method = method
        self.target = target
        self.path = path
        self.body = body.map { Array($0.utf8) }
    }

    init(_ method: HTTPMethod, _ target: String, bodyBytes: [UInt8]) {
        self.init(method, target)
        body = bodyBytes
    }

    func matches(_ seen: SeenRequest) -> Bool {
        seen.method == method && seen.target == target && seen.path == (path ?? target)
            && (body == nil || seen.body == body)
    }
}

/// The expected outcome of one vector.
struct Expected: Sendable {
    /// Final response statuses in order; their count is the reference's "nR".
    var statuses: [Int]
    /// How the connection stands after the input.
    var then: ConnectionState
    /// The requests the application saw, when the vector is about them.
    var requests: [ExpectedRequest]?
    /// `100 Continue` responses written.
    var continues = 0

    /// One error response, then close (the reference's "status+C, 1R").
    static func refused(_ status: Int) -> Expected { Expected(statuses: [status], then: .closed, requests: []) }

    /// Each request answered in order, the connection still open for more.
    static func served(_ requests: ExpectedRequest..., then: ConnectionState = .idle) -> Expected {
        Expected(statuses: requests.map { $0.method == .options ? 204 : 200 }, then: then, requests: requests)
    }

    /// Each request answered in order, then the bytes after them refused with `status`, then close.
    static func served(_ requests: ExpectedRequest..., thenRefused status: Int) -> Expected {
        Expected(statuses: requests.map { _ in 200 } + [status], then: .closed, requests: requests)
    }
}

/// One row of a vector table: a label for the variant, the exact bytes, and the expected outcome.
struct Vector: Sendable, CustomTestStringConvertible {
    var label: String
    var bytes: [UInt8]
    var expected: Expected

    /// `escaped` is in the reference's C-escaped notation (see `wire`).
    init(_ label: String, _ escaped: String, _ expected: Expected) {
        self.init(label, bytes: wire(escaped), expected)
    }

    init(_ label: String, bytes: [UInt8], _ expected: Expected) {
        self.label = label
        self.bytes = bytes
        self.expected = expected
    }

    var testDescription: String { label }
}

/// Which split points the two-read regime tries.
struct SplitPoints: Sendable {
    /// Every offset in these ranges (clamped to the input)...
    var dense: [Range<Int>]
    /// ...and every `stride`-th offset elsewhere.
    var stride: Int

    /// Every offset from 0 to the input's length: the default.
    static let every = SplitPoints(dense: [0..<Int.max], stride: 1)

    /// For inputs of tens of kilobytes: every offset near the start and around `boundaries` (where the parser
    /// decides), a sample elsewhere. A debug build would otherwise spend minutes on one vector.
    static func around(_ boundaries: Int..., width: Int = 96, stride: Int = 257) -> SplitPoints {
        SplitPoints(dense: [0..<width] + boundaries.map { max(0, $0 - width)..<($0 + width) }, stride: stride)
    }

    func offsets(upTo count: Int) -> [Int] {
        (0...count).filter { offset in
            offset == count || offset % stride == 0 || dense.contains { $0.contains(offset) }
        }
    }
}

/// Runs `vector` whole, one byte per read and split into two reads at every offset; all must agree, and the
/// outcome must match the expectation.
func verify(
    _ vector: Vector, limits: HTTP1Limits = HTTP1Limits(), splits: SplitPoints = .every,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let whole = Regime.whole.run(vector.bytes, limits: limits)
    expectOutcome(whole, vector.expected, vector.label, sourceLocation: sourceLocation)

    let bytewise = Regime.bytewise.run(vector.bytes, limits: limits)
    #expect(bytewise == whole, "\(vector.label): one byte per read differs from one read", sourceLocation: sourceLocation)

    for offset in splits.offsets(upTo: vector.bytes.count) {
        let split = Regime.split(at: offset).run(vector.bytes, limits: limits)
        if split != whole {
            Issue.record(
                "\(vector.label): split at \(offset) gives \(split.events), one read gives \(whole.events)",
                sourceLocation: sourceLocation)
            return
        }
    }
}

/// Checks one outcome against the expectation.
func expectOutcome(
    _ outcome: Outcome, _ expected: Expected, _ label: String, sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(outcome.finalStatuses == expected.statuses, "\(label): statuses", sourceLocation: sourceLocation)
    #expect(
        outcome.finalStatusLineCount == expected.statuses.count, "\(label): status lines on the wire",
        sourceLocation: sourceLocation)
    #expect(outcome.state == expected.then, "\(label): connection state", sourceLocation: sourceLocation)
    #expect(outcome.continues == expected.continues, "\(label): 100 Continue count", sourceLocation: sourceLocation)
    #expect(outcome.actionsAfterClose == 0, "\(label): actions after close", sourceLocation: sourceLocation)
    if outcome.state == .closed, let last = outcome.responseHeads.last {
        #expect(last.contains("\r\nConnection: close"), "\(label): last response closes", sourceLocation: sourceLocation)
    }
    if let requests = expected.requests {
        let seen = outcome.served
        let same = seen.count == requests.count && zip(requests, seen).allSatisfy { $0.matches($1) }
        #expect(same, "\(label): application saw \(seen)", sourceLocation: sourceLocation)
    }
}
