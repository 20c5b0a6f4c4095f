/// Why a byte stream is not valid protocol. Every case ends the one session it happened on with
/// SQLSTATE 08P01 (protocol_violation), which is what the server itself answers.
public struct ProtocolViolation: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        /// A length field below its minimum (4, or 8 for a startup packet).
        case lengthTooSmall
        /// A length field above the configured maximum.
        case lengthTooLarge
        /// A payload that ends before a field it announced.
        case truncated
        /// A payload with bytes left after its last field.
        case trailingBytes
        /// A field whose value cannot be (a bad enum value, an unterminated string, …).
        case invalidValue
        /// A message that is not allowed at this point of the conversation.
        case unexpectedMessage
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var sqlState: String { "08P01" }
    public var description: String { message }

    static func truncated(_ what: String) -> Self { .init(.truncated, "\(what): message is truncated") }
    static func trailing(_ what: String, _ count: Int) -> Self {
        .init(.trailingBytes, "\(what): \(count) unexpected bytes after the last field")
    }
}
