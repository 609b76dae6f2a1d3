/// Who is calling: the authenticated principal as the domain sees it.
public struct Principal: Sendable, Hashable {
    public let id: String
    /// The office that runs the portfolio. Not a function: it approves nothing by itself.
    public let isAdmin: Bool
    public let functions: Set<BusinessFunction>

    public init(id: String, isAdmin: Bool = false, functions: Set<BusinessFunction> = []) {
        self.id = id
        self.isAdmin = isAdmin
        self.functions = functions
    }
}

/// The answer of an authorization check.
public enum AccessDecision: Sendable, Hashable {
    case allow
    case deny(DenialReason)

    public var isAllowed: Bool { self == .allow }
}

/// Why a request was refused. Every reason is a 403; `separationOfDuties` has its own problem
/// type (`separation-of-duties`), the rest are `forbidden`.
public enum DenialReason: Sendable, Hashable {
    case adminRequired
    case podLeadOrAdminRequired
    case podMemberOrAdminRequired
    case podMemberRequired
    case adminOrExecutiveRequired
    case functionNotHeld(BusinessFunction)
    case separationOfDuties

    /// A message safe to show the caller.
    public var detail: String {
        switch self {
        case .adminRequired: "Only an admin may do this."
        case .podLeadOrAdminRequired: "Only an admin or a lead of this pod may do this."
        case .podMemberOrAdminRequired: "Only an admin or a member of this pod may do this."
        case .podMemberRequired: "Only a member of this pod may do this."
        case .adminOrExecutiveRequired: "Only an admin or an executive may do this."
        case .functionNotHeld(let function): "You do not hold the \(function.rawValue) function."
        case .separationOfDuties: "An approver may be neither the requester nor a member of the use case's pod."
        }
    }
}

/// The access rules of API.md sections 2, 3 and 5-8, one function per action. `podRole` is the
/// caller's role in the pod the action concerns (the use case's pod, or the `pod_id` of a new
/// use case), nil when the caller is not a member of it. Either role counts as membership.
public enum Authorization {
    // MARK: Any authenticated principal

    /// Reading anything but the audit log: `/me`, principals, pods, use cases, usage reports,
    /// settings, gate policies and reviews, events, the portfolio summary.
    public static func read(by principal: Principal) -> AccessDecision { .allow }

    // MARK: Admin only

    public static func createPrincipal(by principal: Principal) -> AccessDecision { admin(principal) }
    public static func updatePrincipal(by principal: Principal) -> AccessDecision { admin(principal) }
    public static func createKey(by principal: Principal) -> AccessDecision { admin(principal) }
    public static func revokeKey(by principal: Principal) -> AccessDecision { admin(principal) }
    public static func createPod(by principal: Principal) -> AccessDecision { admin(principal) }
    public static func putSettings(by principal: Principal) -> AccessDecision { admin(principal) }
    public static func putGatePolicy(by principal: Principal) -> AccessDecision { admin(principal) }
    /// Every webhook route: create, read, update, delete, rotate, test, deliveries, redeliver.
    public static func manageWebhooks(by principal: Principal) -> AccessDecision { admin(principal) }

    // MARK: Pods

    /// `PUT` and `DELETE /v1/pods/{id}/members/{principal_id}`: an admin or the pod's lead.
    public static func managePodMembers(by principal: Principal, podRole: PodRole?) -> AccessDecision {
        principal.isAdmin || podRole == .lead ? .allow : .deny(.podLeadOrAdminRequired)
    }

    // MARK: Use cases: a member of the pod (any role) or an admin

    public static func createUseCase(by principal: Principal, podRole: PodRole?) -> AccessDecision {
        podMemberOrAdmin(principal, podRole)
    }
    public static func updateUseCase(by principal: Principal, podRole: PodRole?) -> AccessDecision {
        podMemberOrAdmin(principal, podRole)
    }
    public static func retireUseCase(by principal: Principal, podRole: PodRole?) -> AccessDecision {
        podMemberOrAdmin(principal, podRole)
    }
    public static func reportUsage(by principal: Principal, podRole: PodRole?) -> AccessDecision {
        podMemberOrAdmin(principal, podRole)
    }

    // MARK: Gate reviews

    /// Requesting a review is the pod's own act: admin alone is not enough.
    public static func requestGateReview(by principal: Principal, podRole: PodRole?) -> AccessDecision {
        podRole != nil ? .allow : .deny(.podMemberRequired)
    }
    public static func resubmitGateReview(by principal: Principal, podRole: PodRole?) -> AccessDecision {
        podRole != nil ? .allow : .deny(.podMemberRequired)
    }
    public static func withdrawGateReview(by principal: Principal, podRole: PodRole?) -> AccessDecision {
        podMemberOrAdmin(principal, podRole)
    }

    /// Recording a decision for `function`: the caller must hold it (admin does not imply it), and
    /// must be neither the review's requester nor a member of the use case's pod. Checked in that
    /// order. Whether the function is required, and the review's state, are not access rules.
    public static func decideGateReview(
        by principal: Principal, function: BusinessFunction, requesterID: String, podRole: PodRole?
    ) -> AccessDecision {
        guard principal.functions.contains(function) else { return .deny(.functionNotHeld(function)) }
        guard principal.id != requesterID, podRole == nil else { return .deny(.separationOfDuties) }
        return .allow
    }

    // MARK: Audit

    /// `GET /v1/audit`: the entries carry every before/after, so the same rule as verification.
    public static func readAudit(by principal: Principal) -> AccessDecision { adminOrExecutive(principal) }
    /// `GET /v1/audit/verify`.
    public static func verifyAudit(by principal: Principal) -> AccessDecision { adminOrExecutive(principal) }

    private static func admin(_ principal: Principal) -> AccessDecision {
        principal.isAdmin ? .allow : .deny(.adminRequired)
    }

    private static func podMemberOrAdmin(_ principal: Principal, _ podRole: PodRole?) -> AccessDecision {
        principal.isAdmin || podRole != nil ? .allow : .deny(.podMemberOrAdminRequired)
    }

    private static func adminOrExecutive(_ principal: Principal) -> AccessDecision {
        principal.isAdmin || principal.functions.contains(.executive) ? .allow : .deny(.adminOrExecutiveRequired)
    }
}
