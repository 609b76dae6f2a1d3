import Store
import Testing

/// What an instance knows of the newest event seq decides whether a cached summary may be served
/// without asking the database: it must know nothing while other instances' commits go unheard.
@Suite("SeqWatch")
struct SeqWatchTests {
    @Test("known only while heard: unknown after a disconnect, even as own commits are learned, until listening again")
    func knownOnlyWhileHeard() {
        let watch = SeqWatch()
        #expect(watch.known == nil)
        watch.observe("41")
        watch.learned(40)  // older than what was heard: kept at the highest
        #expect(watch.known == 41)
        watch.suspend()
        #expect(watch.known == nil)
        watch.learned(45)  // this instance's own commit, while another's may go unheard
        #expect(watch.known == nil)
        watch.invalidate()  // listening again, notifications may have been missed
        #expect(watch.known == nil)
        watch.learned(47)
        #expect(watch.known == 47)
        watch.observe("not a seq")
        #expect(watch.known == nil)
    }
}
