/// `[server.tls] mode`: whether a client may stay in plaintext when the proxy offers TLS.
public enum ClientTLSMode: String, CaseIterable, Hashable, Sendable {
    /// A client that asks for TLS gets it; one that does not is served in plaintext, as by a
    /// server with `host` lines in pg_hba.conf.
    case allow
    /// A client that does not negotiate TLS is refused at its StartupMessage, as by a server
    /// with only `hostssl` lines.
    case require
}
