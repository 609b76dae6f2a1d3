import Foundation
import HTTP1
import HTTPServer
import Logging
import TestSupport

/// A real webhook receiver on 127.0.0.1: records every request it gets and answers with the
/// status the test chooses (per call, in order; the last one repeats).
final class WebhookReceiver: Sendable {
    struct Received: Sendable {
        let headers: [String: String]
        let body: [UInt8]
        let at: Date
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:] }
    }

    private let state: Locked<(received: [Received], answers: [(Int, [String: String])])>
    private let server: HTTPServer

    init(answers: [(Int, [String: String])] = [(200, [:])]) throws {
        let state = Locked<(received: [Received], answers: [(Int, [String: String])])>(([], answers))
        self.state = state
        var router = Router()
        router.add(
            .post, "/hook",
            .inline { context in
                var headers: [String: String] = [:]
                for (name, value) in context.request.headers { headers[name.lowercased()] = value }
                let answer = state.withLock { state -> (Int, [String: String]) in
                    state.received.append(Received(headers: headers, body: context.request.body, at: Date()))
                    return state.answers.count > 1 ? state.answers.removeFirst() : state.answers[0]
                }
                var responseHeaders = HTTPHeaders()
                for (name, value) in answer.1 { responseHeaders.add(name: name, value: value) }
                return HandlerResult(Response(status: HTTPStatus(code: answer.0), headers: responseHeaders, body: Array("ok".utf8)))
            })
        var configuration = HTTPServerConfiguration()
        configuration.port = 0
        configuration.eventLoopCount = 1
        server = try HTTPServer(
            configuration: configuration, router: router, accessLog: nil,
            logger: Logger(label: "receiver", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    deinit { _ = server.shutdown(grace: 1) }

    var url: String { "http://127.0.0.1:\(server.port)/hook" }
    var received: [Received] { state.withLock { $0.received } }

    func answer(_ answers: [(Int, [String: String])]) { state.withLock { $0.answers = answers } }

    /// Waits until `count` requests arrived (up to `timeout`).
    @discardableResult
    func waitFor(_ count: Int, timeout: Duration = .seconds(15)) -> [Received] {
        _ = eventually(within: timeout) { self.received.count >= count }
        return received
    }
}
