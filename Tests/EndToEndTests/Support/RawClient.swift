import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A blocking TCP client on 127.0.0.1 that sends exact bytes and reads whatever comes back.
final class RawClient: @unchecked Sendable {  // each client is used by one thread at a time
    let fd: Int32
    var received: [UInt8] = []

    init(port: Int, receiveTimeout: Double = 5) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClientError("socket: \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            close(fd)
            throw ClientError("connect: \(errno)")
        }
        setReceiveTimeout(receiveTimeout)
    }

    deinit { close(fd) }

    func setReceiveTimeout(_ seconds: Double) {
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Sends every byte; false when the server has closed the connection.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }

    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// Reads once (up to the receive timeout). Returns nil on timeout, 0 bytes on EOF.
    func readOnce() -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n < 0 { return nil }
        let chunk = Array(buffer[0..<n])
        received += chunk
        return chunk
    }

    /// Reads until the server closes the connection or the timeout passes; true when it closed.
    @discardableResult
    func readUntilClose() -> Bool {
        while true {
            guard let chunk = readOnce() else { return false }
            if chunk.isEmpty { return true }
        }
    }

    /// Reads until `count` complete responses have arrived (or the connection closes or times out).
    func readResponses(_ count: Int, headRequests: Set<Int> = []) -> [ParsedResponse] {
        while true {
            let parsed = ParsedResponse.parseAll(received, headRequests: headRequests)
            if parsed.responses.count >= count { return parsed.responses }
            guard let chunk = readOnce(), !chunk.isEmpty else { return parsed.responses }
        }
    }
}

struct ClientError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A response read off the wire.
struct ParsedResponse {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]

    func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    var bodyText: String { String(decoding: body, as: UTF8.self) }
    var closes: Bool { header("Connection")?.lowercased() == "close" }

    /// Parses consecutive responses (interim 1xx responses included) from a byte stream.
    /// `headRequests` holds indexes of final responses that answer HEAD (no body follows).
    static func parseAll(_ bytes: [UInt8], headRequests: Set<Int> = []) -> (responses: [ParsedResponse], consumed: Int) {
        var responses: [ParsedResponse] = []
        var offset = 0
        var finalIndex = 0
        let separator: [UInt8] = [13, 10, 13, 10]
        while offset < bytes.count {
            guard let headEnd = find(separator, in: bytes, from: offset) else { break }
            let headText = String(decoding: bytes[offset..<headEnd], as: UTF8.self)
            var lines = headText.components(separatedBy: "\r\n")
            let statusLine = lines.removeFirst()
            let parts = statusLine.split(separator: " ", maxSplits: 2)
            guard parts.count >= 2, let status = Int(parts[1]) else { break }
            let headers = lines.compactMap { line -> (String, String)? in
                guard let colon = line.firstIndex(of: ":") else { return nil }
                return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
            }
            var response = ParsedResponse(status: status, headers: headers, body: [])
            let bodyStart = headEnd + 4
            let noBody = status < 200 || status == 204 || status == 304 || headRequests.contains(finalIndex)
            let length = noBody ? 0 : Int(response.header("Content-Length") ?? "0") ?? 0
            guard bodyStart + length <= bytes.count else { break }
            response.body = Array(bytes[bodyStart..<(bodyStart + length)])
            offset = bodyStart + length
            if status >= 200 {
                responses.append(response)
                finalIndex += 1
            }
        }
        return (responses, offset)
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        var i = start
        while i <= haystack.count - needle.count {
            if haystack[i] == needle[0] && Array(haystack[i..<(i + needle.count)]) == needle { return i }
            i += 1
        }
        return nil
    }
}
