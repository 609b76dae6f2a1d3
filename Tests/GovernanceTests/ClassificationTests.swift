import Governance
import Testing

@Suite struct ClassificationTests {
    @Test func gatesRunProposedPilotProductionScaled() {
        #expect(Stage.proposed.next == .pilot)
        #expect(Stage.pilot.next == .production)
        #expect(Stage.production.next == .scaled)
        #expect(Stage.scaled.next == nil)
        #expect(Stage.retired.next == nil)
        #expect(Stage.gated == [.pilot, .production, .scaled])
    }

    @Test func rawValuesAreTheAPISpellings() {
        #expect(Stage.allCases.map(\.rawValue) == ["proposed", "pilot", "production", "scaled", "retired"])
        #expect(RiskTier.allCases.map(\.rawValue) == ["minimal", "limited", "high", "unacceptable"])
        #expect(DataClassification.allCases.map(\.rawValue) == ["public", "internal", "confidential", "restricted"])
        #expect(Deployment.allCases.map(\.rawValue) == ["cloud", "on_prem", "edge", "hybrid"])
        #expect(ModelSourcing.allCases.map(\.rawValue) == ["proprietary", "open_source", "mixed"])
        #expect(
            BusinessFunction.allCases.map(\.rawValue) == ["engineering", "security", "business", "finance", "risk", "legal", "executive"])
        #expect(PodRole.allCases.map(\.rawValue) == ["lead", "member"])
    }
}
