import NIOCore

/// The server's authentication requests. The proxy relays them untouched, except that it reads
/// the SASL mechanism list to withdraw channel binding when it terminates TLS itself.
public enum Authentication: BackendMessage {
    public static var messageID: UInt8? { BackendMessageID.authentication.rawValue }

    case ok
    case kerberosV5
    case cleartextPassword
    case md5Password(salt: UInt32)
    case gss
    case gssContinue(data: ByteBuffer)
    case sspi
    case sasl(mechanisms: [String])
    case saslContinue(data: ByteBuffer)
    case saslFinal(data: ByteBuffer)

    public init(payload: ByteBuffer) throws(ProtocolViolation) {
        var reader = PayloadReader(payload, message: "Authentication")
        let code = try reader.int32()
        switch code {
        case 0: self = .ok
        case 2: self = .kerberosV5
        case 3: self = .cleartextPassword
        case 5: self = .md5Password(salt: try reader.uint32())
        case 7: self = .gss
        case 8: self = .gssContinue(data: reader.rest())
        case 9: self = .sspi
        case 10:
            var mechanisms: [String] = []
            while true {
                let name = try reader.cString()
                if name.isEmpty { break }
                mechanisms.append(name)
            }
            self = .sasl(mechanisms: mechanisms)
        case 11: self = .saslContinue(data: reader.rest())
        case 12: self = .saslFinal(data: reader.rest())
        default:
            throw ProtocolViolation(.invalidValue, "Authentication: unknown request code \(code)")
        }
        try reader.finish()
    }

    public func encodePayload(into buffer: inout ByteBuffer) {
        switch self {
        case .ok: buffer.writeInteger(Int32(0))
        case .kerberosV5: buffer.writeInteger(Int32(2))
        case .cleartextPassword: buffer.writeInteger(Int32(3))
        case .md5Password(let salt):
            buffer.writeInteger(Int32(5))
            buffer.writeInteger(salt)
        case .gss: buffer.writeInteger(Int32(7))
        case .gssContinue(var data):
            buffer.writeInteger(Int32(8))
            buffer.writeBuffer(&data)
        case .sspi: buffer.writeInteger(Int32(9))
        case .sasl(let mechanisms):
            buffer.writeInteger(Int32(10))
            for mechanism in mechanisms { buffer.writeCString(mechanism) }
            buffer.writeInteger(UInt8(0))
        case .saslContinue(var data):
            buffer.writeInteger(Int32(11))
            buffer.writeBuffer(&data)
        case .saslFinal(var data):
            buffer.writeInteger(Int32(12))
            buffer.writeBuffer(&data)
        }
    }
}
