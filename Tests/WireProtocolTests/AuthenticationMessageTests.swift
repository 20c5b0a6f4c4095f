import NIOCore
import WireProtocol
import XCTest

final class AuthenticationMessageTests: XCTestCase {
    func testAuthenticationRequestsWithoutData() {
        assertMessage(Authentication.ok, frame: byte1("R") + [0x00, 0x00, 0x00, 0x08] + [0x00, 0x00, 0x00, 0x00])
        assertMessage(Authentication.kerberosV5, frame: byte1("R") + [0x00, 0x00, 0x00, 0x08] + [0x00, 0x00, 0x00, 0x02])
        assertMessage(
            Authentication.cleartextPassword, frame: byte1("R") + [0x00, 0x00, 0x00, 0x08] + [0x00, 0x00, 0x00, 0x03])
        assertMessage(Authentication.gss, frame: byte1("R") + [0x00, 0x00, 0x00, 0x08] + [0x00, 0x00, 0x00, 0x07])
        assertMessage(Authentication.sspi, frame: byte1("R") + [0x00, 0x00, 0x00, 0x08] + [0x00, 0x00, 0x00, 0x09])
    }

    func testAuthenticationMD5Password() {
        assertMessage(
            Authentication.md5Password(salt: 0x0102_0304),
            frame: byte1("R") + [0x00, 0x00, 0x00, 0x0c] + [0x00, 0x00, 0x00, 0x05] + [0x01, 0x02, 0x03, 0x04])
    }

    func testAuthenticationSASL() {
        assertMessage(
            Authentication.sasl(mechanisms: ["SCRAM-SHA-256", "SCRAM-SHA-256-PLUS"]),
            frame: byte1("R") + [0x00, 0x00, 0x00, 0x2a] + [0x00, 0x00, 0x00, 0x0a]
                + cString("SCRAM-SHA-256") + cString("SCRAM-SHA-256-PLUS") + [0x00])
    }

    func testAuthenticationRequestsWithTrailingData() {
        // The data runs to the end of the frame, so a shorter frame is shorter data.
        assertMessage(
            Authentication.gssContinue(data: ByteBuffer([0xa1, 0x02])),
            frame: byte1("R") + [0x00, 0x00, 0x00, 0x0a] + [0x00, 0x00, 0x00, 0x08] + [0xa1, 0x02],
            prefixes: .validFrom(4), trailing: .absorbed)
        assertMessage(
            Authentication.saslContinue(data: ByteBuffer(ascii("r=abc"))),
            frame: byte1("R") + [0x00, 0x00, 0x00, 0x0d] + [0x00, 0x00, 0x00, 0x0b] + ascii("r=abc"),
            prefixes: .validFrom(4), trailing: .absorbed)
        assertMessage(
            Authentication.saslFinal(data: ByteBuffer(ascii("v=xyz"))),
            frame: byte1("R") + [0x00, 0x00, 0x00, 0x0d] + [0x00, 0x00, 0x00, 0x0c] + ascii("v=xyz"),
            prefixes: .validFrom(4), trailing: .absorbed)
    }

    func testAuthenticationRejectsUnknownRequest() {
        // 4 was crypt(), removed from the server long ago.
        assertViolation(.invalidValue, naming: "Authentication") {
            try Authentication(payload: ByteBuffer([0x00, 0x00, 0x00, 0x04]))
        }
    }

    func testPasswordMessage() {
        assertMessage(
            PasswordMessage(password: "secret"), frame: byte1("p") + [0x00, 0x00, 0x00, 0x0b] + cString("secret"))
    }

    func testSASLInitialResponse() {
        assertMessage(
            SASLInitialResponse(mechanism: "SCRAM-SHA-256", initialResponse: ByteBuffer(ascii("n,,n=,r=abc"))),
            frame: byte1("p") + [0x00, 0x00, 0x00, 0x21] + cString("SCRAM-SHA-256") + [0x00, 0x00, 0x00, 0x0b]
                + ascii("n,,n=,r=abc"))
        assertMessage(
            SASLInitialResponse(mechanism: "X", initialResponse: nil),
            frame: byte1("p") + [0x00, 0x00, 0x00, 0x0a] + cString("X") + [0xff, 0xff, 0xff, 0xff])
        assertViolation(.invalidValue, naming: "SASLInitialResponse") {
            try SASLInitialResponse(payload: ByteBuffer(cString("X") + [0xff, 0xff, 0xff, 0xfd]))
        }
    }

    func testSASLResponse() {
        assertMessage(
            SASLResponse(data: ByteBuffer(ascii("c=biws,r=abc,p=xyz"))),
            frame: byte1("p") + [0x00, 0x00, 0x00, 0x16] + ascii("c=biws,r=abc,p=xyz"),
            prefixes: .validFrom(0), trailing: .absorbed)
    }

    func testGSSResponse() {
        assertMessage(
            GSSResponse(data: ByteBuffer([0x60, 0x82, 0x01, 0x00])),
            frame: byte1("p") + [0x00, 0x00, 0x00, 0x08] + [0x60, 0x82, 0x01, 0x00],
            prefixes: .validFrom(0), trailing: .absorbed)
    }

    func testBackendKeyDataWithProtocol30Key() {
        // Bytes after a 4-byte key are a longer 3.2 key, so they are absorbed, not refused.
        assertMessage(
            BackendKeyData(processID: 1234, secretKey: ByteBuffer([0xde, 0xad, 0xbe, 0xef])),
            frame: byte1("K") + [0x00, 0x00, 0x00, 0x0c] + [0x00, 0x00, 0x04, 0xd2] + [0xde, 0xad, 0xbe, 0xef],
            trailing: .absorbed)
    }

    func testBackendKeyDataWithProtocol32Key() {
        let key = (0..<32).map { UInt8($0) }
        assertMessage(
            BackendKeyData(processID: 1234, secretKey: ByteBuffer(key)),
            frame: byte1("K") + [0x00, 0x00, 0x00, 0x28] + [0x00, 0x00, 0x04, 0xd2] + key,
            prefixes: .validFrom(8), trailing: .absorbed)
    }

    func testBackendKeyDataRejectsKeysOver256Bytes() throws {
        XCTAssertEqual(
            try BackendKeyData(payload: ByteBuffer([0, 0, 0, 1] + Array(repeating: 7, count: 256))).secretKey.readableBytes,
            256)
        assertViolation(.invalidValue, naming: "BackendKeyData") {
            try BackendKeyData(payload: ByteBuffer([0, 0, 0, 1] + Array(repeating: 7, count: 257)))
        }
    }
}
