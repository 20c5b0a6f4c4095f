import NIOSSL

/// Where the server is and how to secure the connection to it; shared by every session and by
/// the cancel path, which must reach the server the same way.
public struct UpstreamEndpoint: Sendable {
    public var address: HostPort
    public var sslMode: UpstreamSSLMode
    /// Built once at start (or reload); nil with sslmode disable.
    public var tlsContext: NIOSSLContext?
    /// The name sent as SNI and checked against the certificate under verify-full. Hosted
    /// Postgres services route connections by it.
    public var serverName: String?
    public var connectTimeoutSeconds: Int64

    public init(
        address: HostPort, sslMode: UpstreamSSLMode, tlsContext: NIOSSLContext?, serverName: String?,
        connectTimeoutSeconds: Int64
    ) {
        self.address = address
        self.sslMode = sslMode
        self.tlsContext = tlsContext
        self.serverName = serverName
        self.connectTimeoutSeconds = connectTimeoutSeconds
    }

    /// SNI must be a DNS name: an IP address is never sent.
    var sniName: String? {
        let name = serverName ?? address.host
        let isIPv4 = name.split(separator: ".").count == 4 && name.allSatisfy { $0.isNumber || $0 == "." }
        return (isIPv4 || name.contains(":")) ? nil : name
    }
}
