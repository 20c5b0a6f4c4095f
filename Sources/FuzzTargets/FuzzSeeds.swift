import NIOCore
import WireProtocol

/// Valid inputs each codec target starts from, made with the codec itself: whole conversations as
/// a client and a server send them, so the fuzzer begins inside every message type. The rewriter's
/// seeds are the golden SQL files instead (scripts/fuzz.sh). `pgcutover-fuzz TARGET --write-seeds
/// DIR` writes them out; Tests/Fuzz/corpus/ began from them.
public enum FuzzSeeds {
    public static func seeds(for name: FuzzTargetName) -> [(label: String, bytes: [UInt8])] {
        switch name {
        case .startup: startup
        case .frontend: frontend
        case .backend: backend
        case .rewriter: []
        }
    }

    private static func bytes(_ frames: [ByteBuffer]) -> [UInt8] {
        frames.flatMap { Array($0.readableBytesView) }
    }

    private static func key(_ count: Int) -> ByteBuffer {
        ByteBuffer(bytes: (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) })
    }

    private static let startupMessage = StartupMessage(parameters: [
        ("user", "legacy_app"), ("database", "qig"), ("application_name", "worker"),
        ("options", "-c search_path=public"), ("client_encoding", "UTF8"),
    ])

    static var startup: [(label: String, bytes: [UInt8])] {
        [
            ("startup", bytes([FrameEncoder.frame(startupMessage)])),
            ("startup-3.2", bytes([FrameEncoder.frame(StartupMessage(protocolVersion: 196_610, parameters: [("user", "u"), ("_pq_.x", "1")]))])),
            ("ssl-then-startup", bytes([FrameEncoder.frame(SSLRequest()), FrameEncoder.frame(startupMessage)])),
            ("gssenc-ssl-startup", bytes([FrameEncoder.frame(GSSENCRequest()), FrameEncoder.frame(SSLRequest()), FrameEncoder.frame(startupMessage)])),
            ("cancel", bytes([FrameEncoder.frame(CancelRequest(processID: 4242, secretKey: key(4)))])),
            ("cancel-long-key", bytes([FrameEncoder.frame(CancelRequest(processID: 7, secretKey: key(32)))])),
        ]
    }

    static var frontend: [(label: String, bytes: [UInt8])] {
        let extended = [
            FrameEncoder.frame(Parse(statementName: "s1", query: "SELECT word FROM god_vocabulary_profiles WHERE god_name = $1", parameterTypes: [25])),
            FrameEncoder.frame(Describe(target: .statement("s1"))),
            FrameEncoder.frame(Bind(portalName: "", statementName: "s1", parameterFormats: [.text], parameters: [ByteBuffer(string: "zeus"), nil], resultFormats: [.binary])),
            FrameEncoder.frame(Describe(target: .portal(""))),
            FrameEncoder.frame(Execute(portalName: "", maxRows: 10)),
            FrameEncoder.frame(Close(target: .statement("s1"))),
            FrameEncoder.frame(Close(target: .portal("p"))),
            FrameEncoder.frame(Sync()),
        ]
        return [
            ("query", bytes([FrameEncoder.frame(Query(sql: "SELECT * FROM basin_relationships; SELECT 1"))])),
            ("extended", bytes(extended)),
            ("flush-terminate", bytes([FrameEncoder.frame(Flush()), FrameEncoder.frame(Terminate())])),
            ("password", bytes([FrameEncoder.frame(PasswordMessage(password: "md5a3556571e93b0d20722ba62be61e8c2d"))])),
            ("sasl", bytes([
                FrameEncoder.frame(SASLInitialResponse(mechanism: "SCRAM-SHA-256", initialResponse: ByteBuffer(string: "n,,n=,r=rOprNGfwEbeRWgbNEkqO"))),
                FrameEncoder.frame(SASLResponse(data: ByteBuffer(string: "c=biws,r=rOprNGfwEbeRWgbNEkqO,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="))),
            ])),
            ("sasl-no-initial", bytes([FrameEncoder.frame(SASLInitialResponse(mechanism: "PLAIN", initialResponse: nil))])),
            ("copy-in", bytes([
                FrameEncoder.frame(Query(sql: "COPY basin_relationships FROM STDIN")),
                FrameEncoder.frame(CopyData(data: ByteBuffer(string: "1\tw001\tw002\t0.5\n"))),
                FrameEncoder.frame(CopyDone()),
            ])),
            ("copy-fail", bytes([FrameEncoder.frame(CopyFail(reason: "client gave up"))])),
            ("function-call", bytes([FrameEncoder.frame(FunctionCall(functionOID: 952, argumentFormats: [.binary], arguments: [ByteBuffer(bytes: [0, 0, 0, 1]), nil], resultFormat: .binary))])),
            ("unknown", bytes([FrameEncoder.frame(Query(sql: "SELECT 1"))]) + [0x7a, 0, 0, 0, 5, 0x2a]),
        ]
    }

    static var backend: [(label: String, bytes: [UInt8])] {
        let login = [
            FrameEncoder.frame(Authentication.sasl(mechanisms: ["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"])),
            FrameEncoder.frame(Authentication.saslContinue(data: ByteBuffer(string: "r=abc,s=c2FsdA==,i=4096"))),
            FrameEncoder.frame(Authentication.saslFinal(data: ByteBuffer(string: "v=c2lnbmF0dXJl"))),
            FrameEncoder.frame(Authentication.ok),
            FrameEncoder.frame(ParameterStatus(name: "server_version", value: "15.8")),
            FrameEncoder.frame(BackendKeyData(processID: 4242, secretKey: key(4))),
            FrameEncoder.frame(ReadyForQuery(status: .idle)),
        ]
        let result = [
            FrameEncoder.frame(ParseComplete()),
            FrameEncoder.frame(ParameterDescription(parameterTypes: [25, 23])),
            FrameEncoder.frame(BindComplete()),
            FrameEncoder.frame(RowDescription(fields: [
                .init(name: "word", tableOID: 16_384, columnAttributeNumber: 2, dataTypeOID: 25, dataTypeSize: -1),
                .init(name: "score", dataTypeOID: 700, dataTypeSize: 4, format: .binary),
            ])),
            FrameEncoder.frame(DataRow(columns: [ByteBuffer(string: "w001"), nil])),
            FrameEncoder.frame(PortalSuspended()),
            FrameEncoder.frame(CommandComplete(tag: "SELECT 1")),
            FrameEncoder.frame(CloseComplete()),
            FrameEncoder.frame(NoData()),
            FrameEncoder.frame(EmptyQueryResponse()),
            FrameEncoder.frame(ReadyForQuery(status: .inTransaction)),
        ]
        return [
            ("login-scram", bytes(login)),
            ("login-md5", bytes([FrameEncoder.frame(Authentication.md5Password(salt: 0x01020304)), FrameEncoder.frame(Authentication.cleartextPassword)])),
            ("login-gss", bytes([
                FrameEncoder.frame(Authentication.gss), FrameEncoder.frame(Authentication.gssContinue(data: key(8))),
                FrameEncoder.frame(Authentication.sspi), FrameEncoder.frame(Authentication.kerberosV5),
            ])),
            ("negotiate", bytes([FrameEncoder.frame(NegotiateProtocolVersion(newestMinorVersion: 0, unrecognizedOptions: ["_pq_.x"]))])),
            ("result", bytes(result)),
            ("error", bytes([
                FrameEncoder.frame(ErrorResponse(fields: .error(sqlState: "42P01", message: "relation \"x\" does not exist", detail: "d", hint: "h"))),
                FrameEncoder.frame(ReadyForQuery(status: .failedTransaction)),
            ])),
            ("notice-notify", bytes([
                FrameEncoder.frame(NoticeResponse(fields: ErrorFields([(.severity, "WARNING"), (.message, "m"), (.position, "3")]))),
                FrameEncoder.frame(NotificationResponse(processID: 4242, channel: "ch", payload: "hello")),
            ])),
            ("copy", bytes([
                FrameEncoder.frame(CopyInResponse(overallFormat: .text, columnFormats: [.text, .text])),
                FrameEncoder.frame(CopyOutResponse(overallFormat: .binary, columnFormats: [.binary])),
                FrameEncoder.frame(CopyBothResponse(overallFormat: .text, columnFormats: [])),
                FrameEncoder.frame(CopyData(data: ByteBuffer(string: "a\tb\n"))),
                FrameEncoder.frame(CopyDone()),
                FrameEncoder.frame(CommandComplete(tag: "COPY 1")),
            ])),
            ("function-result", bytes([FrameEncoder.frame(FunctionCallResponse(result: ByteBuffer(bytes: [0, 0, 0, 9]))), FrameEncoder.frame(FunctionCallResponse(result: nil))])),
            ("long-cancel-key", bytes([FrameEncoder.frame(BackendKeyData(processID: 1, secretKey: key(32)))])),
        ]
    }
}
