import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A raw TCP receiver on 127.0.0.1 that misbehaves in one chosen way after reading each request.
/// Every connection is served on its own thread; `requests` counts the requests read whole.
final class FaultyReceiver: Sendable {
    enum Mode: String, Sendable, CaseIterable {
        /// Reads the request, then sends nothing and keeps the connection open (up to 15 s, or until the peer closes).
        case hang
        /// Reads the request, then closes with SO_LINGER {1, 0}: an RST, no response.
        case reset
        /// Sends a status line and headers with Content-Length 200, then one byte every 400 ms.
        case slowDrip
        /// Sends a 200 head with Content-Length 1000 and 10 bytes of body, then closes.
        case closeMidResponse
    }

    let mode: Mode
    let port: Int
    private let listener: Int32
    private let state = Locked<(requests: Int, stopped: Bool, threads: [TestThread])>((0, false, []))

    init(_ mode: Mode) throws {
        self.mode = mode
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClientError("socket: \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            close(fd)
            throw ClientError("bind/listen: \(errno)")
        }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else {
            close(fd)
            throw ClientError("getsockname: \(errno)")
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        let state = state
        let acceptor = TestThread.start {
            while !state.withLock({ $0.stopped }) {
                var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&ready, 1, 100) > 0 else { continue }
                let connection = accept(fd, nil, nil)
                guard connection >= 0 else { continue }
                let worker = TestThread.start { Self.serve(connection, mode: mode, state: state) }
                state.withLock { $0.threads.append(worker) }
            }
        }
        state.withLock { $0.threads.append(acceptor) }
    }

    deinit { stop() }

    var url: String { "http://127.0.0.1:\(port)/hook" }
    var requests: Int { state.withLock { $0.requests } }

    /// Stops accepting, ends every connection's misbehaviour and closes the listening socket.
    func stop() {
        let threads = state.withLock { state -> [TestThread] in
            state.stopped = true
            return state.threads
        }
        guard !threads.isEmpty else { return }
        for thread in threads { thread.join(within: .seconds(3)) }
        state.withLock { $0.threads = [] }
        close(listener)
    }

    @discardableResult
    func waitFor(_ count: Int, timeout: Duration = .seconds(15)) -> Int {
        _ = eventually(within: timeout) { self.requests >= count }
        return requests
    }

    private static func serve(_ fd: Int32, mode: Mode, state: Locked<(requests: Int, stopped: Bool, threads: [TestThread])>) {
        var closed = false
        defer { if !closed { close(fd) } }
        var tv = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var stopped: Bool { state.withLock { $0.stopped } }
        guard readRequest(fd, until: ContinuousClock.now + .seconds(5)) else { return }
        state.withLock { $0.requests += 1 }
        switch mode {
        case .hang:
            let deadline = ContinuousClock.now + .seconds(15)
            var buffer = [UInt8](repeating: 0, count: 4096)
            while ContinuousClock.now < deadline && !stopped {
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) { break }  // the peer gave up
            }
        case .reset:
            var lingering = linger(l_onoff: 1, l_linger: 0)
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &lingering, socklen_t(MemoryLayout<linger>.size))
            close(fd)
            closed = true
        case .slowDrip:
            guard send(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 200\r\n\r\n") else { return }
            for _ in 0..<200 {
                usleep(400_000)
                if stopped || !send(fd, "x") { break }
            }
        case .closeMidResponse:
            _ = send(fd, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + String(repeating: "x", count: 10))
            close(fd)  // the request was read whole, so this is a FIN, not an RST
            closed = true
        }
    }

    /// Reads one request: the head, then Content-Length bytes of body. False when it never came whole.
    private static func readRequest(_ fd: Int32, until deadline: ContinuousClock.Instant) -> Bool {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        let separator = Array("\r\n\r\n".utf8)
        while ContinuousClock.now < deadline {
            if let end = firstIndex(of: separator, in: received) {
                let head = String(decoding: received[..<end], as: UTF8.self).lowercased()
                let length =
                    head.components(separatedBy: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                if received.count >= end + 4 + length { return true }
            }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { return false }
            if n < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { continue }
                return false
            }
            received += buffer[0..<n]
        }
        return false
    }

    private static func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where haystack[i] == needle[0] {
            if Array(haystack[i..<(i + needle.count)]) == needle { return i }
        }
        return nil
    }

    private static func send(_ fd: Int32, _ text: String) -> Bool {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }
}

extension OneAtATime {
    /// Issue 5: receivers that hang, reset, answer slowly byte by byte or close mid-response each become
    /// a recorded failed attempt and a retry, never a stuck worker. (Redirects and 10 MB bodies are in
    /// WebhookReliabilityTests.)
    @Suite("Faulty webhook receivers")
    struct FaultyReceiverTests {
        typealias Kit = WebhookKit

        static func describe(_ delivery: [String: Any]) -> String {
            Kit.attempts(delivery).map { "\($0["response_status"] ?? "-") \($0["error"] ?? "-") \($0["duration_ms"] ?? "-") ms" }
                .joined(separator: "; ")
        }

        @Test(
            "hang, reset, slow drip and close mid-response: two failed attempts each, then failed; a healthy receiver is served meanwhile"
        )
        func faultyReceivers() throws {
            let app = try Kit.app(schedule: [1])
            var receivers: [FaultyReceiver.Mode: FaultyReceiver] = [:]
            var ids: [FaultyReceiver.Mode: String] = [:]
            var events: [FaultyReceiver.Mode: String] = [:]
            for mode in FaultyReceiver.Mode.allCases {
                let receiver = try FaultyReceiver(mode)
                receivers[mode] = receiver
                ids[mode] = try Kit.subscribe(app, url: receiver.url).id
            }
            defer { for receiver in receivers.values { receiver.stop() } }
            let healthy = try WebhookReceiver()
            let (healthyID, _) = try Kit.subscribe(app, url: healthy.url)
            let started = ContinuousClock.now
            for mode in FaultyReceiver.Mode.allCases { events[mode] = try Kit.sendTest(app, try #require(ids[mode])) }

            // While the first attempts hang and drip, another subscription is delivered at once.
            let hang = try #require(receivers[.hang])
            let drip = try #require(receivers[.slowDrip])
            #expect(hang.waitFor(1, timeout: .seconds(5)) == 1 && drip.waitFor(1, timeout: .seconds(5)) == 1)
            try Kit.sendTest(app, healthyID)
            #expect(healthy.waitFor(1, timeout: .seconds(2)).count == 1, "a healthy receiver within 2 s while two attempts hang")
            #expect(ContinuousClock.now - started < .seconds(9), "checked while the first attempts were still in flight")

            // And again while the retries hang.
            #expect(hang.waitFor(2, timeout: .seconds(16)) == 2 && drip.waitFor(2, timeout: .seconds(5)) == 2, "the retries")
            try Kit.sendTest(app, healthyID)
            #expect(healthy.waitFor(2, timeout: .seconds(2)).count == 2, "a healthy receiver within 2 s while the retries hang")

            for mode in FaultyReceiver.Mode.allCases {
                let id = try #require(ids[mode])
                let receiver = try #require(receivers[mode])
                let failed = try Kit.waitForDeliveries(app, id, status: "failed", count: 1, within: .seconds(14))
                let all = try Kit.deliveries(app, id)
                let summary = all.map { "\($0["status"] ?? "-"): \(Self.describe($0))" }
                #expect(all.count == 1, "\(mode): one delivery: \(summary)")
                let delivery = try #require(failed.first, "\(mode) never failed: \(summary)")
                #expect(delivery["event_id"] as? String == events[mode], "\(mode)")
                #expect(delivery["next_attempt_at"] is NSNull, "\(mode): final")
                let attempts = Kit.attempts(delivery)
                #expect(attempts.count == 2, "\(mode): the attempt and one retry: \(Self.describe(delivery))")
                for attempt in attempts {
                    let error = attempt["error"] as? String ?? ""
                    #expect(!error.isEmpty, "\(mode): an error recorded: \(attempt)")
                    let status = attempt["response_status"]
                    let duration = attempt["duration_ms"] as? Int ?? -1
                    switch mode {
                    case .hang, .slowDrip:
                        #expect(status is NSNull, "\(mode): a timeout has no status: \(attempt)")
                        #expect((9_000...12_000).contains(duration), "\(mode): ended by the 10 s total timeout: \(attempt)")
                    case .reset:
                        #expect(status is NSNull, "\(mode): no response: \(attempt)")
                        #expect((0..<5_000).contains(duration), "\(mode): \(attempt)")
                    case .closeMidResponse:
                        #expect(status is NSNull || status as? Int == 200, "\(mode): \(attempt)")
                        #expect((0..<5_000).contains(duration), "\(mode): \(attempt)")
                    }
                }
                #expect(receiver.requests == 2, "\(mode): the receiver saw the attempt and its retry")
            }
            Kit.pause(1.2)
            for mode in FaultyReceiver.Mode.allCases {
                #expect(receivers[mode]?.requests == 2, "\(mode): nothing after failed")
            }
            #expect(try Kit.deliveries(app, healthyID, status: "succeeded").count == 2)
        }
    }
}
