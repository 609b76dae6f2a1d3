import Governance
import Testing

/// Who the caller is relative to the pod the action concerns.
enum Caller: CaseIterable, CustomTestStringConvertible, Sendable {
    case admin, podLead, podMember, outsider

    var principal: Principal {
        self == .admin ? Principal(id: "prn_admin", isAdmin: true) : Principal(id: "prn_someone")
    }
    var podRole: PodRole? {
        switch self {
        case .podLead: .lead
        case .podMember: .member
        case .admin, .outsider: nil
        }
    }
    var testDescription: String { "\(self)" }
}

/// An outsider holding exactly one function.
func holder(of function: BusinessFunction) -> Principal {
    Principal(id: "prn_\(function.rawValue)", functions: [function])
}

@Suite struct AuthorizationTests {
    static let adminOnly: [@Sendable (Principal) -> AccessDecision] = [
        Authorization.createPrincipal, Authorization.updatePrincipal, Authorization.createKey, Authorization.revokeKey,
        Authorization.createPod, Authorization.putSettings, Authorization.putGatePolicy, Authorization.manageWebhooks,
    ]
    static let podMemberOrAdmin: [@Sendable (Principal, PodRole?) -> AccessDecision] = [
        { Authorization.createUseCase(by: $0, podRole: $1) }, { Authorization.updateUseCase(by: $0, podRole: $1) },
        { Authorization.retireUseCase(by: $0, podRole: $1) }, { Authorization.reportUsage(by: $0, podRole: $1) },
        { Authorization.withdrawGateReview(by: $0, podRole: $1) },
    ]

    @Test(arguments: Caller.allCases)
    func adminOnlyActions(caller: Caller) {
        for check in Self.adminOnly {
            #expect(check(caller.principal) == (caller == .admin ? .allow : .deny(.adminRequired)))
        }
    }

    @Test(arguments: BusinessFunction.allCases)
    func noFunctionGrantsAdminActions(function: BusinessFunction) {
        for check in Self.adminOnly {
            #expect(check(holder(of: function)) == .deny(.adminRequired))
        }
    }

    @Test(arguments: Caller.allCases)
    func podMembersAndAdminsWorkOnUseCases(caller: Caller) {
        let expected: AccessDecision = caller == .outsider ? .deny(.podMemberOrAdminRequired) : .allow
        for check in Self.podMemberOrAdmin {
            #expect(check(caller.principal, caller.podRole) == expected)
        }
    }

    @Test(arguments: BusinessFunction.allCases)
    func functionsOutsideThePodDoNotGrantUseCaseActions(function: BusinessFunction) {
        for check in Self.podMemberOrAdmin {
            #expect(check(holder(of: function), nil) == .deny(.podMemberOrAdminRequired))
        }
    }

    @Test(arguments: Caller.allCases)
    func podLeadsAndAdminsManageMembers(caller: Caller) {
        let allowed = caller == .admin || caller == .podLead
        #expect(
            Authorization.managePodMembers(by: caller.principal, podRole: caller.podRole)
                == (allowed ? .allow : .deny(.podLeadOrAdminRequired)))
    }

    @Test(arguments: Caller.allCases)
    func onlyPodMembersRequestAndResubmitReviews(caller: Caller) {
        let expected: AccessDecision = caller.podRole != nil ? .allow : .deny(.podMemberRequired)
        #expect(Authorization.requestGateReview(by: caller.principal, podRole: caller.podRole) == expected)
        #expect(Authorization.resubmitGateReview(by: caller.principal, podRole: caller.podRole) == expected)
    }

    @Test func anAdminWhoIsAPodMemberMayRequestAReview() {
        #expect(Authorization.requestGateReview(by: Caller.admin.principal, podRole: .member) == .allow)
    }

    @Test(arguments: Caller.allCases)
    func anyoneReads(caller: Caller) {
        #expect(Authorization.read(by: caller.principal) == .allow)
    }

    @Test(arguments: BusinessFunction.allCases)
    func auditIsForAdminsAndExecutives(function: BusinessFunction) {
        let expected: AccessDecision = function == .executive ? .allow : .deny(.adminOrExecutiveRequired)
        #expect(Authorization.verifyAudit(by: holder(of: function)) == expected)
        #expect(Authorization.readAudit(by: holder(of: function)) == expected)
        #expect(Authorization.verifyAudit(by: Caller.admin.principal) == .allow)
        #expect(Authorization.verifyAudit(by: Principal(id: "prn_lead")) == .deny(.adminOrExecutiveRequired))
    }

    @Test(arguments: BusinessFunction.allCases)
    func anOutsideHolderOfTheFunctionMayDecide(function: BusinessFunction) {
        #expect(
            Authorization.decideGateReview(by: holder(of: function), function: function, requesterID: "prn_req", podRole: nil) == .allow)
    }

    @Test(arguments: BusinessFunction.allCases)
    func decidingRequiresHoldingTheFunction(function: BusinessFunction) {
        let other = BusinessFunction.allCases.first { $0 != function }!
        #expect(
            Authorization.decideGateReview(by: holder(of: other), function: function, requesterID: "prn_req", podRole: nil)
                == .deny(.functionNotHeld(function)))
    }

    @Test func adminIsNotAFunction() {
        #expect(
            Authorization.decideGateReview(by: Caller.admin.principal, function: .finance, requesterID: "prn_req", podRole: nil)
                == .deny(.functionNotHeld(.finance)))
    }

    @Test(arguments: [PodRole.lead, .member])
    func podMembersMayNotDecide(role: PodRole) {
        #expect(
            Authorization.decideGateReview(by: holder(of: .risk), function: .risk, requesterID: "prn_req", podRole: role)
                == .deny(.separationOfDuties))
    }

    @Test func theRequesterMayNotDecide() {
        let requester = holder(of: .finance)
        #expect(
            Authorization.decideGateReview(by: requester, function: .finance, requesterID: requester.id, podRole: nil)
                == .deny(.separationOfDuties))
    }

    @Test func notHoldingTheFunctionIsReportedBeforeSeparationOfDuties() {
        #expect(
            Authorization.decideGateReview(by: holder(of: .legal), function: .finance, requesterID: "prn_legal", podRole: .lead)
                == .deny(.functionNotHeld(.finance)))
    }

    @Test func denialsCarryAMessage() {
        #expect(DenialReason.functionNotHeld(.finance).detail == "You do not hold the finance function.")
        #expect(!AccessDecision.deny(.adminRequired).isAllowed)
    }
}
