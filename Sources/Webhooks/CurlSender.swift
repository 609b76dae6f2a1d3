import CCurl
import Foundation

/// One webhook POST.
public struct OutgoingRequest: Sendable {
    public let url: String
    public let headers: [String]
    public let body: [UInt8]
    /// `host:port:address` for `CURLOPT_RESOLVE`: connect only to the address the guard checked.
    public let pinnedAddress: String?

    public init(url: String, headers: [String], body: [UInt8], pinnedAddress: String?) {
        (self.url, self.headers, self.body, self.pinnedAddress) = (url, headers, body, pinnedAddress)
    }
}

/// What came of one attempt.
public struct AttemptOutcome: Sendable, Equatable {
    /// The response's status, when one arrived.
    public var status: Int?
    /// What went wrong on the way (connection refused, timeout, ...), when something did.
    public var error: String?
    public var retryAfter: String?
    public var durationMS: Int

    /// A 2xx that arrived whole: a response cut off, or past 64 KiB, is a failed attempt.
    public var succeeded: Bool { (200...299).contains(status ?? 0) && error == nil }
}

/// Sends many requests at once from one thread over libcurl's multi interface, reusing
/// connections to the same host (SERVER.md section 4). Not thread-safe: one thread owns it; only
/// `wakeUp` may be called from others.
final class CurlSender {
    static let maxResponseBytes = 64 * 1024
    static let userAgent = "Tollgate-Webhooks/0.1.0"

    /// A transfer in flight: its handle, the request's C lists, and what the callbacks collect.
    final class Transfer {
        let token: Int
        let handle: UnsafeMutableRawPointer
        var headerList: UnsafeMutablePointer<curl_slist>?
        var resolveList: UnsafeMutablePointer<curl_slist>?
        var received = 0
        var retryAfter: String?
        let started = ContinuousClock.now

        init(token: Int, handle: UnsafeMutableRawPointer) { (self.token, self.handle) = (token, handle) }
    }

    private let multi: UnsafeMutableRawPointer
    private var transfers: [UnsafeMutableRawPointer: Transfer] = [:]
    private let connectTimeoutMS: Int
    private let totalTimeoutMS: Int

    init(connectTimeoutMS: Int = 5_000, totalTimeoutMS: Int = 10_000) {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
        multi = curl_multi_init()
        self.connectTimeoutMS = connectTimeoutMS
        self.totalTimeoutMS = totalTimeoutMS
        // No per-host cap: a transfer queued for a connection would spend its timeout waiting.
        // The dispatcher bounds what is in flight.
    }

    /// Ends every transfer and frees the multi handle; call after no waker can reach it any more.
    func close() {
        for transfer in transfers.values { finish(transfer) }
        curl_multi_cleanup(multi)
    }

    /// A handle on which another thread may wake `poll`.
    var waker: CurlWaker { CurlWaker(multi: multi) }

    /// Starts `request`; its outcome comes back from `poll` with `token`.
    func start(_ request: OutgoingRequest, token: Int) {
        guard let handle = curl_easy_init() else { return }
        let transfer = Transfer(token: token, handle: handle)
        _ = ccurl_easy_setopt_string(handle, CURLOPT_URL, request.url)
        _ = ccurl_easy_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https")
        _ = ccurl_easy_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0)
        _ = ccurl_easy_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        _ = ccurl_easy_setopt_string(handle, CURLOPT_PROXY, "")  // no proxy from the environment: it would bypass the pinned address
        _ = ccurl_easy_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, connectTimeoutMS)
        _ = ccurl_easy_setopt_long(handle, CURLOPT_TIMEOUT_MS, totalTimeoutMS)
        _ = ccurl_easy_setopt_string(handle, CURLOPT_USERAGENT, Self.userAgent)
        _ = ccurl_easy_setopt_long(handle, CURLOPT_POST, 1)
        _ = ccurl_easy_setopt_long(handle, CURLOPT_POSTFIELDSIZE, request.body.count)
        request.body.withUnsafeBufferPointer { buffer in
            // COPYPOSTFIELDS copies the body: the buffer need not outlive this call.
            _ = ccurl_easy_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: buffer.baseAddress))
        }
        for header in request.headers + ["Expect:"] { transfer.headerList = curl_slist_append(transfer.headerList, header) }
        _ = ccurl_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, transfer.headerList)
        if let pinned = request.pinnedAddress {
            transfer.resolveList = curl_slist_append(nil, pinned)
            _ = ccurl_easy_setopt_slist(handle, CURLOPT_RESOLVE, transfer.resolveList)
        }
        let context = Unmanaged.passUnretained(transfer).toOpaque()
        _ = ccurl_easy_setopt_write_function(handle) { _, size, count, context in
            guard let context else { return 0 }
            let transfer = Unmanaged<CurlSender.Transfer>.fromOpaque(context).takeUnretainedValue()
            let bytes = size * count
            transfer.received += bytes
            // Bodies past 64 KiB are not read: returning short ends the transfer (the status is known).
            return transfer.received > CurlSender.maxResponseBytes ? 0 : bytes
        }
        _ = ccurl_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, context)
        _ = ccurl_easy_setopt_header_function(handle) { data, size, count, context in
            let bytes = size * count
            guard let context, let data else { return bytes }
            let transfer = Unmanaged<CurlSender.Transfer>.fromOpaque(context).takeUnretainedValue()
            let line = String(decoding: UnsafeRawBufferPointer(start: data, count: bytes), as: UTF8.self)
            if let colon = line.firstIndex(of: ":"), line[..<colon].lowercased() == "retry-after" {
                transfer.retryAfter = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
            }
            return bytes
        }
        _ = ccurl_easy_setopt_pointer(handle, CURLOPT_HEADERDATA, context)
        transfers[handle] = transfer
        curl_multi_add_handle(multi, handle)
    }

    /// Waits up to `timeoutMS` for network activity or a wake-up, drives the transfers, and
    /// returns those that finished.
    func poll(timeoutMS: Int) -> [(token: Int, outcome: AttemptOutcome)] {
        var running: Int32 = 0
        _ = curl_multi_perform(multi, &running)
        _ = curl_multi_poll(multi, nil, 0, Int32(timeoutMS), nil)
        _ = curl_multi_perform(multi, &running)
        var finished: [(Int, AttemptOutcome)] = []
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(multi, &remaining) {
            guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle, let transfer = transfers[handle] else {
                continue
            }
            let code = message.pointee.data.result
            var status = 0
            _ = ccurl_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
            let elapsed = ContinuousClock.now - transfer.started
            let milliseconds = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
            var outcome = AttemptOutcome(
                status: status > 0 ? status : nil, error: nil, retryAfter: transfer.retryAfter, durationMS: milliseconds)
            if code == CURLE_WRITE_ERROR && transfer.received > Self.maxResponseBytes {
                outcome.error = "the response body exceeded 64 KiB and was not read"
            } else if code != CURLE_OK {
                outcome.error = String(cString: curl_easy_strerror(code))
                if code == CURLE_OPERATION_TIMEDOUT { outcome.status = nil }
            }
            finished.append((transfer.token, outcome))
            finish(transfer)
        }
        return finished
    }

    private func finish(_ transfer: Transfer) {
        curl_multi_remove_handle(multi, transfer.handle)
        curl_easy_cleanup(transfer.handle)
        curl_slist_free_all(transfer.headerList)
        curl_slist_free_all(transfer.resolveList)
        transfers[transfer.handle] = nil
    }
}

/// Wakes a sender's `poll` from another thread (`curl_multi_wakeup` is thread-safe).
struct CurlWaker: @unchecked Sendable {  // used only under the dispatcher's lock, which drops it before the handle is closed
    let multi: UnsafeMutableRawPointer
    func wakeUp() { _ = curl_multi_wakeup(multi) }
}
