import NIOCore

/// The first packet of a session: the protocol version and the parameters (user, database,
/// application_name, options, …) in the order the client sent them.
public struct StartupMessage: FrontendMessage {
    public static var messageID: UInt8? { nil }

    /// 3.0 is 196608 (3 << 16); 3.2 (PostgreSQL 18) is 196610.
    public var protocolVersion: Int32
    public var parameters: [(name: String, value: String)]

    public init(protocolVersion: Int32 = 196_608, parameters: [(name: String, value: String)]) {
        self.protocolVersion = protocolVersion
        self.parameters = parameters
    }

    public var majorVersion: Int { Int(protocolVersion >> 16) }
    public var minorVersion: Int { Int(protocolVersion & 0xffff) }

    public subscript(name: String) -> String? {
        parameters.first(where: { $0.name == name })?.value
    }

    public init(payload: ByteBuffer) throws(ProtocolViolation) {
        var reader = PayloadReader(payload, message: "StartupMessage")
        self.protocolVersion = try reader.int32()
        var parameters: [(name: String, value: String)] = []
        while true {
            let name = try reader.cString()
            if name.isEmpty { break }
            parameters.append((name, try reader.cString()))
        }
        try reader.finish()
        self.parameters = parameters
    }

    public func encodePayload(into buffer: inout ByteBuffer) {
        buffer.writeInteger(protocolVersion)
        for (name, value) in parameters {
            buffer.writeCString(name)
            buffer.writeCString(value)
        }
        buffer.writeInteger(UInt8(0))
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.protocolVersion == rhs.protocolVersion
            && lhs.parameters.map(\.name) == rhs.parameters.map(\.name)
            && lhs.parameters.map(\.value) == rhs.parameters.map(\.value)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(protocolVersion)
        for (name, value) in parameters {
            hasher.combine(name)
            hasher.combine(value)
        }
    }
}
