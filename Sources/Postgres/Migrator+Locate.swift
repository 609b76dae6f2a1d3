import Foundation

extension Migrator {
    /// Finds the migrations folder.
    ///
    /// In order: `TOLLGATE_MIGRATIONS_DIR` when set; `migrations` in the current folder when it
    /// exists; otherwise the nearest `migrations` folder beside a `Package.swift`, walking up from
    /// the running executable (so tests and `swift run` find the package's own folder).
    /// - Returns: nil when none is found.
    public static func locateDirectory(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        currentDirectory: String = FileManager.default.currentDirectoryPath,
        executablePath: String? = Self.executablePath()
    ) -> URL? {
        if let configured = environment["TOLLGATE_MIGRATIONS_DIR"], !configured.isEmpty {
            return URL(fileURLWithPath: configured, isDirectory: true)
        }
        let local = URL(fileURLWithPath: currentDirectory, isDirectory: true).appendingPathComponent("migrations")
        if isDirectory(local) { return local }
        guard let executablePath else { return nil }
        var folder = URL(fileURLWithPath: executablePath).deletingLastPathComponent()
        while folder.path != "/" && !folder.path.isEmpty {
            let candidate = folder.appendingPathComponent("migrations")
            if isDirectory(candidate), FileManager.default.fileExists(atPath: folder.appendingPathComponent("Package.swift").path) {
                return candidate
            }
            folder = folder.deletingLastPathComponent()
        }
        return nil
    }

    /// The running executable's real path, from `/proc/self/exe`.
    public static func executablePath() -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
    }

    private static func isDirectory(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}
