import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// A swift-log handler writing one JSON object per line: time, level, message, label, metadata.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let sink: LogSink

    public init(label: String, level: Logger.Level, sink: LogSink = .standardOutput) {
        self.label = label
        self.logLevel = level
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let level = event.level, message = event.message, explicit = event.metadata
        var json = JSONLine()
        json.field("time", Timestamp.nowRFC3339())
        json.field("level", level.rawValue)
        json.field("msg", message.description)
        json.field("logger", label)
        let merged = explicit.map { metadata.merging($0) { $1 } } ?? metadata
        if let error = event.error { json.field("error", String(describing: error)) }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            json.field(key, value.description)
        }
        sink.write(line: json.finish())
    }
}

/// Wall-clock timestamps in the API's format: RFC 3339, UTC, milliseconds.
public enum Timestamp {
    /// Formats the current time as a quoted JSON string, re-rendering the date part once a second.
    /// Not thread-safe: keep one per thread.
    public struct Cache {
        private var second = -1
        private var prefix: [UInt8] = []  // `"2026-11-28T23:18:47.`
        private var output: [UInt8] = []

        public init() {}

        public mutating func nowQuotedJSON() -> [UInt8] {
            var ts = timespec()
            clock_gettime(CLOCK_REALTIME, &ts)
            if ts.tv_sec != second {
                second = ts.tv_sec
                let text = Timestamp.rfc3339(seconds: ts.tv_sec, milliseconds: 0)
                prefix = [UInt8(ascii: "\"")] + Array(text.utf8.dropLast(4))
            }
            let ms = ts.tv_nsec / 1_000_000
            output.removeAll(keepingCapacity: true)
            output.append(contentsOf: prefix)
            output.append(UInt8(truncatingIfNeeded: ms / 100) + 0x30)
            output.append(UInt8(truncatingIfNeeded: ms / 10 % 10) + 0x30)
            output.append(UInt8(truncatingIfNeeded: ms % 10) + 0x30)
            output.append(contentsOf: [UInt8(ascii: "Z"), UInt8(ascii: "\"")])
            return output
        }
    }

    public static func nowRFC3339() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return rfc3339(seconds: Int(ts.tv_sec), milliseconds: Int(ts.tv_nsec) / 1_000_000)
    }

    public static func rfc3339(seconds: Int, milliseconds: Int) -> String {
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        // Written digit by digit: this runs for every request and every log line.
        var bytes = [UInt8](repeating: 0, count: 24)
        func put(_ value: Int32, at offset: Int, width: Int) {
            var v = Int(value)
            for i in stride(from: offset + width - 1, through: offset, by: -1) {
                bytes[i] = UInt8(truncatingIfNeeded: v % 10) + 0x30
                v /= 10
            }
        }
        put(parts.tm_year + 1900, at: 0, width: 4)
        put(parts.tm_mon + 1, at: 5, width: 2)
        put(parts.tm_mday, at: 8, width: 2)
        put(parts.tm_hour, at: 11, width: 2)
        put(parts.tm_min, at: 14, width: 2)
        put(parts.tm_sec, at: 17, width: 2)
        put(Int32(milliseconds), at: 20, width: 3)
        for (offset, char) in [(4, "-"), (7, "-"), (10, "T"), (13, ":"), (16, ":"), (19, "."), (23, "Z")] as [(Int, Unicode.Scalar)] {
            bytes[offset] = UInt8(ascii: char)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
