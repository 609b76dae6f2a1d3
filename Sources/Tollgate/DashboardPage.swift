import API
import HTTP1

/// `GET /dashboard` (API.md section 9, issue 6): one self-contained page (HTML, CSS and JavaScript,
/// no external assets) that asks for an API key (kept in sessionStorage only), shows the portfolio
/// summary, the approval queues and the live event feed, and updates itself by long-polling
/// `/v1/events` and asking for `/v1/portfolio/summary` again with `If-None-Match`.
enum DashboardPage {
    /// Everything the page loads is in it, so the policy allows nothing from elsewhere: the inline
    /// script and style, requests to this origin, and `data:` images (the empty favicon).
    static let contentSecurityPolicy =
        "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
        + "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    static let body: [UInt8] = Array(html.utf8)
    static let tag = EntityTag(representation: body)

    /// The page, or 304 when the client's copy (`If-None-Match`) is current. HEAD is answered
    /// through the GET route; the writer leaves out the body.
    static func response(to request: Request) -> Response {
        var headers: HTTPHeaders = ["ETag": tag.quoted, "Cache-Control": "no-cache"]
        if let ifNoneMatch = request.headers["If-None-Match"], tag.matchesIfNoneMatch(ifNoneMatch) {
            return Response(status: .notModified, headers: headers)
        }
        headers.add(name: "Content-Type", value: "text/html; charset=utf-8")
        headers.add(name: "Content-Security-Policy", value: contentSecurityPolicy)
        headers.add(name: "X-Content-Type-Options", value: "nosniff")
        headers.add(name: "Referrer-Policy", value: "no-referrer")
        return Response(status: .ok, headers: headers, body: body)
    }

    static let html: String = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="color-scheme" content="light dark">
        <meta name="referrer" content="no-referrer">
        <title>Tollgate &middot; Portfolio</title>
        <link rel="icon" href="data:,">
        <style>
        :root {
          --bg: #f3f4f7;
          --surface: #ffffff;
          --surface-2: #f7f8fa;
          --border: #e1e4ea;
          --text: #151922;
          --muted: #5b6474;
          --faint: #8a93a3;
          --accent: #3b5bdb;
          --accent-strong: #2f4ac0;
          --accent-soft: #e8edff;
          --track: #eceff4;
          --good: #2b8a3e;
          --warn: #d9480f;
          --bad: #c2255c;
          --money: #0b7285;
          --stage-proposed: #a5b4fc;
          --stage-pilot: #7b8ff2;
          --stage-production: #4c63e0;
          --stage-scaled: #2c3fae;
          --stage-retired: #b6bcc6;
          --shadow: 0 1px 2px rgba(16, 24, 40, .04), 0 1px 3px rgba(16, 24, 40, .07);
          --radius: 12px;
          --mono: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace;
          color-scheme: light dark;
        }
        @media (prefers-color-scheme: dark) {
          :root {
            --bg: #0d1016;
            --surface: #151a23;
            --surface-2: #1a202b;
            --border: #262e3d;
            --text: #e5e8ee;
            --muted: #9ba4b4;
            --faint: #6c7688;
            --accent: #8096ff;
            --accent-strong: #9aabff;
            --accent-soft: rgba(128, 150, 255, .16);
            --track: #222a38;
            --good: #5fcf7a;
            --warn: #ffa94d;
            --bad: #ff7aa2;
            --money: #4fd1e0;
            --stage-proposed: #3d4a8f;
            --stage-pilot: #5668c9;
            --stage-production: #7b8ff2;
            --stage-scaled: #a9b6ff;
            --stage-retired: #4a5262;
            --shadow: 0 1px 2px rgba(0, 0, 0, .3);
          }
        }
        * { box-sizing: border-box; }
        [hidden] { display: none !important; }
        html, body { margin: 0; }
        body {
          background: var(--bg);
          color: var(--text);
          font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif;
          -webkit-font-smoothing: antialiased;
          min-height: 100vh;
        }
        h1, h2, h3 { margin: 0; font-weight: 600; }
        code, .mono { font-family: var(--mono); font-size: 12px; }
        .num, .kpi-value, .tile-value, .funnel-count, .money { font-variant-numeric: tabular-nums; }
        .muted { color: var(--muted); }

        /* top bar */
        .topbar {
          position: sticky; top: 0; z-index: 5;
          display: flex; align-items: center; justify-content: space-between; gap: 16px;
          height: 56px; padding: 0 24px;
          background: color-mix(in srgb, var(--surface) 88%, transparent);
          backdrop-filter: saturate(1.4) blur(8px);
          border-bottom: 1px solid var(--border);
        }
        .brand { display: flex; align-items: center; gap: 10px; min-width: 0; }
        .logo { width: 24px; height: 24px; fill: var(--accent); flex: none; }
        .brand-name { font-weight: 650; font-size: 16px; letter-spacing: -.01em; }
        .brand-sub { color: var(--muted); padding-left: 10px; border-left: 1px solid var(--border); }
        .session-bar { display: flex; align-items: center; gap: 14px; min-width: 0; color: var(--muted); font-size: 13px; }
        .who { display: flex; align-items: center; gap: 6px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
        .who-name { color: var(--text); font-weight: 550; }
        .chip {
          display: inline-flex; align-items: center; height: 20px; padding: 0 7px; border-radius: 10px;
          background: var(--surface-2); border: 1px solid var(--border); color: var(--muted); font-size: 11.5px; white-space: nowrap;
        }
        .chip.accent { background: var(--accent-soft); border-color: transparent; color: var(--accent-strong); }
        .seq { white-space: nowrap; }
        .seq [data-figure] { color: var(--text); font-variant-numeric: tabular-nums; }
        .status { display: inline-flex; align-items: center; gap: 7px; white-space: nowrap; }
        .status-dot { width: 8px; height: 8px; border-radius: 50%; background: var(--faint); flex: none; }
        .status[data-state="live"] .status-dot { background: var(--good); box-shadow: 0 0 0 3px color-mix(in srgb, var(--good) 22%, transparent); }
        .status[data-state="retrying"] .status-dot { background: var(--warn); animation: pulse 1.2s ease-in-out infinite; }
        .status[data-state="connecting"] .status-dot { background: var(--accent); animation: pulse 1.2s ease-in-out infinite; }
        .status[data-state="retrying"] #status-text { color: var(--warn); }
        @keyframes pulse { 50% { opacity: .35; } }
        .btn {
          font: inherit; border-radius: 8px; border: 1px solid transparent; cursor: pointer; padding: 0 14px; height: 34px;
          display: inline-flex; align-items: center; justify-content: center; gap: 6px; font-weight: 550;
        }
        .btn-primary { background: var(--accent); color: #fff; }
        .btn-primary:hover { background: var(--accent-strong); }
        .btn-primary:disabled { opacity: .6; cursor: progress; }
        .btn-ghost { background: transparent; color: var(--muted); border-color: var(--border); height: 30px; padding: 0 12px; }
        .btn-ghost:hover { color: var(--text); background: var(--surface-2); }
        :focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }

        /* sign-in */
        .signin { display: grid; place-items: center; min-height: calc(100vh - 56px); padding: 24px; }
        .signin-card {
          width: min(440px, 100%); background: var(--surface); border: 1px solid var(--border); border-radius: 16px;
          box-shadow: var(--shadow); padding: 28px; display: grid; gap: 14px;
        }
        .signin-card h1 { font-size: 20px; letter-spacing: -.01em; }
        .signin-card p { margin: 0; font-size: 13px; }
        .signin-card label { font-weight: 550; font-size: 13px; margin-bottom: -8px; }
        .signin-card input {
          font: 14px var(--mono); height: 40px; padding: 0 12px; border-radius: 8px; width: 100%;
          border: 1px solid var(--border); background: var(--surface-2); color: var(--text);
        }
        .signin-card input:focus { outline: none; border-color: var(--accent); box-shadow: 0 0 0 3px var(--accent-soft); }
        .signin-card .btn { height: 40px; }
        .form-error {
          font-size: 13px; color: var(--bad); background: color-mix(in srgb, var(--bad) 9%, transparent);
          border-radius: 8px; padding: 8px 10px;
        }

        /* layout */
        .grid {
          display: grid; gap: 16px; padding: 20px 24px 12px; max-width: 1640px; margin: 0 auto;
          grid-template-columns: minmax(0, 1fr) minmax(0, 1fr) minmax(300px, 390px);
          grid-template-areas:
            "kpis    kpis    feed"
            "funnel  pending feed"
            "funding usage   feed"
            "queue   queue   feed";
          grid-template-rows: auto auto auto 1fr;
        }
        .kpis { grid-area: kpis; display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 16px; }
        .funnel-card { grid-area: funnel; display: flex; flex-direction: column; }
        .pending-card { grid-area: pending; }
        .funding-card { grid-area: funding; }
        .usage-card { grid-area: usage; }
        .queue-card { grid-area: queue; align-self: start; }
        .feed-card {
          grid-area: feed; align-self: start; position: sticky; top: 76px;
          height: calc(100vh - 96px); min-height: 380px; display: flex; flex-direction: column;
        }
        .card {
          background: var(--surface); border: 1px solid var(--border); border-radius: var(--radius);
          box-shadow: var(--shadow); padding: 16px 18px; min-width: 0;
        }
        .card-head { display: flex; align-items: baseline; justify-content: space-between; gap: 12px; margin-bottom: 14px; }
        .card-head h2 { font-size: 14px; }
        .card-note { color: var(--muted); font-size: 12.5px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
        .foot { max-width: 1640px; margin: 0 auto; padding: 0 24px 20px; color: var(--faint); font-size: 12px; }

        /* figures that just changed */
        .changed { animation: changed 1.6s ease-out; border-radius: 4px; }
        @keyframes changed { from { background: var(--accent-soft); } to { background: transparent; } }
        @media (prefers-reduced-motion: reduce) { .changed, .fresh, .status-dot { animation: none !important; } }

        /* KPIs */
        .kpi { display: grid; gap: 4px; align-content: start; }
        .kpi-label { color: var(--muted); font-size: 12.5px; font-weight: 500; }
        .kpi-value { font-size: 26px; font-weight: 650; letter-spacing: -.02em; line-height: 1.15; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
        .kpi-sub { color: var(--muted); font-size: 12px; min-height: 17px; }
        .kpi-meter { width: 100%; height: 6px; display: block; margin-top: 4px; }
        .kpi-meter .track, .meter .track { fill: var(--track); }
        .kpi-meter .fill { fill: var(--good); transition: width .4s ease; }

        /* funnel */
        .funnel { display: grid; gap: 10px; flex: 1 1 auto; align-content: space-evenly; }
        .funnel-row { display: grid; grid-template-columns: 88px minmax(0, 1fr) 52px 44px; align-items: center; gap: 12px; }
        .funnel-label { color: var(--muted); font-weight: 500; }
        .funnel-bar { width: 100%; height: 22px; display: block; overflow: visible; }
        .funnel-bar .track { fill: var(--track); }
        .funnel-bar .fill { transition: width .45s ease; }
        .funnel-row[data-stage="proposed"] .fill { fill: var(--stage-proposed); }
        .funnel-row[data-stage="pilot"] .fill { fill: var(--stage-pilot); }
        .funnel-row[data-stage="production"] .fill { fill: var(--stage-production); }
        .funnel-row[data-stage="scaled"] .fill { fill: var(--stage-scaled); }
        .funnel-row[data-stage="retired"] .fill { fill: var(--stage-retired); }
        .funnel-count { text-align: right; font-weight: 650; font-size: 15px; }
        .funnel-share { text-align: right; color: var(--faint); font-size: 12px; font-variant-numeric: tabular-nums; }
        .funnel-divider { border: 0; border-top: 1px dashed var(--border); margin: 2px 0; }
        .funnel-row[data-stage="retired"] .funnel-count { color: var(--muted); font-weight: 550; }

        /* pending approvals */
        .queue-table { width: 100%; border-collapse: collapse; }
        .queue-table th, .queue-table td { padding: 7px 0; text-align: left; border-bottom: 1px solid var(--border); }
        .queue-table tbody tr:last-child th, .queue-table tbody tr:last-child td { border-bottom: 0; }
        .queue-table thead th, .queue-table thead th.num { color: var(--faint); font-size: 11px; font-weight: 600; text-transform: uppercase; letter-spacing: .04em; padding-top: 0; }
        .queue-table tbody th { font-weight: 500; white-space: nowrap; }
        .queue-table .num { text-align: right; width: 56px; font-weight: 650; font-size: 15px; padding-right: 14px; }
        .queue-table .bar-cell { width: 34%; padding-right: 14px; }
        .queue-table .age { text-align: right; width: 86px; color: var(--muted); font-variant-numeric: tabular-nums; white-space: nowrap; }
        .queue-table tr.is-zero .num, .queue-table tr.is-zero th { color: var(--faint); font-weight: 450; }
        .queue-table tr.mine th::after { content: "you"; margin-left: 7px; font-size: 10.5px; font-weight: 600; color: var(--accent-strong); background: var(--accent-soft); padding: 1px 6px; border-radius: 8px; vertical-align: 1px; }
        .meter { width: 100%; height: 8px; display: block; }
        .meter .fill { fill: var(--accent); transition: width .45s ease; }
        [data-level="warn"] { color: var(--warn) !important; }
        [data-level="alert"] { color: var(--bad) !important; font-weight: 600; }

        /* funding */
        .funding-body { display: grid; grid-template-columns: 170px minmax(0, 1fr); gap: 18px; align-items: center; }
        .gauge { position: relative; width: 170px; }
        .gauge svg { width: 100%; display: block; }
        .gauge .g-track { fill: none; stroke: var(--track); stroke-width: 12; stroke-linecap: round; }
        .gauge .g-fill { fill: none; stroke: var(--good); stroke-width: 12; stroke-linecap: round; transition: stroke-dasharray .5s ease; }
        .gauge[data-level="warn"] .g-fill { stroke: var(--warn); }
        .gauge[data-level="alert"] .g-fill { stroke: var(--bad); }
        .gauge[data-level="none"] .g-fill { stroke: transparent; }
        .gauge-label { position: absolute; left: 0; right: 0; bottom: 2px; text-align: center; display: grid; }
        .gauge-label [data-figure] { font-size: 22px; font-weight: 650; letter-spacing: -.02em; font-variant-numeric: tabular-nums; }
        .gauge-label small { color: var(--muted); font-size: 11.5px; }
        .figures { margin: 0; display: grid; gap: 10px; }
        .figures div { display: flex; justify-content: space-between; align-items: baseline; gap: 10px; }
        .figures dt { color: var(--muted); display: flex; align-items: center; gap: 7px; }
        .figures dd { margin: 0; font-weight: 650; font-size: 16px; font-variant-numeric: tabular-nums; white-space: nowrap; }
        .swatch { width: 9px; height: 9px; border-radius: 2px; display: inline-block; }
        .swatch.approved { background: var(--stage-proposed); }
        .swatch.spent { background: var(--accent); }
        .funding-bars { width: 100%; height: 34px; display: block; margin-top: 16px; }
        .funding-bars .track { fill: var(--track); }
        .funding-bars .approved { fill: var(--stage-proposed); transition: width .45s ease; }
        .funding-bars .spent { fill: var(--accent); transition: width .45s ease; }
        .funding-bars .over { fill: var(--bad); }
        #funding-remaining.over { color: var(--bad); }

        /* usage */
        .tiles { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 12px; }
        .tile { background: var(--surface-2); border: 1px solid var(--border); border-radius: 10px; padding: 12px; min-width: 0; }
        .tile-label { color: var(--muted); font-size: 12px; font-weight: 500; }
        .tile-value { font-size: 20px; font-weight: 650; letter-spacing: -.01em; margin-top: 2px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
        .unit { color: var(--faint); font-weight: 500; margin-left: 2px; }
        .tile-sub { color: var(--faint); font-size: 11.5px; margin-top: 2px; min-height: 16px; }
        .usage-note { margin: 12px 0 0; color: var(--faint); font-size: 12px; }

        /* my queue */
        .myq-groups { display: grid; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr)); gap: 12px 24px; }
        .myq-group h3 { font-size: 12.5px; color: var(--muted); font-weight: 600; margin-bottom: 6px; display: flex; justify-content: space-between; }
        .myq-list { list-style: none; margin: 0; padding: 0; }
        .myq-list li { display: grid; grid-template-columns: minmax(0, 1fr) auto; gap: 1px 12px; padding: 8px 0; border-bottom: 1px solid var(--border); align-items: baseline; }
        .myq-list li:last-child { border-bottom: 0; }
        .myq-title { font-weight: 550; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
        .myq-meta { color: var(--muted); font-size: 12px; }
        .myq-id { color: var(--faint); font-size: 11px; grid-column: 1 / -1; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
        .myq-age { text-align: right; color: var(--muted); font-size: 12px; font-variant-numeric: tabular-nums; white-space: nowrap; }
        .myq-funding { text-align: right; font-size: 12.5px; font-weight: 600; font-variant-numeric: tabular-nums; white-space: nowrap; }
        .empty { color: var(--faint); font-size: 13px; margin: 6px 0; }

        /* event feed */
        .feed { list-style: none; margin: 0 -18px; padding: 0 18px; overflow-y: auto; flex: 1 1 auto; min-height: 0; }
        .feed li { display: grid; grid-template-columns: 10px minmax(0, 1fr); gap: 10px; padding: 10px 0; border-bottom: 1px solid var(--border); }
        .feed li:last-child { border-bottom: 0; }
        .feed li.fresh { animation: fresh 2.4s ease-out; }
        @keyframes fresh { from { background: var(--accent-soft); } to { background: transparent; } }
        .ev-dot { width: 8px; height: 8px; border-radius: 50%; margin-top: 6px; background: var(--faint); }
        li[data-kind="good"] .ev-dot { background: var(--good); }
        li[data-kind="money"] .ev-dot { background: var(--money); }
        li[data-kind="bad"] .ev-dot { background: var(--bad); }
        li[data-kind="warn"] .ev-dot { background: var(--warn); }
        li[data-kind="review"] .ev-dot { background: var(--accent); }
        li[data-kind="usecase"] .ev-dot { background: var(--stage-pilot); }
        li[data-kind="usage"] .ev-dot { background: var(--stage-retired); }
        .ev-body { min-width: 0; display: grid; gap: 2px; }
        .ev-head { display: flex; justify-content: space-between; gap: 8px; align-items: baseline; }
        .ev-label { font-weight: 600; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
        .ev-time { color: var(--faint); font-size: 12px; white-space: nowrap; font-variant-numeric: tabular-nums; }
        .ev-subject { display: flex; gap: 8px; align-items: baseline; min-width: 0; }
        .ev-title { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
        .ev-detail { color: var(--muted); font-size: 12.5px; overflow-wrap: anywhere; }
        .ev-meta { display: flex; gap: 8px; color: var(--faint); font-size: 11.5px; min-width: 0; align-items: baseline; }
        .ev-meta code { font-size: 11px; white-space: nowrap; }
        .ev-meta .ev-id { overflow: hidden; text-overflow: ellipsis; min-width: 0; color: var(--muted); }
        .ev-meta .ev-seq { margin-left: auto; white-space: nowrap; }

        @media (max-width: 1180px) {
          .grid {
            grid-template-columns: minmax(0, 1fr) minmax(0, 1fr);
            grid-template-areas: "kpis kpis" "funnel pending" "funding usage" "queue queue" "feed feed";
            grid-template-rows: none;
          }
          .feed-card { position: static; height: 560px; }
          .kpis { grid-template-columns: repeat(2, minmax(0, 1fr)); }
        }
        @media (max-width: 760px) {
          .grid { grid-template-columns: minmax(0, 1fr); grid-template-areas: "kpis" "funnel" "pending" "funding" "usage" "queue" "feed"; padding: 14px; }
          .topbar { padding: 0 14px; }
          .brand-sub, .seq, .who { display: none; }
          .funding-body { grid-template-columns: 1fr; justify-items: center; }
          .figures { width: 100%; }
          .tiles { grid-template-columns: 1fr; }
        }
        </style>
        </head>
        <body>
        <header class="topbar">
          <div class="brand">
            <svg id="logo" class="logo" viewBox="0 0 24 24" aria-hidden="true"><rect x="3" y="3" width="4.5" height="18" rx="1.2"/><rect x="16.5" y="3" width="4.5" height="18" rx="1.2"/><rect x="7.5" y="8" width="9" height="3" rx="1"/><rect x="7.5" y="13" width="9" height="3" rx="1" opacity=".45"/></svg>
            <span class="brand-name">Tollgate</span>
            <span class="brand-sub">Portfolio</span>
          </div>
          <div id="session-bar" class="session-bar" hidden>
            <span id="status" class="status" data-state="connecting" role="status" aria-live="polite"><span class="status-dot"></span><span id="status-text">Connecting&hellip;</span></span>
            <span class="seq">as of event <span data-figure="as_of_seq" data-value="">&mdash;</span></span>
            <span id="who" class="who"></span>
            <button id="sign-out" type="button" class="btn btn-ghost">Sign out</button>
          </div>
        </header>

        <noscript><p class="signin">This dashboard needs JavaScript.</p></noscript>

        <section id="signin" class="signin" hidden>
          <form id="key-form" class="signin-card" autocomplete="off" novalidate>
            <h1>Portfolio dashboard</h1>
            <p class="muted">Sign in with a Tollgate API key. The key stays in this browser tab only (session storage), is sent only to this server, and is forgotten when you sign out or close the tab.</p>
            <label for="key-input">API key</label>
            <input id="key-input" name="key" type="password" autocomplete="off" autocapitalize="off" spellcheck="false" placeholder="Paste your key">
            <div id="key-error" class="form-error" role="alert" hidden></div>
            <button id="key-submit" type="submit" class="btn btn-primary">Open dashboard</button>
          </form>
        </section>

        <main id="dashboard" class="grid" hidden>
          <section class="kpis" aria-label="Key figures">
            <div class="card kpi">
              <div class="kpi-label">Use cases</div>
              <div class="kpi-value" data-figure="use_cases.total" data-value="">&mdash;</div>
              <div class="kpi-sub" id="kpi-use-cases"></div>
            </div>
            <div class="card kpi">
              <div class="kpi-label">Pending approvals</div>
              <div class="kpi-value" data-figure="gate_reviews.pending" data-value="">&mdash;</div>
              <div class="kpi-sub" id="kpi-pending"></div>
            </div>
            <div class="card kpi">
              <div class="kpi-label">Expected annual benefit</div>
              <div class="kpi-value" data-figure="value.expected_annual_benefit_cents" data-value="">&mdash;</div>
              <div class="kpi-sub">estimated, use cases not retired</div>
            </div>
            <div class="card kpi">
              <div class="kpi-label">Realized, last 3 periods</div>
              <div class="kpi-value" data-figure="value.realized_benefit_cents_last_3_periods" data-value="">&mdash;</div>
              <div class="kpi-sub" id="kpi-realized"></div>
              <svg class="kpi-meter" aria-hidden="true"><rect class="track" width="100%" height="6" rx="3"/><rect id="realized-meter" class="fill" width="0" height="6" rx="3"/></svg>
            </div>
          </section>

          <section class="card funnel-card" aria-labelledby="funnel-title">
            <div class="card-head"><h2 id="funnel-title">Stage funnel</h2><span class="card-note">use cases by lifecycle stage</span></div>
            <div class="funnel" id="funnel" role="img" aria-label="Use cases by stage">
              <div class="funnel-row" data-stage="proposed">
                <span class="funnel-label">Proposed</span>
                <svg class="funnel-bar" aria-hidden="true"><rect class="track" width="100%" height="22" rx="5"/><rect class="fill" width="0" height="22" rx="5"/></svg>
                <span class="funnel-count" data-figure="by_stage.proposed" data-value="">&mdash;</span>
                <span class="funnel-share"></span>
              </div>
              <div class="funnel-row" data-stage="pilot">
                <span class="funnel-label">Pilot</span>
                <svg class="funnel-bar" aria-hidden="true"><rect class="track" width="100%" height="22" rx="5"/><rect class="fill" width="0" height="22" rx="5"/></svg>
                <span class="funnel-count" data-figure="by_stage.pilot" data-value="">&mdash;</span>
                <span class="funnel-share"></span>
              </div>
              <div class="funnel-row" data-stage="production">
                <span class="funnel-label">Production</span>
                <svg class="funnel-bar" aria-hidden="true"><rect class="track" width="100%" height="22" rx="5"/><rect class="fill" width="0" height="22" rx="5"/></svg>
                <span class="funnel-count" data-figure="by_stage.production" data-value="">&mdash;</span>
                <span class="funnel-share"></span>
              </div>
              <div class="funnel-row" data-stage="scaled">
                <span class="funnel-label">Scaled</span>
                <svg class="funnel-bar" aria-hidden="true"><rect class="track" width="100%" height="22" rx="5"/><rect class="fill" width="0" height="22" rx="5"/></svg>
                <span class="funnel-count" data-figure="by_stage.scaled" data-value="">&mdash;</span>
                <span class="funnel-share"></span>
              </div>
              <hr class="funnel-divider">
              <div class="funnel-row" data-stage="retired">
                <span class="funnel-label">Retired</span>
                <svg class="funnel-bar" aria-hidden="true"><rect class="track" width="100%" height="22" rx="5"/><rect class="fill" width="0" height="22" rx="5"/></svg>
                <span class="funnel-count" data-figure="by_stage.retired" data-value="">&mdash;</span>
                <span class="funnel-share"></span>
              </div>
            </div>
          </section>

          <section class="card pending-card" aria-labelledby="pending-title">
            <div class="card-head"><h2 id="pending-title">Pending approvals</h2><span class="card-note">by approving function</span></div>
            <table class="queue-table">
              <thead><tr><th scope="col">Function</th><th scope="col" class="num">Pending</th><th scope="col" class="bar-cell"><span hidden>Share</span></th><th scope="col" class="age">Oldest</th></tr></thead>
              <tbody id="pending-rows">
                <tr data-function="engineering"><th scope="row">Engineering</th><td class="num"><span data-figure="pending.engineering" data-value="">&mdash;</span></td><td class="bar-cell"><svg class="meter" aria-hidden="true"><rect class="track" width="100%" height="8" rx="4"/><rect class="fill" width="0" height="8" rx="4"/></svg></td><td class="age"><span data-age="engineering">&mdash;</span></td></tr>
                <tr data-function="security"><th scope="row">Security</th><td class="num"><span data-figure="pending.security" data-value="">&mdash;</span></td><td class="bar-cell"><svg class="meter" aria-hidden="true"><rect class="track" width="100%" height="8" rx="4"/><rect class="fill" width="0" height="8" rx="4"/></svg></td><td class="age"><span data-age="security">&mdash;</span></td></tr>
                <tr data-function="business"><th scope="row">Business</th><td class="num"><span data-figure="pending.business" data-value="">&mdash;</span></td><td class="bar-cell"><svg class="meter" aria-hidden="true"><rect class="track" width="100%" height="8" rx="4"/><rect class="fill" width="0" height="8" rx="4"/></svg></td><td class="age"><span data-age="business">&mdash;</span></td></tr>
                <tr data-function="finance"><th scope="row">Finance</th><td class="num"><span data-figure="pending.finance" data-value="">&mdash;</span></td><td class="bar-cell"><svg class="meter" aria-hidden="true"><rect class="track" width="100%" height="8" rx="4"/><rect class="fill" width="0" height="8" rx="4"/></svg></td><td class="age"><span data-age="finance">&mdash;</span></td></tr>
                <tr data-function="risk"><th scope="row">Risk</th><td class="num"><span data-figure="pending.risk" data-value="">&mdash;</span></td><td class="bar-cell"><svg class="meter" aria-hidden="true"><rect class="track" width="100%" height="8" rx="4"/><rect class="fill" width="0" height="8" rx="4"/></svg></td><td class="age"><span data-age="risk">&mdash;</span></td></tr>
                <tr data-function="legal"><th scope="row">Legal</th><td class="num"><span data-figure="pending.legal" data-value="">&mdash;</span></td><td class="bar-cell"><svg class="meter" aria-hidden="true"><rect class="track" width="100%" height="8" rx="4"/><rect class="fill" width="0" height="8" rx="4"/></svg></td><td class="age"><span data-age="legal">&mdash;</span></td></tr>
                <tr data-function="executive"><th scope="row">Executive</th><td class="num"><span data-figure="pending.executive" data-value="">&mdash;</span></td><td class="bar-cell"><svg class="meter" aria-hidden="true"><rect class="track" width="100%" height="8" rx="4"/><rect class="fill" width="0" height="8" rx="4"/></svg></td><td class="age"><span data-age="executive">&mdash;</span></td></tr>
              </tbody>
            </table>
          </section>

          <section class="card funding-card" aria-labelledby="funding-title">
            <div class="card-head"><h2 id="funding-title">Funding</h2><span class="card-note">approved against spent</span></div>
            <div class="funding-body">
              <div class="gauge" id="gauge" data-level="none">
                <svg viewBox="0 0 120 68" role="img" aria-label="Funding utilization"><path class="g-track" d="M10 60 A50 50 0 0 1 110 60" pathLength="100"/><path id="gauge-fill" class="g-fill" d="M10 60 A50 50 0 0 1 110 60" pathLength="100" stroke-dasharray="0 100"/></svg>
                <div class="gauge-label"><span data-figure="funding.utilization_pct" data-value="">&mdash;</span><small>utilized</small></div>
              </div>
              <dl class="figures">
                <div><dt><span class="swatch approved"></span>Approved</dt><dd data-figure="funding.approved_cents" data-value="">&mdash;</dd></div>
                <div><dt><span class="swatch spent"></span>Spent</dt><dd data-figure="funding.spent_cents" data-value="">&mdash;</dd></div>
                <div><dt id="funding-remaining-label">Remaining</dt><dd id="funding-remaining">&mdash;</dd></div>
              </dl>
            </div>
            <svg class="funding-bars" aria-hidden="true">
              <rect class="track" y="0" width="100%" height="14" rx="4"/><rect id="bar-approved" class="approved" y="0" width="0" height="14" rx="4"/>
              <rect class="track" y="20" width="100%" height="14" rx="4"/><rect id="bar-spent" class="spent" y="20" width="0" height="14" rx="4"/>
            </svg>
          </section>

          <section class="card usage-card" aria-labelledby="usage-title">
            <div class="card-head"><h2 id="usage-title">Usage &amp; footprint</h2><span class="card-note">last period: <span data-figure="tokens.last_period" data-value="">&mdash;</span></span></div>
            <div class="tiles">
              <div class="tile">
                <div class="tile-label">Tokens</div>
                <div class="tile-value" data-figure="tokens.tokens_last_period" data-value="">&mdash;</div>
                <div class="tile-sub" id="tokens-sub"></div>
              </div>
              <div class="tile">
                <div class="tile-label">Energy <span class="unit">kWh</span></div>
                <div class="tile-value" data-figure="energy.kwh_last_period" data-value="">&mdash;</div>
                <div class="tile-sub" id="energy-sub"></div>
              </div>
              <div class="tile">
                <div class="tile-label">CO<sub>2</sub>e <span class="unit">kg</span></div>
                <div class="tile-value" data-figure="energy.co2e_kg_last_period" data-value="">&mdash;</div>
                <div class="tile-sub" id="co2e-sub"></div>
              </div>
            </div>
            <p class="usage-note">Sums of the usage reports for the latest period any report covers; CO<sub>2</sub>e from each use case's grid carbon estimate.</p>
          </section>

          <section class="card queue-card" id="my-queue" aria-labelledby="my-queue-title" hidden>
            <div class="card-head"><h2 id="my-queue-title">Waiting for you</h2><span class="card-note" id="my-queue-note">pending reviews that still need your function's approval</span></div>
            <div id="my-queue-body" class="myq-groups"></div>
          </section>

          <section class="card feed-card" aria-labelledby="feed-title">
            <div class="card-head"><h2 id="feed-title">Live events</h2><span class="card-note">newest first</span></div>
            <ul id="event-feed" class="feed" aria-live="polite" aria-relevant="additions"></ul>
            <p id="feed-empty" class="empty">Waiting for activity&hellip;</p>
          </section>
        </main>
        <footer id="foot" class="foot" hidden><span id="foot-text"></span></footer>

        <script>
        (function () {
          'use strict';

          var KEY_STORE = 'tollgate.dashboard.key';
          var STAGES = ['proposed', 'pilot', 'production', 'scaled', 'retired'];
          var FUNCTIONS = ['engineering', 'security', 'business', 'finance', 'risk', 'legal', 'executive'];
          var POLL_WAIT_SECONDS = 25;
          var FEED_MAX = 150;
          var BACKFILL = 30;
          // The SVG namespace, read from the page's own inline SVG (no URL written out in this page).
          var SVG_NS = document.getElementById('logo').namespaceURI;

          function $(id) { return document.getElementById(id); }
          function figure(name) { return document.querySelector('[data-figure="' + name + '"]'); }

          var state = {
            key: null,
            me: null,
            summary: null,
            etag: null,
            cursor: 0,
            session: 0,
            controller: null,
            titles: new Map(),
            titleRequested: new Set(),
            serverOffset: 0,
            retryAt: 0,
            retryReason: '',
            checkedAt: 0,
            wakers: new Set(),
            queueBusy: false,
            queueAgain: false
          };

          // ---------------------------------------------------------------- formatting
          var intFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
          var oneDecimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
          var twoDecimals = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });
          var compactFormat = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });
          var timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
          var dayTimeFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
          var fullTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
          var periodFormat = new Intl.DateTimeFormat(undefined, { month: 'long', year: 'numeric', timeZone: 'UTC' });
          var money = { currency: 'USD', digits: 2, full: null, whole: null, compact: null };

          function setCurrency(code) {
            var full;
            try {
              full = new Intl.NumberFormat(undefined, { style: 'currency', currency: code });
            } catch (e) {
              code = 'USD';
              full = new Intl.NumberFormat(undefined, { style: 'currency', currency: code });
            }
            money.currency = code;
            money.full = full;
            money.digits = full.resolvedOptions().maximumFractionDigits;
            money.whole = new Intl.NumberFormat(undefined, { style: 'currency', currency: code, minimumFractionDigits: 0, maximumFractionDigits: 0 });
            money.compact = new Intl.NumberFormat(undefined, { style: 'currency', currency: code, notation: 'compact', maximumFractionDigits: 1 });
          }
          setCurrency('USD');

          // Amounts arrive in the currency's minor unit (cents for USD, none for JPY).
          function units(cents) { return Number(cents) / Math.pow(10, money.digits); }
          function moneyExact(cents) { return money.full.format(units(cents)); }
          function moneyShort(cents) {
            var u = units(cents);
            var magnitude = Math.abs(u);
            if (magnitude >= 1e6) return money.compact.format(u);
            if (magnitude >= 1e4) return money.whole.format(u);
            return money.full.format(u);
          }
          function int(n) { return intFormat.format(n); }
          function decimal(n) { return (Math.abs(n) >= 100 ? oneDecimal : twoDecimals).format(n); }
          function percent(p) { return oneDecimal.format(p) + '%'; }
          function periodLabel(period) {
            var m = /^(\d{4})-(\d{2})$/.exec(period || '');
            if (!m) return period || '';
            return periodFormat.format(new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1)));
          }
          function titleCase(word) { return word ? word.charAt(0).toUpperCase() + word.slice(1).replace(/_/g, ' ') : ''; }
          function pad2(n) { return n < 10 ? '0' + n : String(n); }
          function formatAge(seconds) {
            seconds = Math.max(0, Math.floor(seconds));
            var d = Math.floor(seconds / 86400);
            var h = Math.floor((seconds % 86400) / 3600);
            var m = Math.floor((seconds % 3600) / 60);
            var s = seconds % 60;
            if (d > 0) return d + 'd ' + h + 'h';
            if (h > 0) return h + 'h ' + pad2(m) + 'm';
            if (m > 0) return m + 'm ' + pad2(s) + 's';
            return s + 's';
          }
          function clockTime(iso) {
            var t = new Date(iso);
            if (isNaN(t.getTime())) return iso || '';
            var now = new Date();
            var sameDay = t.getFullYear() === now.getFullYear() && t.getMonth() === now.getMonth() && t.getDate() === now.getDate();
            return sameDay ? timeFormat.format(t) : dayTimeFormat.format(t);
          }
          function serverNow() { return Date.now() + state.serverOffset; }

          // ---------------------------------------------------------------- DOM helpers
          function node(tag, className, text) {
            var n = document.createElement(tag);
            if (className) n.className = className;
            if (text !== undefined && text !== null) n.textContent = text;
            return n;
          }
          function setFigure(name, raw, text, title) {
            var n = figure(name);
            if (!n) return;
            var value = raw === null || raw === undefined ? '' : String(raw);
            var previous = n.getAttribute('data-value');
            n.setAttribute('data-value', value);
            n.textContent = text;
            if (title) n.title = title; else n.removeAttribute('title');
            if (previous !== '' && previous !== null && previous !== value) flash(n);
          }
          function flash(n) {
            n.classList.remove('changed');
            void n.offsetWidth;
            n.classList.add('changed');
          }
          function setWidth(rect, fraction) {
            var pct = Math.max(0, Math.min(1, fraction)) * 100;
            rect.setAttribute('width', pct.toFixed(2) + '%');
          }

          // ---------------------------------------------------------------- status
          function setStatus(kind, reason, waitMs) {
            var el = $('status');
            el.setAttribute('data-state', kind);
            state.retryReason = reason || '';
            state.retryAt = kind === 'retrying' ? Date.now() + (waitMs || 0) : 0;
            renderStatusText();
          }
          function renderStatusText() {
            var kind = $('status').getAttribute('data-state');
            var text;
            if (kind === 'live') text = 'Live';
            else if (kind === 'connecting') text = 'Connecting\u2026';
            else if (kind === 'retrying') {
              var left = Math.max(0, Math.ceil((state.retryAt - Date.now()) / 1000));
              text = state.retryReason + (left > 0 ? ' \u00b7 retrying in ' + left + 's' : ' \u00b7 retrying\u2026');
            } else text = state.retryReason || kind;
            var out = $('status-text');
            if (out.textContent !== text) out.textContent = text;
          }
          function renderFoot() {
            if (!state.summary) { $('foot-text').textContent = ''; return; }
            var ago = state.checkedAt ? Math.max(0, Math.round((Date.now() - state.checkedAt) / 1000)) : null;
            $('foot-text').textContent = 'Figures as of event #' + int(state.summary.as_of_seq) +
              (ago === null ? '' : ' \u00b7 checked ' + (ago < 2 ? 'just now' : formatAge(ago) + ' ago')) +
              ' \u00b7 amounts in ' + money.currency;
          }

          // ---------------------------------------------------------------- the API
          function ApiError(status, problem, retryAfter) {
            this.name = 'ApiError';
            this.status = status;
            this.problem = problem;
            this.retryAfter = retryAfter;
            this.message = (problem && (problem.detail || problem.title)) || ('HTTP ' + status);
          }
          ApiError.prototype = Object.create(Error.prototype);
          function Stale() { this.name = 'Stale'; }

          function noteServerDate(response) {
            var date = Date.parse(response.headers.get('Date') || '');
            if (isNaN(date)) return;
            var offset = date - Date.now();
            // The Date header has one-second resolution: correct only a real skew.
            state.serverOffset = Math.abs(offset) > 2000 ? offset : 0;
          }

          async function api(path, options) {
            options = options || {};
            var headers = { 'Accept': 'application/json', 'Authorization': 'Bearer ' + (options.key || state.key) };
            if (options.etag) headers['If-None-Match'] = options.etag;
            var controller = new AbortController();
            var outer = 'signal' in options ? options.signal : (state.controller && state.controller.signal);
            var abort = function () { controller.abort(); };
            if (outer) { if (outer.aborted) controller.abort(); else outer.addEventListener('abort', abort, { once: true }); }
            var timer = setTimeout(abort, options.timeout || 15000);
            try {
              var response = await fetch(path, { headers: headers, signal: controller.signal, cache: 'no-store', credentials: 'omit', redirect: 'error' });
              noteServerDate(response);
              if (response.status === 304) return { status: 304, etag: response.headers.get('ETag') || options.etag, body: null };
              if (!response.ok) {
                var problem = null;
                try { problem = await response.json(); } catch (ignored) { problem = null; }
                throw new ApiError(response.status, problem, response.headers.get('Retry-After'));
              }
              return { status: response.status, etag: response.headers.get('ETag'), body: await response.json() };
            } finally {
              clearTimeout(timer);
              if (outer) outer.removeEventListener('abort', abort);
            }
          }

          function describe(error) {
            if (!(error instanceof ApiError)) return navigator.onLine === false ? 'Offline' : 'Connection lost';
            if (error.status === 503) return 'Tollgate is unavailable';
            if (error.status === 429) return 'Rate limited';
            if (error.status >= 500) return 'Server error ' + error.status;
            return 'Request failed (' + error.status + ')';
          }

          function sleep(ms) {
            return new Promise(function (resolve) {
              var timer;
              function done() { clearTimeout(timer); state.wakers.delete(done); resolve(); }
              timer = setTimeout(done, ms);
              state.wakers.add(done);
            });
          }
          function wakeSleepers() { Array.from(state.wakers).forEach(function (wake) { wake(); }); }

          // Runs one request until it succeeds: network errors and 5xx back off (1 s doubling to 15 s,
          // with jitter, at least any Retry-After); a 401 ends the session and shows the key form.
          async function withRetry(session, request) {
            var delay = 1000;
            for (;;) {
              if (session !== state.session) throw new Stale();
              try {
                var result = await request();
                if (session !== state.session) throw new Stale();
                return result;
              } catch (error) {
                if (error instanceof Stale || session !== state.session) throw new Stale();
                if (error instanceof ApiError && error.status === 401) {
                  signOut('Your key is no longer accepted (revoked or expired). Sign in again with a valid key.');
                  throw new Stale();
                }
                var wait = delay * (0.8 + Math.random() * 0.4);
                var retryAfter = error instanceof ApiError ? parseInt(error.retryAfter || '', 10) : NaN;
                if (retryAfter > 0) wait = Math.max(wait, retryAfter * 1000);
                setStatus('retrying', describe(error), wait);
                await sleep(wait);
                delay = Math.min(delay * 2, 15000);
              }
            }
          }

          // ---------------------------------------------------------------- session
          async function start(key, me) {
            state.session += 1;
            var session = state.session;
            if (state.controller) state.controller.abort();
            state.controller = new AbortController();
            state.key = key;
            state.queueBusy = false;
            showDashboard();
            setStatus('connecting');
            try {
              if (!me) me = (await withRetry(session, function () { return api('/v1/me'); })).body;
              state.me = me;
              renderMe();
              var settings = await withRetry(session, function () { return api('/v1/settings'); });
              setCurrency((settings.body && settings.body.currency) || 'USD');
              await refreshSummary(session);
              state.cursor = state.summary.as_of_seq;
              var reached = await backfill(session, state.summary.as_of_seq);
              if (reached > state.cursor) {
                state.cursor = reached;
                await refreshSummary(session);
              }
              setStatus('live');
              await poll(session);
            } catch (error) {
              if (error instanceof Stale) return;
              console.error(error);
              setStatus('error', 'Stopped: ' + (error && error.message ? error.message : String(error)) + ' (reload to retry)');
            }
          }

          // The change feed: long-polls from the summary's seq; after each batch the summary is asked
          // for again with If-None-Match, so figures that did not change cost a 304.
          async function poll(session) {
            for (;;) {
              var asked = Date.now();
              var page = await withRetry(session, function () {
                return api('/v1/events?after=' + encodeURIComponent(state.cursor) + '&wait=' + POLL_WAIT_SECONDS + '&limit=200',
                  { timeout: (POLL_WAIT_SECONDS + 20) * 1000 });
              });
              setStatus('live');
              var body = page.body || {};
              var events = Array.isArray(body.events) ? body.events : [];
              if (typeof body.next_after === 'number') state.cursor = Math.max(state.cursor, body.next_after);
              if (events.length > 0) {
                addEvents(events, true);
                await refreshSummary(session);
              } else if (Date.now() - asked < 1000) {
                await sleep(1000);  // answered empty at once: do not spin
              }
            }
          }

          async function refreshSummary(session) {
            var result = await withRetry(session, function () {
              return api('/v1/portfolio/summary', { etag: state.summary ? state.etag : null });
            });
            state.checkedAt = Date.now();
            if (result.status !== 304 && result.body) {
              state.summary = result.body;
              state.etag = result.etag;
              try { renderSummary(result.body); } catch (error) { console.error(error); }
              refreshMyQueue(session);
            }
            renderFoot();
          }

          // The latest events before the summary's seq, so the feed does not start empty.
          async function backfill(session, asOf) {
            try {
              var page = await api('/v1/events?after=' + Math.max(0, asOf - BACKFILL) + '&limit=' + BACKFILL);
              if (session !== state.session) throw new Stale();
              var events = page.body.events || [];
              addEvents(events, false);
              return typeof page.body.next_after === 'number' ? page.body.next_after : asOf;
            } catch (error) {
              if (error instanceof Stale) throw error;
              if (error instanceof ApiError && error.status === 401) { signOut('Your key is no longer accepted. Sign in again.'); throw new Stale(); }
              return asOf;
            }
          }

          function signOut(message) {
            state.session += 1;
            if (state.controller) state.controller.abort();
            state.controller = null;
            try { sessionStorage.removeItem(KEY_STORE); } catch (ignored) { /* storage blocked */ }
            state.key = null;
            state.me = null;
            state.summary = null;
            state.etag = null;
            state.cursor = 0;
            state.titles.clear();
            state.titleRequested.clear();
            wakeSleepers();
            resetView();
            showSignin(message);
          }

          function showSignin(message) {
            $('dashboard').hidden = true;
            $('foot').hidden = true;
            $('session-bar').hidden = true;
            $('signin').hidden = false;
            var error = $('key-error');
            error.textContent = message || '';
            error.hidden = !message;
            document.title = 'Tollgate \u00b7 Portfolio';
            $('key-input').focus();
          }
          function showDashboard() {
            $('signin').hidden = true;
            $('dashboard').hidden = false;
            $('foot').hidden = false;
            $('session-bar').hidden = false;
          }

          function resetView() {
            document.querySelectorAll('[data-figure]').forEach(function (n) {
              n.setAttribute('data-value', '');
              n.textContent = '\u2014';
              n.removeAttribute('title');
            });
            document.querySelectorAll('.fill, #bar-approved, #bar-spent').forEach(function (r) { r.setAttribute('width', '0'); });
            document.querySelectorAll('[data-age]').forEach(function (n) { n.removeAttribute('data-since'); n.textContent = '\u2014'; });
            document.querySelectorAll('#pending-rows tr').forEach(function (tr) { tr.classList.remove('mine'); });
            $('gauge-fill').setAttribute('stroke-dasharray', '0 100');
            $('gauge').setAttribute('data-level', 'none');
            ['kpi-use-cases', 'kpi-pending', 'kpi-realized', 'tokens-sub', 'energy-sub', 'co2e-sub', 'funding-remaining', 'who', 'foot-text']
              .forEach(function (id) { $(id).textContent = ''; });
            $('event-feed').textContent = '';
            $('feed-empty').hidden = false;
            $('my-queue-body').textContent = '';
            $('my-queue').hidden = true;
          }

          // ---------------------------------------------------------------- rendering
          function renderMe() {
            var me = state.me || {};
            var who = $('who');
            who.textContent = '';
            who.append(node('span', 'who-name', me.name || me.id || ''));
            (me.functions || []).forEach(function (f) { who.append(node('span', 'chip', titleCase(f))); });
            if (me.admin) who.append(node('span', 'chip accent', 'admin'));
            var mine = new Set(me.functions || []);
            document.querySelectorAll('#pending-rows tr').forEach(function (tr) {
              tr.classList.toggle('mine', mine.has(tr.getAttribute('data-function')));
            });
            $('my-queue').hidden = mine.size === 0;
          }

          function pendingRow(fn) {
            var tr = document.querySelector('#pending-rows tr[data-function="' + fn + '"]');
            if (tr) return tr;
            // A function this page does not know yet: a row like the others.
            var template = document.querySelector('#pending-rows tr');
            tr = template.cloneNode(true);
            tr.setAttribute('data-function', fn);
            tr.querySelector('th').textContent = titleCase(fn);
            tr.querySelector('[data-figure]').setAttribute('data-figure', 'pending.' + fn);
            tr.querySelector('[data-age]').setAttribute('data-age', fn);
            $('pending-rows').append(tr);
            return tr;
          }

          function renderSummary(s) {
            var useCases = s.use_cases || {};
            var byStage = useCases.by_stage || {};
            var total = useCases.total || 0;
            setFigure('as_of_seq', s.as_of_seq, int(s.as_of_seq));
            setFigure('use_cases.total', total, int(total));
            var retired = byStage.retired || 0;
            var live = (byStage.production || 0) + (byStage.scaled || 0);
            $('kpi-use-cases').textContent = int(total - retired) + ' active \u00b7 ' + int(live) + ' in production \u00b7 ' + int(retired) + ' retired';

            // The funnel.
            var maxStage = Math.max.apply(null, STAGES.map(function (k) { return byStage[k] || 0; }).concat([1]));
            STAGES.forEach(function (stage) {
              var n = byStage[stage] || 0;
              setFigure('by_stage.' + stage, n, int(n));
              var row = document.querySelector('.funnel-row[data-stage="' + stage + '"]');
              setWidth(row.querySelector('.fill'), n === 0 ? 0 : Math.max(0.012, n / maxStage));
              row.querySelector('.funnel-share').textContent = total > 0 ? percent((n / total) * 100) : '';
            });
            $('funnel').setAttribute('aria-label', 'Use cases by stage: ' +
              STAGES.map(function (k) { return k + ' ' + (byStage[k] || 0); }).join(', '));

            // Pending approvals per function.
            var reviews = s.gate_reviews || {};
            var perFunction = reviews.pending_by_function || {};
            setFigure('gate_reviews.pending', reviews.pending || 0, int(reviews.pending || 0));
            var names = FUNCTIONS.concat(Object.keys(perFunction).filter(function (f) { return FUNCTIONS.indexOf(f) < 0; }));
            var maxCount = Math.max.apply(null, names.map(function (f) { return (perFunction[f] && perFunction[f].count) || 0; }).concat([1]));
            var oldest = null;
            var mineCount = 0;
            var mine = new Set((state.me && state.me.functions) || []);
            names.forEach(function (fn) {
              var p = perFunction[fn] || { count: 0, oldest_age_seconds: null, oldest_requested_at: null };
              var count = p.count || 0;
              var tr = pendingRow(fn);
              setFigure('pending.' + fn, count, int(count));
              setWidth(tr.querySelector('.fill'), count / maxCount);
              tr.classList.toggle('is-zero', count === 0);
              var since = null;
              if (count > 0) {
                if (p.oldest_requested_at) since = Date.parse(p.oldest_requested_at);
                if ((since === null || isNaN(since)) && typeof p.oldest_age_seconds === 'number') since = serverNow() - p.oldest_age_seconds * 1000;
              }
              var age = tr.querySelector('[data-age]');
              if (since !== null && !isNaN(since)) {
                age.setAttribute('data-since', String(since));
                age.title = 'Oldest requested ' + fullTimeFormat.format(new Date(since));
                if (oldest === null || since < oldest) oldest = since;
              } else {
                age.removeAttribute('data-since');
                age.removeAttribute('data-level');
                age.removeAttribute('title');
                age.textContent = '\u2014';
              }
              if (mine.has(fn)) mineCount += count;
            });
            var kpiPending = $('kpi-pending');
            kpiPending.textContent = '';
            if (oldest !== null) {
              kpiPending.append('oldest waiting ');
              var since = node('span', null, '');
              since.setAttribute('data-since', String(oldest));
              kpiPending.append(since);
            } else {
              kpiPending.textContent = 'nothing waiting';
            }
            document.title = (mine.size && mineCount ? '(' + mineCount + ') ' : '') + 'Tollgate \u00b7 Portfolio';

            // Funding.
            var funding = s.funding || {};
            var approved = funding.approved_cents || 0;
            var spent = funding.spent_cents || 0;
            setFigure('funding.approved_cents', approved, moneyShort(approved), moneyExact(approved));
            setFigure('funding.spent_cents', spent, moneyShort(spent), moneyExact(spent));
            var utilization = typeof funding.utilization_pct === 'number' ? funding.utilization_pct : null;
            setFigure('funding.utilization_pct', utilization, utilization === null ? '\u2014' : percent(utilization));
            $('gauge-fill').setAttribute('stroke-dasharray', (utilization === null ? 0 : Math.min(100, Math.max(0, utilization))).toFixed(2) + ' 100');
            $('gauge').setAttribute('data-level', utilization === null ? 'none' : utilization > 100 ? 'alert' : utilization >= 80 ? 'warn' : 'ok');
            var remaining = approved - spent;
            var remainingOut = $('funding-remaining');
            $('funding-remaining-label').textContent = remaining >= 0 ? 'Remaining' : 'Over approved';
            remainingOut.textContent = moneyShort(Math.abs(remaining));
            remainingOut.title = moneyExact(Math.abs(remaining));
            remainingOut.classList.toggle('over', remaining < 0);
            var scale = Math.max(approved, spent, 1);
            setWidth($('bar-approved'), approved / scale);
            setWidth($('bar-spent'), spent / scale);
            $('bar-spent').setAttribute('class', spent > approved ? 'over' : 'spent');

            // Value.
            var value = s.value || {};
            var expected = value.expected_annual_benefit_cents || 0;
            var realized = value.realized_benefit_cents_last_3_periods || 0;
            setFigure('value.expected_annual_benefit_cents', expected, moneyShort(expected), moneyExact(expected));
            setFigure('value.realized_benefit_cents_last_3_periods', realized, moneyShort(realized), moneyExact(realized));
            var quarter = expected / 4;
            if (quarter > 0) {
              var ratio = realized / quarter;
              $('kpi-realized').textContent = percent(ratio * 100) + ' of the expected run-rate for 3 months';
              setWidth($('realized-meter'), Math.min(1, ratio));
            } else {
              $('kpi-realized').textContent = realized > 0 ? 'no expected benefit on record' : 'nothing realized yet';
              setWidth($('realized-meter'), 0);
            }

            // Tokens, energy, CO2e of the last period.
            var tokens = s.tokens || {};
            var energy = s.energy || {};
            var tokenCount = tokens.tokens_last_period || 0;
            var kwh = energy.kwh_last_period || 0;
            var co2e = energy.co2e_kg_last_period || 0;
            setFigure('tokens.last_period', tokens.last_period, tokens.last_period ? periodLabel(tokens.last_period) : 'no usage reported yet', tokens.last_period || '');
            setFigure('tokens.tokens_last_period', tokenCount, tokenCount >= 1e6 ? compactFormat.format(tokenCount) : int(tokenCount), int(tokenCount) + ' tokens');
            $('tokens-sub').textContent = tokenCount >= 1e6 ? int(tokenCount) : 'tokens';
            setFigure('energy.kwh_last_period', kwh, decimal(kwh));
            $('energy-sub').textContent = tokenCount > 0 && kwh > 0 ? decimal((kwh * 1000) / (tokenCount / 1e6)) + ' Wh per 1M tokens' : '';
            setFigure('energy.co2e_kg_last_period', co2e, decimal(co2e));
            $('co2e-sub').textContent = kwh > 0 ? int((co2e * 1000) / kwh) + ' g per kWh' + (co2e >= 1000 ? ' \u00b7 ' + decimal(co2e / 1000) + ' t' : '') : '';

            tick();
          }

          // ---------------------------------------------------------------- the event feed
          var LABELS = {
            'use_case.created': 'Use case created',
            'use_case.updated': 'Use case updated',
            'use_case.stage_changed': 'Stage changed',
            'use_case.retired': 'Use case retired',
            'use_case.envelope_breached': 'Usage envelope breached',
            'gate_review.requested': 'Gate review requested',
            'gate_review.criteria_failed': 'Gate criteria not met',
            'gate_review.decision_recorded': 'Decision recorded',
            'gate_review.approved': 'Gate review approved',
            'gate_review.rejected': 'Gate review rejected',
            'gate_review.changes_requested': 'Changes requested',
            'gate_review.resubmitted': 'Review resubmitted',
            'gate_review.approvals_reset': 'Approvals reset',
            'gate_review.withdrawn': 'Review withdrawn',
            'gate_review.expired': 'Review expired',
            'funding.approved': 'Funding approved',
            'budget.threshold_crossed': 'Budget threshold crossed',
            'usage.reported': 'Usage reported',
            'webhook.test': 'Webhook test',
            'webhook.disabled': 'Webhook disabled'
          };
          var DECISIONS = { approve: 'approved', reject: 'rejected', request_changes: 'requested changes' };

          function eventKind(type) {
            if (type === 'gate_review.approved') return 'good';
            if (type === 'funding.approved') return 'money';
            if (/(rejected|criteria_failed|expired|envelope_breached|webhook\.disabled)$/.test(type)) return 'bad';
            if (/(changes_requested|approvals_reset|withdrawn|threshold_crossed)$/.test(type)) return 'warn';
            if (type.indexOf('gate_review.') === 0) return 'review';
            if (type.indexOf('use_case.') === 0) return 'usecase';
            if (type.indexOf('usage.') === 0) return 'usage';
            return 'other';
          }

          function learn(event) {
            var data = event.data || {};
            if (data.use_case && data.use_case.id && data.use_case.title) rememberTitle(data.use_case.id, data.use_case.title);
          }
          function rememberTitle(id, title) {
            state.titles.set(id, title);
            document.querySelectorAll('[data-title-for="' + id + '"]').forEach(function (n) {
              n.textContent = title;
              n.classList.remove('mono');
            });
          }
          // A use case's title, for events and reviews that carry only its id: asked for once.
          function titleNode(id, className) {
            var known = state.titles.get(id);
            var n = node('span', className + (known ? '' : ' mono'), known || id);
            n.setAttribute('data-title-for', id);
            if (!known && !state.titleRequested.has(id)) {
              state.titleRequested.add(id);
              api('/v1/use-cases/' + encodeURIComponent(id)).then(function (r) {
                if (r.body && r.body.title) rememberTitle(id, r.body.title);
              }, function () { state.titleRequested.delete(id); });
            }
            return n;
          }

          function eventDetail(event) {
            var d = event.data || {};
            switch (event.type) {
              case 'use_case.stage_changed': return titleCase(d.from) + ' \u2192 ' + titleCase(d.to);
              case 'use_case.retired': return d.reason || '';
              case 'use_case.envelope_breached': return d.usage_report ? 'Usage of ' + periodLabel(d.usage_report.period) + ' beyond the envelope' : '';
              case 'funding.approved': return typeof d.amount_cents === 'number' ? moneyExact(d.amount_cents) + ' added to approved funding' : '';
              case 'budget.threshold_crossed':
                return d.threshold_pct + '% of budget \u00b7 ' + moneyShort(d.spent_cents || 0) + ' of ' + moneyShort(d.approved_funding_cents || 0) + ' spent';
              case 'usage.reported':
                var r = d.usage_report;
                return r ? periodLabel(r.period) + ' \u00b7 ' + int((r.tokens_input || 0) + (r.tokens_output || 0)) + ' tokens \u00b7 ' + decimal(r.energy_kwh || 0) + ' kWh' : '';
              case 'gate_review.decision_recorded':
                return d.decision ? titleCase(d.decision.function) + ' ' + (DECISIONS[d.decision.decision] || d.decision.decision) : '';
              case 'webhook.disabled': return d.reason || '';
              case 'webhook.test': return d.webhook ? d.webhook.description || '' : '';
            }
            if (event.type.indexOf('gate_review.') === 0 && d.gate_review) {
              var review = d.gate_review;
              return 'Into ' + titleCase(review.target_stage) + (review.requested_funding_cents > 0 ? ' \u00b7 ' + moneyShort(review.requested_funding_cents) + ' requested' : '');
            }
            return '';
          }

          function eventItem(event, fresh) {
            var d = event.data || {};
            var li = node('li', fresh ? 'fresh' : '');
            li.setAttribute('data-seq', String(event.seq));
            li.setAttribute('data-type', event.type);
            li.setAttribute('data-kind', eventKind(event.type));
            var body = node('div', 'ev-body');
            var head = node('div', 'ev-head');
            head.append(node('span', 'ev-label', LABELS[event.type] || event.type));
            var time = node('time', 'ev-time', clockTime(event.occurred_at));
            time.setAttribute('datetime', event.occurred_at || '');
            if (event.occurred_at) time.title = fullTimeFormat.format(new Date(event.occurred_at));
            head.append(time);
            body.append(head);

            var subject = node('div', 'ev-subject');
            var review = d.gate_review || null;
            var useCaseId = (d.use_case && d.use_case.id) || (review && review.use_case_id) || (d.usage_report && d.usage_report.use_case_id) || null;
            var reviewId = (review && review.id) || (d.decision && d.decision.gate_review_id) || d.gate_review_id || null;
            if (d.use_case && d.use_case.title) subject.append(node('span', 'ev-title', d.use_case.title));
            else if (useCaseId) subject.append(titleNode(useCaseId, 'ev-title'));
            if (d.webhook) subject.append(node('span', 'ev-title', d.webhook.description || d.webhook.id));
            if (subject.childNodes.length) body.append(subject);

            var detail = eventDetail(event);
            if (detail) body.append(node('div', 'ev-detail', detail));
            var meta = node('div', 'ev-meta');
            meta.append(node('code', 'ev-type', event.type));
            if (reviewId) { var idNode = node('code', 'ev-id', reviewId); idNode.title = reviewId; meta.append(idNode); }
            meta.append(node('span', 'ev-seq', '#' + int(event.seq)));
            body.append(meta);
            li.append(node('span', 'ev-dot'), body);
            return li;
          }

          // Events arrive ascending; the list shows the newest first, each seq once.
          function addEvents(events, fresh) {
            var feed = $('event-feed');
            events.forEach(function (event) {
              if (typeof event.seq !== 'number') return;
              learn(event);
              if (feed.querySelector('li[data-seq="' + event.seq + '"]')) return;
              var li = eventItem(event, fresh);
              var before = feed.firstElementChild;
              while (before && Number(before.getAttribute('data-seq')) > event.seq) before = before.nextElementSibling;
              feed.insertBefore(li, before);
            });
            while (feed.children.length > FEED_MAX) feed.lastElementChild.remove();
            $('feed-empty').hidden = feed.children.length > 0;
          }

          // ---------------------------------------------------------------- the caller's approval queues
          async function refreshMyQueue(session) {
            var functions = (state.me && state.me.functions) || [];
            if (functions.length === 0) { $('my-queue').hidden = true; return; }
            if (state.queueBusy) { state.queueAgain = true; return; }
            state.queueBusy = true;
            try {
              do {
                state.queueAgain = false;
                var results = await Promise.all(functions.map(function (fn) {
                  return api('/v1/gate-reviews?status=pending&function=' + encodeURIComponent(fn) + '&limit=5').then(
                    function (r) { return { fn: fn, items: (r.body && r.body.items) || [], more: !!(r.body && r.body.next_cursor) }; },
                    function (error) { return { fn: fn, error: error }; });
                }));
                if (session !== state.session) return;
                if (results.some(function (r) { return r.error instanceof ApiError && r.error.status === 401; })) {
                  signOut('Your key is no longer accepted. Sign in again.');
                  return;
                }
                renderMyQueue(results);
              } while (state.queueAgain && session === state.session);
            } finally {
              if (session === state.session) state.queueBusy = false;
            }
          }

          function renderMyQueue(results) {
            var perFunction = (state.summary && state.summary.gate_reviews && state.summary.gate_reviews.pending_by_function) || {};
            var container = $('my-queue-body');
            container.textContent = '';
            results.forEach(function (result) {
              var group = node('div', 'myq-group');
              group.setAttribute('data-queue', result.fn);
              var heading = node('h3');
              var count = perFunction[result.fn] ? perFunction[result.fn].count : (result.items ? result.items.length : 0);
              heading.append(node('span', null, titleCase(result.fn)), node('span', null, int(count || 0) + ' pending'));
              group.append(heading);
              if (result.error) {
                group.append(node('p', 'empty', 'Could not load this queue; it is asked for again with the next change.'));
              } else if (result.items.length === 0) {
                group.append(node('p', 'empty', 'Nothing waiting for ' + titleCase(result.fn).toLowerCase() + '.'));
              } else {
                var list = node('ul', 'myq-list');
                result.items.forEach(function (review) {
                  var li = node('li');
                  li.setAttribute('data-review', review.id);
                  li.append(titleNode(review.use_case_id, 'myq-title'));
                  li.append(node('span', 'myq-funding', review.requested_funding_cents > 0 ? moneyShort(review.requested_funding_cents) : ''));
                  var progress = (review.required || []).filter(function (r) { return r.function === result.fn; })[0];
                  var meta = 'Into ' + titleCase(review.target_stage);
                  if (progress) meta += ' \u00b7 ' + progress.approvals + ' of ' + progress.min + ' ' + result.fn + ' approval' + (progress.min === 1 ? '' : 's');
                  li.append(node('span', 'myq-meta', meta));
                  var age = node('span', 'myq-age', '');
                  var since = Date.parse(review.created_at);
                  if (!isNaN(since)) { age.setAttribute('data-since', String(since)); age.title = 'Requested ' + fullTimeFormat.format(new Date(since)); }
                  li.append(age);
                  li.append(node('code', 'myq-id', review.id));
                  list.append(li);
                });
                group.append(list);
                if (result.more || count > result.items.length) group.append(node('p', 'empty', 'Showing the newest ' + result.items.length + '.'));
              }
              container.append(group);
            });
            tick();
          }

          // ---------------------------------------------------------------- the clock
          // Ages count up every second from the time a review was requested (server clock).
          function tick() {
            var now = serverNow();
            document.querySelectorAll('[data-since]').forEach(function (n) {
              var seconds = (now - Number(n.getAttribute('data-since'))) / 1000;
              var text = formatAge(seconds);
              if (n.textContent !== text) n.textContent = text;
              var level = seconds >= 7 * 86400 ? 'alert' : seconds >= 2 * 86400 ? 'warn' : '';
              if (level) n.setAttribute('data-level', level); else n.removeAttribute('data-level');
            });
            if ($('status').getAttribute('data-state') === 'retrying') renderStatusText();
            renderFoot();
          }
          setInterval(tick, 1000);

          // ---------------------------------------------------------------- wiring
          $('key-form').addEventListener('submit', async function (event) {
            event.preventDefault();
            var input = $('key-input');
            var key = input.value.trim();
            var error = $('key-error');
            if (!key) { error.textContent = 'Enter an API key.'; error.hidden = false; input.focus(); return; }
            var button = $('key-submit');
            button.disabled = true;
            button.textContent = 'Checking\u2026';
            error.hidden = true;
            try {
              var me = await api('/v1/me', { key: key, signal: null, timeout: 10000 });
              try { sessionStorage.setItem(KEY_STORE, key); } catch (ignored) { /* the key then lasts until reload */ }
              input.value = '';
              start(key, me.body);
            } catch (e) {
              var message;
              if (e instanceof ApiError && e.status === 401) message = 'That key was not accepted. Check that it is complete, not expired and not revoked.';
              else if (e instanceof ApiError && e.status === 429) message = 'Too many requests; wait a moment and try again.';
              else if (e instanceof ApiError) message = 'Tollgate answered ' + e.status + ': ' + e.message;
              else message = 'Tollgate could not be reached. Check the connection and try again.';
              error.textContent = message;
              error.hidden = false;
              input.focus();
              input.select();
            } finally {
              button.disabled = false;
              button.textContent = 'Open dashboard';
            }
          });
          $('sign-out').addEventListener('click', function () { signOut(''); });
          window.addEventListener('online', wakeSleepers);
          document.addEventListener('visibilitychange', function () { if (!document.hidden) wakeSleepers(); });

          var stored = null;
          try { stored = sessionStorage.getItem(KEY_STORE); } catch (ignored) { stored = null; }
          if (stored) start(stored, null); else showSignin('');
        })();
        </script>
        </body>
        </html>
        """#
}
