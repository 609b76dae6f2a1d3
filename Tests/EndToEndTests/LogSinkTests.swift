import Foundation
import Telemetry
import Testing

/// The log never stops the server: writing a line never waits on the reader of the log.
@Suite("Log sink")
struct LogSinkTests {
    @Test("a reader that does not read: writers never block; kept lines in order, dropped ones counted")
    func stuckReader() throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]) }
        let sink = LogSink(fileDescriptor: ends[1], maxBufferedBytes: 256 * 1024)
        let lines = 20_000  // 2 MB: far past the pipe's 64 KiB and the sink's 256 KiB
        let written = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            for i in 0..<lines {
                sink.write(line: Array(String(format: "{\"n\":%08d,\"pad\":\"%@\"}", i, String(repeating: "x", count: 80)).utf8))
            }
            written.signal()
        }
        #expect(written.wait(timeout: .now() + 20) == .success, "a write waited on the stuck reader")

        // Now read everything: the lines kept come out in order, each run of dropped lines
        // followed by a warning that counts them; kept and counted add up to every line written.
        _ = fcntl(ends[0], F_SETFL, fcntl(ends[0], F_GETFL) | O_NONBLOCK)
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        let deadline = Date().addingTimeInterval(20)
        var quietSince = Date()
        while Date() < deadline, Date().timeIntervalSince(quietSince) < 0.5 {  // 10 flush periods with nothing new
            let n = read(ends[0], &buffer, buffer.count)
            if n > 0 { received += buffer[0..<n]; quietSince = Date() } else { usleep(10_000) }
        }
        let text = String(decoding: received, as: UTF8.self).split(separator: "\n").map(String.init)
        let numbers = text.filter { $0.hasPrefix("{\"n\":") }.compactMap { Int($0.dropFirst(5).prefix(8)) }
        #expect(numbers == numbers.sorted() && Set(numbers).count == numbers.count, "kept lines in the order written")
        #expect(numbers.count > 1000 && numbers.count < lines)
        let notices = text.filter { $0.contains("log lines dropped") }
        let dropped = notices.compactMap { line in line.split(separator: ":").last.flatMap { Int($0.dropLast()) } }.reduce(0, +)
        #expect(!notices.isEmpty && numbers.count + dropped == lines, "every line written is either kept or counted")
        // The write end stays open: the sink's flusher outlives the test, and the descriptor's number
        // must not pass to another test's pipe while it could still write to it.
    }

    @Test("lines are written within moments without a flush, and all of them by flush()")
    func timely() throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]) }  // the write end stays open, as above
        let sink = LogSink(fileDescriptor: ends[1])
        sink.write(line: Array("{\"one\":1}".utf8))
        var buffer = [UInt8](repeating: 0, count: 256)
        var ready = pollfd(fd: ends[0], events: Int16(POLLIN), revents: 0)
        try #require(poll(&ready, 1, 5_000) == 1, "the background flush writes within 50 ms")
        let n = read(ends[0], &buffer, buffer.count)
        #expect(String(decoding: buffer[0..<max(n, 0)], as: UTF8.self) == "{\"one\":1}\n")
        sink.write(line: Array("{\"two\":2}".utf8))
        sink.flush()
        let m = read(ends[0], &buffer, buffer.count)
        #expect(String(decoding: buffer[0..<max(m, 0)], as: UTF8.self) == "{\"two\":2}\n")
    }
}

@Suite("Log sink at exit")
struct LogSinkExitTests {
    @Test("the final flush gives up on a reader that does not read, and reports it")
    func boundedFinalFlush() {
        signal(SIGPIPE, SIG_IGN)  // as the server does: the abandoned write ends with EPIPE, not the process
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        // Closing the read end makes the abandoned write fail with EPIPE. The write end stays open:
        // the sink's threads outlive the test, and its number must not go to another test's file.
        defer { close(ends[0]) }
        let sink = LogSink(fileDescriptor: ends[1])
        for i in 0..<2_000 { sink.write(line: Array("{\"n\":\(i),\"pad\":\"\(String(repeating: "x", count: 100))\"}".utf8)) }
        let start = ContinuousClock.now
        #expect(!sink.flush(waitingAtMost: 1))  // 200 KB cannot pass a 64 KiB pipe nobody reads
        #expect(ContinuousClock.now - start < .seconds(5))

        var quiet: [Int32] = [0, 0]
        #expect(pipe(&quiet) == 0)
        defer { close(quiet[0]) }
        let reading = LogSink(fileDescriptor: quiet[1])
        reading.write(line: Array("{\"last\":1}".utf8))
        #expect(reading.flush(waitingAtMost: 5))
    }
}
