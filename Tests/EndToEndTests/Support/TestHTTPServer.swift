import HTTP1
import HTTPServer
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// An HTTP server on a free port with routes made for testing the HTTP layer itself.
func startTestServer(_ configure: (inout HTTPServerConfiguration) -> Void = { _ in }) throws -> HTTPServer {
    var configuration = HTTPServerConfiguration()
    configuration.port = 0
    configuration.eventLoopCount = 2
    configure(&configuration)
    var router = Router()
    router.add(
        .get, "/hello",
        .inline { _ in
            HandlerResult(Response(status: .ok, contentType: "text/plain", body: "Hello, World!"))
        })
    router.add(
        .post, "/echo",
        .blocking { context in
            HandlerResult(Response(status: .ok, headers: ["Content-Type": "application/octet-stream"], body: context.request.body))
        })
    router.add(
        .get, "/items/{id}",
        .inline { context in
            HandlerResult(Response(status: .ok, contentType: "text/plain", body: context.parameters["id"] ?? ""))
        })
    router.add(
        .get, "/slow",
        .blocking { context in
            let ms = Int(context.request.head.query?.split(separator: "=").last ?? "") ?? 300
            usleep(UInt32(ms) * 1000)
            return HandlerResult(Response(status: .ok, contentType: "text/plain", body: "slept \(ms)"))
        })
    var logger = Logger(label: "test")
    logger.logLevel = .warning
    return try HTTPServer(configuration: configuration, router: router, accessLog: nil, logger: logger)
}

func request(_ target: String, method: String = "GET", headers: [String] = [], body: String = "") -> String {
    var text = "\(method) \(target) HTTP/1.1\r\nHost: a\r\n"
    for header in headers { text += header + "\r\n" }
    if !body.isEmpty { text += "Content-Length: \(body.utf8.count)\r\n" }
    return text + "\r\n" + body
}

/// Resident memory of a process, in KiB, from /proc.
func residentKiB(pid: Int32) -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
    for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        return Int(line.split(separator: " ").dropFirst().first ?? "")
    }
    return nil
}
