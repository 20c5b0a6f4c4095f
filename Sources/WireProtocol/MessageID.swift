/// The type byte of a frontend message. A struct, not an enum, because a proxy relays types it does
/// not know (a newer protocol's messages) rather than failing on them. The known types are
/// inlinable constants rather than `static let`s: a global is reached through a lazy-init call,
/// and the relay compares type bytes for every frame.
public struct FrontendMessageID: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }

    @inlinable public static var bind: Self { Self(rawValue: 66) }             // ascii: B
    @inlinable public static var close: Self { Self(rawValue: 67) }            // ascii: C
    @inlinable public static var copyData: Self { Self(rawValue: 100) }        // ascii: d
    @inlinable public static var copyDone: Self { Self(rawValue: 99) }         // ascii: c
    @inlinable public static var copyFail: Self { Self(rawValue: 102) }        // ascii: f
    @inlinable public static var describe: Self { Self(rawValue: 68) }         // ascii: D
    @inlinable public static var execute: Self { Self(rawValue: 69) }          // ascii: E
    @inlinable public static var flush: Self { Self(rawValue: 72) }            // ascii: H
    @inlinable public static var functionCall: Self { Self(rawValue: 70) }     // ascii: F
    @inlinable public static var parse: Self { Self(rawValue: 80) }            // ascii: P
    /// PasswordMessage, SASLInitialResponse, SASLResponse and GSSResponse share this byte; the
    /// authentication exchange in progress tells them apart.
    @inlinable public static var password: Self { Self(rawValue: 112) }        // ascii: p
    @inlinable public static var query: Self { Self(rawValue: 81) }            // ascii: Q
    @inlinable public static var sync: Self { Self(rawValue: 83) }             // ascii: S
    @inlinable public static var terminate: Self { Self(rawValue: 88) }        // ascii: X

    public var description: String { MessageIDText.describe(rawValue) }
}

/// The type byte of a backend message.
public struct BackendMessageID: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }

    @inlinable public static var authentication: Self { Self(rawValue: 82) }           // ascii: R
    @inlinable public static var backendKeyData: Self { Self(rawValue: 75) }           // ascii: K
    @inlinable public static var bindComplete: Self { Self(rawValue: 50) }             // ascii: 2
    @inlinable public static var closeComplete: Self { Self(rawValue: 51) }            // ascii: 3
    @inlinable public static var commandComplete: Self { Self(rawValue: 67) }          // ascii: C
    @inlinable public static var copyData: Self { Self(rawValue: 100) }                // ascii: d
    @inlinable public static var copyDone: Self { Self(rawValue: 99) }                 // ascii: c
    @inlinable public static var copyInResponse: Self { Self(rawValue: 71) }           // ascii: G
    @inlinable public static var copyOutResponse: Self { Self(rawValue: 72) }          // ascii: H
    @inlinable public static var copyBothResponse: Self { Self(rawValue: 87) }         // ascii: W
    @inlinable public static var dataRow: Self { Self(rawValue: 68) }                  // ascii: D
    @inlinable public static var emptyQueryResponse: Self { Self(rawValue: 73) }       // ascii: I
    @inlinable public static var errorResponse: Self { Self(rawValue: 69) }            // ascii: E
    @inlinable public static var functionCallResponse: Self { Self(rawValue: 86) }     // ascii: V
    @inlinable public static var negotiateProtocolVersion: Self { Self(rawValue: 118) } // ascii: v
    @inlinable public static var noData: Self { Self(rawValue: 110) }                  // ascii: n
    @inlinable public static var noticeResponse: Self { Self(rawValue: 78) }           // ascii: N
    @inlinable public static var notificationResponse: Self { Self(rawValue: 65) }     // ascii: A
    @inlinable public static var parameterDescription: Self { Self(rawValue: 116) }    // ascii: t
    @inlinable public static var parameterStatus: Self { Self(rawValue: 83) }          // ascii: S
    @inlinable public static var parseComplete: Self { Self(rawValue: 49) }            // ascii: 1
    @inlinable public static var portalSuspended: Self { Self(rawValue: 115) }         // ascii: s
    @inlinable public static var readyForQuery: Self { Self(rawValue: 90) }            // ascii: Z
    @inlinable public static var rowDescription: Self { Self(rawValue: 84) }           // ascii: T

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
