import Testing
import Webhooks

/// SERVER.md section 4: webhooks may not reach loopback, private, link-local, CGNAT, multicast or
/// unspecified addresses, IPv4 and IPv6 (IPv4-mapped and NAT64 included); only http and https URLs
/// without user information.
@Suite("Webhook address guard and URL parsing")
struct AddressGuardTests {
    @Test(
        "forbidden IPv4 addresses",
        arguments: [
            "127.0.0.1", "127.255.255.254", "10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.255", "192.168.0.1",
            "192.168.255.255", "169.254.169.254", "169.254.0.1", "100.64.0.0", "100.64.0.1", "100.127.255.255", "0.0.0.0",
            "0.1.2.3", "224.0.0.1", "239.255.255.250", "255.255.255.255", "240.0.0.1",
        ])
    func forbiddenV4(_ address: String) {
        #expect(AddressGuard.isForbidden(address), "\(address) must be refused")
    }

    @Test(
        "allowed IPv4 addresses, the private ranges' neighbours included",
        arguments: [
            "8.8.8.8", "1.1.1.1", "100.63.255.255", "100.128.0.0", "172.15.255.255", "172.32.0.0", "192.167.255.255",
            "192.169.0.0", "169.253.255.255", "169.255.0.0", "11.0.0.1", "9.255.255.255", "126.255.255.255", "128.0.0.1",
            "223.255.255.255",
        ])
    func allowedV4(_ address: String) {
        #expect(!AddressGuard.isForbidden(address), "\(address) must be allowed")
    }

    @Test(
        "forbidden IPv6 addresses, IPv4-mapped and NAT64 ones included",
        arguments: [
            "::1", "::", "0:0:0:0:0:0:0:1", "fe80::1", "fe80::1%eth0", "febf::1", "fc00::1", "fd12::1", "fdff:ffff::1", "ff02::1",
            "ff05::1:3", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::ffff:192.168.1.1", "::ffff:7f00:1",
            "64:ff9b::a00:1", "64:ff9b::7f00:1", "64:ff9b::10.0.0.1", "::127.0.0.1",
        ])
    func forbiddenV6(_ address: String) {
        #expect(AddressGuard.isForbidden(address), "\(address) must be refused")
    }

    @Test(
        "allowed IPv6 addresses",
        arguments: ["2001:4860:4860::8888", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808", "2a00:1450::1"])
    func allowedV6(_ address: String) {
        #expect(!AddressGuard.isForbidden(address), "\(address) must be allowed")
    }

    @Test("text that is no address counts as forbidden", arguments: ["", "localhost", "example.com", "1.2.3", "::g", "999.1.1.1"])
    func unparseable(_ text: String) {
        #expect(AddressGuard.isForbidden(text))
    }

    @Test("localhost, and numeric spellings of loopback, are refused by the check")
    func checkRefusesLoopbackNames() throws {
        for host in ["localhost", "http://127.0.0.1/", "http://[::1]/", "http://2130706433/", "http://0x7f.1/", "http://LOCALHOST:8080/x"] {
            let url = host.hasPrefix("http") ? host : "http://\(host)/hook"
            let target = try WebhookTarget.parse(url).get()
            guard case .failure(let error) = AddressGuard.check(target) else {
                Issue.record("\(url) passed the guard")
                continue
            }
            #expect(!error.description.isEmpty)
        }
    }

    @Test("a numeric public address passes the check and is the address pinned")
    func checkPinsPublicAddress() throws {
        let target = try WebhookTarget.parse("http://8.8.8.8:8080/hook").get()
        #expect(try AddressGuard.check(target).get() == "8.8.8.8")
        let v6 = try WebhookTarget.parse("https://[2001:4860:4860::8888]/hook").get()
        #expect(try AddressGuard.check(v6).get() == "2001:4860:4860::8888")
    }

    // MARK: WebhookTarget.parse

    @Test("http and https URLs: scheme, host lowercased, default and explicit ports")
    func parsesURLs() throws {
        let plain = try WebhookTarget.parse("http://example.com/hook").get()
        #expect(plain.scheme == "http" && plain.host == "example.com" && plain.port == 80)
        #expect(plain.url == "http://example.com/hook")
        let secure = try WebhookTarget.parse("https://Hooks.Example.COM/a/b?c=d").get()
        #expect(secure.scheme == "https" && secure.host == "hooks.example.com" && secure.port == 443)
        let ported = try WebhookTarget.parse("https://example.com:8443/").get()
        #expect(ported.port == 8443)
        let upper = try WebhookTarget.parse("HTTP://example.com:1/").get()
        #expect(upper.scheme == "http" && upper.port == 1)
        let high = try WebhookTarget.parse("http://example.com:65535/").get()
        #expect(high.port == 65535)
    }

    @Test("IPv6 literals lose their brackets")
    func parsesIPv6() throws {
        let loopback = try WebhookTarget.parse("http://[::1]:8080/hook").get()
        #expect(loopback.host == "::1" && loopback.port == 8080)
        let global = try WebhookTarget.parse("https://[2001:DB8::1]/").get()
        #expect(global.host == "2001:db8::1" && global.port == 443)
        let mapped = try WebhookTarget.parse("http://[::ffff:127.0.0.1]/").get()
        #expect(AddressGuard.isForbidden(mapped.host))
    }

    @Test(
        "refused URLs: other schemes, user information, no host, bad ports, too long, not a URL",
        arguments: [
            "ftp://example.com/hook", "file:///etc/passwd", "gopher://example.com/", "javascript:alert(1)", "mailto:a@example.com",
            "http://user:secret@example.com/hook", "http://user@example.com/hook", "https://:pw@example.com/", "http:///hook",
            "http://", "https://:443/", "http://example.com:0/", "not a url", "", "example.com/hook", "//example.com/hook",
            "http://example.com/" + String(repeating: "a", count: 2048),
        ])
    func refusedURLs(_ url: String) {
        guard case .failure(let error) = WebhookTarget.parse(url) else {
            Issue.record("\(url.prefix(80)) was accepted")
            return
        }
        #expect(!error.description.isEmpty)
    }

    @Test("each refusal says why")
    func refusalReasons() {
        func reason(_ url: String) -> String? {
            if case .failure(let error) = WebhookTarget.parse(url) { return error.description }
            return nil
        }
        #expect(reason("ftp://example.com/")?.contains("http") == true)
        #expect(reason("http://user:pw@example.com/")?.contains("user") == true)
        #expect(reason("http:///x")?.contains("host") == true)
    }

    @Test("a URL of exactly 2048 bytes is accepted")
    func maximumLength() throws {
        let base = "http://example.com/"
        let url = base + String(repeating: "a", count: 2048 - base.utf8.count)
        #expect(url.utf8.count == 2048)
        #expect(try WebhookTarget.parse(url).get().host == "example.com")
    }
}
