import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Runs a command to completion, its output appended to a log file.
///
/// Uses `posix_spawn` and `waitpid` rather than Foundation's `Process`: `pg_ctl start` leaves
/// a daemon behind, and `Process` waits for every inheritor of its internal pipe to exit, so
/// it would hang. The child gets only stdin (`/dev/null`), stdout and stderr (the log).
struct ChildProcess {
    /// Where stdout and stderr go.
    let logFile: URL

    /// Runs `executable` with `arguments`, as `user` through `runuser` when given, in `directory`.
    ///
    /// The child gets this process's environment without `PG*` variables (which would redirect
    /// the tools to another cluster), with the C locale and default signal handling.
    /// - Returns: the exit status (128 + the signal number when killed by a signal).
    func run(
        _ executable: String, _ arguments: [String], as user: String? = nil, in directory: URL? = nil
    ) throws(EmbeddedPostgresError) -> Int32 {
        let argv = user.map { ["runuser", "-u", $0, "--", executable] } ?? [executable]
        let path = user == nil ? executable : Self.runuserPath
        appendToLog("$ \(([executable] + arguments).joined(separator: " "))\n")

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logFile.path, O_WRONLY | O_APPEND | O_CREAT, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        SpawnExtensions.closeDescriptors(from: 3, in: &actions)
        if let directory { SpawnExtensions.changeDirectory(to: directory.path, in: &actions) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let environment = Self.childEnvironment.map { "\($0.key)=\($0.value)" }
        var pid = pid_t()
        let spawned = CStringArray(argv + arguments).withMutablePointers { argvPointers in
            CStringArray(environment).withMutablePointers { environmentPointers in
                posix_spawn(&pid, path, &actions, &attributes, argvPointers, environmentPointers)
            }
        }
        guard spawned == 0 else {
            throw EmbeddedPostgresError("cannot run \(executable): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            guard errno == EINTR else {
                throw EmbeddedPostgresError("cannot wait for \(executable): \(String(cString: strerror(errno)))")
            }
        }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// Runs a command and returns its standard output (for `pg_config`), nil when it fails.
    /// Only for commands that leave no process behind.
    static func output(of executable: String, _ arguments: [String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The last `byteCount` bytes of the log, for error messages.
    func tail(_ byteCount: Int = 2000) -> String {
        guard let data = FileManager.default.contents(atPath: logFile.path) else { return "" }
        return String(decoding: data.suffix(byteCount), as: UTF8.self)
    }

    /// Finds an executable on `PATH`.
    static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"
        for folder in path.split(separator: ":") {
            let candidate = "\(folder)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    private static var runuserPath: String {
        which("runuser") ?? "/usr/sbin/runuser"
    }

    private static var childEnvironment: [String: String] {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PG") }
        environment["LC_ALL"] = "C"
        environment["LANG"] = "C"
        return environment
    }

    private func appendToLog(_ line: String) {
        let descriptor = open(logFile.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        let bytes = Array(line.utf8)
        _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    }
}

/// glibc's non-portable spawn actions, looked up at run time because Swift's Glibc module
/// does not declare them (they need `_GNU_SOURCE`). Where missing, the action is skipped.
private enum SpawnExtensions {
    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32
    private typealias ChangeDirectory =
        @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, UnsafePointer<CChar>?) -> Int32

    /// glibc 2.34+: close every descriptor from `lowest` up in the child, so a daemon it starts
    /// holds none of ours.
    static func closeDescriptors(from lowest: Int32, in actions: inout posix_spawn_file_actions_t) {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
        else { return }
        _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, lowest)
    }

    /// glibc 2.29+: change the child's working directory.
    static func changeDirectory(to path: String, in actions: inout posix_spawn_file_actions_t) {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addchdir_np")
        else { return }
        _ = unsafeBitCast(symbol, to: ChangeDirectory.self)(&actions, path)
    }
}
