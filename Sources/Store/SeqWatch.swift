import Synchronization

/// The newest event seq this instance knows of, from NOTIFY payloads (every instance's commits).
/// Unknown at start, while the listener is disconnected (other instances' commits go unheard),
/// and after it reconnected until a seq is learned again. This instance's own commits advance it
/// at once, so a client reads its own writes.
public final class SeqWatch: Sendable {
    private let latest = Atomic<Int64>(-1)
    private let heard = Atomic<Bool>(true)

    public init() {}

    public var known: Int64? {
        guard heard.load(ordering: .acquiring) else { return nil }
        let value = latest.load(ordering: .acquiring)
        return value >= 0 ? value : nil
    }

    /// A `tollgate_events` payload: the highest seq a transaction committed. Seqs are drawn in
    /// commit order, so the newest notification also covers any that were missed before it.
    public func observe(_ payload: String) {
        guard let seq = Int64(payload) else { return invalidate() }
        learned(seq)
    }

    /// A seq known to be committed (from a notification, or read by a request): the watch keeps the highest.
    public func learned(_ seq: Int64) {
        var current = latest.load(ordering: .relaxed)
        while seq > current {
            let (exchanged, original) = latest.compareExchange(expected: current, desired: seq, ordering: .acquiringAndReleasing)
            if exchanged { return }
            current = original
        }
    }

    /// The listener lost its connection: nothing is known until it listens again.
    public func suspend() { heard.store(false, ordering: .releasing) }

    /// The listener listens again (notifications may have been missed): start afresh.
    public func invalidate() {
        latest.store(-1, ordering: .releasing)
        heard.store(true, ordering: .releasing)
    }
}
