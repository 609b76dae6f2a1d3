import Foundation
import TestSupport
import Testing

extension OneAtATime {
    @Suite("Conditional GET of the lists dashboards poll")
    struct ListPollingTests {
        @Test("a function's approval queue carries an ETag: 304 while unchanged, a new tag when a review joins or leaves it")
        func approvalQueue() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let finance = try f.approver("finance")
            let queue = "/v1/gate-reviews?status=pending&function=finance"
            func tag() throws -> String { try #require(try app.call("GET", queue, key: finance.key).header("ETag")) }

            let empty = try tag()
            #expect(try app.call("GET", queue, key: finance.key, headers: ["If-None-Match: \(empty)"]).status == 304)
            let head = try app.call("HEAD", queue, key: finance.key, headers: ["If-None-Match: \(empty)"])
            #expect(head.status == 304)
            #expect(head.header("ETag") == empty)

            let reviewID = try #require(
                try f.requestReview(try f.useCase(podID: podID, key: member.key), key: member.key, target: "pilot").object["id"] as? String)
            let joined = try app.call("GET", queue, key: finance.key, headers: ["If-None-Match: \(empty)"])
            #expect(joined.status == 200)
            #expect((joined.object["items"] as? [[String: Any]])?.first?["id"] as? String == reviewID)
            let withOne = try #require(joined.header("ETag"))
            #expect(withOne != empty)
            #expect(try app.call("GET", queue, key: finance.key, headers: ["If-None-Match: \"other\", \(withOne)"]).status == 304)

            #expect(try f.decide(reviewID, key: finance.key, function: "finance").status == 201)
            #expect(try tag() == empty, "the queue is empty again: the same page, the same tag")
        }
    }
}
