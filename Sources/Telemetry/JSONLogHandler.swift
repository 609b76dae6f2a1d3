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
        func pad(_ v: Int32, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(milliseconds), 3))Z"
    }
}
