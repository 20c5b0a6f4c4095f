import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import WireProtocol

/// The one place where a session's I/O happens: it feeds the client's and the server's bytes to
/// the session's state machine and carries out the actions it returns. Relayed frames leave as the
/// same bytes they arrived as: consecutive frames that are forwarded unchanged go out as one slice.
final class ClientSessionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var machine: SessionStateMachine
    private let environment: SessionEnvironment
    private var info: SessionInfo
    private var logger: Logger

    private var context: ChannelHandlerContext?
    private var upstream: UpstreamChannelHandler?
    private var clientDecoder: FrameDecoder
    private var serverDecoder: FrameDecoder
    private var clientBytes: ByteBuffer?
    private var serverBytes: ByteBuffer?
    private var awaitingUpstreamSSLByte = false
    private var clientReadPending = false
    /// The audit queue is full: no more client input until it has room, so records are never dropped.
    private var auditPaused = false
    private var registeredKey: CancelKeyRegistry.Key?
    private var serverKeys: [BackendKeyData] = []
    private var closed = false
    private var finished = false
    private let startedAt = NIODeadline.now()
    /// Present once the client asked for the admin console: it answers every later frame.
    private var admin: AdminSessionStateMachine?
    private let adminSettings: AdminSettings?
    private let connectedAt = Date()
    private var publishedState: SessionStatus.State?
    private var statusCell: SessionStatusCell?
    /// Counted against `max_client_connections` (released when the session ends).
    private var admitted = false
    private let connectionLimit: Int
    /// The one timer of the session's present timeout (`machine.timeout`). It may fire early
    /// (activity moved the deadline on); it then sets itself for the new deadline.
    private var timer: Scheduled<Void>?
    private var timerDeadline: NIODeadline?
    private var lastActivity = NIODeadline.now()

    init(environment: SessionEnvironment, info: SessionInfo) {
        self.environment = environment
        self.info = info
        let configuration = environment.store.current.configuration
        // With metrics on, statements are followed to their completion as for the audit, to be counted.
        self.machine = SessionStateMachine(
            clientTLSAvailable: environment.clientTLS != nil, upstreamSSLMode: environment.upstream.sslMode,
            router: environment.router, store: environment.store,
            auditing: environment.audit != nil || configuration.metrics != nil,
            shadowing: environment.shadowSink != nil,
            clientAddress: info.clientIP, limits: configuration.sessionLimits)
        self.connectionLimit = configuration.maxClientConnections
        self.adminSettings = configuration.admin
        self.machine.adminConsoleEnabled = adminSettings != nil
        self.clientDecoder = FrameDecoder(
            phase: .startup, maximumMessageLength: environment.maximumMessageLength, requiresAlphanumericIDs: true)
        self.serverDecoder = FrameDecoder(phase: .messages, maximumMessageLength: environment.maximumMessageLength)
        var logger = environment.logger
        logger[metadataKey: "session"] = "\(info.id)"
        logger[metadataKey: "client"] = "\(info.clientAddress)"
        self.logger = logger
    }

    /// The client channel's writability as its last `channelWritabilityChanged` said: the server
    /// side's `read` asks it after every read, and a stored flag spares it the channel's.
    private(set) var clientIsWritable = true

    // MARK: Client channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        statusCell = environment.sessions.add(self, id: info.id, eventLoop: context.eventLoop)
        admitted = environment.sessions.admit(limit: connectionLimit)
        machine.beyondConnectionLimit = !admitted
        updateTimer()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        // A connection closed before it ever became active fires no channelInactive; this is the
        // one place every session passes on its way out.
        finish()
        self.context = nil
        clientIsWritable = false
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closed else { return }
        var incoming = unwrapInboundIn(data)
        lastActivity = .now()
        if clientBytes == nil {
            clientBytes = incoming
        } else {
            clientBytes!.writeBuffer(&incoming)
        }
        processClientBytes()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        upstream?.flush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        execute(machine.clientClosed(), frame: nil)
        finish()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        clientIsWritable = context.channel.isWritable
        if clientIsWritable {
            upstream?.resumeReading()
        }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // TLS handshake failures and resets: the client is gone or unusable; the server
        // connection goes with it.
        logger.debug("client connection error", metadata: ["error": "\(error)"])
        execute(machine.clientClosed(), frame: nil)
    }

    /// Reads from the client only while the server connection can take more.
    func read(context: ChannelHandlerContext) {
        if auditPaused || upstream?.isWritable == false {
            clientReadPending = true
        } else {
            context.read()
        }
    }

    // MARK: Server connection events (called by UpstreamChannelHandler, same event loop)

    func serverBytesReceived(_ buffer: ByteBuffer) {
        var incoming = buffer
        lastActivity = .now()
        if serverBytes == nil {
            serverBytes = incoming
        } else {
            serverBytes!.writeBuffer(&incoming)
        }
        processServerBytes()
    }

    func serverReadComplete() {
        context?.flush()
    }

    func upstreamInactive() {
        if let rest = serverBytes, rest.readableBytes > 0 {
            // A partial frame from a server that went away cannot be completed; it is dropped.
            logger.debug("server closed with \(rest.readableBytes) bytes of an incomplete message")
        }
        execute(machine.upstreamClosed(), frame: nil)
    }

    func upstreamFailed(_ error: any Error) {
        logger.debug("server connection error", metadata: ["error": "\(error)"])
        switch machine.state {
        case .connectingUpstream, .negotiatingUpstreamTLS:
            execute(machine.upstreamConnectFailed("\(error)"), frame: nil)
        default:
            execute(machine.upstreamClosed(), frame: nil)
        }
    }

    func upstreamTLSEstablished() {
        execute(machine.upstreamTLSEstablished(), frame: nil)
    }

    func upstreamWritabilityChanged(isWritable: Bool) {
        guard isWritable, !auditPaused, clientReadPending, let context else { return }
        clientReadPending = false
        context.read()
    }

    /// Called on the session's event loop when the proxy shuts down.
    func drain() {
        if admin != nil {
            executeAdmin(admin!.drainRequested())
            return
        }
        execute(machine.drainRequested(), frame: nil)
    }

    /// The shutdown deadline passed: the session ends mid-transaction, as on the server's fast shutdown.
    func forceClose() {
        close(error: .adminShutdown)
    }

    // MARK: Framing

    private func processClientBytes() {
        guard var buffer = clientBytes.take() else { return }
        // Runs are cut from this copy: `get` reads only between the reader and writer index, and
        // reading frames moves `buffer`'s reader index past them. Both share one storage.
        let received = buffer
        var runStart = buffer.readerIndex
        while !closed && !machine.waitsForUpstream {
            let frameStart = buffer.readerIndex
            let phase = machine.clientFramingPhase
            clientDecoder.phase = phase
            let header: FrameHeader
            do {
                guard let next = try clientDecoder.peek(buffer) else { break }
                header = next
            } catch {
                sendToServer(received, from: runStart, to: frameStart)
                execute(machine.clientProtocolViolation(error), frame: nil)
                return
            }
            if let id = header.id, admin == nil, machine.relaysUnread(clientMessage: id) {
                buffer.moveReaderIndex(forwardBy: header.length)
                continue
            }
            let frame = FrameDecoder.take(header, from: &buffer)
            if admin != nil {
                executeAdmin(admin!.frameReceived(frame, console: environment))
                continue
            }
            let action = phase == .startup
                ? machine.clientStartupPacketReceived(frame, bytesFollow: buffer.readableBytes > 0)
                : machine.clientFrameReceived(frame)
            if case .forward = action { continue }
            sendToServer(received, from: runStart, to: frameStart)
            runStart = buffer.readerIndex
            execute(action, frame: frame)
        }
        sendToServer(received, from: runStart, to: buffer.readerIndex)
        keep(buffer, in: &clientBytes)
        submitAuditRecords()
        publishStatus()
        updateTimer()
    }

    private func processServerBytes() {
        guard var buffer = serverBytes.take() else { return }
        if awaitingUpstreamSSLByte {
            guard let byte = buffer.readInteger(as: UInt8.self) else { return }
            awaitingUpstreamSSLByte = false
            if buffer.readableBytes > 0 {
                // Bytes behind the answer were sent before any handshake: they could be a man in
                // the middle's, so they are never read as the server's.
                execute(
                    machine.upstreamProtocolViolation(
                        ProtocolViolation(.unexpectedMessage, "received unencrypted data after SSL response")),
                    frame: nil)
                return
            }
            execute(machine.upstreamSSLResponseReceived(byte), frame: nil)
            return
        }
        let received = buffer
        var runStart = buffer.readerIndex
        while !closed {
            let frameStart = buffer.readerIndex
            let header: FrameHeader
            do {
                guard let next = try serverDecoder.peek(buffer) else { break }
                header = next
            } catch {
                sendToClient(received, from: runStart, to: frameStart)
                execute(machine.upstreamProtocolViolation(error), frame: nil)
                return
            }
            if let id = header.id, machine.relaysUnread(serverMessage: id) {
                buffer.moveReaderIndex(forwardBy: header.length)
                continue
            }
            let frame = FrameDecoder.take(header, from: &buffer)
            let action = machine.serverFrameReceived(frame)
            if case .forward = action { continue }
            sendToClient(received, from: runStart, to: frameStart)
            runStart = buffer.readerIndex
            execute(action, frame: frame)
        }
        sendToClient(received, from: runStart, to: buffer.readerIndex)
        keep(buffer, in: &serverBytes)
        submitAuditRecords()
        publishStatus()
        updateTimer()
    }

    private func submitAuditRecords() {
        guard let context else { return }
        let completions = machine.takeCompletions()
        guard !completions.isEmpty else { return }
        let now = NIODeadline.now()
        for completion in completions {
            let statement = completion.audit
            let nanoseconds = (now - completion.startedAt).nanoseconds
            // Statements on other tables (audit.all_statements) are the audit's, not the cutover's counts.
            if !statement.tables.isEmpty {
                environment.statistics.statementCompleted(
                    tables: statement.tables, mode: AuditRecord.Mode(statement.mode).rawValue,
                    action: statement.action.rawValue, nanoseconds: nanoseconds)
            }
            let shadowSink = completion.shadow == nil ? nil : environment.shadowSink
            // Only counted (SHOW STATS, metrics): no record to build.
            guard shadowSink != nil || environment.audit != nil else { continue }
            var record = AuditRecord(
                time: Date(), sessionID: info.id, clientAddress: info.clientAddress, user: info.user,
                database: info.database, applicationName: currentApplicationName, tables: statement.tables,
                mode: AuditRecord.Mode(statement.mode), action: statement.action, kind: statement.kind)
            record.durationMilliseconds = Double(nanoseconds) / 1e6
            record.rows = completion.rows
            record.sqlState = completion.sqlState
            if let shadow = completion.shadow, let sink = shadowSink {
                sink(record, shadow)
                continue
            }
            guard let audit = environment.audit else { continue }
            let source = AuditStatementSource(
                sql: statement.sql, rewrittenSQL: statement.rewrittenSQL, includeLiterals: environment.auditLiterals)
            if case .pause(let room) = audit.submit(record, source: source, eventLoop: context.eventLoop), !auditPaused {
                auditPaused = true
                let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
                room.whenComplete { _ in bound.value.auditHasRoom() }
            }
        }
    }

    /// The application_name as the server last reported it (a SET changes it mid-session).
    private var currentApplicationName: String? {
        guard let name = machine.identity?.applicationName, !name.isEmpty else { return info.applicationName }
        return name
    }

    private func auditHasRoom() {
        auditPaused = false
        guard clientReadPending, let context, upstream?.isWritable ?? true else { return }
        clientReadPending = false
        context.read()
    }

    private func keep(_ buffer: ByteBuffer, in slot: inout ByteBuffer?) {
        guard buffer.readableBytes > 0, !closed else { return }
        var rest = buffer
        // A partial frame stays; moving it to the front keeps the buffer from growing with the
        // bytes already relayed.
        if rest.readerIndex > 0 && rest.readerIndex >= rest.readableBytes {
            rest.discardReadBytes()
        }
        slot = rest
    }

    private func sendToServer(_ buffer: ByteBuffer, from start: Int, to end: Int) {
        guard end > start, let upstream else { return }
        upstream.write(buffer.getSlice(at: start, length: end - start)!)
    }

    private func sendToClient(_ buffer: ByteBuffer, from start: Int, to end: Int) {
        guard end > start, let context else { return }
        context.write(wrapOutboundOut(buffer.getSlice(at: start, length: end - start)!), promise: nil)
    }

    // MARK: Actions

    private func execute(_ action: SessionStateMachine.Action, frame: Frame?) {
        switch action {
        case .none:
            break
        case .forward:
            forward(frame)
        case .replaceToClient(let replacement):
            context?.write(wrapOutboundOut(replacement), promise: nil)
        case .replaceToServer(let replacement):
            upstream?.write(replacement)
        case .drop:
            break
        case .forwardRegisteringCancelKey(let key):
            register(key)
            forward(frame)
        case .replyToNegotiation(let byte):
            guard let context else { return }
            var reply = context.channel.allocator.buffer(capacity: 1)
            reply.writeInteger(byte)
            context.writeAndFlush(wrapOutboundOut(reply), promise: nil)
        case .startClientTLS:
            startClientTLS()
        case .connectUpstream:
            if case .connectingUpstream(let startup) = machine.state {
                noteStartup(startup)
            }
            connectUpstream()
        case .sendSSLRequestUpstream:
            awaitingUpstreamSSLByte = true
            upstream?.write(FrameEncoder.frame(SSLRequest()))
            upstream?.flush()
        case .startUpstreamTLS:
            startUpstreamTLS()
        case .sendStartupUpstream(let startup):
            var bytes = ByteBuffer()
            startup.encodeFrame(into: &bytes)
            upstream?.write(bytes)
            upstream?.flush()
            // Anything the client sent meanwhile can flow now.
            processClientBytes()
        case .startAdminConsole(let startup):
            startAdminConsole(startup)
        case .cancel(let request):
            // The connection closes once the server has acted on the cancel, as the server's own
            // does: a client that waits for the close (libpq's PQcancel) then knows it is done.
            guard let context else { return }
            let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
            routeCancel(request, on: context.eventLoop).whenComplete { _ in bound.value.close(error: nil) }
        case .closeSession(let error):
            close(error: error)
        case .closeQuietly:
            close(error: nil)
        case .forwardThenClose(let error):
            forward(frame)
            close(error: error)
        }
    }

    /// Server frames whose action is more than a plain relay; plain relays of either side go out
    /// in runs from the processing loops.
    private func forward(_ frame: Frame?) {
        guard let frame else { return }
        context?.write(wrapOutboundOut(frame.bytes), promise: nil)
    }

    private func noteStartup(_ startup: StartupMessage) {
        info.user = startup["user"]
        info.database = startup["database"] ?? startup["user"]
        info.applicationName = startup["application_name"]
        for (key, value) in info.loggerMetadata {
            logger[metadataKey: key] = value
        }
        logger.info("session started")
        publishedState = nil
        publishStatus()
    }

    // MARK: Timeouts

    /// Sets the timer for the timeout the machine says applies now, unless one already set
    /// fires no later (it will look again then). Called after every batch of frames, so the
    /// common case costs a comparison, not a scheduled task per message.
    private func updateTimer() {
        guard !closed, let context, let deadline = timeoutDeadline else { return }
        if timer != nil, let timerDeadline, timerDeadline <= deadline { return }
        timer?.cancel()
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        timerDeadline = deadline
        timer = context.eventLoop.scheduleTask(deadline: deadline) { bound.value.timerFired() }
    }

    /// The relayed session's timeout; for the admin console, the login timeout until its password.
    private var currentTimeout: SessionTimeout? {
        guard let admin else { return machine.timeout }
        guard admin.state == .awaitingPassword, let login = machine.limits.login else { return nil }
        return SessionTimeout(kind: .login, after: login)
    }

    private var timeoutDeadline: NIODeadline? {
        guard let timeout = currentTimeout else { return nil }
        return (timeout.restartsOnActivity ? lastActivity : startedAt) + timeout.after
    }

    private func timerFired() {
        timer = nil
        timerDeadline = nil
        guard !closed, let timeout = currentTimeout, let deadline = timeoutDeadline else { return }
        guard deadline <= .now() else {
            updateTimer()
            return
        }
        if timeout.kind == .serverResponse && !clientIsWritable {
            // The server is silent because the proxy stopped reading it for a client that does
            // not read: the stall is the client's, and its socket's keepalive is what ends it.
            lastActivity = .now()
            updateTimer()
            return
        }
        if admin != nil {
            executeAdmin(admin!.loginTimeoutExpired(timeout.after))
            return
        }
        execute(machine.timeoutExpired(timeout.kind), frame: nil)
    }

    // MARK: Admin console and status

    private func startAdminConsole(_ startup: StartupMessage) {
        guard let adminSettings else { return }
        noteStartup(startup)
        var console = AdminSessionStateMachine(
            user: startup["user"] ?? "", clientAddress: status(.admin).clientIPAddress, settings: adminSettings)
        let action = console.start()
        admin = console
        executeAdmin(action)
    }

    private func executeAdmin(_ action: AdminSessionStateMachine.Action) {
        switch action {
        case .none:
            break
        case .send(let bytes):
            context?.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
        case .sendAndClose(let bytes):
            context?.write(wrapOutboundOut(bytes), promise: nil)
            close(error: nil)
        case .close:
            close(error: nil)
        }
    }

    private func status(_ state: SessionStatus.State) -> SessionStatus {
        SessionStatus(info: info, state: state, connectedAt: connectedAt)
    }

    /// Tells the tracker (SHOW SESSIONS) when the session's state changed; a compare otherwise.
    private func publishStatus() {
        let state: SessionStatus.State
        if admin != nil {
            state = .admin
        } else if case .relaying(let relaying) = machine.state {
            switch (relaying.requestPending, relaying.transactionStatus) {
            case (true, _): state = .active
            case (false, .idle): state = .idle
            case (false, .inTransaction): state = .inTransaction
            case (false, .failedTransaction): state = .failedTransaction
            }
        } else {
            state = .startup
        }
        guard state != publishedState, !finished, let statusCell else { return }
        if publishedState == nil {
            statusCell.publish(status(state))
        } else {
            statusCell.publish(state: state)
        }
        publishedState = state
    }

    private func register(_ key: BackendKeyData) {
        serverKeys.append(key)
        let registryKey = registeredKey ?? CancelKeyRegistry.Key(processID: key.processID, secretKey: key.secretKey)
        registeredKey = registryKey
        environment.cancelKeys.register(
            registryKey, target: .init(upstream: environment.upstream, serverKeys: serverKeys))
    }

    private func routeCancel(_ request: CancelRequest, on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        guard let target = environment.cancelKeys.target(for: request) else {
            // The server, too, ignores a cancel it cannot match, without a word.
            logger.debug("cancel request for an unknown key", metadata: ["pid": "\(request.processID)"])
            return eventLoop.makeSucceededVoidFuture()
        }
        logger.info("cancel request", metadata: ["pid": "\(request.processID)"])
        let deliveries = target.serverKeys.map {
            CancelForwarder.send($0, to: target.upstream, on: eventLoop, logger: logger)
        }
        return EventLoopFuture.andAllComplete(deliveries, on: eventLoop)
    }

    private func startClientTLS() {
        guard let context, let tls = environment.clientTLS?.current else { return }
        var reply = context.channel.allocator.buffer(capacity: 1)
        reply.writeInteger(UInt8(ascii: "S"))
        context.writeAndFlush(wrapOutboundOut(reply), promise: nil)
        do {
            try context.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls), position: .first)
        } catch {
            logger.error("cannot start TLS", metadata: ["error": "\(error)"])
            close(error: nil)
        }
    }

    private func startUpstreamTLS() {
        guard let upstream, let tls = environment.upstream.tlsContext else {
            execute(machine.upstreamConnectFailed("TLS to the server is not configured"), frame: nil)
            return
        }
        do {
            try upstream.addTLS(context: tls, serverHostname: environment.upstream.sniName)
        } catch {
            execute(machine.upstreamConnectFailed("cannot start TLS: \(error)"), frame: nil)
        }
    }

    private func connectUpstream() {
        guard let context else { return }
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let endpoint = environment.upstream
        let configuration = environment.store.current.configuration
        let keepalive = configuration.upstreamKeepalive
        let userTimeout = configuration.upstreamTCPUserTimeoutMilliseconds
        ClientBootstrap(group: context.eventLoop)
            .connectTimeout(.seconds(endpoint.connectTimeoutSeconds))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.writeBufferWaterMark, value: .init(low: 64 * 1024, high: 256 * 1024))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try SocketTuning.apply(keepalive: keepalive, userTimeoutMilliseconds: userTimeout, to: channel)
                    let handler = UpstreamChannelHandler(session: bound.value)
                    bound.value.upstream = handler
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
            .connect(host: endpoint.address.host, port: endpoint.address.port)
            .whenComplete { result in
                let session = bound.value
                switch result {
                case .success(let channel):
                    if session.closed {
                        channel.close(promise: nil)
                        return
                    }
                    session.execute(session.machine.upstreamConnected(), frame: nil)
                case .failure(let error):
                    session.upstream = nil
                    session.execute(
                        session.machine.upstreamConnectFailed(Self.describeConnectFailure(error, endpoint.address)),
                        frame: nil)
                }
            }
    }

    /// The reason a client reads, in the words libpq would use ("Connection refused"), rather
    /// than NIO's internal error description.
    static func describeConnectFailure(_ error: any Error, _ address: HostPort) -> String {
        var underlying: any Error = error
        if let connection = error as? NIOConnectionError, let first = connection.connectionErrors.first {
            underlying = first.error
        }
        if let io = underlying as? IOError {
            return "connection to \(address) failed: \(String(cString: strerror(io.errnoCode)))"
        }
        if underlying is ChannelError, case .connectTimeout = underlying as! ChannelError {
            return "connection to \(address) timed out"
        }
        return "connection to \(address) failed: \(underlying)"
    }

    private func close(error: SessionError?) {
        guard !closed else { return }
        closed = true
        let wasRelaying = !serverKeys.isEmpty
        upstream?.close(terminate: wasRelaying && error != nil)
        upstream = nil
        guard let context else { return }
        if let error {
            if error.sqlState != SessionError.adminShutdown.sqlState {
                logger.info("session ended with error", metadata: ["sqlstate": "\(error.sqlState)", "error": "\(error.message)"])
            }
            var buffer = context.channel.allocator.buffer(capacity: 128)
            ErrorResponse(fields: error.fields).encodeFrame(into: &buffer)
            context.write(wrapOutboundOut(buffer), promise: nil)
        }
        // Closing waits for what is already written, so a relayed error or final message arrives.
        let channel = context.channel
        let written = context.writeAndFlush(wrapOutboundOut(channel.allocator.buffer(capacity: 0)))
        guard error != nil else {
            written.whenComplete { _ in channel.close(promise: nil) }
            return
        }
        // After an error the client may still be sending (the rest of an oversized message):
        // closing with unread input makes the kernel send a reset that can destroy the error in
        // flight. So the proxy stops writing, discards input a moment, then closes.
        written.whenComplete { _ in
            let halfClosed = channel.eventLoop.makePromise(of: Void.self)
            channel.close(mode: .output, promise: halfClosed)
            halfClosed.futureResult.whenComplete { result in
                if case .failure = result {
                    channel.close(promise: nil)
                    return
                }
                channel.eventLoop.scheduleTask(in: .seconds(2)) { channel.close(promise: nil) }
            }
        }
    }

    private func finish() {
        guard !finished else { return }
        finished = true
        closed = true
        timer?.cancel()
        timer = nil
        if admitted {
            admitted = false
            environment.sessions.release()
        }
        upstream?.close(terminate: false)
        upstream = nil
        if let registeredKey {
            environment.cancelKeys.remove(registeredKey)
        }
        environment.sessions.remove(id: info.id)
        if info.user != nil {
            let seconds = Double(NIODeadline.now().uptimeNanoseconds - startedAt.uptimeNanoseconds) / 1e9
            logger.info("session ended", metadata: ["duration_s": "\(seconds)"])
        }
    }
}

extension Optional {
    /// Moves the value out, leaving nil, so the caller holds the only reference (no copy on write).
    fileprivate mutating func take() -> Wrapped? {
        defer { self = nil }
        return self
    }
}
