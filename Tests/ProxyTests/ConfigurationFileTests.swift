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

    private static let mappingPath = ShippedMapping.path

    func testTheCutoverSectionGivesTablesAndRules() throws {
        let text = """
            [cutover]
            mode = "dual-write"
            reverse_dual_write = true
            block_hint = "Ask the data team."
            mapping = "\(Self.mappingPath)"
            rewrite_cache_size = 64
            allow_truncate = true

            [cutover.tables.god_vocabulary_profiles]
            mode = "rewrite"

            [cutover.tables.basin_relationships]
            reverse_dual_write = false

            [[cutover.rules]]
            name = "scorer-ahead"
            application_name = "nightly_scorer*"
            tables = { basin_relationships = "rewrite" }

            [[cutover.rules]]
            name = "office-held-back"
            user = "analyst"
            database = "words"
            client_address = "10.0.0.0/8"
            mode = "passthrough"
            reverse_dual_write = false

            [cutover.shadow]
            user = "pgcutover_shadow"
            """
        let configuration = try ConfigurationFile.parse(text, file: "cutover.toml")
        let policy = configuration.cutover
        XCTAssertEqual(policy.defaultTable, TableCutover(mode: .dualWrite, reverseDualWrite: true))
        XCTAssertEqual(policy.tables["god_vocabulary_profiles"], TableCutover(mode: .rewrite, reverseDualWrite: true))
        XCTAssertEqual(policy.tables["basin_relationships"], TableCutover(mode: .dualWrite, reverseDualWrite: false))
        XCTAssertEqual(policy.blockHint, "Ask the data team.")
        XCTAssertEqual(configuration.rewriteCacheSize, 64)
        XCTAssertTrue(configuration.allowTruncate)
        XCTAssertFalse(try ConfigurationFile.parse("[cutover]\nmode = \"rewrite\"\n", file: "default.toml").allowTruncate)
        XCTAssertEqual(policy.rules.map(\.name), ["scorer-ahead", "office-held-back"])
        XCTAssertEqual(policy.rules[0].match, ClientMatch(applicationName: "nightly_scorer*"))
        XCTAssertEqual(policy.rules[0].tables, ["basin_relationships": TableCutover(mode: .rewrite, reverseDualWrite: false)],
                       "a rule's table takes that table's reverse_dual_write")
        XCTAssertNil(policy.rules[0].everyTable)
        XCTAssertEqual(policy.rules[1].match, ClientMatch(user: "analyst", database: "words", clientAddress: CIDR("10.0.0.0/8")))
        XCTAssertEqual(policy.rules[1].everyTable, TableCutover(mode: .passthrough))
        // --mode overrides every table's default, the file's per-table sections included.
        var overridden = configuration
        overridden.mode = .shadow
        XCTAssertEqual(overridden.cutover.defaultState(of: "god_vocabulary_profiles").mode, .shadow)
        XCTAssertEqual(overridden.cutover.rules, policy.rules)
    }

    private func parseError(_ text: String) -> ConfigurationError? {
        do {
            _ = try ConfigurationFile.parse(text, file: "bad.toml")
            return nil
        } catch {
            return error
        }
    }

    func testCutoverMistakesAreNamedWithLineAndKey() {
        let mapping = "[cutover]\nmapping = \"\(Self.mappingPath)\"\n"
        var error = parseError(mapping + "[cutover.tables.god_vocabulary_profile]\nmode = \"rewrite\"\n")
        XCTAssertEqual(error?.line, 3)
        XCTAssertEqual(error?.key, "cutover.tables.god_vocabulary_profile")
        XCTAssertEqual(error?.problem, "not a legacy table of the mapping (basin_relationships, god_vocabulary_profiles)")

        error = parseError(mapping + "\n[[cutover.rules]]\nname = \"a\"\nmode = \"rewrite\"\n\n[[cutover.rules]]\nname = \"b\"\nmode = \"rewritten\"\n")
        XCTAssertEqual(error?.line, 10, "the second rule's mode, not the first's")
        XCTAssertEqual(error?.key, "cutover.rules.mode")
        XCTAssertEqual(error?.description.hasPrefix("bad.toml:10: cutover.rules.mode: must be one of passthrough, dual-write, shadow, rewrite, block"), true)

        error = parseError(mapping + "[[cutover.rules]]\nname = \"a\"\ntables = { basin_relationships = \"rewrite\", god_vocabulary = \"block\" }\n")
        XCTAssertEqual(error?.line, 5)
        XCTAssertEqual(error?.key, "cutover.rules.tables.god_vocabulary")

        error = parseError("[cutover.tables]\nbasin_relationships = { mode = \"rewrite\" }\ngod_vocabulary_profiles = { mode = \"later\" }\n")
        XCTAssertEqual(error?.line, 3, "a key of an inline table is on its table's line")
        XCTAssertEqual(error?.key, "cutover.tables.god_vocabulary_profiles.mode")

        error = parseError("[[cutover.rules]]\napplication_name = \"x\"\nmode = \"block\"\n")
        XCTAssertEqual(error?.key, "cutover.rules.name")

        error = parseError("[[cutover.rules]]\nname = \"x\"\nclient_address = \"10.0.0.0/33\"\nmode = \"block\"\n")
        XCTAssertEqual(error?.line, 3)
        XCTAssertEqual(error?.key, "cutover.rules.client_address")

        error = parseError("[[cutover.rules]]\nname = \"x\"\nmode = \"block\"\ntables = { basin_relationships = \"rewrite\" }\n")
        XCTAssertEqual(error?.key, "cutover.rules.tables")
        XCTAssertEqual(error?.line, 4)

        error = parseError("[[cutover.rules]]\nname = \"x\"\nuser = \"u\"\n")
        XCTAssertEqual(error?.problem.contains("sets no mode"), true)

        error = parseError("[[cutover.rules]]\nname = \"x\"\nmode = \"block\"\n[[cutover.rules]]\nname = \"x\"\nmode = \"rewrite\"\n")
        XCTAssertEqual(error?.line, 5)
        XCTAssertEqual(error?.problem, "another rule is already named \"x\"")

        error = parseError("[[cutover.rules]]\nname = \"x\"\nmode = \"block\"\napplication = \"y\"\n")
        XCTAssertEqual(error?.description, "bad.toml:4: cutover.rules.application: unknown key")
    }

    func testTheStoreKeepsTheRunningConfigurationOnABadReload() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pgcutover-\(UUID().uuidString).toml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "[cutover]\nmode = \"dual-write\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        let store = ConfigurationStore(initial: try ConfigurationFile.load(path: path)) { () throws(ConfigurationError) in
            try ConfigurationFile.load(path: path)
        }
        try "[cutover]\nmode = \"shadow\"\n\n[[cutover.rules]]\nname = \"r\"\nmode = \"sideways\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        guard case .failure(let error) = store.reload() else { return XCTFail("a bad file was taken") }
        XCTAssertEqual(error.description, "\(path):6: cutover.rules.mode: must be one of passthrough, dual-write, shadow, rewrite, block, not \"sideways\"")
        XCTAssertEqual(store.generation, 1)
        XCTAssertEqual(store.current.configuration.cutover.defaultTable.mode, .dualWrite)
        try "[cutover]\nmode = \"shadow\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        guard case .success(let snapshot) = store.reload() else { return XCTFail("a good file was refused") }
        XCTAssertEqual(snapshot.generation, 2)
        XCTAssertEqual(store.current.configuration.cutover.defaultTable.mode, .shadow)
    }

    func testRestartOnlySettingsAreNamedAndKept() {
        let running = ProxyConfiguration()
        var fresh = running
        fresh.listen = HostPort(host: "0.0.0.0", port: 7000)
        fresh.auditLog = "/tmp/other.jsonl"
        fresh.mode = .rewrite
        XCTAssertEqual(fresh.restartOnlyChanges(comparedWith: running), ["server.listen", "audit.log"])
        let kept = fresh.keepingRestartOnlySettings(of: running)
        XCTAssertEqual(kept.listen, running.listen)
        XCTAssertNil(kept.auditLog)
        XCTAssertEqual(kept.mode, .rewrite)
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
