import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A webhook URL's parts: only `http` and `https`, a host, no user information.
public struct WebhookTarget: Sendable, Equatable {
    public let url: String
    public let scheme: String
    /// Without IPv6 brackets.
    public let host: String
    public let port: Int

    /// Nil with the reason when `text` is not an acceptable webhook URL.
    public static func parse(_ text: String) -> Result<WebhookTarget, WebhookURLError> {
        guard text.utf8.count <= 2048, let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            return .failure(WebhookURLError("is not a URL"))
        }
        guard scheme == "http" || scheme == "https" else { return .failure(WebhookURLError("must use http or https")) }
        guard components.user == nil, components.password == nil else {
            return .failure(WebhookURLError("must not hold user information"))
        }
        guard var host = components.host, !host.isEmpty else { return .failure(WebhookURLError("has no host")) }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let port = components.port ?? (scheme == "https" ? 443 : 80)
        guard (1...65535).contains(port) else { return .failure(WebhookURLError("has an invalid port")) }
        return .success(WebhookTarget(url: text, scheme: scheme, host: host.lowercased(), port: port))
    }
}

public struct WebhookURLError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// The address guard of SERVER.md section 4: a webhook may not reach loopback, private,
/// link-local, CGNAT, multicast or unspecified addresses (IPv4 and IPv6, IPv4-mapped included).
public enum AddressGuard {
    /// The host's addresses (numeric text), resolved now; empty when it does not resolve.
    public static func resolve(_ host: String, port: Int) -> [String] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else { return [] }
        defer { freeaddrinfo(first) }
        var addresses: [String] = []
        var node: UnsafeMutablePointer<addrinfo>? = first
        while let current = node {
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(current.pointee.ai_addr, current.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST)
                == 0
            {
                let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if !addresses.contains(text) { addresses.append(text) }
            }
            node = current.pointee.ai_next
        }
        return addresses
    }

    /// Whether a numeric address (IPv4 dotted or IPv6 text) is one a webhook may not reach.
    /// Unparseable text counts as forbidden.
    public static func isForbidden(_ address: String) -> Bool {
        var v4 = in_addr()
        if inet_pton(AF_INET, address, &v4) == 1 {
            return isForbidden(v4: withUnsafeBytes(of: v4.s_addr) { Array($0) })
        }
        var v6 = in6_addr()
        let bare = address.split(separator: "%").first.map(String.init) ?? address  // zone index of link-local
        guard inet_pton(AF_INET6, bare, &v6) == 1 else { return true }
        return isForbidden(v6: withUnsafeBytes(of: v6) { Array($0) })
    }

    static func isForbidden(v4 b: [UInt8]) -> Bool {
        switch (b[0], b[1]) {
        case (0, _), (10, _), (127, _): true  // this network / unspecified, private, loopback
        case (169, 254): true  // link-local
        case (172, 16...31): true  // private
        case (192, 168): true  // private
        case (100, 64...127): true  // CGNAT (RFC 6598)
        case (224...255, _): true  // multicast, reserved, broadcast
        case (192, 0) where b[2] == 0: true  // IETF protocol assignments
        default: false
        }
    }

    static func isForbidden(v6 b: [UInt8]) -> Bool {
        if b.allSatisfy({ $0 == 0 }) { return true }  // ::
        if b[0..<15].allSatisfy({ $0 == 0 }) && b[15] == 1 { return true }  // ::1
        if b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xFF && b[11] == 0xFF { return isForbidden(v4: Array(b[12..<16])) }  // ::ffff:a.b.c.d
        if b[0..<12].allSatisfy({ $0 == 0 }) { return isForbidden(v4: Array(b[12..<16])) }  // ::a.b.c.d (deprecated compatible)
        if b[0] == 0x00, b[1] == 0x64, b[2] == 0xFF, b[3] == 0x9B, b[4..<12].allSatisfy({ $0 == 0 }) {
            return isForbidden(v4: Array(b[12..<16]))  // 64:ff9b::/96, NAT64
        }
        if b[0] == 0xFF { return true }  // multicast
        if b[0] == 0xFE && (b[1] & 0xC0) == 0x80 { return true }  // fe80::/10 link-local
        if b[0] == 0xFE && (b[1] & 0xC0) == 0xC0 { return true }  // fec0::/10 site-local (deprecated)
        if (b[0] & 0xFE) == 0xFC { return true }  // fc00::/7 unique local
        return false
    }

    /// The address to connect to for `target`: the first of its addresses, when none is forbidden.
    /// - Returns: the pinned address, or the reason for refusing.
    public static func check(_ target: WebhookTarget) -> Result<String, WebhookURLError> {
        let addresses = resolve(target.host, port: target.port)
        guard let first = addresses.first else { return .failure(WebhookURLError("host does not resolve")) }
        if let bad = addresses.first(where: isForbidden) {
            return .failure(WebhookURLError("resolves to \(bad), a loopback, private, link-local or multicast address"))
        }
        return .success(first)
    }
}
