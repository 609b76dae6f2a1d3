/// A use case's place in its lifecycle. `stage` changes only through an approved gate review
/// (to `next`) or through retirement (from any stage).
public enum Stage: String, CaseIterable, Codable, Sendable {
    case proposed, pilot, production, scaled, retired

    /// The stage a gate review from this one would move to: proposed -> pilot -> production ->
    /// scaled. Nil for `scaled` (the last gate) and `retired` (no way back).
    public var next: Stage? {
        switch self {
        case .proposed: .pilot
        case .pilot: .production
        case .production: .scaled
        case .scaled, .retired: nil
        }
    }

    /// The stages a gate guards the move into, in gate order.
    public static let gated: [Stage] = [.pilot, .production, .scaled]
}

/// The use case's risk classification; `unacceptable` is forbidden by every seeded gate.
public enum RiskTier: String, CaseIterable, Codable, Sendable {
    case minimal, limited, high, unacceptable
}

/// The most sensitive class of data the use case touches.
public enum DataClassification: String, CaseIterable, Codable, Sendable {
    case `public`, `internal`, confidential, restricted
}

/// Where the use case runs.
public enum Deployment: String, CaseIterable, Codable, Sendable {
    case cloud
    case onPrem = "on_prem"
    case edge, hybrid
}

/// Where the use case's models come from.
public enum ModelSourcing: String, CaseIterable, Codable, Sendable {
    case proprietary
    case openSource = "open_source"
    case mixed
}

/// An enterprise function a principal can hold. Holding a function is what entitles a
/// principal to approve on a gate for it; `admin` is a separate flag, not a function.
public enum BusinessFunction: String, CaseIterable, Codable, Sendable {
    case engineering, security, business, finance, risk, legal, executive
}

/// A principal's role in a pod.
public enum PodRole: String, CaseIterable, Codable, Sendable {
    case lead, member
}
