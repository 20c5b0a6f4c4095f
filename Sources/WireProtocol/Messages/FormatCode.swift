/// The wire format of a parameter or column: 0 text, 1 binary.
///
/// Open rather than an enum because in Bind and FunctionCall the server, not the codec, judges
/// the code: it answers an unsupported one with an ErrorResponse and keeps the session, so ending
/// the session over it here would make the proxy visible. Decoders of server messages, where only
/// text and binary occur, still reject anything else.
public struct FormatCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int16
    public init(rawValue: Int16) { self.rawValue = rawValue }

    public static let text = Self(rawValue: 0)
    public static let binary = Self(rawValue: 1)

    public var description: String {
        switch self {
        case .text: "text"
        case .binary: "binary"
        default: "format \(rawValue)"
        }
    }
}

extension [FormatCode] {
    /// The format of element `index` under the protocol's shorthand: no codes means all text, one
    /// code applies to every element, otherwise one code per element.
    public func format(at index: Int) -> FormatCode? {
        switch count {
        case 0: .text
        case 1: self[0]
        default: indices.contains(index) ? self[index] : nil
        }
    }
}
