import NIOCore

public struct ParameterStatus: BackendMessage {
    public static var messageID: UInt8? { BackendMessageID.parameterStatus.rawValue }

    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    public init(payload: ByteBuffer) throws(ProtocolViolation) {
        var reader = PayloadReader(payload, message: "ParameterStatus")
        self.name = try reader.cString()
        self.value = try reader.cString()
        try reader.finish()
    }

    public func encodePayload(into buffer: inout ByteBuffer) {
        buffer.writeCString(name)
        buffer.writeCString(value)
    }
}
