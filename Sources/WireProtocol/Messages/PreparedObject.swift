import NIOCore

/// What Describe and Close name: a prepared statement ('S') or a portal ('P'). The empty name is
/// the unnamed statement or portal.
public enum PreparedObject: Hashable, Sendable {
    case statement(String)
    case portal(String)

    static let statementByte = UInt8(ascii: "S")
    static let portalByte = UInt8(ascii: "P")

    public var name: String {
        switch self {
        case .statement(let name), .portal(let name): name
        }
    }

    init(reader: inout PayloadReader) throws(ProtocolViolation) {
        let kind = try reader.int8()
        switch kind {
        case Self.statementByte: self = .statement(try reader.cString())
        case Self.portalByte: self = .portal(try reader.cString())
        default:
            throw ProtocolViolation(
                .invalidValue, "\(reader.message): invalid subtype \(MessageIDText.describe(kind))")
        }
    }

    func encode(into buffer: inout ByteBuffer) {
        switch self {
        case .statement(let name):
            buffer.writeInteger(Self.statementByte)
            buffer.writeCString(name)
        case .portal(let name):
            buffer.writeInteger(Self.portalByte)
            buffer.writeCString(name)
        }
    }
}
