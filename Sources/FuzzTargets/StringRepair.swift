import NIOCore

/// Whether decoding replaced invalid UTF-8 in any string of a value, found by walking the value's
/// reflection: decoders turn each bad sequence into U+FFFD, and only then may re-encoding differ
/// from the bytes received. A genuine U+FFFD in the input also counts, which only skips a check.
enum StringRepair {
    static func happened(in value: Any) -> Bool {
        if let string = value as? String { return string.unicodeScalars.contains("\u{FFFD}") }
        if value is ByteBuffer { return false }
        return Mirror(reflecting: value).children.contains { happened(in: $0.value) }
    }
}
