/// A latency histogram with fixed upper bounds, in seconds.
public struct Histogram: Sendable {
    public static let defaultBounds: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    public let bounds: [Double]
    public private(set) var counts: [Int]
    public private(set) var sum: Double = 0
    public private(set) var count: Int = 0

    public init(bounds: [Double] = Histogram.defaultBounds) {
        self.bounds = bounds
        self.counts = Array(repeating: 0, count: bounds.count)
    }

    public mutating func observe(_ value: Double) {
        sum += value
        count += 1
        for i in bounds.indices where value <= bounds[i] {
            counts[i] += 1
            return
        }
    }

    public mutating func merge(_ other: Histogram) {
        for i in counts.indices { counts[i] += other.counts[i] }
        sum += other.sum
        count += other.count
    }
}

/// Builds the Prometheus text exposition format (version 0.0.4).
public struct PrometheusText: Sendable {
    public private(set) var text = ""

    public init() {}

    public mutating func header(_ name: String, type: String, help: String) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
    }

    public mutating func sample(_ name: String, labels: [(String, String)] = [], _ value: Double) {
        text += name + PrometheusText.render(labels) + " " + PrometheusText.format(value) + "\n"
    }

    public mutating func sample(_ name: String, labels: [(String, String)] = [], _ value: Int) {
        text += name + PrometheusText.render(labels) + " \(value)\n"
    }

    public mutating func histogram(_ name: String, labels: [(String, String)] = [], _ h: Histogram) {
        var cumulative = 0
        for (i, bound) in h.bounds.enumerated() {
            cumulative += h.counts[i]
            sample(name + "_bucket", labels: labels + [("le", PrometheusText.format(bound))], cumulative)
        }
        sample(name + "_bucket", labels: labels + [("le", "+Inf")], h.count)
        sample(name + "_sum", labels: labels, h.sum)
        sample(name + "_count", labels: labels, h.count)
    }

    static func render(_ labels: [(String, String)]) -> String {
        guard !labels.isEmpty else { return "" }
        let parts = labels.map { key, value in
            let escaped = value.replacingAll("\\", with: "\\\\").replacingAll("\"", with: "\\\"").replacingAll("\n", with: "\\n")
            return "\(key)=\"\(escaped)\""
        }
        return "{" + parts.joined(separator: ",") + "}"
    }

    static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return String(value)
    }
}

extension String {
    fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
        guard contains(target) else { return self }
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}
