import WireProtocol

/// A client's typed messages: `FrameDecoder` in the message phase, each frame read through
/// `FrontendMessageView` and decoded as its type, every decoded message round-tripped. A 'p'
/// frame is tried as each of the four messages that share the byte, as the session would read it
/// under each kind of authentication request.
public struct FrontendFuzzTarget: FuzzTarget {
    private static let name = FuzzTargetName.frontend.rawValue

    public init() {}

    public func run(_ input: UnsafeRawBufferPointer) throws(FuzzFinding) {
        for frame in try FrameStream.checked(input, phase: .messages, target: Self.name).frames {
            try Self.check(FrontendMessageView(frame: frame))
        }
    }

    private static func check(_ view: FrontendMessageView) throws(FuzzFinding) {
        switch view {
        case .bind(let lazy):
            if let bind = try RoundTrip(Bind.self, target: name).check(lazy.frame) {
                // What the rewrite path asks of a Bind.
                for index in 0..<bind.parameters.count { _ = bind.parameterFormats.format(at: index) }
                _ = bind.resultFormats.format(at: 0)
            }
        case .close(let lazy): try RoundTrip(Close.self, target: name).check(lazy.frame)
        case .copyData(let lazy): try RoundTrip(CopyData.self, target: name).check(lazy.frame)
        case .copyDone(let lazy): try RoundTrip(CopyDone.self, target: name).check(lazy.frame)
        case .copyFail(let lazy): try RoundTrip(CopyFail.self, target: name).check(lazy.frame)
        case .describe(let lazy):
            if let describe = try RoundTrip(Describe.self, target: name).check(lazy.frame) { _ = describe.target.name }
        case .execute(let lazy): try RoundTrip(Execute.self, target: name).check(lazy.frame)
        case .flush(let lazy): try RoundTrip(Flush.self, target: name).check(lazy.frame)
        case .functionCall(let lazy): try RoundTrip(FunctionCall.self, target: name).check(lazy.frame)
        case .parse(let lazy): try RoundTrip(Parse.self, target: name).check(lazy.frame)
        case .authenticationResponse(let frame):
            try RoundTrip(PasswordMessage.self, target: name).check(frame)
            try RoundTrip(SASLInitialResponse.self, target: name).check(frame)
            try RoundTrip(SASLResponse.self, target: name).check(frame)
            try RoundTrip(GSSResponse.self, target: name).check(frame)
        case .query(let lazy): try RoundTrip(Query.self, target: name).check(lazy.frame)
        case .sync(let lazy): try RoundTrip(Sync.self, target: name).check(lazy.frame)
        case .terminate(let lazy): try RoundTrip(Terminate.self, target: name).check(lazy.frame)
        case .unknown(let frame):
            guard frame.id != nil else {
                throw FuzzFinding(name, "a typed frame without a type byte")
            }
        }
    }
}
