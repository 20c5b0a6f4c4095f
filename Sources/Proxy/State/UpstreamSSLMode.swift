/// How the proxy secures its connection to the server, with libpq's `sslmode` meanings.
public enum UpstreamSSLMode: String, Hashable, Sendable, CaseIterable {
    /// Plaintext.
    case disable
    /// TLS when the server offers it, plaintext otherwise; the certificate is not checked.
    case prefer
    /// TLS or no connection; the certificate is not checked.
    case require
    /// TLS, a certificate chain to a trusted root, and the host name checked against it.
    case verifyFull = "verify-full"

    var asksForTLS: Bool { self != .disable }
    var requiresTLS: Bool { self == .require || self == .verifyFull }
}
