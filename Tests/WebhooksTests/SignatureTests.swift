import Testing
import Webhooks

@Suite("Standard Webhooks signatures")
struct SignatureTests {
    @Test("the specification's reference vector")
    func referenceVector() {
        let signature = WebhookSignature.sign(
            secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330,
            body: Array(#"{"test": 2432232314}"#.utf8))
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    @Test("during a rotation the header carries both signatures, the new secret's first")
    func rotation() throws {
        let old = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        let new = WebhookSignature.newSecret()
        let body = Array(#"{"type":"webhook.test"}"#.utf8)
        let header = WebhookSignature.header(secrets: [new, old], id: "evt_1", timestamp: 1_700_000_000, body: body)
        let parts = header.split(separator: " ").map(String.init)
        #expect(parts.count == 2)
        #expect(parts[0] == WebhookSignature.sign(secret: new, id: "evt_1", timestamp: 1_700_000_000, body: body))
        #expect(parts[1] == WebhookSignature.sign(secret: old, id: "evt_1", timestamp: 1_700_000_000, body: body))
    }

    @Test("new secrets are whsec_ and the base64 of 32 random bytes, each different")
    func newSecrets() throws {
        let a = WebhookSignature.newSecret()
        let b = WebhookSignature.newSecret()
        #expect(a != b)
        #expect(try #require(WebhookSignature.key(of: a)).count == 32)
        #expect(WebhookSignature.key(of: "not-a-secret") == nil)
    }
}
