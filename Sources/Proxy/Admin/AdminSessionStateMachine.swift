import Foundation
import NIOCore
import WireProtocol

/// One admin console session, free of I/O: the proxy answers it itself instead of relaying it.
/// It asks for a cleartext password (the client should use TLS or loopback, which is the
/// default `allowed_addresses`), then answers the console's commands over the simple query
/// protocol. The handler sends what each action carries.
public struct AdminSessionStateMachine: Sendable {
    public enum State: Sendable, Equatable {
        case awaitingPassword
        /// Authenticated. `skippingToSync`: an extended-protocol message was refused and, as a
        /// server does after an error, everything up to the next Sync is ignored.
        case ready(skippingToSync: Bool)
        case closed
    }

    public enum Action: Sendable {
        case send(ByteBuffer)
        /// Send the bytes (a FATAL error), then close the connection.
        case sendAndClose(ByteBuffer)
        case close
        case none
    }

    public private(set) var state: State = .awaitingPassword
    public let user: String
    private let settings: AdminSettings
    private let clientAddress: IPAddress?

    /// `clientAddress` is nil when the peer's address is unknown: such a client is refused.
    public init(user: String, clientAddress: IPAddress?, settings: AdminSettings) {
        self.user = user
        self.clientAddress = clientAddress
        self.settings = settings
    }

    /// The StartupMessage was read: refuse a client from outside `allowed_addresses` at once (as
    /// pg_hba does, before any password), else ask for the password.
    public mutating func start() -> Action {
        guard settings.allows(clientAddress) else {
            let address = clientAddress.map(\.description) ?? "unknown"
            return fatal(SessionError(
                sqlState: "28000",
                message: "pgcutover admin console: no access for host \"\(address)\", user \"\(user)\"",
                hint: "Add the client's address to [admin] allowed_addresses."))
        }
        return .send(FrameEncoder.frame(Authentication.cleartextPassword))
    }

    public mutating func frameReceived(_ frame: Frame, console: some AdminConsoleSource) -> Action {
        switch state {
        case .closed:
            return .none
        case .awaitingPassword:
            return passwordReceived(frame)
        case .ready(let skipping):
            return messageReceived(frame, skipping: skipping, console: console)
        }
    }

    /// The server shuts down: an idle console session ends at once.
    public mutating func drainRequested() -> Action {
        guard state != .closed else { return .none }
        return fatal(.adminShutdown)
    }

    /// `login_timeout_seconds` ran out: a console still waiting for its password is ended as a
    /// relayed session would be; an authenticated one is not concerned.
    public mutating func loginTimeoutExpired(_ limit: TimeAmount) -> Action {
        guard state == .awaitingPassword else { return .none }
        return fatal(.loginTimeout(limit))
    }

    // MARK: Authentication

    private mutating func passwordReceived(_ frame: Frame) -> Action {
        guard frame.id == FrontendMessageID.password.rawValue else {
            if frame.id == FrontendMessageID.terminate.rawValue {
                state = .closed
                return .close
            }
            return fatal(SessionError(sqlState: "08P01", message: "expected password response, got message type \(FrontendMessageID(rawValue: frame.id ?? 0))"))
        }
        let password: String
        do {
            password = try PasswordMessage(payload: frame.payload).password
        } catch {
            return fatal(SessionError(sqlState: "08P01", message: error.message))
        }
        // Both checks always run, so the time taken says nothing about which one failed.
        let knownUser = settings.users.contains(user)
        let rightPassword = Self.constantTimeEqual(Array(password.utf8), Array(settings.password.utf8))
        guard knownUser && rightPassword else {
            return fatal(SessionError(sqlState: "28P01", message: "password authentication failed for user \"\(user)\""))
        }
        state = .ready(skippingToSync: false)
        var out = ByteBuffer()
        Authentication.ok.encodeFrame(into: &out)
        for (name, value) in Self.parameters {
            ParameterStatus(name: name, value: value).encodeFrame(into: &out)
        }
        // A key no cancel can match: the console has nothing to cancel, and it is not registered.
        var secret = ByteBuffer()
        secret.writeInteger(UInt32.random(in: .min ... .max))
        BackendKeyData(processID: Int32.random(in: 1 ... .max), secretKey: secret).encodeFrame(into: &out)
        ReadyForQuery(status: .idle).encodeFrame(into: &out)
        return .send(out)
    }

    /// What psql and drivers read at startup; the version is the one the proxy is tested against.
    static let parameters: [(String, String)] = [
        ("server_version", "15.0 (pgcutover admin console)"),
        ("server_encoding", "UTF8"),
        ("client_encoding", "UTF8"),
        ("DateStyle", "ISO, MDY"),
        ("integer_datetimes", "on"),
        ("standard_conforming_strings", "on"),
    ]

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for index in 0..<max(a.count, b.count) {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            difference |= x ^ y
        }
        return difference == 0
    }

    // MARK: Commands

    private mutating func messageReceived(_ frame: Frame, skipping: Bool, console: some AdminConsoleSource) -> Action {
        switch FrontendMessageID(rawValue: frame.id ?? 0) {
        case .terminate:
            state = .closed
            return .close
        case .query:
            let sql: String
            do {
                sql = try Query(payload: frame.payload).sql
            } catch {
                return fatal(SessionError(sqlState: "08P01", message: error.message))
            }
            var out = ByteBuffer()
            run(sql, console: console, into: &out)
            ReadyForQuery(status: .idle).encodeFrame(into: &out)
            return .send(out)
        case .sync:
            state = .ready(skippingToSync: false)
            return .send(FrameEncoder.frame(ReadyForQuery(status: .idle)))
        case .parse, .bind, .describe, .execute, .close, .flush, .functionCall:
            guard !skipping else { return .none }
            state = .ready(skippingToSync: true)
            return .send(FrameEncoder.frame(ErrorResponse(fields: .error(
                sqlState: "0A000", message: "the pgcutover admin console accepts only the simple query protocol",
                hint: "Use psql, or a driver's simple-query call."))))
        default:
            return fatal(SessionError(sqlState: "08P01", message: "unexpected message type \(FrontendMessageID(rawValue: frame.id ?? 0)) in the admin console"))
        }
    }

    private func run(_ sql: String, console: some AdminConsoleSource, into out: inout ByteBuffer) {
        if AdminCommand.isEmpty(sql) {
            EmptyQueryResponse().encodeFrame(into: &out)
            return
        }
        guard let command = AdminCommand(sql) else {
            ErrorResponse(fields: .error(
                sqlState: "42601", message: "unknown admin console command: \(sql.trimmingCharacters(in: .whitespacesAndNewlines))",
                hint: "The commands are \(AdminCommand.list).")
            ).encodeFrame(into: &out)
            return
        }
        switch command {
        case .showSessions: AdminReport.sessions(console).encode(into: &out)
        case .showStats: AdminReport.statistics(console).encode(into: &out)
        case .showConfig: AdminReport.configuration(console.configurationStore.current).encode(into: &out)
        case .showRules: AdminReport.rules(console).encode(into: &out)
        case .showHelp: AdminReport.help.encode(into: &out)
        case .reload:
            // The file is small and read synchronously; a reload is rare and operator-driven.
            switch console.configurationStore.reload() {
            case .success:
                CommandComplete(tag: "RELOAD").encodeFrame(into: &out)
            case .failure(let error):
                ErrorResponse(fields: .error(
                    sqlState: "F0000", message: error.description,
                    detail: "The running configuration is kept.")
                ).encodeFrame(into: &out)
            }
        }
    }

    private mutating func fatal(_ error: SessionError) -> Action {
        state = .closed
        return .sendAndClose(FrameEncoder.frame(ErrorResponse(fields: error.fields)))
    }
}
