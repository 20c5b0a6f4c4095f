import NIOCore
import WireProtocol

/// All decisions of one client session, free of I/O: the handlers feed it events (frames, connects,
/// closes) and execute the action it returns. A pass-through session forwards every frame
/// unchanged; the few it reads are the ones that steer the session (startup, TLS negotiation,
/// authentication, BackendKeyData, ReadyForQuery, Terminate).
public struct SessionStateMachine: Sendable {
    public enum State: Sendable {
        /// Before the client's StartupMessage; `tlsDone` once an SSLRequest was answered.
        case awaitingStartup(tlsDone: Bool)
        /// Connecting to the server, then (optionally) negotiating TLS with it.
        case connectingUpstream(StartupMessage)
        case negotiatingUpstreamTLS(StartupMessage)
        /// The server and client exchange authentication messages; the proxy relays them.
        case authenticating(Authenticating)
        /// Authenticated: every message is relayed. `transactionStatus` is the last ReadyForQuery's;
        /// `requestPending` says the client has spoken since, so the server owes it an answer.
        case relaying(Relaying)
        /// The client sent Terminate, or an error is being delivered before the close.
        case closing
        case closed
    }

    public struct Relaying: Sendable, Hashable {
        public var transactionStatus: ReadyForQuery.TransactionStatus
        public var requestPending: Bool
    }

    public struct Authenticating: Sendable, Hashable {
        /// The server asked for SASL: the next client 'p' message is a SASLInitialResponse.
        var awaitingSASLInitialResponse = false
    }

    public enum Action: Sendable {
        /// Nothing to do for this event.
        case none
        /// Relay the frame being handled, unchanged.
        case forward
        /// Send these bytes to the client in place of the server frame being handled.
        case replaceToClient(ByteBuffer)
        /// Send these bytes to the server in place of the client frame being handled.
        case replaceToServer(ByteBuffer)
        /// Relay nothing for the frame being handled.
        case drop
        /// Relay the frame, and remember the server's cancel key as belonging to this session.
        case forwardRegisteringCancelKey(BackendKeyData)
        /// Answer an SSLRequest or GSSENCRequest with one byte, and go on reading startup packets.
        case replyToNegotiation(UInt8)
        /// Answer an SSLRequest with 'S' and start TLS on the client connection.
        case startClientTLS
        /// Open the server connection for this startup.
        case connectUpstream
        case sendSSLRequestUpstream
        case startUpstreamTLS
        /// Send the client's StartupMessage (as the client sent it) to the server.
        case sendStartupUpstream(StartupMessage)
        /// The client asked for the admin console (database `pgcutover` with `[admin]` set): the
        /// proxy answers it itself, and this machine has nothing more to decide.
        case startAdminConsole(StartupMessage)
        /// Route a cancel to the session owning the key, then close this connection.
        case cancel(CancelRequest)
        /// Send the error (if any) to the client, then close both connections.
        case closeSession(SessionError?)
        /// Close both connections without a word (the peer is gone, or the server already spoke).
        case closeQuietly
        /// Relay the frame, then end the session with the error (a drain reached an idle moment).
        case forwardThenClose(SessionError)
    }

    public private(set) var state: State {
        didSet { derived = Derived(state: state, limits: limits, pipelined: rewrite != nil) }
    }
    /// What the handler asks after every read, kept as stored values: a computed property of this
    /// struct, read through the handler's class, copies the whole machine (every reference in it
    /// retained and released) on each call.
    private var derived: Derived
    public let clientTLSAvailable: Bool
    public let upstreamSSLMode: UpstreamSSLMode
    public private(set) var clientUsesTLS = false
    /// Set when the proxy shuts down: the session ends at its next idle moment.
    public private(set) var draining = false
    public private(set) var upstreamUsesTLS = false
    /// Set when `[admin]` is configured: a startup for database `pgcutover` opens the console.
    public var adminConsoleEnabled = false
    /// Set when the session was accepted with `max_client_connections` already served: its
    /// StartupMessage is refused, unless it asks for the admin console, as on the server
    /// (whose superuser slots play that part).
    public var beyondConnectionLimit = false
    public let limits: SessionLimits

    /// Present once some table is in a mode other than passthrough for some client, or when
    /// statements are audited: it decides each statement's mode, rewrites, blocks, and sets
    /// `pgcutover.sync`. Absent, every byte is relayed as it is.
    /// Set once, never unset; `derived.pipelined` says whether it is there.
    private var rewrite: RewritePipeline?
    /// Named statements prepared while there is no pipeline, for the pipeline to take over.
    private var preparedWithoutPipeline = PreparedStatementLog()
    private let router: StatementRouter?
    private let store: ConfigurationStore?
    private let auditing: Bool
    /// Shadow comparisons are wanted: the pipeline records shadow-mode reads. Unlike `auditing`
    /// it does not bring the pipeline into a session whose tables all pass through, since a
    /// shadowed table is then out of passthrough anyway.
    private let shadowing: Bool
    private let clientAddress: IPAddress?
    /// Who the client is, for the cutover rules; known from the StartupMessage on.
    public private(set) var identity: ClientIdentity?
    /// The configuration generation this session's modes come from; 0 before the first.
    public private(set) var adoptedGeneration: UInt64 = 0
    private var identityChanged = false
    private var clientEncodingIsUTF8 = true

    /// With a router and a configuration store, statements on legacy tables run in the mode the
    /// store's cutover policy gives this client, table by table, and are recorded for the audit
    /// (`auditing`); without them every byte is relayed as it is.
    public init(
        clientTLSAvailable: Bool, upstreamSSLMode: UpstreamSSLMode, router: StatementRouter?,
        store: ConfigurationStore?, auditing: Bool = false, shadowing: Bool = false, clientAddress: IPAddress? = nil,
        limits: SessionLimits = .init()
    ) {
        self.state = .awaitingStartup(tlsDone: false)
        self.limits = limits
        self.derived = Derived(state: .awaitingStartup(tlsDone: false), limits: limits, pipelined: false)
        self.clientTLSAvailable = clientTLSAvailable
        self.upstreamSSLMode = upstreamSSLMode
        self.router = router
        self.store = router == nil ? nil : store
        self.auditing = auditing
        self.shadowing = shadowing
        self.clientAddress = clientAddress
    }

    /// Every legacy table in `mode` for every client, for ever.
    public init(
        clientTLSAvailable: Bool, upstreamSSLMode: UpstreamSSLMode, router: StatementRouter? = nil,
        mode: CutoverMode = .rewrite, auditing: Bool = false, blockHint: String? = nil,
        limits: SessionLimits = .init()
    ) {
        var configuration = ProxyConfiguration()
        configuration.mode = mode
        configuration.blockHint = blockHint
        self.init(
            clientTLSAvailable: clientTLSAvailable, upstreamSSLMode: upstreamSSLMode, router: router,
            store: ConfigurationStore(fixed: configuration), auditing: auditing, limits: limits)
    }

    /// The modes of this session's current transaction; nil while the session has no pipeline.
    public var sessionModes: SessionModes? { rewrite?.modes }

    /// At a transaction start (nothing pending, last status idle): takes a new configuration
    /// generation or a changed application_name into account, and returns the bytes of a
    /// `SET pgcutover.sync` to send ahead of `frame` when the modes want another value than the
    /// one this session last set.
    private mutating func transactionStarts(before frame: Frame) -> ByteBuffer? {
        // The generation is read without binding `store`: binding retains it, and every session
        // of every event loop shares it, so its reference count would bounce between cores.
        guard let generation = store?.generation, rewrite?.expectations.isEmpty ?? true else { return nil }
        if generation != adoptedGeneration || identityChanged {
            guard let store, let router else { return nil }
            let snapshot = store.current
            adoptedGeneration = snapshot.generation
            identityChanged = false
            let cutover = snapshot.configuration.cutover
            if rewrite == nil {
                // Pure relaying costs nothing per statement: the pipeline only comes when needed.
                guard auditing || !cutover.isPassthroughEverywhere else { return nil }
                rewrite = RewritePipeline(router: router, modes: SessionModes(tables: [:]), auditing: auditing || shadowing)
                derived.pipelined = true
                rewrite!.clientEncodingIsUTF8 = clientEncodingIsUTF8
                rewrite!.adopt(preparedWithoutPipeline)
                preparedWithoutPipeline = PreparedStatementLog()
            }
            let client = identity ?? ClientIdentity(user: "", database: "", address: clientAddress)
            rewrite!.modes = cutover.modes(for: client, tables: router.rewriter.mapping.tables.map(\.name))
            rewrite!.blockHint = cutover.blockHint ?? RewritePipeline.defaultBlockHint
            rewrite!.auditsEveryStatement = auditing && snapshot.configuration.auditAllStatements
        }
        guard rewrite != nil else { return nil }
        let wanted = rewrite!.wantedSyncSetting
        guard wanted != rewrite!.syncSetting else { return nil }
        switch frame.frontendID {
        case .query?, .functionCall?:
            return rewrite!.syncInjection(wanted, extended: false)
        case .parse?, .bind?, .describe?, .execute?, .close?:
            return rewrite!.syncInjection(wanted, extended: true)
        default:
            // Sync, Flush: nothing runs; the next frame that runs something sets it.
            return nil
        }
    }

    /// Legacy statements completed since the last call, for the audit.
    mutating func takeCompletions() -> [StatementCompletion] {
        guard rewrite?.hasCompletions == true else { return [] }
        return rewrite!.takeCompletions()
    }

    /// How the client's bytes are framed right now.
    @inline(__always)
    public var clientFramingPhase: FrameDecoder.Phase { derived.clientFramingPhase }

    /// Whether client frames must wait: the server connection is not there yet.
    @inline(__always)
    public var waitsForUpstream: Bool { derived.waitsForUpstream }

    /// True when `clientFrameReceived` would return `.forward` for a message of this type and
    /// change nothing, so the handler may relay it without building its `Frame`. That is every
    /// message of a request already under way in a session without a pipeline, except
    /// Terminate (which closes) and Parse and Close (which `preparedWithoutPipeline` follows).
    @inline(__always)
    public func relaysUnread(clientMessage id: UInt8) -> Bool {
        derived.relaysRequestFrames && id != FrontendMessageID.terminate.rawValue
            && id != FrontendMessageID.parse.rawValue && id != FrontendMessageID.close.rawValue
    }

    /// True when `serverFrameReceived` would return `.forward` for a message of this type and
    /// change nothing: every message of a relaying session without a pipeline, except the two
    /// it reads (ParameterStatus and ReadyForQuery).
    @inline(__always)
    public func relaysUnread(serverMessage id: UInt8) -> Bool {
        derived.relaysServerFrames && id != BackendMessageID.readyForQuery.rawValue
            && id != BackendMessageID.parameterStatus.rawValue
    }

    public var isRelaying: Bool {
        if case .relaying = state { return true }
        return false
    }

    // MARK: Client events

    /// A startup-phase packet. `bytesFollow` says whether the client sent more bytes behind it in
    /// the same read: behind an SSLRequest that is a protocol violation (the bytes would have been
    /// sent before the TLS handshake, so a man in the middle could have injected them).
    public mutating func clientStartupPacketReceived(_ frame: Frame, bytesFollow: Bool) -> Action {
        guard case .awaitingStartup(let tlsDone) = state else {
            return fail(.init(sqlState: "08P01", message: "unexpected startup packet"))
        }
        let packet: StartupPacket
        do {
            packet = try StartupPacket(frame: frame)
        } catch {
            return fail(.protocolViolation(error))
        }
        switch packet {
        case .sslRequest:
            if tlsDone {
                return fail(.init(sqlState: "08P01", message: "SSLRequest received after TLS negotiation"))
            }
            if clientTLSAvailable {
                if bytesFollow {
                    return fail(.init(sqlState: "08P01", message: "received unencrypted data after SSL request"))
                }
                state = .awaitingStartup(tlsDone: true)
                clientUsesTLS = true
                return .startClientTLS
            }
            state = .awaitingStartup(tlsDone: true)
            return .replyToNegotiation(UInt8(ascii: "N"))
        case .gssEncRequest:
            return .replyToNegotiation(UInt8(ascii: "N"))
        case .cancel(let request):
            state = .closed
            return .cancel(request)
        case .startup where limits.tlsRequired && !clientUsesTLS:
            // Before the admin console too: require means no plaintext session of any kind.
            return fail(.tlsRequired)
        case .startup(let startup)
            where adminConsoleEnabled && (startup["database"] ?? startup["user"]) == AdminSettings.databaseName:
            // Inert from here on: no server connection, and the console reads the client's frames.
            state = .closing
            return .startAdminConsole(startup)
        case .startup where beyondConnectionLimit:
            return fail(.tooManyClients)
        case .startup(let startup):
            identity = ClientIdentity(
                applicationName: startup["application_name"] ?? "", user: startup["user"] ?? "",
                database: startup["database"] ?? startup["user"] ?? "", address: clientAddress)
            state = .connectingUpstream(startup)
            return .connectUpstream
        }
    }

    /// A typed client message, after the StartupMessage.
    public mutating func clientFrameReceived(_ frame: Frame) -> Action {
        switch state {
        case .relaying(var relaying):
            if frame.id == FrontendMessageID.terminate.rawValue {
                state = .closing
                return .forward
            }
            var injected: ByteBuffer?
            if !relaying.requestPending {
                if relaying.transactionStatus == .idle && store != nil {
                    injected = transactionStarts(before: frame)
                }
                relaying.requestPending = true
                state = .relaying(relaying)
            }
            guard rewrite != nil else {
                // Only Parse and Close are kept; the type is checked first, since binding the
                // shared router retains it.
                if frame.id == FrontendMessageID.parse.rawValue || frame.id == FrontendMessageID.close.rawValue,
                   let router, store != nil {
                    preparedWithoutPipeline.clientFrameReceived(frame, router: router)
                }
                return .forward
            }
            switch rewrite!.clientFrameReceived(frame) {
            case .forward:
                guard var bytes = injected else { return .forward }
                bytes.writeImmutableBuffer(frame.bytes)
                return .replaceToServer(bytes)
            case .replace(var bytes):
                if var ahead = injected {
                    ahead.writeBuffer(&bytes)
                    bytes = ahead
                }
                return .replaceToServer(bytes)
            case .protocolViolation(let violation):
                return fail(.protocolViolation(violation))
            }
        case .authenticating(var auth):
            guard frame.id == FrontendMessageID.password.rawValue else {
                if frame.id == FrontendMessageID.terminate.rawValue {
                    state = .closed
                    return .closeQuietly
                }
                return fail(.init(sqlState: "08P01", message: "expected password response, got message type \(MessageIDText(frame.id))"))
            }
            if auth.awaitingSASLInitialResponse {
                auth.awaitingSASLInitialResponse = false
                state = .authenticating(auth)
                if upstreamUsesTLS && clientUsesTLS && Self.announcesChannelBindingSupport(frame.payload) {
                    return fail(.channelBindingAcrossProxy)
                }
            }
            return .forward
        case .awaitingStartup, .connectingUpstream, .negotiatingUpstreamTLS:
            // The client must wait for the server's authentication request before it speaks.
            return fail(.init(sqlState: "08P01", message: "unexpected message type \(MessageIDText(frame.id)) before authentication"))
        case .closing, .closed:
            return .none
        }
    }

    public mutating func clientProtocolViolation(_ violation: ProtocolViolation) -> Action {
        fail(.protocolViolation(violation))
    }

    public mutating func clientClosed() -> Action {
        switch state {
        case .closed:
            return .none
        default:
            state = .closed
            return .closeQuietly
        }
    }

    /// The proxy is shutting down: end the session now if it is idle, else at its next idle
    /// ReadyForQuery, so no transaction is cut in half before the shutdown timeout.
    public mutating func drainRequested() -> Action {
        draining = true
        switch state {
        case .relaying(let relaying) where relaying.transactionStatus == .idle && !relaying.requestPending:
            return fail(.adminShutdown)
        case .awaitingStartup:
            return fail(.adminShutdown)
        case .relaying, .authenticating, .connectingUpstream, .negotiatingUpstreamTLS, .closing, .closed:
            return .none
        }
    }

    // MARK: Timeouts

    /// The timeout that applies now, if any: login until the first ReadyForQuery, then the idle
    /// timeout while idle outside a transaction, the response timeout while the server owes an
    /// answer. Idle in a transaction ('T' or 'E') has none: the server's
    /// idle_in_transaction_session_timeout is the one that knows what the transaction holds.
    @inline(__always)
    public var timeout: SessionTimeout? { derived.timeout }

    /// The timer set for `kind` ran out. Ends the session if that timeout still applies.
    public mutating func timeoutExpired(_ kind: SessionTimeout.Kind) -> Action {
        guard let timeout, timeout.kind == kind else { return .none }
        switch state {
        case .awaitingStartup:
            // The server closes a connection that never sent its startup packet without a word.
            state = .closed
            return .closeQuietly
        case .connectingUpstream, .negotiatingUpstreamTLS, .authenticating:
            return fail(.loginTimeout(timeout.after))
        case .relaying:
            return fail(kind == .clientIdle ? .idleSessionTimeout : .serverResponseTimeout(timeout.after))
        case .closing, .closed:
            return .none
        }
    }

    // MARK: Upstream events

    public mutating func upstreamConnected() -> Action {
        guard case .connectingUpstream(let startup) = state else { return .none }
        if upstreamSSLMode.asksForTLS {
            state = .negotiatingUpstreamTLS(startup)
            return .sendSSLRequestUpstream
        }
        state = .authenticating(.init())
        return .sendStartupUpstream(startup)
    }

    public mutating func upstreamConnectFailed(_ reason: String) -> Action {
        fail(.upstreamUnavailable(reason))
    }

    /// The server's one-byte answer to the proxy's SSLRequest.
    public mutating func upstreamSSLResponseReceived(_ byte: UInt8) -> Action {
        guard case .negotiatingUpstreamTLS(let startup) = state else {
            return fail(.init(sqlState: "08P01", message: "unexpected TLS response from the server"))
        }
        switch byte {
        case UInt8(ascii: "S"):
            upstreamUsesTLS = true
            return .startUpstreamTLS
        case UInt8(ascii: "N"):
            if upstreamSSLMode.requiresTLS {
                return fail(.upstreamRefusedTLS)
            }
            state = .authenticating(.init())
            return .sendStartupUpstream(startup)
        default:
            return fail(.init(sqlState: "08P01", message: "invalid response to SSL negotiation from the server: \(byte)"))
        }
    }

    public mutating func upstreamTLSEstablished() -> Action {
        guard case .negotiatingUpstreamTLS(let startup) = state else { return .none }
        state = .authenticating(.init())
        return .sendStartupUpstream(startup)
    }

    public mutating func serverFrameReceived(_ frame: Frame) -> Action {
        switch state {
        case .relaying:
            var action = Action.forward
            if frame.id == BackendMessageID.parameterStatus.rawValue { noteParameterStatus(frame) }
            if rewrite != nil {
                switch rewrite!.serverFrameReceived(frame) {
                case .forward: break
                case .drop: action = .drop
                case .swallow: return .drop
                case .replace(let bytes): action = .replaceToClient(bytes)
                }
            }
            if frame.id == BackendMessageID.readyForQuery.rawValue,
               let byte = frame.firstPayloadByte,
               let status = ReadyForQuery.TransactionStatus(rawValue: byte) {
                state = .relaying(.init(transactionStatus: status, requestPending: false))
                if draining && status == .idle {
                    state = .closed
                    return .forwardThenClose(.adminShutdown)
                }
            }
            return action
        case .authenticating(var auth):
            switch frame.backendID {
            case .authentication?:
                return authenticationRequestReceived(frame, &auth)
            case .backendKeyData?:
                do {
                    return .forwardRegisteringCancelKey(try BackendKeyData(payload: frame.payload))
                } catch {
                    return fail(.init(sqlState: "08P01", message: "the server sent an invalid BackendKeyData: \(error.message)"))
                }
            case .readyForQuery?:
                do {
                    let status = try ReadyForQuery(payload: frame.payload).status
                    state = .relaying(.init(transactionStatus: status, requestPending: false))
                    if draining && status == .idle {
                        state = .closed
                        return .forwardThenClose(.adminShutdown)
                    }
                    return .forward
                } catch {
                    return fail(.init(sqlState: "08P01", message: "the server sent an invalid ReadyForQuery: \(error.message)"))
                }
            case .parameterStatus?:
                noteParameterStatus(frame)
                return .forward
            default:
                // NoticeResponse, NegotiateProtocolVersion, ErrorResponse (after
                // which the server closes): all for the client as they are.
                return .forward
            }
        case .closing:
            return .forward
        case .awaitingStartup, .connectingUpstream, .negotiatingUpstreamTLS, .closed:
            return .none
        }
    }

    public mutating func upstreamProtocolViolation(_ violation: ProtocolViolation) -> Action {
        fail(.init(sqlState: "08P01", message: "the server sent an invalid message: \(violation.message)"))
    }

    public mutating func upstreamClosed() -> Action {
        switch state {
        case .closed:
            return .none
        case .closing, .authenticating, .relaying:
            // The server has said what it had to (an error, or the end of the session).
            state = .closed
            return .closeQuietly
        case .awaitingStartup, .connectingUpstream, .negotiatingUpstreamTLS:
            return fail(.upstreamUnavailable("the server closed the connection during startup"))
        }
    }

    // MARK: Internals

    private struct Derived: Sendable {
        var clientFramingPhase: FrameDecoder.Phase
        var waitsForUpstream: Bool
        var timeout: SessionTimeout?
        private var relaying = false
        private var requestPending = false
        var pipelined: Bool

        var relaysServerFrames: Bool { relaying && !pipelined }
        var relaysRequestFrames: Bool { relaying && requestPending && !pipelined }

        init(state: State, limits: SessionLimits, pipelined: Bool) {
            self.pipelined = pipelined
            clientFramingPhase = .messages
            waitsForUpstream = false
            timeout = nil
            let login = limits.login.map { SessionTimeout(kind: .login, after: $0) }
            switch state {
            case .awaitingStartup:
                clientFramingPhase = .startup
                timeout = login
            case .connectingUpstream, .negotiatingUpstreamTLS:
                waitsForUpstream = true
                timeout = login
            case .authenticating:
                timeout = login
            case .relaying(let relaying):
                self.relaying = true
                requestPending = relaying.requestPending
                if relaying.requestPending {
                    timeout = limits.serverResponse.map { SessionTimeout(kind: .serverResponse, after: $0) }
                } else if relaying.transactionStatus == .idle {
                    timeout = limits.clientIdle.map { SessionTimeout(kind: .clientIdle, after: $0) }
                }
            case .closing, .closed:
                break
            }
        }
    }

    private mutating func noteParameterStatus(_ frame: Frame) {
        guard store != nil, let status = try? ParameterStatus(payload: frame.payload) else { return }
        switch status.name {
        case "client_encoding":
            let isUTF8 = ["UTF8", "UTF-8", "UNICODE"].contains(status.value.uppercased())
            clientEncodingIsUTF8 = isUTF8
            rewrite?.clientEncodingIsUTF8 = isUTF8
        case "application_name":
            // Rules may match on it: the modes are computed again at the next transaction start.
            if identity != nil, identity!.applicationName != status.value {
                identity!.applicationName = status.value
                identityChanged = true
            }
        default:
            break
        }
    }

    private mutating func authenticationRequestReceived(_ frame: Frame, _ auth: inout Authenticating) -> Action {
        let authentication: Authentication
        do {
            authentication = try Authentication(payload: frame.payload)
        } catch {
            // A request this proxy does not know is the client's business, not ours.
            return .forward
        }
        guard case .sasl(let mechanisms) = authentication else {
            return .forward
        }
        auth.awaitingSASLInitialResponse = true
        state = .authenticating(auth)
        // Channel binding binds the client's TLS channel to the server's certificate; through a
        // proxy the client's channel ends here, so a -PLUS mechanism could only fail.
        let offered = mechanisms.filter { !$0.hasSuffix("-PLUS") }
        guard offered.count != mechanisms.count else { return .forward }
        return .replaceToClient(FrameEncoder.frame(Authentication.sasl(mechanisms: offered)))
    }

    /// The gs2 header of a SASLInitialResponse starts with 'y' when the client supports channel
    /// binding but believes the server does not.
    static func announcesChannelBindingSupport(_ payload: ByteBuffer) -> Bool {
        var reader = PayloadReader(payload, message: "SASLInitialResponse")
        guard (try? reader.cString()) != nil, let length = try? reader.int32(), length > 0,
              let flag = try? reader.int8()
        else { return false }
        return flag == UInt8(ascii: "y")
    }

    private mutating func fail(_ error: SessionError) -> Action {
        state = .closed
        return .closeSession(error)
    }
}

private func MessageIDText(_ id: UInt8?) -> String {
    guard let id else { return "startup packet" }
    return FrontendMessageID(rawValue: id).description
}
