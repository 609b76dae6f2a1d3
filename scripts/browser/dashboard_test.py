#!/usr/bin/env python3
"""The dashboard in a real browser (issue 6): headless Chromium driven over the DevTools protocol
on a pipe (standard library only). Against a running Tollgate at BASE with the admin key KEY, it
seeds a small portfolio through the API, opens /dashboard, enters a key, checks that the figures
on the page match GET /v1/portfolio/summary, approves a gate review through the API and checks the
page shows it within 2 s without a reload, and saves a screenshot to ARTIFACT.
Usage: dashboard_test.py BASE KEY ARTIFACT"""
import base64, json, os, queue, subprocess, sys, tempfile, threading, time, urllib.request

BASE, ADMIN, ARTIFACT = sys.argv[1], sys.argv[2], sys.argv[3]


def api(method, path, key=ADMIN, body=None):
    request = urllib.request.Request(BASE + path, method=method, data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"{}")


class Browser:
    """Chromium with --remote-debugging-pipe: we write commands on its fd 3, read answers on fd 4."""

    def __init__(self, profile):
        to_chrome_r, to_chrome_w = os.pipe()
        from_chrome_r, from_chrome_w = os.pipe()

        def wire():  # in the child: its fd 3 reads our commands, its fd 4 carries its answers
            reads, writes = os.dup(to_chrome_r), os.dup(from_chrome_w)  # out of the way of 3 and 4 first
            os.dup2(reads, 3)
            os.dup2(writes, 4)

        self.process = subprocess.Popen(
            ["chromium", "--headless=new", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe", "--no-first-run",
             "--user-data-dir=" + profile, "--hide-scrollbars", "about:blank"],
            preexec_fn=wire, close_fds=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.out = os.fdopen(to_chrome_w, "wb", buffering=0)
        self.inp = os.fdopen(from_chrome_r, "rb", buffering=0)
        self.next_id, self.answers = 0, {}
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        buffer = b""
        while chunk := self.inp.read(65536):
            buffer += chunk
            while b"\0" in buffer:
                message, buffer = buffer.split(b"\0", 1)
                parsed = json.loads(message)
                if "id" in parsed:
                    self.answers[parsed["id"]].put(parsed)

    def send(self, method, params=None, session=None):
        self.next_id += 1
        self.answers[self.next_id] = queue.Queue()
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self.out.write(json.dumps(message).encode() + b"\0")
        answer = self.answers[self.next_id].get(timeout=30)
        if "error" in answer:
            raise RuntimeError(answer["error"])
        return answer["result"]

    def page(self):
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.send("Emulation.setDeviceMetricsOverride", {"width": 1440, "height": 900, "deviceScaleFactor": 1, "mobile": False}, session)
        return session

    def js(self, session, expression):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True}, session)
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"])
        return result["result"].get("value")

    def close(self):
        try:
            self.send("Browser.close")
        except Exception:
            pass
        self.process.wait(10)


def until(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out: " + what)


# A small portfolio: a pod and its member, a finance approver, two use cases, one pilot review pending.
pod = api("POST", "/v1/pods", body={"name": "Browser pod", "business_unit": "Finance Ops"})["id"]
member = api("POST", "/v1/principals", body={"name": "Pod member", "functions": ["engineering"]})["id"]
api("PUT", f"/v1/pods/{pod}/members/{member}", body={"role": "member"})
member_key = api("POST", f"/v1/principals/{member}/keys", body={"name": "browser"})["key"]
finance = api("POST", "/v1/principals", body={"name": "Fiona Finance", "functions": ["finance"]})["id"]
finance_key = api("POST", f"/v1/principals/{finance}/keys", body={"name": "browser"})["key"]
estimates = {"one_time_cost_cents": 5000000, "expected_annual_benefit_cents": 12000000, "monthly_tokens": 200000000,
             "price_per_million_tokens_cents": 250, "monthly_infra_cost_cents": 100000, "monthly_energy_kwh": 120.5,
             "energy_price_cents_per_kwh": 30, "grid_carbon_g_per_kwh": 400}
cases = [api("POST", "/v1/use-cases", member_key, {"title": title, "pod_id": pod, "risk_tier": "limited", "data_classification": "internal",
                                                     "deployment": "cloud", "model_sourcing": "proprietary", "estimates": estimates})["id"]
         for title in ["Invoice triage", "Contract clause extractor"]]
review = api("POST", f"/v1/use-cases/{cases[0]}/gate-reviews", member_key,
             {"target_stage": "pilot", "requested_funding_cents": 2500000, "justification": "Ready for a pilot"})["id"]

browser = Browser(tempfile.mkdtemp(prefix="tollgate-chromium-"))
try:
    page = browser.page()
    browser.send("Page.enable", session=page)
    browser.send("Page.navigate", {"url": BASE + "/dashboard"}, page)
    until(lambda: browser.js(page, "!!document.getElementById('key-input')"), 10, "the key form")
    browser.js(page, "document.getElementById('key-input').value = %s; document.getElementById('key-submit').click()" % json.dumps(finance_key))

    def figures():
        return browser.js(page, "Object.fromEntries([...document.querySelectorAll('[data-figure]')].map(n => [n.dataset.figure, n.dataset.value]))")

    summary = api("GET", "/v1/portfolio/summary")
    until(lambda: (figures() or {}).get("as_of_seq") == str(summary["as_of_seq"]), 10, "the page shows the summary")
    shown = figures()
    expected = {
        "use_cases.total": summary["use_cases"]["total"], "by_stage.proposed": summary["use_cases"]["by_stage"]["proposed"],
        "by_stage.pilot": summary["use_cases"]["by_stage"]["pilot"], "pending.finance": summary["gate_reviews"]["pending_by_function"]["finance"]["count"],
        "funding.approved_cents": summary["funding"]["approved_cents"], "funding.spent_cents": summary["funding"]["spent_cents"],
    }
    mismatched = {k: (shown.get(k), v) for k, v in expected.items() if str(shown.get(k)) != str(v)}
    assert not mismatched, f"page vs API: {mismatched}"
    assert browser.js(page, "sessionStorage.length > 0 && localStorage.length === 0"), "the key lives in sessionStorage only"

    # A gate approval through the API appears on the page within 2 s, without a reload.
    api("POST", f"/v1/gate-reviews/{review}/decisions", finance_key, {"function": "finance", "decision": "approve"})
    approved = time.monotonic()
    until(lambda: (figures() or {}).get("by_stage.pilot") == "1" and figures().get("funding.approved_cents") == "2500000", 2,
          "the approval on the page within 2 s")
    seen = time.monotonic() - approved
    assert browser.js(page, "performance.getEntriesByType('navigation').length === 1"), "no reload happened"
    feed = browser.js(page, "[...document.querySelectorAll('#event-feed li[data-seq]')].length")
    assert feed > 0, "the live event feed shows events"
    os.makedirs(os.path.dirname(ARTIFACT) or ".", exist_ok=True)
    with open(ARTIFACT, "wb") as out:
        out.write(base64.b64decode(browser.send("Page.captureScreenshot", {"format": "png"}, page)["data"]))
    print(f"browser test: figures match the API; the approval appeared after {seen * 1000:.0f} ms; screenshot {ARTIFACT}")
finally:
    browser.close()
