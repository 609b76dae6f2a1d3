import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The built `tollgate` binary run as a child process, as an operator would run it.
final class ServerProcess: @unchecked Sendable {  // `process` is only touched by the test that owns it; output is behind a Mutex
    let process = Process()
    private let output = Locked<[String]>([])
    private let errorOutput = Locked<String>("")

    /// The binary next to the test bundle (both are products of the same `swift build`).
    static var binaryPath: String {
        let testBinary = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        var folder = URL(fileURLWithPath: testBinary).deletingLastPathComponent()
        while folder.path != "/" {
            let candidate = folder.appendingPathComponent("tollgate")
            if FileManager.default.isExecutableFile(atPath: candidate.path), !candidate.hasDirectoryPath { return candidate.path }
            folder = folder.deletingLastPathComponent()
        }
        return "tollgate"
    }

    init(arguments: [String] = ["serve"], environment: [String: String], directory: String? = nil) throws {
        process.executableURL = URL(fileURLWithPath: ServerProcess.binaryPath)
        process.arguments = arguments
        var env = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        env.merge(environment) { $1 }
        process.environment = env
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let stdout = Pipe(), stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        stdout.fileHandleForReading.readabilityHandler = { [output] handle in
            let data = handle.availableData
            guard !data.isEmpty else { handle.readabilityHandler = nil; return }
            let lines = String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
            output.withLock { $0 += lines }
        }
        stderr.fileHandleForReading.readabilityHandler = { [errorOutput] handle in
            let data = handle.availableData
            guard !data.isEmpty else { handle.readabilityHandler = nil; return }
            errorOutput.withLock { $0 += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var lines: [String] { output.withLock { $0 } }
    var standardError: String { errorOutput.withLock { $0 } }

    /// Waits for the `listening` log line and returns its port.
    func waitUntilListening(timeout: Double = 120) throws -> Int {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            for line in lines where line.contains("\"msg\":\"listening\"") {
                if let data = line.data(using: .utf8),
                    let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                    let port = (json["port"] as? String).flatMap(Int.init)
                {
                    return port
                }
            }
            guard process.isRunning else { throw ClientError("the server exited: \(standardError) \(lines.suffix(5))") }
            usleep(50_000)
        }
        throw ClientError("the server did not start listening in time: \(lines.suffix(5))")
    }

    func signal(_ number: Int32) { kill(pid, number) }

    /// The exit status, or nil if the process still runs after `timeout` seconds.
    func waitForExit(timeout: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        return process.isRunning ? nil : process.terminationStatus
    }

    deinit {
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// Lets one test process hold thousands of client sockets.
func raiseOpenFileLimit() {
    var limit = rlimit()
    getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    limit.rlim_cur = limit.rlim_max
    setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
}

/// GETs a path on a new connection and returns the status (nil when nothing came back).
func status(port: Int, _ path: String) -> Int? {
    guard let client = try? RawClient(port: port, receiveTimeout: 2) else { return nil }
    client.send(request(path))
    return client.readResponses(1).first?.status
}

/// A value behind a lock that closures can share.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<T>(_ body: (inout Value) -> T) -> T { mutex.withLock { body(&$0) } }
}
