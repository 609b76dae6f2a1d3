import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The unprivileged OS user that runs the cluster when we are root (PostgreSQL refuses root).
struct ServiceAccount: Sendable {
    let name: String
    let uid: uid_t
    let gid: gid_t

    /// The system user created when no `postgres` user exists.
    static let fallbackName = "tollgate-pg"

    /// nil when not running as root: then the cluster runs as the current user.
    ///
    /// Otherwise `postgres` when it exists, else `tollgate-pg`, created with `useradd` if needed.
    static func forCluster(commands: ChildProcess, logger: Logger) throws(EmbeddedPostgresError) -> ServiceAccount? {
        guard geteuid() == 0 else { return nil }
        if let account = lookUp("postgres") ?? lookUp(fallbackName) { return account }
        logger.notice("creating the system user \(fallbackName) to run the embedded PostgreSQL")
        guard
            let useradd = ChildProcess.which("useradd")
                ?? ["/usr/sbin/useradd", "/sbin/useradd"].first(where: {
                    FileManager.default.isExecutableFile(atPath: $0)
                })
        else {
            throw EmbeddedPostgresError("running as root needs a postgres user, and useradd is missing to create one")
        }
        let status = try commands.run(
            useradd, ["--system", "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", fallbackName])
        guard status == 0, let account = lookUp(fallbackName) else {
            throw EmbeddedPostgresError("cannot create the system user \(fallbackName)", logTail: commands.tail())
        }
        return account
    }

    private static func lookUp(_ name: String) -> ServiceAccount? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getpwnam_r(name, &entry, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        return ServiceAccount(name: name, uid: entry.pw_uid, gid: entry.pw_gid)
    }

    /// Gives `url` (and, when `recursive`, everything in it) to this account.
    func takeOwnership(of url: URL, recursive: Bool) throws(EmbeddedPostgresError) {
        guard chown(url.path, uid, gid) == 0 else {
            throw EmbeddedPostgresError("cannot give \(url.path) to \(name): \(String(cString: strerror(errno)))")
        }
        guard recursive, let entries = FileManager.default.enumerator(atPath: url.path) else { return }
        for case let relative as String in entries {
            let path = url.appendingPathComponent(relative).path
            if lchown(path, uid, gid) != 0 {
                throw EmbeddedPostgresError("cannot give \(path) to \(name): \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Whether `url` is owned by this account.
    func owns(_ url: URL) -> Bool {
        var info = stat()
        return stat(url.path, &info) == 0 && info.st_uid == uid
    }

    /// Lets this account reach `url`: adds only the search bit to each ancestor folder it
    /// cannot traverse (for example a 0700 `mktemp -d` folder of root's), and logs each change.
    func ensureCanTraverse(to url: URL, logger: Logger) throws(EmbeddedPostgresError) {
        var ancestors: [URL] = []
        var folder = url.standardizedFileURL.deletingLastPathComponent()
        while folder.path != "/" && !folder.path.isEmpty {
            ancestors.append(folder)
            folder = folder.deletingLastPathComponent()
        }
        for ancestor in ancestors.reversed() {
            var info = stat()
            guard stat(ancestor.path, &info) == 0 else { continue }
            let bit: mode_t
            if info.st_uid == uid {
                bit = S_IXUSR
            } else if info.st_gid == gid {
                bit = S_IXGRP
            } else {
                bit = S_IXOTH
            }
            guard info.st_mode & bit == 0 else { continue }
            guard chmod(ancestor.path, (info.st_mode & 0o7777) | bit) == 0 else {
                throw EmbeddedPostgresError(
                    "\(name) cannot reach \(url.path) through \(ancestor.path), and its mode cannot be changed")
            }
            logger.notice(
                "added the search permission to a folder so that \(name) can reach the database files",
                metadata: ["folder": "\(ancestor.path)"])
        }
    }
}
