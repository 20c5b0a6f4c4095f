import Logging
import NIOConcurrencyHelpers
import NIOSSL

/// The TLS context for client connections, built again from the same certificate and key paths
/// on every configuration reload: rotated files keep their names, so unchanged paths are no
/// reason to keep the old certificate. Each new connection takes the context current at its
/// SSLRequest; connections already encrypted keep theirs.
public final class ReloadableServerContext: Sendable {
    private let box: NIOLockedValueBox<NIOSSLContext>
    public let certificatePath: String
    public let keyPath: String

    public init(certificatePath: String, keyPath: String) throws {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        self.box = NIOLockedValueBox(try TLSContextFactory.server(certificatePath: certificatePath, keyPath: keyPath))
    }

    public var current: NIOSSLContext { box.withLockedValue { $0 } }

    /// Reads the files again. A file that cannot be read, or a key that does not match, leaves
    /// the running context in place: a half-finished rotation must not stop TLS.
    public func reload(logger: Logger) {
        do {
            let fresh = try TLSContextFactory.server(certificatePath: certificatePath, keyPath: keyPath)
            box.withLockedValue { $0 = fresh }
            logger.notice("TLS certificate and key reloaded", metadata: ["cert": "\(certificatePath)"])
        } catch {
            logger.error("TLS reload failed, the running certificate stays", metadata: ["error": "\(error)"])
        }
    }
}
