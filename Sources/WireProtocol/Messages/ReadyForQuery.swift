import NIOCore

/// The end of every request cycle, with the transaction status the session is left in.
public struct ReadyForQuery: BackendMessage {
    public static var messageID: UInt8? { BackendMessageID.readyForQuery.rawValue }

    public enum TransactionStatus: UInt8, Hashable, Sendable {
        case idle = 73               // ascii: I
        case inTransaction = 84      // ascii: T
        case failedTransaction = 69  // ascii: E
    }

    public var status: TransactionStatus

    public init(status: TransactionStatus) { self.status = status }

    public init(payload: ByteBuffer) throws(ProtocolViolation) {
        var reader = PayloadReader(payload, message: "ReadyForQuery")
        let byte = try reader.int8()
        guard let status = TransactionStatus(rawValue: byte) else {
            throw ProtocolViolation(.invalidValue, "ReadyForQuery: unknown transaction status \(byte)")
        }
        try reader.finish()
        self.status = status
    }

    public func encodePayload(into buffer: inout ByteBuffer) {
        buffer.writeInteger(status.rawValue)
    }
}
