import Crypto
import Foundation

/// Where the embedded cluster keeps its files, and where its PostgreSQL binaries are.
struct ClusterLayout: Sendable {
    /// The port in the socket's name; the cluster listens on no TCP port.
    static let port = 5432
    /// `sun_path` holds 108 bytes with the terminating NUL.
    static let maximumSocketPathLength = 107

    /// The data folder given to `EmbeddedPostgres`, absolute.
    let root: URL

    init(dataDirectory: String) {
        let base = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
        root = URL(fileURLWithPath: dataDirectory, isDirectory: true, relativeTo: base).standardizedFileURL
    }

    /// The cluster itself (`initdb -D`).
    var clusterDirectory: URL { root.appendingPathComponent("pgdata", isDirectory: true) }
    /// Output of the commands we run (initdb, pg_ctl).
    var commandLog: URL { root.appendingPathComponent("embedded-postgres.log") }
    /// The server's own log (`pg_ctl -l`).
    var serverLog: URL { root.appendingPathComponent("postgres.log") }

    /// `root/run`, or a short folder under /tmp named after the data folder when the socket
    /// path would be too long or the folder's path is awkward inside a shell command.
    var socketDirectory: URL {
        let preferred = root.appendingPathComponent("run", isDirectory: true)
        if Self.fitsSocketPath(preferred.path), Self.isShellSafe(preferred.path) { return preferred }
        let digest = SHA256.hash(data: Data(root.path.utf8)).prefix(6).map { byte in
            (byte < 16 ? "0" : "") + String(byte, radix: 16)
        }.joined()
        return URL(fileURLWithPath: "/tmp/tollgate-pg-\(digest)", isDirectory: true)
    }

    static func fitsSocketPath(_ directory: String) -> Bool {
        "\(directory)/.s.PGSQL.\(port)".utf8.count <= maximumSocketPathLength
    }

    /// pg_ctl passes `-o` through `/bin/sh`; only plain path characters go there unquoted.
    static func isShellSafe(_ path: String) -> Bool {
        path.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "/._-".unicodeScalars.contains(scalar))
        }
    }

    /// pg_ctl wraps paths in double quotes for `/bin/sh`; these characters would escape them.
    static func isQuotable(_ path: String) -> Bool {
        !path.contains(where: { "\"$`\\\n".contains($0) })
    }

    /// The folder holding `initdb` and `pg_ctl`.
    ///
    /// `override` when given; else the highest `/usr/lib/postgresql/<version>/bin` that has
    /// both; else `pg_config --bindir`; else the folder of `initdb` on `PATH`.
    static func binaryDirectory(override: String?) -> URL? {
        if let override {
            let folder = URL(fileURLWithPath: override, isDirectory: true)
            return hasTools(folder) ? folder : nil
        }
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        let ordered = versions.compactMap { name in Double(name).map { (name, $0) } }.sorted { $0.1 > $1.1 }
        for (name, _) in ordered {
            let folder = URL(fileURLWithPath: "/usr/lib/postgresql/\(name)/bin", isDirectory: true)
            if hasTools(folder) { return folder }
        }
        if let pgConfig = ChildProcess.which("pg_config"), let bindir = ChildProcess.output(of: pgConfig, ["--bindir"]) {
            let folder = URL(fileURLWithPath: bindir, isDirectory: true)
            if hasTools(folder) { return folder }
        }
        if let initdb = ChildProcess.which("initdb") {
            let folder = URL(fileURLWithPath: initdb).resolvingSymlinksInPath().deletingLastPathComponent()
            if hasTools(folder) { return folder }
        }
        return nil
    }

    private static func hasTools(_ folder: URL) -> Bool {
        ["initdb", "pg_ctl"].allSatisfy {
            FileManager.default.isExecutableFile(atPath: folder.appendingPathComponent($0).path)
        }
    }

    /// The socket folder and port of a running cluster, from lines 4 and 5 of `postmaster.pid`.
    func runningSocket() -> (directory: String, port: Int)? {
        let pidFile = clusterDirectory.appendingPathComponent("postmaster.pid")
        guard let data = FileManager.default.contents(atPath: pidFile.path) else { return nil }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count > 4, let port = Int(lines[3].trimmingCharacters(in: .whitespaces)) else { return nil }
        let directory = lines[4].trimmingCharacters(in: .whitespaces)
        return directory.isEmpty ? nil : (directory, port)
    }
}
