import HTTP1
import HTTPServer
import Testing

/// Route resolution by path segments: literals before parameters, percent-decoded parameters,
/// one leading and one trailing slash ignored, 404 and 405 with `Allow`.
@Suite("Router")
struct RouterTests {
    static let router: Router = {
        var router = Router()
        let answer: (String) -> RouteHandler = { name in
            .inline { _ in HandlerResult(Response(status: .ok, contentType: "text/plain", body: name)) }
        }
        router.add(.get, "/", answer("root"))
        router.add(.get, "/v1/use-cases", answer("list"))
        router.add(.get, "/v1/use-cases/{id}", answer("one"))
        router.add(.post, "/v1/use-cases/{id}/retire", answer("retire"))
        router.add(.get, "/v1/use-cases/mine", answer("mine"))
        router.add(.put, "/v1/use-cases/mine", answer("mine-put"))
        router.add(.get, "/x/", answer("x"))
        return router
    }()

    /// The matched template and parameters, or "404" / "405 <Allow>".
    static func resolve(_ method: HTTPMethod, _ path: String) -> String {
        switch router.resolve(method, path: path) {
        case .found(_, let template, let parameters):
            return ([template] + parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }).joined(separator: " ")
        case .notFound: return "404"
        case .methodNotAllowed(let allow): return "405 " + allow.map(\.rawValue).joined(separator: ",")
        }
    }

    @Test(
        "paths resolve to their templates",
        arguments: [
            ("/", "/"),
            ("/v1/use-cases", "/v1/use-cases"),
            ("/v1/use-cases/", "/v1/use-cases"),
            ("/v1/use-cases/uc_1", "/v1/use-cases/{id} id=uc_1"),
            ("/v1/use-cases/uc_1/", "/v1/use-cases/{id} id=uc_1"),
            ("/v1/use-cases/a%2Fb", "/v1/use-cases/{id} id=a/b"),
            ("/v1/use-cases/mine", "/v1/use-cases/mine"),
            ("/v1/use-cases/mine/", "/v1/use-cases/mine"),
            ("/x", "/x/"),
            ("/x/", "/x/"),
            ("/v1/use-cases//", "404"),
            ("//v1/use-cases", "404"),
            ("/v1/use-cases/uc_1/retire/x", "404"),
            ("/v1", "404"),
            ("/v2/use-cases", "404"),
            ("", "404"),
        ])
    func resolves(path: String, expected: String) {
        #expect(Self.resolve(.get, path) == expected, "GET \(path)")
    }

    @Test("a known path with another method is 405 with Allow; HEAD follows GET")
    func methods() {
        #expect(Self.resolve(.get, "/v1/use-cases/uc_1/retire") == "405 POST")
        #expect(Self.resolve(.delete, "/v1/use-cases") == "405 GET,HEAD")
        #expect(Self.resolve(.head, "/v1/use-cases/uc_1") == "/v1/use-cases/{id} id=uc_1")
        // A static route beside a parameter: its own methods, HEAD by GET, 405 for the rest.
        #expect(Self.resolve(.put, "/v1/use-cases/mine") == "/v1/use-cases/mine")
        #expect(Self.resolve(.head, "/v1/use-cases/mine") == "/v1/use-cases/mine")
        #expect(Self.resolve(.delete, "/v1/use-cases/mine") == "405 GET,HEAD,PUT")
        #expect(Self.resolve(.delete, "/v1/use-cases/mine/") == "405 GET,HEAD,PUT")
    }
}
