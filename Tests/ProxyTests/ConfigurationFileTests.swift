import Foundation
import Proxy
import XCTest

final class ConfigurationFileTests: XCTestCase {
    func testEveryKeyIsRead() throws {
        let text = """
            [server]
            listen = "0.0.0.0:7432"
            threads = 4
            shutdown_timeout_seconds = 5
            max_message_bytes = 1048576

            [server.tls]
            cert = "/etc/pgcutover/server.crt"
            key = "/etc/pgcutover/server.key"

            [upstream]
            address = "[::1]:5433"
            sslmode = "verify-full"
            sslrootcert = "/etc/ssl/root.crt"
            sslservername = "db.example.com"
            connect_timeout_seconds = 3

            [log]
            level = "debug"
            """
        let configuration = try ConfigurationFile.parse(text, file: "test.toml")
        XCTAssertEqual(configuration.listen, HostPort(host: "0.0.0.0", port: 7432))
        XCTAssertEqual(configuration.threads, 4)
        XCTAssertEqual(configuration.shutdownTimeoutSeconds, 5)
        XCTAssertEqual(configuration.maximumMessageLength, 1_048_576)
        XCTAssertEqual(configuration.tlsCertificatePath, "/etc/pgcutover/server.crt")
        XCTAssertEqual(configuration.tlsKeyPath, "/etc/pgcutover/server.key")
        XCTAssertEqual(configuration.upstream, HostPort(host: "::1", port: 5433))
        XCTAssertEqual(configuration.upstreamSSLMode, .verifyFull)
        XCTAssertEqual(configuration.upstreamSSLRootCertificatePath, "/etc/ssl/root.crt")
        XCTAssertEqual(configuration.upstreamSSLServerName, "db.example.com")
        XCTAssertEqual(configuration.upstreamConnectTimeoutSeconds, 3)
        XCTAssertEqual(configuration.logLevel, .debug)
    }

    func testAnEmptyFileGivesTheDefaults() throws {
        XCTAssertEqual(try ConfigurationFile.parse("", file: "empty.toml"), ProxyConfiguration())
    }

    func testTheShippedExampleParses() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../config/pgcutover.toml").standardized.path
        let configuration = try ConfigurationFile.load(path: path)
        XCTAssertEqual(configuration.listen, HostPort(host: "127.0.0.1", port: 6432))
    }

    func testAnUnknownKeyIsNamedWithItsLine() {
        let text = "[upstream]\naddress = \"127.0.0.1:5432\"\nssl_mode = \"require\"\n"
        XCTAssertThrowsError(try ConfigurationFile.parse(text, file: "bad.toml")) { error in
            let error = error as! ConfigurationError
            XCTAssertEqual(error.line, 3)
            XCTAssertEqual(error.key, "upstream.ssl_mode")
            XCTAssertEqual(error.description, "bad.toml:3: upstream.ssl_mode: unknown key")
        }
    }

    func testAWrongValueIsNamed() {
        let text = "[server]\n\nlisten = \"localhost\"\n"
        XCTAssertThrowsError(try ConfigurationFile.parse(text, file: "bad.toml")) { error in
            let error = error as! ConfigurationError
            XCTAssertEqual(error.line, 3)
            XCTAssertEqual(error.key, "server.listen")
        }
        XCTAssertThrowsError(try ConfigurationFile.parse("[upstream]\nsslmode = \"always\"\n", file: "bad.toml")) { error in
            XCTAssertEqual((error as! ConfigurationError).key, "upstream.sslmode")
        }
        XCTAssertThrowsError(try ConfigurationFile.parse("[server]\nshutdown_timeout_seconds = \"5\"\n", file: "bad.toml")) { error in
            XCTAssertEqual((error as! ConfigurationError).problem, "must be an integer")
        }
    }

    func testASyntaxErrorHasItsLine() {
        XCTAssertThrowsError(try ConfigurationFile.parse("[server]\nlisten = \n", file: "bad.toml")) { error in
            XCTAssertEqual((error as! ConfigurationError).line, 2)
        }
    }

    func testHostPort() {
        XCTAssertEqual(HostPort("db:5432"), HostPort(host: "db", port: 5432))
        XCTAssertEqual(HostPort("[::1]:6432"), HostPort(host: "::1", port: 6432))
        XCTAssertEqual(HostPort(host: "::1", port: 6432).description, "[::1]:6432")
        XCTAssertNil(HostPort("db"))
        XCTAssertNil(HostPort("db:0"))
        XCTAssertNil(HostPort("db:70000"))
        XCTAssertNil(HostPort(":5432"))
    }
}
