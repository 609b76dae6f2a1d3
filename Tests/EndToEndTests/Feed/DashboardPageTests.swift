import Foundation
import TestSupport
import Testing

extension OneAtATime {
    /// `GET /dashboard` (API.md section 9, issue 6): one self-contained page, served without a key,
    /// cheap to revalidate. What the page does in a browser is the headless Chromium test's.
    @Suite("GET /dashboard")
    struct DashboardPageTests {
        /// What a browser test reads: the key form, every figure, the feed.
        static let selectors = [
            #"id="key-input""#, #"id="key-submit""#, #"id="event-feed""#, #"id="sign-out""#, #"id="status""#,
            #"data-figure="use_cases.total""#, #"data-figure="gate_reviews.pending""#, #"data-figure="as_of_seq""#,
            #"data-figure="by_stage.proposed""#, #"data-figure="by_stage.pilot""#, #"data-figure="by_stage.production""#,
            #"data-figure="by_stage.scaled""#, #"data-figure="by_stage.retired""#,
            #"data-figure="pending.engineering""#, #"data-figure="pending.security""#, #"data-figure="pending.business""#,
            #"data-figure="pending.finance""#, #"data-figure="pending.risk""#, #"data-figure="pending.legal""#,
            #"data-figure="pending.executive""#,
            #"data-figure="funding.approved_cents""#, #"data-figure="funding.spent_cents""#,
            #"data-figure="funding.utilization_pct""#,
            #"data-figure="value.expected_annual_benefit_cents""#, #"data-figure="value.realized_benefit_cents_last_3_periods""#,
            #"data-figure="tokens.tokens_last_period""#, #"data-figure="tokens.last_period""#,
            #"data-figure="energy.kwh_last_period""#, #"data-figure="energy.co2e_kg_last_period""#,
        ]

        @Test("the page is served without a key, as HTML with a strict Content-Security-Policy and an ETag")
        func served() throws {
            let app = try TestApp()
            let response = try app.call("GET", "/dashboard", key: nil)
            #expect(response.status == 200)
            #expect(response.header("Content-Type") == "text/html; charset=utf-8")
            #expect(response.header("Cache-Control") == "no-cache")
            #expect(response.header("X-Content-Type-Options") == "nosniff")
            let tag = try #require(response.header("ETag"))
            #expect(tag.hasPrefix("\"") && tag.hasSuffix("\""), "a strong ETag: \(tag)")
            let policy = try #require(response.header("Content-Security-Policy"))
            let directives = Dictionary(
                policy.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.map { directive in
                    let parts = directive.split(separator: " ", maxSplits: 1).map(String.init)
                    return (parts[0], parts.count > 1 ? parts[1] : "")
                }, uniquingKeysWith: { first, _ in first })
            #expect(directives["default-src"] == "'self'")
            #expect(directives["script-src"] == "'unsafe-inline'")
            #expect(directives["style-src"] == "'unsafe-inline'")
            #expect(directives["connect-src"] == "'self'")
            #expect(directives["img-src"] == "'self' data:")
            #expect(directives["frame-ancestors"] == "'none'")
            for source in directives.values { #expect(!source.contains("http") && !source.contains("*"), "\(source)") }
            #expect(response.bodyText.hasPrefix("<!doctype html>"))
            #expect(response.body.count == Int(response.header("Content-Length") ?? "") ?? -1)
        }

        @Test("the page is self-contained: no URL of another origin, no external script, style or image")
        func selfContained() throws {
            let app = try TestApp()
            let page = try app.call("GET", "/dashboard", key: nil).bodyText.lowercased()
            #expect(!page.contains("http://"))
            #expect(!page.contains("https://"))
            #expect(!page.contains("src=\"//") && !page.contains("href=\"//") && !page.contains("url(//"))
            #expect(!page.contains("<script src"))
            #expect(!page.contains("<link rel=\"stylesheet\""))
            #expect(!page.contains("@import"))
            #expect(page.components(separatedBy: "<script").count == 2, "one inline script")
        }

        @Test("the elements a browser test reads are there, and the key lives in sessionStorage only")
        func elements() throws {
            let app = try TestApp()
            let page = try app.call("GET", "/dashboard", key: nil).bodyText
            for selector in Self.selectors { #expect(page.contains(selector), "missing \(selector)") }
            #expect(page.contains(#"<ul id="event-feed""#))
            #expect(page.contains("data-seq"))
            #expect(page.contains("sessionStorage.setItem"))
            #expect(page.contains("sessionStorage.removeItem"))
            #expect(!page.contains("localStorage"))
            #expect(!page.contains("document.cookie"))
            // The API the page polls: the long-poll from the summary's seq, the summary with its ETag.
            #expect(page.contains("/v1/events?after="))
            #expect(page.contains("&wait="))
            #expect(page.contains("/v1/portfolio/summary"))
            #expect(page.contains("If-None-Match"))
            #expect(page.contains("/v1/me"))
            #expect(page.contains("/v1/settings"))
        }

        @Test("HEAD answers like GET without the body; If-None-Match with the current tag is a 304")
        func conditional() throws {
            let app = try TestApp()
            let get = try app.call("GET", "/dashboard", key: nil)
            let tag = try #require(get.header("ETag"))

            let head = try app.call("HEAD", "/dashboard", key: nil)
            #expect(head.status == 200)
            #expect(head.body.isEmpty)
            #expect(head.header("ETag") == tag)
            #expect(head.header("Content-Type") == "text/html; charset=utf-8")
            #expect(head.header("Content-Length") == String(get.body.count))

            for header in ["If-None-Match: \(tag)", "If-None-Match: W/\(tag)", "If-None-Match: \"other\", \(tag)", "If-None-Match: *"] {
                let revalidated = try app.call("GET", "/dashboard", key: nil, headers: [header])
                #expect(revalidated.status == 304, "\(header)")
                #expect(revalidated.body.isEmpty)
                #expect(revalidated.header("ETag") == tag)
                #expect(revalidated.header("Cache-Control") == "no-cache")
            }
            let headRevalidated = try app.call("HEAD", "/dashboard", key: nil, headers: ["If-None-Match: \(tag)"])
            #expect(headRevalidated.status == 304)

            let stale = try app.call("GET", "/dashboard", key: nil, headers: ["If-None-Match: \"stale\""])
            #expect(stale.status == 200)
            #expect(stale.body == get.body)
            #expect(try app.call("GET", "/dashboard", key: nil).header("ETag") == tag, "the same bytes, the same tag")

            let post = try app.call("POST", "/dashboard", key: nil, json: "{}")
            #expect(post.status == 405)
            #expect(post.header("Allow")?.contains("GET") == true)
        }

        /// `node`, when the machine has it.
        static let node: String? = {
            let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
            return path.split(separator: ":").map { "\($0)/node" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        }()

        @Test("the inline script parses (node --check)", .enabled(if: DashboardPageTests.node != nil, "needs node"))
        func scriptParses() throws {
            let node = try #require(Self.node)
            let app = try TestApp()
            let page = try app.call("GET", "/dashboard", key: nil).bodyText
            let start = try #require(page.range(of: "<script>"))
            let end = try #require(page.range(of: "</script>", range: start.upperBound..<page.endIndex))
            let script = String(page[start.upperBound..<end.lowerBound])
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-dashboard-\(UUID().uuidString).js")
            try Data(script.utf8).write(to: file)
            defer { try? FileManager.default.removeItem(at: file) }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: node)
            process.arguments = ["--check", file.path]
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            let output = errors.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\(String(decoding: output, as: UTF8.self))")
        }
    }
}
