import NIOSSL

/// Builds the TLS contexts from file paths, with the errors naming the file that failed.
public enum TLSContextFactory {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The context for client connections that pgcutover terminates. TLS 1.2 is the floor, as
    /// for the server's own `ssl_min_protocol_version` default.
    public static func server(certificatePath: String, keyPath: String) throws -> NIOSSLContext {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificatePath)
        } catch {
            throw Failure(description: "cannot read TLS certificate \(certificatePath): \(error)")
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        } catch {
            throw Failure(description: "cannot read TLS key \(keyPath): \(error)")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw Failure(description: "invalid TLS certificate or key (\(certificatePath), \(keyPath)): \(error)")
        }
    }

    /// The context for the server connection. prefer and require encrypt without checking the
    /// certificate, as libpq does; verify-full checks the chain and the host name.
    public static func upstream(mode: UpstreamSSLMode, rootCertificatePath: String?) throws -> NIOSSLContext? {
        guard let configuration = upstreamConfiguration(mode: mode, rootCertificatePath: rootCertificatePath) else {
            return nil
        }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw Failure(description: "cannot set up TLS to the server: \(error)")
        }
    }

    /// The settings behind `upstream(mode:rootCertificatePath:)`, for connections the proxy
    /// makes with postgres-nio (the shadow comparer), which builds its own context.
    static func upstreamConfiguration(mode: UpstreamSSLMode, rootCertificatePath: String?) -> TLSConfiguration? {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        switch mode {
        case .disable:
            return nil
        case .prefer, .require:
            configuration.certificateVerification = .none
        case .verifyFull:
            configuration.certificateVerification = .fullVerification
            if let rootCertificatePath {
                configuration.trustRoots = .file(rootCertificatePath)
            }
        }
        return configuration
    }
}
