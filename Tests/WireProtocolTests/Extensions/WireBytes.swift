import NIOCore

// Expected frames in the tests are spelled out byte by byte, the way the protocol documentation
// lays them out, so they never come from the encoder under test. These only save typing text.

/// A string's bytes followed by its NUL terminator, as the documentation's `String` fields are.
func cString(_ text: String) -> [UInt8] { Array(text.utf8) + [0] }

/// A string's bytes without a terminator (the ASCII of a type byte, opaque data).
func ascii(_ text: String) -> [UInt8] { Array(text.utf8) }

/// The type byte of a frame, written as the documentation writes it: `Byte1('P')`.
func byte1(_ character: Character) -> [UInt8] { [character.asciiValue!] }

extension ByteBuffer {
    init(_ bytes: [UInt8]) { self.init(bytes: bytes) }
}
