import HTTP1

/// One response slot per request, in request order; filled when its handler answers.
struct ResponseSlot {
    let seq: UInt64
    let method: HTTPMethod
    let keepAlive: Bool
    let http10KeepAlive: Bool
    let requestID: String
    var route: String
    let startedAt: UInt64
    var result: HandlerResult?
}

/// A client connection, owned by one event loop and touched only on its thread.
final class Connection {
    let fd: Int32
    let id: UInt64
    var machine: HTTP1Connection
    /// Responses not yet written, oldest first; `slots[i].seq == baseSeq + i`.
    var slots: [ResponseSlot] = []
    var baseSeq: UInt64 = 0
    var nextSeq: UInt64 = 0
    var out: [UInt8] = []
    var outOffset = 0

    /// Interest registered with epoll.
    var wantsRead = true
    var wantsWrite = false

    var headStartedAt: UInt64?
    var bodyStartedAt: UInt64?
    var bodyProgressAt: UInt64 = 0
    var idleSince: UInt64
    var writeProgressAt: UInt64 = 0

    /// Close (with a lingering close) once `out` is written.
    var closeAfterWrite = false
    var lingeringSince: UInt64?
    var peerClosed = false
    /// The seq of a request whose client waits for `100 Continue` behind earlier responses.
    var continueForSeq: UInt64?

    init(fd: Int32, id: UInt64, limits: HTTP1Limits, now: UInt64) {
        self.fd = fd
        self.id = id
        self.machine = HTTP1Connection(limits: limits)
        self.idleSince = now
    }

    var hasPendingOutput: Bool { outOffset < out.count }

    /// Nothing read, nothing owed: safe to close at once during shutdown or on idle timeout.
    var isIdle: Bool { slots.isEmpty && !hasPendingOutput && !machine.isReadingHead && !machine.isReadingBody && lingeringSince == nil }

    func slotIndex(for seq: UInt64) -> Int? {
        guard seq >= baseSeq else { return nil }
        let index = Int(seq - baseSeq)
        return index < slots.count ? index : nil
    }
}
