import Foundation
import Telemetry
import Testing

/// The log never stops the server: writing a line never waits on the reader of the log.
@Suite("Log sink")
struct LogSinkTests {
    @Test("a reader that does not read: writers never block; kept lines in order, then the count of dropped ones")
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

        // Now read: the lines kept come out in order, followed by one warning that counts the rest.
        _ = fcntl(ends[0], F_SETFL, fcntl(ends[0], F_GETFL) | O_NONBLOCK)
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, !String(decoding: received.suffix(300), as: UTF8.self).contains("\"count\":") {
            let n = read(ends[0], &buffer, buffer.count)
            if n > 0 { received += buffer[0..<n] } else { usleep(10_000) }
        }
        let text = String(decoding: received, as: UTF8.self).split(separator: "\n").map(String.init)
        let kept = text.filter { $0.hasPrefix("{\"n\":") }
        let numbers = kept.compactMap { Int($0.dropFirst(5).prefix(8)) }
        #expect(numbers == Array(0..<numbers.count), "kept lines are the first ones, in order")
        #expect(numbers.count > 1000 && numbers.count < lines)
        let notice = try #require(text.last { $0.contains("log lines dropped") })
        #expect(notice.contains("\"count\":\(lines - numbers.count)"))
        close(ends[1])
    }

    @Test("lines are written within moments without a flush, and all of them by flush()")
    func timely() throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]); close(ends[1]) }
        let sink = LogSink(fileDescriptor: ends[1])
        sink.write(line: Array("{\"one\":1}".utf8))
        var buffer = [UInt8](repeating: 0, count: 256)
        let n = read(ends[0], &buffer, buffer.count)  // the background flush, within 50 ms
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
        defer { close(quiet[0]); close(quiet[1]) }
        let reading = LogSink(fileDescriptor: quiet[1])
        reading.write(line: Array("{\"last\":1}".utf8))
        #expect(reading.flush(waitingAtMost: 5))
    }
}
