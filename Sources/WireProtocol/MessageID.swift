/// The type byte of a frontend message. A struct, not an enum, because a proxy relays types it does
/// not know (a newer protocol's messages) rather than failing on them.
public struct FrontendMessageID: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let bind = Self(rawValue: 66)             // ascii: B
    public static let close = Self(rawValue: 67)            // ascii: C
    public static let copyData = Self(rawValue: 100)        // ascii: d
    public static let copyDone = Self(rawValue: 99)         // ascii: c
    public static let copyFail = Self(rawValue: 102)        // ascii: f
    public static let describe = Self(rawValue: 68)         // ascii: D
    public static let execute = Self(rawValue: 69)          // ascii: E
    public static let flush = Self(rawValue: 72)            // ascii: H
    public static let functionCall = Self(rawValue: 70)     // ascii: F
    public static let parse = Self(rawValue: 80)            // ascii: P
    /// PasswordMessage, SASLInitialResponse, SASLResponse and GSSResponse share this byte; the
    /// authentication exchange in progress tells them apart.
    public static let password = Self(rawValue: 112)        // ascii: p
    public static let query = Self(rawValue: 81)            // ascii: Q
    public static let sync = Self(rawValue: 83)             // ascii: S
    public static let terminate = Self(rawValue: 88)        // ascii: X

    public var description: String { MessageIDText.describe(rawValue) }
}

/// The type byte of a backend message.
public struct BackendMessageID: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let authentication = Self(rawValue: 82)           // ascii: R
    public static let backendKeyData = Self(rawValue: 75)           // ascii: K
    public static let bindComplete = Self(rawValue: 50)             // ascii: 2
    public static let closeComplete = Self(rawValue: 51)            // ascii: 3
    public static let commandComplete = Self(rawValue: 67)          // ascii: C
    public static let copyData = Self(rawValue: 100)                // ascii: d
    public static let copyDone = Self(rawValue: 99)                 // ascii: c
    public static let copyInResponse = Self(rawValue: 71)           // ascii: G
    public static let copyOutResponse = Self(rawValue: 72)          // ascii: H
    public static let copyBothResponse = Self(rawValue: 87)         // ascii: W
    public static let dataRow = Self(rawValue: 68)                  // ascii: D
    public static let emptyQueryResponse = Self(rawValue: 73)       // ascii: I
    public static let errorResponse = Self(rawValue: 69)            // ascii: E
    public static let functionCallResponse = Self(rawValue: 86)     // ascii: V
    public static let negotiateProtocolVersion = Self(rawValue: 118) // ascii: v
    public static let noData = Self(rawValue: 110)                  // ascii: n
    public static let noticeResponse = Self(rawValue: 78)           // ascii: N
    public static let notificationResponse = Self(rawValue: 65)     // ascii: A
    public static let parameterDescription = Self(rawValue: 116)    // ascii: t
    public static let parameterStatus = Self(rawValue: 83)          // ascii: S
    public static let parseComplete = Self(rawValue: 49)            // ascii: 1
    public static let portalSuspended = Self(rawValue: 115)         // ascii: s
    public static let readyForQuery = Self(rawValue: 90)            // ascii: Z
    public static let rowDescription = Self(rawValue: 84)           // ascii: T

    public var description: String { MessageIDText.describe(rawValue) }
}

enum MessageIDText {
    static func describe(_ byte: UInt8) -> String {
        if byte >= 0x20 && byte < 0x7f {
            return "'\(Character(Unicode.Scalar(byte)))'"
        }
        return "0x" + String(byte, radix: 16)
    }
}
