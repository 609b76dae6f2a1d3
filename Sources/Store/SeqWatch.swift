import Synchronization

/// The newest event seq this instance knows of, from NOTIFY payloads (every instance's commits).
/// -1 while unknown (at start, and after the listener reconnected: notifications may be lost).
/// This instance's own commits advance it at once, so a client reads its own writes.
public final class SeqWatch: Sendable {
    private let latest = Atomic<Int64>(-1)

    public init() {}

    public var known: Int64? {
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

    public func invalidate() { latest.store(-1, ordering: .releasing) }
}
